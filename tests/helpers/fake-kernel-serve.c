/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fake-kernel-serve PROGRAM [ARG...]: run PROGRAM (the built auditkeepd) against the fake kernel
 * (fake-kernel.h), for the tests written in Python (akharness.Daemon(fake_kernel=True)).
 *
 * A child process serves the fake kernel on one end of a SOCK_SEQPACKET pair; this process execs
 * PROGRAM with the other end appended as --control-fd=N and --monitor-fd=none (no records: every
 * poll lists the rules), so the pid the test started is the daemon's and its signals reach the
 * daemon. The child ends when the daemon closes its end, and dies with it (PR_SET_PDEATHSIG).
 * The fake starts as fake_kernel_new() makes it (enabled 1, failure 1, backlog_limit 64, no
 * rules). The real kernel is never touched; no privilege is needed.
 *
 * With FAKE_KERNEL_SERVE_CONTROL=PATH in the environment, the daemon gets records too (an AF_UNIX
 * SOCK_SEQPACKET pair as --monitor-fd) and the child listens on a datagram socket bound at PATH:
 * each datagram "remove-rule" removes the last rule of the exit list, as another process would,
 * and sends the records the kernel would send for it (CONFIG_CHANGE, then the SYSCALL record of
 * the same stamp naming FAKE_CHANGER), so that a test sees drift and its changer on the bus. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake-kernel.h"

#define FAKE_CHANGER "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3"

/* "remove-rule": the exit list's last rule goes, and its records follow (stamp `serial`). */
static void outside_remove_rule(fake_kernel *fk, int mon, unsigned serial) {
        size_t *n = &fk->n_rules[AUDIT_FILTER_EXIT];
        char rec[600];

        if (*n == 0)
                return;
        free(fk->rules[AUDIT_FILTER_EXIT][*n - 1].data);
        (*n)--;
        snprintf(rec, sizeof(rec), "audit(1700000000.123:%u): auid=1000 ses=3 subj=unconfined op=remove_rule "
                 "key=(null) list=%d res=1", serial, AUDIT_FILTER_EXIT);
        (void) fake_emit_record(mon, AUDIT_CONFIG_CHANGE, rec, 1);
        snprintf(rec, sizeof(rec), "audit(1700000000.123:%u): arch=c000003e syscall=44 success=yes exit=1084 a0=4 "
                 "a1=7ffc2a1b2c30 a2=43c a3=0 items=0 ppid=4241 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 "
                 "fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"auditctl\" exe=\"/usr/sbin/auditctl\" "
                 "subj=unconfined key=(null)", serial);
        (void) fake_emit_record(mon, AUDIT_SYSCALL, rec, 1);
}

/* Serve the fake kernel, and the test's requests on `control` (-1: none). Returns like
 * fake_kernel_step() when the daemon goes away. */
static int serve(fake_kernel *fk, int control, int mon) {
        unsigned serial = 4242;
        int r;

        if (control < 0)
                for (;;) {
                        r = fake_kernel_step(fk, -1);
                        if (r < 0 && r != -EINTR)
                                return r;
                }
        for (;;) {
                struct pollfd p[2] = { { .fd = fk->fd, .events = POLLIN }, { .fd = control, .events = POLLIN } };
                char cmd[64];
                ssize_t n;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[0].revents) {
                        r = fake_kernel_step(fk, 0);
                        if (r < 0 && r != -EINTR)
                                return r;
                }
                if (p[1].revents & POLLIN) {
                        n = recv(control, cmd, sizeof(cmd) - 1, MSG_DONTWAIT);
                        if (n > 0) {
                                cmd[n] = '\0';
                                if (strcmp(cmd, "remove-rule") == 0)
                                        outside_remove_rule(fk, mon, serial++);
                        }
                }
        }
}

int main(int argc, char **argv) {
        fake_kernel *fk = NULL;
        const char *control_path = getenv("FAKE_KERNEL_SERVE_CONTROL");
        char a_control[64], a_monitor[64] = "--monitor-fd=none";
        int mon[2] = { -1, -1 }, control = -1;
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
        if (control_path && *control_path) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };

                if (strlen(control_path) >= sizeof(sa.sun_path)) {
                        fprintf(stderr, "fake-kernel-serve: %s: path too long\n", control_path);
                        return 1;
                }
                strcpy(sa.sun_path, control_path);
                control = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (control < 0 || bind(control, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
                    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, mon) < 0) {
                        perror("fake-kernel-serve: control socket");
                        return 1;
                }
        }

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
                if (mon[0] >= 0)
                        close(mon[0]);
                /* hold neither the daemon's log nor a pipe the test reads to its end */
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                }
                r = serve(fk, control, mon[1]);
                _exit(r == -ECONNRESET ? 0 : 1);
        }

        /* the daemon: the client's end inherited, the kernel's end not */
        if (fk->fd >= 0)
                close(fk->fd);
        if (control >= 0)
                close(control);
        if (mon[1] >= 0)
                close(mon[1]);
        if (fcntl(client, F_SETFD, 0) < 0 || (mon[0] >= 0 && fcntl(mon[0], F_SETFD, 0) < 0)) {
                perror("fake-kernel-serve: fcntl");
                return 1;
        }
        snprintf(a_control, sizeof(a_control), "--control-fd=%d", client);
        if (mon[0] >= 0)
                snprintf(a_monitor, sizeof(a_monitor), "--monitor-fd=%d", mon[0]);
        args = calloc((size_t) argc + 2, sizeof(char *));
        if (!args)
                return 1;
        for (int i = 1; i < argc; i++)
                args[i - 1] = argv[i];
        args[argc - 1] = a_control;
        args[argc] = a_monitor;
        args[argc + 1] = NULL;
        execv(args[0], args);
        fprintf(stderr, "fake-kernel-serve: %s: %s\n", args[0], strerror(errno));
        return 127;
}
