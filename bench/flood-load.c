/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The load of bench/flood.py, run as an unprivileged user: audited syscalls as fast as one process
 * can make them, or a watched name created and deleted over and over, for SECONDS.
 *   flood-load getppid SECONDS
 *   flood-load watch PATH SECONDS
 * Prints how many operations it made. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        unsigned long n = 0;
        double end;

        if (argc == 3 && strcmp(argv[1], "getppid") == 0) {
                end = now() + atof(argv[2]);
                while (now() < end)
                        for (int i = 0; i < 1000; i++, n++)
                                (void) syscall(SYS_getppid);
        } else if (argc == 4 && strcmp(argv[1], "watch") == 0) {
                end = now() + atof(argv[3]);
                while (now() < end)
                        for (int i = 0; i < 100; i++, n++) {
                                int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                                if (fd >= 0)
                                        close(fd);
                                (void) unlink(argv[2]);
                        }
        } else {
                fprintf(stderr, "usage: flood-load getppid SECONDS | watch PATH SECONDS\n");
                return 2;
        }
        printf("%lu\n", n);
        return 0;
}
