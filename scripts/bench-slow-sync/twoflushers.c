/*
 * Whether this machine's slow log flushes stall the whole disk or one flush: two threads write
 * a page each and `fdatasync` the same file in a loop, as two flushers of one log would, and
 * every flush slower than 10 ms is listed with what the other thread finished meanwhile.
 *
 * If a second flush begun during a slow one could finish first, commits made during a stall
 * could be acknowledged without waiting for it (a second flusher thread). If both threads
 * stall together, the disk holds every flush and no flusher design can shorten the wait.
 * BENCHMARKS.md ("What a `POST` p99 over 5 ms is made of") has the result. Nothing in the
 * tests uses it.
 *
 *   gcc -O2 -o /tmp/twoflushers scripts/bench-slow-sync/twoflushers.c -lpthread
 *   /tmp/twoflushers 240 ./flushes.dat     # seconds to run, a file on the disk to test
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { pages = 256, maxFlushes = 4000000 };

struct flush { double start, end; };
struct flusher { int id; long count; struct flush *flushes; };

static int file;
static double duration, origin;

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static void *flushLoop(void *argument) {
    struct flusher *flusher = argument;
    char page[4096];
    memset(page, 'a' + flusher->id, sizeof page);
    for (long i = 0; seconds() - origin < duration && flusher->count < maxFlushes; i++) {
        // Each thread writes its own pages, so that each flush has something to write.
        pwrite(file, page, sizeof page, ((i % pages) * 2 + flusher->id) * (off_t)sizeof page);
        double start = seconds();
        fdatasync(file);
        flusher->flushes[flusher->count++] = (struct flush){start - origin, seconds() - origin};
        usleep(500);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SECONDS FILE\n", argv[0]);
        return 2;
    }
    duration = atof(argv[1]);
    file = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (file < 0) {
        perror(argv[2]);
        return 1;
    }
    char zeros[4096] = {0};
    for (int i = 0; i < 2 * pages; i++) pwrite(file, zeros, sizeof zeros, i * (off_t)sizeof zeros);
    fsync(file);

    struct flusher flushers[2];
    pthread_t threads[2];
    origin = seconds();
    for (int i = 0; i < 2; i++) {
        flushers[i] = (struct flusher){i, 0, malloc(sizeof(struct flush) * maxFlushes)};
        pthread_create(&threads[i], NULL, flushLoop, &flushers[i]);
    }
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);

    long slow = 0;
    for (int i = 0; i < 2; i++) {
        struct flusher *self = &flushers[i], *other = &flushers[1 - i];
        for (long j = 0; j < self->count; j++) {
            struct flush f = self->flushes[j];
            if (f.end - f.start < 0.010) continue;
            slow++;
            long finishedWithin = 0;
            for (long k = 0; k < other->count; k++) {
                struct flush g = other->flushes[k];
                if (g.start > f.start && g.end < f.end) finishedWithin++;
            }
            printf("thread %d: a flush of %.1f ms at %.2f s; the other thread finished %ld flushes begun during it\n",
                   i, (f.end - f.start) * 1e3, f.start, finishedWithin);
        }
    }
    printf("%ld and %ld flushes in %.0f s, %ld of them over 10 ms\n", flushers[0].count, flushers[1].count, duration, slow);
    unlink(argv[2]);
    return 0;
}
