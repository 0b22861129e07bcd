/*
 * Which flushes were slow, for tracing a benchmark's tail: preloaded into a process, it times
 * every fdatasync and fsync and writes one line to standard error for each that took longer
 * than FLUSHTIMES_MS milliseconds (default 10): the call, its time, when it ended (seconds
 * since the epoch) and the file it flushed. Nothing in the tests uses it.
 *
 *   gcc -shared -fPIC -O2 -o /tmp/flushtimes.so scripts/bench-slow-sync/flushtimes.c -ldl
 *   LD_PRELOAD=/tmp/flushtimes.so courier bench --scenario latency --events 10000 --http 2> flushes.txt
 *
 * BENCHMARKS.md ("What a `POST` p99 over 5 ms is made of") traced the runs over 5 ms with it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t clock) {
    struct timespec now;
    clock_gettime(clock, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static int timed(const char *name, int (*real)(int), int fd) {
    static double limit = -1;
    if (limit < 0) {
        const char *value = getenv("FLUSHTIMES_MS");
        limit = (value ? atof(value) : 10) / 1000;
    }
    double began = seconds(CLOCK_MONOTONIC);
    int result = real(fd);
    double took = seconds(CLOCK_MONOTONIC) - began;
    if (took > limit) {
        char link[64], path[512], line[700];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t length = readlink(link, path, sizeof path - 1);
        path[length > 0 ? length : 0] = 0;
        int size = snprintf(line, sizeof line, "%s %.1f ms, ended %.3f, %s\n", name, took * 1000, seconds(CLOCK_REALTIME), path);
        write(2, line, size > 0 && size < (int)sizeof line ? size : 0);
    }
    return result;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return timed("fdatasync", real, fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return timed("fsync", real, fd);
}
