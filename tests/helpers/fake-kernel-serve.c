/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fake-kernel-serve PROGRAM [ARG...]: run PROGRAM (the built auditkeepd) against the fake kernel
 * (fake-kernel.h), for the tests written in Python (akharness.Daemon(fake_kernel=True)).
 *
 * A child process serves the fake kernel on one end of a SOCK_SEQPACKET pair; this process execs
 * PROGRAM with the other end appended as --control-fd=N and --monitor-fd=none (no records: every
 * poll lists the rules), so the pid the test started is the daemon's and its signals reach the
 * daemon. The child ends when the daemon closes its end, and dies with it (PR_SET_PDEATHSIG).
 * The fake starts as fake_kernel_new() makes it (enabled 1, failure 1, backlog_limit 64, no
 * rules). The real kernel is never touched; no privilege is needed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fake-kernel.h"

int main(int argc, char **argv) {
        fake_kernel *fk = NULL;
        char a_control[64];
        char **args;
        pid_t parent = getpid(), pid;
        int client, r;

        if (argc < 2) {
                fprintf(stderr, "usage: fake-kernel-serve PROGRAM [ARG...]\n");
                return 2;
        }
        r = fake_kernel_new(FAKE_SEQPACKET, &fk);
        if (r < 0) {
                fprintf(stderr, "fake-kernel-serve: %s\n", strerror(-r));
                return 1;
        }
        client = fake_kernel_take_client_fd(fk);

        pid = fork();
        if (pid < 0) {
                perror("fake-kernel-serve: fork");
                return 1;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(0);
                close(client);
                /* hold neither the daemon's log nor a pipe the test reads to its end */
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                }
                for (;;) {
                        r = fake_kernel_step(fk, -1);
                        if (r < 0 && r != -EINTR)
                                break;
                }
                _exit(r == -ECONNRESET ? 0 : 1);
        }

        /* the daemon: the client's end inherited, the kernel's end not */
        if (fk->fd >= 0)
                close(fk->fd);
        if (fcntl(client, F_SETFD, 0) < 0) {
                perror("fake-kernel-serve: fcntl");
                return 1;
        }
        snprintf(a_control, sizeof(a_control), "--control-fd=%d", client);
        args = calloc((size_t) argc + 2, sizeof(char *));
        if (!args)
                return 1;
        for (int i = 1; i < argc; i++)
                args[i - 1] = argv[i];
        args[argc - 1] = a_control;
        args[argc] = (char *) "--monitor-fd=none";
        args[argc + 1] = NULL;
        execv(args[0], args);
        fprintf(stderr, "fake-kernel-serve: %s: %s\n", args[0], strerror(errno));
        return 127;
}
