/*
 * A slower disk's flush, and which flushes were slow, for benchmarks: preloaded into a
 * process, it wraps every fsync and fdatasync.
 *
 * - It makes each wait SLOWSYNC_US microseconds (default 500) before the real call. The
 *   development machine's disk flushes in about 0.13 ms on a fast stretch and 0.5 ms on a slow
 *   one; this puts the slow one under a side-by-side comparison on demand.
 * - With FLUSHTIMES_MS set, it also writes one line to standard error for each real call that
 *   took longer than that many milliseconds: the call, its time, when it ended (seconds since
 *   the epoch) and the file it flushed. BENCHMARKS.md ("What a `POST` p99 over 5 ms is made
 *   of") traced the runs over 5 ms that way, with SLOWSYNC_US=0.
 *
 * Nothing in the tests uses it.
 *
 *   gcc -shared -fPIC -O2 -o /tmp/slowsync.so scripts/bench-slow-sync/slowsync.c -ldl
 *   LD_PRELOAD=/tmp/slowsync.so SLOWSYNC_US=500 scripts/bench-compare BEFORE AFTER -- ...
 *   LD_PRELOAD=/tmp/slowsync.so SLOWSYNC_US=0 FLUSHTIMES_MS=10 courier bench ... 2> flushes.txt
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

static int flush(const char *name, int (*real)(int), int fd) {
    static long us = -1;
    static double limit = -2;
    if (us < 0) {
        const char *value = getenv("SLOWSYNC_US");
        us = value ? atol(value) : 500;
    }
    if (limit < -1) {
        const char *value = getenv("FLUSHTIMES_MS");
        limit = value ? atof(value) / 1000 : -1;
    }
    if (us > 0) {
        struct timespec wait = { us / 1000000, (us % 1000000) * 1000 };
        nanosleep(&wait, NULL);
    }
    if (limit < 0) return real(fd);
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
    return flush("fdatasync", real, fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return flush("fsync", real, fd);
}
