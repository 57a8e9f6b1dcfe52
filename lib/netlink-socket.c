/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The socket under the NETLINK_AUDIT client and the event monitor: opening it (or adopting a
 * test's fd), learning what it is, and the sender test every received datagram passes before
 * anything reads its bytes. One test for both readers, so that a datagram the client would drop
 * as spoofed is dropped by the monitor too. */
#include <errno.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "netlink-internal.h"

static void set_rcvbuf(int fd, int size) {
        /* FORCE needs CAP_NET_ADMIN; without it the plain option is capped at rmem_max. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* Type, family, own port and peer port of a datagram socket. */
static int probe(ak_sock *s) {
        struct sockaddr_nl sa;
        socklen_t len;
        int type, domain;

        len = sizeof(type);
        if (getsockopt(s->fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
                return -errno;
        if (type != SOCK_DGRAM && type != SOCK_SEQPACKET && type != SOCK_RAW)
                return -ESOCKTNOSUPPORT;
        len = sizeof(domain);
        if (getsockopt(s->fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
                return -errno;

        s->type = type;
        s->is_netlink = domain == AF_NETLINK;
        s->portid = 0;
        s->peer = 0;
        if (domain != AF_NETLINK)
                return 0;

        len = sizeof(sa);
        if (getsockname(s->fd, (struct sockaddr *) &sa, &len) == 0 && len >= sizeof(sa))
                s->portid = sa.nl_pid;
        /* Unconnected (the normal case): 0, the kernel. A socket connected to another port (a test
         * peer) accepts unicast from that port only, enforced by the kernel too. */
        len = sizeof(sa);
        if (getpeername(s->fd, (struct sockaddr *) &sa, &len) == 0 && len >= sizeof(sa))
                s->peer = sa.nl_pid;
        return 0;
}

int ak_sock_open_audit(ak_sock *s, unsigned groups) {
        struct mnl_socket *mnl;
        int r;

        mnl = mnl_socket_open2(NETLINK_AUDIT, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (!mnl)
                return -errno;
        /* Big before binding, so that no burst is lost in between. */
        set_rcvbuf(mnl_socket_get_fd(mnl), AK_SOCK_RCVBUF);
        if (mnl_socket_bind(mnl, groups, MNL_SOCKET_AUTOPID) < 0) {
                r = -errno;
                mnl_socket_close(mnl);
                return r;
        }
        *s = (ak_sock) { .mnl = mnl, .fd = mnl_socket_get_fd(mnl) };
        r = probe(s);
        if (r < 0) {
                ak_sock_close(s);
                return r;
        }
        s->portid = mnl_socket_get_portid(mnl);
        return 0;
}

int ak_sock_open_fd(ak_sock *s, int fd, int have_ret) {
        int r;

        if (fd < 0)
                return -EBADF;
        if (!have_ret) {
                close(fd);
                return -EINVAL;
        }
        *s = (ak_sock) { .fd = fd };
        r = probe(s);
        if (r < 0)
                ak_sock_close(s);
        return r;
}

void ak_sock_close(ak_sock *s) {
        if (s->mnl)
                mnl_socket_close(s->mnl);
        else if (s->fd >= 0)
                close(s->fd);
        *s = (ak_sock) { .fd = -EBADF };
}

void ak_sock_refresh_portid(ak_sock *s) {
        struct sockaddr_nl sa;
        socklen_t len = sizeof(sa);

        if (s->is_netlink && s->portid == 0 &&
            getsockname(s->fd, (struct sockaddr *) &sa, &len) == 0 && len >= sizeof(sa))
                s->portid = sa.nl_pid;
}

int ak_sock_check_datagram(const ak_sock *s, const struct msghdr *msg, size_t n) {
        const struct sockaddr_nl *sa = msg->msg_name;

        if (n == 0 && s->type == SOCK_SEQPACKET)
                return -ECONNRESET;     /* the peer closed */
        if (!s->is_netlink)
                return 1;               /* a test's socketpair: no sender to check */
        /* Anyone may unicast to our port; only the kernel's (or the connected test peer's)
         * datagrams are answers or records. */
        if (msg->msg_namelen < sizeof(*sa) || sa->nl_family != AF_NETLINK || sa->nl_pid != s->peer)
                return 0;
        return 1;
}
