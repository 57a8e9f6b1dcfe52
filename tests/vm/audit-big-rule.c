/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM guest's biggest rule (issue #22, item 4): an exit rule of 64 subj_user fields of 4000
 * bytes each, about 257 KiB, sent to the kernel over a raw NETLINK_AUDIT socket. The kernel keeps
 * LSM fields while an LSM is active even with values it rejects (AppArmor in the Debian guests),
 * and a string of up to PATH_MAX bytes. auditctl cannot add it (its messages stop at 8970 bytes)
 * nor list it, hence this helper. Built statically on the host (tests/vm/run) so it runs in either
 * guest.
 *
 *   audit-big-rule add     add the rule; exit 0: the kernel took it, 1: it refused (errno
 *                          printed), 2: usage or socket trouble
 *   audit-big-rule del     delete it (the same bytes); exit codes as for add
 *   audit-big-rule count   list the kernel's rules; print "rules N big M" (M: rules of 64 KiB or
 *                          more); exit 0, or 2 on trouble
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define N_FIELDS AUDIT_MAX_FIELDS       /* 64 */
#define VALUE_LEN 4000
#define BIG_RULE 65536                  /* a listed rule this long or longer counts as big */

static int open_audit(void) {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        int v = 1 << 20, one = 1;

        if (fd < 0) {
                fprintf(stderr, "socket(NETLINK_AUDIT): %s\n", strerror(errno));
                return -1;
        }
        /* the rule is longer than the default SO_SNDBUF (208 KiB) allows; root in the guest has
         * CAP_NET_ADMIN for the FORCE variant. The receive buffer holds a listing of it. */
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
                fprintf(stderr, "warning: SO_SNDBUFFORCE/SO_RCVBUFFORCE: %s\n", strerror(errno));
        /* errors carry only the header, not the 257 KiB request */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        return fd;
}

static int send_msg(int fd, void *msg, size_t len) {
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

        if (sendto(fd, msg, len, 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0) {
                fprintf(stderr, "sendto (%zu bytes): %s\n", len, strerror(errno));
                return -1;
        }
        return 0;
}

/* One datagram of any size into *buf (grown to fit). Its length, or -1. */
static ssize_t recv_any(int fd, char **buf, size_t *size) {
        ssize_t n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);

        if (n < 0) {
                fprintf(stderr, "recv: %s\n", strerror(errno));
                return -1;
        }
        if ((size_t) n > *size) {
                char *b = realloc(*buf, (size_t) n);
                if (!b) {
                        fprintf(stderr, "out of memory\n");
                        return -1;
                }
                *buf = b;
                *size = (size_t) n;
        }
        n = recv(fd, *buf, *size, 0);
        if (n < 0)
                fprintf(stderr, "recv: %s\n", strerror(errno));
        return n;
}

/* The 64 x 4000-byte rule as an AUDIT_ADD_RULE or AUDIT_DEL_RULE message, with NLM_F_ACK. */
static struct nlmsghdr *big_rule(int type, size_t *ret_len) {
        size_t payload = sizeof(struct audit_rule_data) + (size_t) N_FIELDS * VALUE_LEN;
        size_t len = NLMSG_SPACE(payload);
        struct nlmsghdr *nh = calloc(1, len);
        struct audit_rule_data *r;

        if (!nh)
                return NULL;
        nh->nlmsg_len = (unsigned) NLMSG_LENGTH(payload);
        nh->nlmsg_type = (unsigned short) type;
        nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        nh->nlmsg_seq = 1;
        r = NLMSG_DATA(nh);
        r->flags = AUDIT_FILTER_EXIT;
        r->action = AUDIT_ALWAYS;
        r->field_count = N_FIELDS;
        /* one syscall that nothing in the guest calls (acct, 163 on x86_64): the rule costs
         * nothing while it is there */
        r->mask[163 / 32] = 1U << (163 % 32);
        r->buflen = N_FIELDS * VALUE_LEN;
        for (unsigned i = 0; i < N_FIELDS; i++) {
                char *v = r->buf + (size_t) i * VALUE_LEN;

                r->fields[i] = AUDIT_SUBJ_USER;
                r->fieldflags[i] = AUDIT_EQUAL;
                r->values[i] = VALUE_LEN;
                memset(v, 'a' + (int) (i % 26), VALUE_LEN);
                memcpy(v, "vmtest_big_", 11);
                v[11] = (char) ('0' + i / 10);
                v[12] = (char) ('0' + i % 10);
        }
        *ret_len = nh->nlmsg_len;
        return nh;
}

/* Send msg, then hand every message of the answers to handle() until it returns an exit code
 * (>= 0); 2 on socket trouble. */
static int talk(int fd, void *msg, size_t len, int (*handle)(const struct nlmsghdr *h, void *userdata),
                void *userdata) {
        size_t size = 0;
        char *buf = NULL;
        int r = -1;

        if (send_msg(fd, msg, len) < 0)
                return 2;
        while (r < 0) {
                ssize_t n = recv_any(fd, &buf, &size);
                int left = (int) n;

                if (n < 0)
                        r = 2;
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; r < 0 && NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
                        r = handle(h, userdata);
        }
        free(buf);
        return r;
}

struct change {
        int type;
        size_t len;
};

static int on_change_answer(const struct nlmsghdr *h, void *userdata) {
        const struct change *c = userdata;
        const char *what = c->type == AUDIT_ADD_RULE ? "add" : "del";
        const struct nlmsgerr *e = NLMSG_DATA(h);

        if (h->nlmsg_type != NLMSG_ERROR)
                return -1;
        if (e->error == 0) {
                printf("%s: the kernel took the rule (%zu bytes, %d fields of %d bytes)\n", what, c->len, N_FIELDS, VALUE_LEN);
                return 0;
        }
        printf("%s: the kernel refused the rule (%zu bytes): %s\n", what, c->len, strerror(-e->error));
        return 1;
}

static int change(int fd, int type) {
        struct change c = { .type = type };
        struct nlmsghdr *nh = big_rule(type, &c.len);
        int r;

        if (!nh) {
                fprintf(stderr, "out of memory\n");
                return 2;
        }
        r = talk(fd, nh, c.len, on_change_answer, &c);
        free(nh);
        return r;
}

struct count {
        unsigned rules, big;
};

static int on_list_answer(const struct nlmsghdr *h, void *userdata) {
        struct count *c = userdata;
        const struct nlmsgerr *e = NLMSG_DATA(h);

        switch (h->nlmsg_type) {
        case AUDIT_LIST_RULES:
                c->rules++;
                c->big += h->nlmsg_len >= BIG_RULE;
                return -1;
        case NLMSG_DONE:
                printf("rules %u big %u\n", c->rules, c->big);
                return 0;
        case NLMSG_ERROR:
                if (e->error == 0)
                        return -1;      /* the ACK */
                fprintf(stderr, "AUDIT_LIST_RULES: %s\n", strerror(-e->error));
                return 2;
        default:
                return -1;
        }
}

static int count(int fd) {
        struct nlmsghdr req = {
                .nlmsg_len = NLMSG_LENGTH(0),
                .nlmsg_type = AUDIT_LIST_RULES,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
                .nlmsg_seq = 2,
        };
        struct count c = {};

        return talk(fd, &req, req.nlmsg_len, on_list_answer, &c);
}

int main(int argc, char **argv) {
        int fd;

        if (argc != 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0 && strcmp(argv[1], "count") != 0)) {
                fprintf(stderr, "usage: %s add|del|count\n", argv[0]);
                return 2;
        }
        fd = open_audit();
        if (fd < 0)
                return 2;
        if (strcmp(argv[1], "count") == 0)
                return count(fd);
        return change(fd, strcmp(argv[1], "add") == 0 ? AUDIT_ADD_RULE : AUDIT_DEL_RULE);
}
