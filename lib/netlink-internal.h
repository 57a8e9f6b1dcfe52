/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The socket under the NETLINK_AUDIT client (netlink.c) and the event monitor (netlink-monitor.c),
 * and the one test every datagram either of them reads must pass (netlink-socket.c). */
#pragma once

#include <stdint.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

/* Big enough that a burst of replies or records is not lost while we are busy elsewhere. */
#define AK_SOCK_RCVBUF (4 * 1024 * 1024)

typedef struct ak_sock {
        struct mnl_socket *mnl;         /* NULL when opened from an fd */
        int fd;
        int type;                       /* SOCK_DGRAM, SOCK_SEQPACKET or SOCK_RAW */
        int is_netlink;
        uint32_t portid;                /* ours; 0 until known */
        uint32_t peer;                  /* datagrams must come from this port: 0, the kernel */
} ak_sock;

/* A fresh NETLINK_AUDIT socket (non-blocking, close-on-exec) with a big receive buffer, bound to
 * an automatic port and to the multicast `groups`. -ECONNREFUSED outside the initial user
 * namespace (the kernel refuses every audit request from there), -EPROTONOSUPPORT when booted
 * with audit=0, -EPERM for a group without the capability it needs. */
int ak_sock_open_audit(ak_sock *s, unsigned groups);
/* Takes an fd the caller opened (a test's socketpair or netlink socket) and learns its type, its
 * family and both ports. -EBADF for fd < 0; on any other failure the fd is closed, including
 * -EINVAL when !have_ret (the caller of ak_*_open_fd() gave nowhere to put the result). */
int ak_sock_open_fd(ak_sock *s, int fd, int have_ret);
void ak_sock_close(ak_sock *s);

/* Our port, when the kernel assigned it only at the first send (autobind). */
void ak_sock_refresh_portid(ak_sock *s);

/* May the datagram of n bytes that recvmsg()/recvmmsg() put in msg be read? 1: yes; 0: it came
 * from another port than s->peer (a spoofed sender: count it and drop it); -ECONNRESET: the peer
 * of a SEQPACKET socket closed it. */
int ak_sock_check_datagram(const ak_sock *s, const struct msghdr *msg, size_t n);

/* The event monitor's socket filter (netlink-filter.c): the records that cannot tell of a
 * configuration change are dropped in the kernel. Build it into insn (at most max instructions;
 * AK_MON_FILTER_MAX is enough): its length, or 0 when it did not fit. */
#define AK_MON_FILTER_MAX 256
struct sock_filter;
size_t ak_mon_filter_build(struct sock_filter *insn, size_t max);
/* Attach it to fd: 0 or -errno. */
int ak_mon_filter_attach(int fd);
