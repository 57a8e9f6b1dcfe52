/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User audit records (AUDIT_USYS_CONFIG): what auditkeepd finds and does, in the audit trail
 * itself. Sent on a socket of their own, without waiting for an answer: the kernel answers only a
 * refusal, which is read and dropped before the next record. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "auditkeep/ak-kernel.h"
#include "macro.h"
#include "util.h"

int ak_trail_open(int *ret_fd) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        int fd;

        assert(ret_fd);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
        if (fd < 0)
                return -errno;
        /* Connected to the kernel (port 0): the kernel refuses datagrams from any other port
         * for it (ECONNREFUSED), so nobody can fill its receive queue. */
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int ak_trail_send(int fd, uint16_t type, const char *text) {
        size_t len = strlen(text) + 1;          /* the kernel takes the text with its NUL */
        struct nlmsghdr h = {
                .nlmsg_len = (uint32_t) NLMSG_LENGTH(len),
                .nlmsg_type = type,
                .nlmsg_flags = NLM_F_REQUEST,
        };
        struct iovec iov[2] = { { &h, NLMSG_HDRLEN }, { (void *) text, len } };
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
        char drain[256];

        if (fd < 0 || len > 8192)
                return -EINVAL;
        /* answers to earlier records (refusals only): not kept */
        while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
                ;
        if (sendmsg(fd, &msg, MSG_DONTWAIT) < 0)
                return -errno;
        return 0;
}

char *ak_trail_value(const char *v) {
        const unsigned char *u = (const unsigned char *) v;
        int plain = 1;
        strbuf b = {};

        assert(v);
        for (size_t i = 0; u[i]; i++)
                if (u[i] <= 0x20 || u[i] >= 0x7f || u[i] == '"' || u[i] == '\'')
                        plain = 0;
        if (plain && *v) {
                strbuf_printf(&b, "\"%s\"", v);
                return strbuf_steal(&b);
        }
        /* as the kernel and libaudit write an untrusted string: bare upper-case hex */
        for (size_t i = 0; u[i]; i++)
                strbuf_printf(&b, "%02X", u[i]);
        strbuf_puts(&b, "");
        return strbuf_steal(&b);
}
