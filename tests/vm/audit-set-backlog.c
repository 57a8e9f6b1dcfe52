/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM guest's oracle for a locked kernel: send one AUDIT_SET of backlog_limit straight to the
 * kernel and print its answer. auditctl cannot serve here: from audit 4.0 it refuses a change on
 * a locked kernel itself and sends nothing, so the kernel never logs the refusal the check looks
 * for. Built statically on the host (tests/vm/run) so it runs in either guest.
 *
 *   audit-set-backlog LIMIT   exit 0: the kernel took it; 1: it refused (errno printed); 2: usage
 *                             or socket trouble
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
        struct {
                struct nlmsghdr nh;
                struct audit_status s;
        } req = {
                .nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct audit_status)),
                .nh.nlmsg_type = AUDIT_SET,
                .nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
                .nh.nlmsg_seq = 1,
                .s.mask = AUDIT_STATUS_BACKLOG_LIMIT,
        };
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        char buf[8192];
        char *end;
        int fd;

        if (argc != 2) {
                fprintf(stderr, "usage: %s LIMIT\n", argv[0]);
                return 2;
        }
        errno = 0;
        unsigned long v = strtoul(argv[1], &end, 10);
        if (errno != 0 || *end != '\0' || v > 0xffffffffUL) {
                fprintf(stderr, "%s: bad limit '%s'\n", argv[0], argv[1]);
                return 2;
        }
        req.s.backlog_limit = (unsigned) v;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        if (fd < 0 || sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *) &kernel,
                             sizeof(kernel)) < 0) {
                fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
                return 2;
        }
        /* The ack is the only answer AUDIT_SET gets. */
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
                        return 2;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != 1 || h->nlmsg_type != NLMSG_ERROR)
                                continue;
                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                                break;
                        int e = ((struct nlmsgerr *) NLMSG_DATA(h))->error;
                        if (e == 0) {
                                printf("backlog_limit %lu taken\n", v);
                                return 0;
                        }
                        printf("refused: %s\n", strerror(-e));
                        return 1;
                }
        }
}
