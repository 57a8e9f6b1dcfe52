/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The read-only event monitor: audit records from the kernel's AUDIT_NLGRP_READLOG multicast
 * group, one at a time. It sends nothing. Every datagram passes the same sender test as the
 * client's replies (netlink-socket.c); what fails it is counted (ak_mon_spoofed) and dropped.
 * A socket filter (netlink-filter.c) keeps the records that cannot tell of a configuration change
 * out of the socket. */
#include <errno.h>
#include <stdlib.h>
#include <linux/audit.h>

#include "auditkeep/ak-kernel.h"
#include "macro.h"
#include "netlink-internal.h"

/* A record's text is at most about 8 KiB (MAX_AUDIT_MESSAGE_LENGTH); 64 KiB leaves room. */
#define AK_MON_BUF (64u * 1024u + 4096u)
/* Datagrams looked at per ak_mon_read() call, so one call cannot spin forever on a flood. */
#define AK_MON_READ_MAX 1024u

struct ak_mon {
        ak_sock sock;
        uint8_t *buf;
        uint64_t spoofed;
        uint64_t malformed;
        int filtered;           /* the socket filter is attached (netlink-filter.c) */
};

/* Takes the socket: it is closed on failure. */
static int mon_new(ak_mon **ret, ak_sock *s) {
        _cleanup_free_ ak_mon *m = NULL;

        m = calloc(1, sizeof(*m));
        if (!m)
                goto fail;
        m->buf = malloc(AK_MON_BUF);
        if (!m->buf)
                goto fail;
        m->sock = *s;
        /* without it (an old kernel, a seccomp policy) every record is read: slower, not wrong */
        m->filtered = ak_mon_filter_attach(m->sock.fd) >= 0;
        *ret = TAKE_PTR(m);
        return 0;
fail:
        ak_sock_close(s);
        return -ENOMEM;
}

int ak_mon_open(ak_mon **ret) {
        ak_sock s;
        int r;

        if (!ret)
                return -EINVAL;
        /* EPERM without CAP_AUDIT_READ. */
        r = ak_sock_open_audit(&s, 1u << (AUDIT_NLGRP_READLOG - 1));
        if (r < 0)
                return r;
        return mon_new(ret, &s);
}

int ak_mon_open_fd(ak_mon **ret, int fd) {
        ak_sock s;
        int r = ak_sock_open_fd(&s, fd, !!ret);

        return r < 0 ? r : mon_new(ret, &s);
}

ak_mon *ak_mon_free(ak_mon *m) {
        if (!m)
                return NULL;
        ak_sock_close(&m->sock);
        free(m->buf);
        free(m);
        return NULL;
}

int ak_mon_fd(const ak_mon *m) {
        return m ? m->sock.fd : -EINVAL;
}

int ak_mon_filtered(const ak_mon *m) {
        return m && m->filtered;
}

uint64_t ak_mon_spoofed(const ak_mon *m) {
        return m ? m->spoofed : 0;
}

/* A record that does not fit the buffer is delivered with its body cut short (records are hints;
 * the daemon resynchronises from the kernel's state anyway). Unparsable ones are dropped. */
int ak_mon_read(ak_mon *m, ak_record *ret) {
        if (!m || !ret)
                return -EINVAL;

        for (unsigned k = 0; k < AK_MON_READ_MAX; k++) {
                struct sockaddr_storage ss;
                struct iovec iov = {
                        .iov_base = m->buf,
                        .iov_len = AK_MON_BUF,
                };
                struct msghdr msg = {
                        .msg_name = &ss,
                        .msg_namelen = sizeof(ss),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                };
                ssize_t n;
                int r;

                n = recvmsg(m->sock.fd, &msg, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        return -errno;  /* -ENOBUFS: records were lost */
                }
                r = ak_sock_check_datagram(&m->sock, &msg, (size_t) n);
                if (r < 0)
                        return r;
                if (r == 0) {
                        m->spoofed++;
                        continue;
                }
                if (ak_record_parse(m->buf, (size_t) n, ret) < 0) {
                        m->malformed++;
                        continue;
                }
                return 1;
        }
        return 0;
}
