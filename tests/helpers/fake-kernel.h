/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A scripted NETLINK_AUDIT peer for tests: holds a status, features and rule lists, answers the
 * control protocol the way kernel/audit.c does (ACKs first, then data; GET_FEATURE with the seq of
 * the buffer's first message; one datagram per listed rule, then NLMSG_DONE), and can be told to
 * misbehave. Run it in a thread (fake_kernel_start/stop) for the synchronous client API, or drive
 * it with fake_kernel_step() for exact interleavings. Fields are read and written by the test only
 * while the thread is not running. */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/audit.h>

typedef enum fake_transport {
        FAKE_SEQPACKET,         /* socketpair(AF_UNIX, SOCK_SEQPACKET) */
        FAKE_DGRAM,             /* socketpair(AF_UNIX, SOCK_DGRAM) */
        FAKE_NETLINK,           /* two NETLINK_USERSOCK sockets connected to each other: real
                                 * netlink semantics (sender port, ENOBUFS) without privileges */
} fake_transport;

typedef struct fake_rule {
        struct audit_rule_data *data;   /* normalised: flags = list, strings packed, buflen set */
        size_t size;
} fake_rule;

#define FAKE_TYPE_MAX 2048u

struct nlmsghdr;

typedef struct fake_kernel {
        fake_transport transport;
        int fd;                 /* the kernel's end */
        int client_fd;          /* the client's end, until fake_kernel_take_client_fd() */
        uint32_t own_port;      /* FAKE_NETLINK */
        uint32_t client_port;

        /* Kernel state. */
        struct audit_status status;
        uint32_t features;
        uint32_t features_lock;
        uint32_t hz;            /* backlog_wait_time may be at most 10*60*hz; default 250 */
        size_t status_len;      /* struct audit_status bytes in a GET reply; default 44 */
        fake_rule *rules[AUDIT_NR_FILTERS];
        size_t n_rules[AUDIT_NR_FILTERS];

        /* Fault injection. */
        unsigned fail_nth;      /* the Nth request (1-based, all types) fails with -fail_nth_errno */
        int fail_nth_errno;
        uint16_t fail_type;     /* every request of this type fails with -fail_type_errno */
        int fail_type_errno;
        uint32_t lost_at_reset; /* records lost just before a lost reset (after the GET before it), once */
        unsigned drop_nth;      /* the Nth request is processed but gets no answer at all */
        uint16_t drop_type;     /* requests of this type are processed but get no answer */
        int silent;             /* requests are counted, nothing else happens */
        int data_first;         /* data replies before the ACKs */
        int ack_all;            /* ACK every request as if it had NLM_F_ACK */
        int cap_ack;            /* error ACKs without the echoed request (NETLINK_CAP_ACK) */
        int feature_seq;        /* GET_FEATURE reply seq: 0 first of buffer (kernel), 1 own, 2 bogus */
        uint16_t short_type;    /* data replies of this type: payload cut to short_len bytes */
        size_t short_len;
        uint16_t badlen_type;   /* data replies of this type: nlmsg_len 64 bytes past the datagram */
        uint16_t oversize_type; /* data replies of this type padded to a FAKE_OVERSIZE datagram */
        int junk;               /* before answering: a 7-byte runt and an ACK for a seq nobody used */
        int bad_rule_nth;       /* the Nth listed rule claims a buflen beyond its payload */

        /* What it received. */
        unsigned n_recv;        /* datagrams, that is the client's sendmsg calls */
        unsigned n_requests;    /* netlink messages */
        unsigned n_by_type[FAKE_TYPE_MAX];
        unsigned n_pid_sets;    /* AUDIT_SET with AUDIT_STATUS_PID: must stay 0 */
        unsigned n_bad_frames;  /* requests with a length that lies */
        size_t max_datagram;

        /* Optional observer, called in the fake's thread for every request once it was handled
         * (error: the answer it decided, 0 or -errno; 0 when silent), before anything is sent
         * back. It may read the kernel state above. NULL: none. */
        void (*on_request)(struct fake_kernel *fk, const struct nlmsghdr *h, const void *payload,
                           size_t plen, int error, void *userdata);
        void *on_request_userdata;

        pthread_t thread;
        int running;
        int stop_fd;
} fake_kernel;

/* Beyond the biggest datagram a kernel sends (one rule of 64 fields of PATH_MAX bytes, ~257 KiB). */
#define FAKE_OVERSIZE (320u * 1024u)

int fake_kernel_new(fake_transport transport, fake_kernel **ret);
fake_kernel *fake_kernel_free(fake_kernel *fk);
/* Hand the client's end over (for ak_nl_open_fd / ak_mon_open_fd). */
int fake_kernel_take_client_fd(fake_kernel *fk);

/* Wait up to timeout_ms for one datagram and answer it: 1 handled, 0 nothing came, <0 error
 * (-ECONNRESET when the client closed). */
int fake_kernel_step(fake_kernel *fk, int timeout_ms);
int fake_kernel_start(fake_kernel *fk);
void fake_kernel_stop(fake_kernel *fk);

/* Load a rule as AUDIT_ADD_RULE would (append, or prepend with AUDIT_FILTER_PREPEND in flags).
 * Returns 0 or the -errno the kernel would answer (-EEXIST, -EINVAL). */
int fake_kernel_add_rule(fake_kernel *fk, const void *rule, size_t size);
size_t fake_kernel_rule_count(const fake_kernel *fk);
void fake_kernel_clear_rules(fake_kernel *fk);

/* Build a rule: list, action, one syscall (-1: "-S all", -2: none), optional watch path and key.
 * Returns malloc'd bytes and their size, as auditctl would send them. */
struct audit_rule_data *fake_rule_new(uint32_t list, uint32_t action, int syscall, const char *path,
                                      const char *key, size_t *ret_size);

/* The biggest rule a kernel keeps: an exit rule with AUDIT_MAX_FIELDS subj_user fields of
 * PATH_MAX bytes of `fill` each (LSM fields are kept while an LSM is active, whatever their value),
 * about 257 KiB. malloc'd. */
struct audit_rule_data *fake_rule_biggest(char fill, size_t *ret_size);

/* A record datagram as the kernel multicasts it (nlmsg_len = whole datagram, not aligned;
 * multicast != 0) or as it unicasts it to auditd (nlmsg_len = payload only). */
int fake_emit_record(int fd, uint16_t type, const char *text, int multicast);

/* FAKE_NETLINK helpers (netlink sockets of protocol NETLINK_USERSOCK). */
/* Send a datagram to the socket `victim_fd` from a stranger's socket (a different port):
 * unicast (only reaches an unconnected victim) or, with group != 0, through that multicast group
 * (joins the victim to it first; needs CAP_NET_ADMIN: -EPERM otherwise). */
int fake_netlink_send_stranger(int victim_fd, unsigned group, const void *buf, size_t len);
/* Overflow the victim's receive queue through a multicast group so that its next recv fails with
 * ENOBUFS. Needs CAP_NET_ADMIN (-EPERM otherwise). The flood datagrams stay queued after it. */
int fake_netlink_overrun(int victim_fd, unsigned group);
