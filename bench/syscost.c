/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscost: what a system call costs this process, in nanoseconds: the measuring half of
 * bench/syscost.py, which loads each rule set into the kernel before running it. Nothing here
 * touches the audit configuration.
 *
 *   syscost FILE [SCALE]   prints "getppid NS", "openat+close NS", "execve NS" (one line each):
 *                          the median over 7 batches of the time per call (per pair for
 *                          openat+close on FILE; per posix_spawn + waitpid of /bin/true for
 *                          execve, which is dominated by process creation). SCALE (default 1)
 *                          multiplies the batch sizes: 1 keeps a run under a second here.
 *
 * Every time is CLOCK_MONOTONIC. The process must have been started after auditing was enabled
 * (the kernel gives a task its audit context at fork), which bench/syscost.py does. */
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 7

extern char **environ;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
        qsort(v, n, sizeof(double), cmp_double);
        return v[n / 2];
}

static double time_getppid(long n) {
        double v[BATCHES];

        for (int b = 0; b < BATCHES; b++) {
                uint64_t t0 = now_ns();

                for (long i = 0; i < n; i++)
                        (void) syscall(SYS_getppid);    /* the syscall itself, never a cached value */
                v[b] = (double) (now_ns() - t0) / (double) n;
        }
        return median(v, BATCHES);
}

static double time_open_close(const char *path, long n) {
        double v[BATCHES];

        for (int b = 0; b < BATCHES; b++) {
                uint64_t t0 = now_ns();

                for (long i = 0; i < n; i++) {
                        int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

                        if (fd < 0) {
                                perror(path);
                                exit(1);
                        }
                        close(fd);
                }
                v[b] = (double) (now_ns() - t0) / (double) n;
        }
        return median(v, BATCHES);
}

static double time_execve(long n) {
        char *argv[] = { (char *) "/bin/true", NULL };
        double v[BATCHES];

        for (int b = 0; b < BATCHES; b++) {
                uint64_t t0 = now_ns();

                for (long i = 0; i < n; i++) {
                        pid_t pid;
                        int st;

                        if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0 ||
                            waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                                fprintf(stderr, "syscost: /bin/true failed\n");
                                exit(1);
                        }
                }
                v[b] = (double) (now_ns() - t0) / (double) n;
        }
        return median(v, BATCHES);
}

int main(int argc, char **argv) {
        long scale = argc > 2 ? atol(argv[2]) : 1;

        if (argc < 2 || scale < 1) {
                fprintf(stderr, "usage: syscost FILE [SCALE]\n");
                return 2;
        }
        printf("getppid %.0f\n", time_getppid(20000 * scale));
        printf("openat+close %.0f\n", time_open_close(argv[1], 4000 * scale));
        printf("execve %.0f\n", time_execve(15 * scale));
        return 0;
}
