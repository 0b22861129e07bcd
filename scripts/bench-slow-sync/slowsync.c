/*
 * A slower disk's flush, for benchmarks: preloaded into a process, it makes every fsync and
 * fdatasync wait SLOWSYNC_US microseconds (default 500) before the real call. The development
 * machine's disk flushes in about 0.13 ms on a fast stretch and 0.5 ms on a slow one; this
 * puts the slow one under a side-by-side comparison on demand. Nothing in the tests uses it.
 *
 *   gcc -shared -fPIC -O2 -o /tmp/slowsync.so scripts/bench-slow-sync/slowsync.c -ldl
 *   LD_PRELOAD=/tmp/slowsync.so SLOWSYNC_US=500 scripts/bench-compare BEFORE AFTER -- ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void pause_first(void) {
    static long us = -1;
    if (us < 0) {
        const char *value = getenv("SLOWSYNC_US");
        us = value ? atol(value) : 500;
    }
    struct timespec wait = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&wait, NULL);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    pause_first();
    return real(fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    pause_first();
    return real(fd);
}
