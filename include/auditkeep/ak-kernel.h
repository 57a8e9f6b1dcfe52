/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: the NETLINK_AUDIT client (control requests, state snapshot) and the event monitor. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <linux/audit.h>

#include "auditkeep/ak-rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the kernel holds: one snapshot from GET + LIST_RULES, plus GET_FEATURE when the client
 * was told to ask (ak_nl_set_query_features); have_features says whether `features` is real. */
typedef struct ak_kstate {
        struct audit_status status;     /* zero-filled beyond what the kernel sent */
        size_t status_len;              /* payload bytes the kernel sent */
        struct audit_features features;
        int have_features;
        ak_rule *rules;                 /* listing order; file/line NULL */
        size_t n_rules;
        unsigned char *borrowed;        /* NULL, or per rule: 1 when its data is a desired rule's
                                         * (ak_sync_share_kept()), not freed with the snapshot */
} ak_kstate;

void ak_kstate_done(ak_kstate *s);

/* A settable status field by its AUDIT_STATUS_* bit (ENABLED, FAILURE, RATE_LIMIT, BACKLOG_LIMIT,
 * BACKLOG_WAIT_TIME): its value, and its name as auditctl -s prints it. */
uint32_t ak_status_get(const struct audit_status *s, uint32_t bit);
const char *ak_status_name(uint32_t bit);
/* How CONFIG_CHANGE records name it ("audit_backlog_limit"; AUDIT_STATUS_LOST: "lost"), or NULL. */
const char *ak_status_record_name(uint32_t bit);
/* Set it in an AUDIT_SET payload (and its bit in mask). */
void ak_status_set(struct audit_status *s, uint32_t bit, uint32_t v);
/* The settable bits in the kernel's processing order: i = 0, 1, ... until 0. */
uint32_t ak_status_settable(size_t i);

typedef enum ak_op_type {
        AK_OP_SET,              /* AUDIT_SET of one AUDIT_STATUS_* bit (never PID) */
        AK_OP_ADD_RULE,
        AK_OP_DEL_RULE,
        AK_OP_RESET_LOST,       /* AUDIT_SET mask=AUDIT_STATUS_LOST; .result = old lost count */
        AK_OP_SET_FEATURE,
} ak_op_type;

/* One control request and, after execution, its own result. */
typedef struct ak_op {
        ak_op_type type;
        uint32_t mask;          /* AK_OP_SET: one AUDIT_STATUS_* bit; AK_OP_SET_FEATURE: feature mask */
        uint32_t value;         /* AK_OP_SET: the value; AK_OP_SET_FEATURE: features */
        uint32_t lock;          /* AK_OP_SET_FEATURE: lock bits */
        const ak_rule *rule;    /* ADD/DEL: not owned */
        int prepend;            /* ADD: send with AUDIT_FILTER_PREPEND */
        size_t index;           /* a planned ADD: the rule's index in the desired rules; DEL: in the snapshot */
        /* results */
        int error;              /* 0, or -errno from the kernel; -ETIMEDOUT when no answer came */
        uint32_t result;        /* AK_OP_RESET_LOST: the lost count before the reset */
} ak_op;

typedef struct ak_nl ak_nl;

/* Open NETLINK_AUDIT (non-blocking, close-on-exec). -EPROTONOSUPPORT: audit=0 at boot;
 * -ECONNREFUSED: not in the initial user namespace. */
int ak_nl_open(ak_nl **ret);
/* Use an already open datagram socket whose peer speaks the protocol (the fake kernel).
 * Takes ownership of fd. Sender port checks apply only to AF_NETLINK sockets. */
int ak_nl_open_fd(ak_nl **ret, int fd);
ak_nl *ak_nl_free(ak_nl *nl);
int ak_nl_fd(const ak_nl *nl);
/* Counters, for tests and benchmarks. */
typedef struct ak_nl_stats {
        uint64_t sendmsg_calls;
        uint64_t messages_sent;
        uint64_t spoofed;       /* datagrams dropped because they did not come from the kernel */
        uint64_t malformed;     /* datagrams or messages dropped as malformed */
        uint64_t stray;         /* well-formed replies matching no request */
} ak_nl_stats;
void ak_nl_get_stats(const ak_nl *nl, ak_nl_stats *ret);

/* Completion callback of an asynchronous transaction: error is 0 when every request got its
 * answer (individual results are in the ops), or a transport error / -ETIMEDOUT. */
typedef void (*ak_nl_done_fn)(ak_nl *nl, int error, void *userdata);

/* Whether queries also send AUDIT_GET_FEATURE (default: off). Off, a query is exactly AUDIT_GET
 * and AUDIT_LIST_RULES in one sendmsg, and the snapshot has have_features = 0. Turn it on when the
 * desired state sets a feature (--loginuid-immutable); ak_sync() does so by itself. */
void ak_nl_set_query_features(ak_nl *nl, int on);

/* Asynchronous API, one transaction at a time (-EBUSY otherwise). The caller waits for the fd to
 * become readable and calls ak_nl_process(), and calls ak_nl_timeout() once the deadline
 * (CLOCK_MONOTONIC usec, from ak_nl_deadline) passes. `ret`/`ops` must stay valid until done. */
int ak_nl_query_async(ak_nl *nl, ak_kstate *ret, uint64_t timeout_usec, ak_nl_done_fn cb, void *userdata);
int ak_nl_execute_async(ak_nl *nl, ak_op *ops, size_t n_ops, uint64_t timeout_usec,
                        ak_nl_done_fn cb, void *userdata);
/* AUDIT_GET alone: `ret` gets the status, no rules (n_rules 0, have_features 0). */
int ak_nl_status_async(ak_nl *nl, ak_kstate *ret, uint64_t timeout_usec, ak_nl_done_fn cb, void *userdata);
int ak_nl_process(ak_nl *nl);
int ak_nl_busy(const ak_nl *nl);
uint64_t ak_nl_deadline(const ak_nl *nl);       /* 0 when idle */
int ak_nl_timeout(ak_nl *nl);                   /* completes the transaction with -ETIMEDOUT if past */
/* The transaction in flight times out timeout_usec from now (for a caller that sent and then
 * did other work before it reads the answers). */
void ak_nl_set_timeout(ak_nl *nl, uint64_t timeout_usec);

/* Wait (poll, up to the deadline) for the transaction in flight, and process what came or time
 * it out: one step of driving it without an event loop. 0 when idle. */
int ak_nl_wait(ak_nl *nl);

/* Synchronous wrappers (poll with a bound). */
int ak_nl_query(ak_nl *nl, ak_kstate *ret, uint64_t timeout_usec);
int ak_nl_execute(ak_nl *nl, ak_op *ops, size_t n_ops, uint64_t timeout_usec);

/* ---- The event monitor: multicast group AUDIT_NLGRP_READLOG (needs CAP_AUDIT_READ). ---- */

typedef struct ak_record {
        uint16_t type;          /* AUDIT_CONFIG_CHANGE, AUDIT_SYSCALL, ... */
        uint64_t sec;           /* audit(SEC.MSEC:SERIAL) */
        uint32_t msec;
        uint64_t serial;
        const char *body;       /* after "): ", not NUL-terminated; points into the caller's buffer */
        size_t body_len;
} ak_record;

/* Parse one record datagram (header + "audit(...): body"). Pure. */
int ak_record_parse(const void *buf, size_t len, ak_record *ret);
/* Value of field `name` in a record body, unquoted or hex-decoded as the kernel encodes
 * untrusted strings. Returns the length written (NUL-terminated, truncated to size-1), or -ENOENT. */
int ak_record_field(const ak_record *rec, const char *name, char *buf, size_t size);

typedef struct ak_mon ak_mon;
int ak_mon_open(ak_mon **ret);
int ak_mon_open_fd(ak_mon **ret, int fd);
ak_mon *ak_mon_free(ak_mon *m);
int ak_mon_fd(const ak_mon *m);
/* Read one record into the monitor's buffer: 1 and *ret, 0 when nothing is waiting, -ENOBUFS
 * after an overrun (records were lost), other -errno on error. Forged datagrams are dropped and
 * counted (ak_mon_spoofed). */
int ak_mon_read(ak_mon *m, ak_record *ret);
uint64_t ak_mon_spoofed(const ak_mon *m);
/* Whether the kernel drops, before the socket, the records that cannot tell of a configuration
 * change (CONFIG_CHANGE, FEATURE_CHANGE and the SYSCALL records of the syscalls that send netlink
 * messages are the ones kept). */
int ak_mon_filtered(const ak_mon *m);

/* ---- User records in the audit trail (AUDIT_USYS_CONFIG), needs CAP_AUDIT_WRITE. ---- */

#define AK_AUDIT_USYS_CONFIG 1111       /* libaudit's AUDIT_USYS_CONFIG */

/* A NETLINK_AUDIT socket for user records (non-blocking, close-on-exec). */
int ak_trail_open(int *ret_fd);
/* Send one record text ("op=... res=success"); no answer is awaited. -errno. */
int ak_trail_send(int fd, uint16_t type, const char *text);
/* A field value as records carry it: "quoted" when plain, else upper-case hex (malloc'd). */
char *ak_trail_value(const char *v);

#ifdef __cplusplus
}
#endif
