/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The NETLINK_AUDIT client (the event monitor is netlink-monitor.c; the socket under both and the
 * sender test of every datagram, netlink-socket.c).
 *
 * One transaction at a time. Its requests get consecutive sequence numbers and are packed
 * into as few sendmsg() calls as the batch limits allow. A request is complete when its ACK (if it
 * asked for one) and its data (GET / GET_FEATURE reply, or every LIST_RULES datagram up to
 * NLMSG_DONE) are in, in whatever order they come; an error ACK completes it with that errno.
 * Every datagram is checked before use: the sender (AF_NETLINK: the peer port, 0 = the kernel),
 * MSG_TRUNC, each nlmsghdr against the datagram, each payload against the struct it claims. A
 * malformed reply that can still be matched to a request fails that request (a LIST_RULES with a
 * datagram missing must not look like a shorter rule list); one that cannot is dropped. All of it
 * is counted in ak_nl_stats. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "auditkeep/ak-kernel.h"
#include "macro.h"
#include "netlink-internal.h"
#include "util.h"

/* One sendmsg carries at most this much (a single bigger message goes alone). */
#define AK_NL_BATCH_BYTES (64u * 1024u)
/* ... and at most this many messages: each one may cost an ACK in our receive queue. */
#define AK_NL_BATCH_MSGS 256u
/* Requests sent but not answered yet. The kernel's ACKs are sent with MSG_DONTWAIT: what does not
 * fit in our receive buffer is lost (ENOBUFS), so do not run ahead of what we have read. */
#define AK_NL_WINDOW 256u
/* The biggest datagram the kernel sends us: one listed rule (a datagram each) with every field a
 * string of PATH_MAX bytes (the kernel keeps up to AUDIT_MAX_FIELDS fields, each string up to
 * PATH_MAX: LSM fields are kept while an LSM is active even with values it rejects), about 257
 * KiB. A status, a feature reply or a capped ACK is far smaller. */
#define AK_NL_MSG_MAX (NLMSG_HDRLEN + sizeof(struct audit_rule_data) + AUDIT_MAX_FIELDS * 4096u)
/* What usually fills a slot: 64 KiB and then some. Beyond it, a slot's pages are given back
 * after use. */
#define AK_NL_RBUF_MIN (64u * 1024u + 4096u)
/* Receive slots: any datagram the kernel can send fits one, and more when we sent a bigger message
 * (an error ACK echoes the request unless NETLINK_CAP_ACK is in effect). */
#define AK_NL_RBUF_DEFAULT (AK_NL_MSG_MAX + 4096u)
/* Datagrams read per recvmmsg(): a LIST reply is one datagram per rule, and with auditing on every
 * syscall of ours walks the kernel's exit filter list, so reading N rules one recvmsg at a time
 * costs N syscalls x an N-rule walk. A peek (MSG_PEEK|MSG_TRUNC) would size only the first of
 * them, so every slot is as big as the biggest datagram: address space reserved
 * (MAP_NORESERVE), not memory. Only the bytes a datagram fills are ever touched, so the idle cost
 * is a page or two per slot used, and the pages of a datagram beyond AK_NL_RBUF_MIN are given back
 * (MADV_DONTNEED) once it is handled. */
#define AK_NL_RECV_SLOTS 32u
/* Datagrams handled per ak_nl_process() call, so one call cannot spin forever on a flood. */
#define AK_NL_PROCESS_MAX 4096u
/* The oldest struct audit_status: mask .. backlog. Anything shorter is not a status. */
#define AK_STATUS_MIN (8u * sizeof(uint32_t))
/* Bounds on what a caller or the kernel can make us allocate. */
#define AK_NL_MAX_OPS (1u << 20)
#define AK_NL_MAX_RULES (1u << 20)
#define AK_NL_MAX_RULE_SIZE (4u * 1024u * 1024u)
/* proc_ns inode number of the initial user namespace (PROC_USER_INIT_INO). */
#define AK_INIT_USER_NS_INO 0xEFFFFFFDu
#define AK_MIN(a, b) ((a) < (b) ? (a) : (b))

typedef struct ak_req {
        uint16_t type;
        uint16_t flags;
        uint32_t first_seq;     /* seq of the first message of the sendmsg that carried this one */
        int error;
        uint32_t result;
        unsigned want_ack:1;
        unsigned want_data:1;
        unsigned got_ack:1;
        unsigned got_data:1;
        unsigned sent:1;
        unsigned done:1;
} ak_req;

typedef enum ak_tx_kind {
        AK_TX_NONE,
        AK_TX_QUERY,
        AK_TX_EXECUTE,
} ak_tx_kind;

/* The requests of a query, in sending order: GET_FEATURE (only when asked for, see
 * ak_nl_set_query_features) must be first in its buffer. Indices into reqs[]. */
#define AK_Q_NONE ((size_t) -1)

struct ak_nl {
        ak_sock sock;
        uint32_t next_seq;
        int query_features;             /* queries also send GET_FEATURE */
        ak_nl_stats stats;

        uint8_t *rbuf;                  /* AK_NL_RECV_SLOTS slots of rbuf_size bytes */
        size_t rbuf_size;
        struct mmsghdr rmsg[AK_NL_RECV_SLOTS];
        struct iovec riov[AK_NL_RECV_SLOTS];
        struct sockaddr_storage rname[AK_NL_RECV_SLOTS];
        uint8_t *sbuf;
        size_t sbuf_size;
        size_t send_room;               /* the biggest datagram the socket's SO_SNDBUF lets out; 0: not known yet */

        /* The transaction. */
        ak_tx_kind tx;
        ak_req *reqs;
        size_t n_reqs, n_sent, n_done;
        size_t n_refused;               /* of n_sent: too big for the socket, never went out */
        uint32_t base_seq;
        size_t *batch_end;              /* batch i is reqs [batch_end[i-1], batch_end[i]) */
        size_t n_batches, next_batch;
        int send_blocked;               /* the last sendmsg said EAGAIN */
        int send_error;                 /* a later batch could not be sent */
        uint64_t deadline;
        ak_nl_done_fn cb;
        void *userdata;
        ak_op *ops;                     /* AK_TX_EXECUTE */
        ak_kstate *out;                 /* AK_TX_QUERY */
        size_t q_feature, q_status, q_list;     /* AK_TX_QUERY: request indices; q_feature may be AK_Q_NONE */
        ak_kstate acc;
        size_t rules_allocated;
};

void ak_kstate_done(ak_kstate *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_rules; i++) {
                if (s->borrowed && s->borrowed[i])
                        s->rules[i].data = NULL;        /* a desired rule's: not ours to free */
                ak_rule_done(&s->rules[i]);
        }
        free(s->rules);
        free(s->borrowed);
        *s = (ak_kstate) {};
}

/* ---- sockets ---- */

static int in_initial_user_ns(void) {
        struct stat st;

        /* Without /proc we cannot tell; let the kernel answer ECONNREFUSED later. */
        if (stat("/proc/self/ns/user", &st) < 0)
                return 1;
        return st.st_ino == AK_INIT_USER_NS_INO;
}

static size_t page_size(void) {
        long p = sysconf(_SC_PAGESIZE);

        return p > 0 ? (size_t) p : 4096u;
}

static size_t page_round(size_t n) {
        size_t p = page_size();

        return n > SIZE_MAX - p ? SIZE_MAX : (n + p - 1) / p * p;
}

static void rbuf_unmap(ak_nl *nl) {
        if (nl->rbuf)
                (void) munmap(nl->rbuf, nl->rbuf_size * AK_NL_RECV_SLOTS);
        nl->rbuf = NULL;
        nl->rbuf_size = 0;
}

/* (Re)map the receive slots for datagrams of up to `size` bytes. Nothing is buffered in them
 * between calls, so the old contents need not be kept. */
static int rbuf_resize(ak_nl *nl, size_t size) {
        void *b;

        size = page_round(size);
        if (size > SIZE_MAX / AK_NL_RECV_SLOTS)
                return -ENOMEM;
        b = mmap(NULL, size * AK_NL_RECV_SLOTS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
        if (b == MAP_FAILED)
                return -ENOMEM;
        rbuf_unmap(nl);
        nl->rbuf = b;
        nl->rbuf_size = size;
        return 0;
}

/* A slot that held a big datagram: its pages past the usual size go back to the system. */
static void rbuf_release(ak_nl *nl, unsigned slot, size_t used) {
        size_t keep = page_round(AK_NL_RBUF_MIN);

        if (used > keep && keep < nl->rbuf_size)
                (void) madvise(nl->rbuf + (size_t) slot * nl->rbuf_size + keep, nl->rbuf_size - keep, MADV_DONTNEED);
}

/* Takes the socket: it is closed on failure. */
static int nl_new(ak_nl **ret, ak_sock *s) {
        _cleanup_free_ ak_nl *nl = NULL;
        int r;

        nl = calloc(1, sizeof(*nl));
        if (!nl) {
                ak_sock_close(s);
                return -ENOMEM;
        }
        nl->sock = *s;
        nl->next_seq = 1;
        nl->q_feature = nl->q_status = nl->q_list = AK_Q_NONE;
        r = rbuf_resize(nl, AK_NL_RBUF_DEFAULT);
        if (r < 0) {
                ak_sock_close(&nl->sock);
                return r;
        }
        *ret = TAKE_PTR(nl);
        return 0;
}

int ak_nl_open(ak_nl **ret) {
        ak_sock s;
        int r, one = 1;

        if (!ret)
                return -EINVAL;
        /* The kernel refuses every audit request from another user namespace (audit_netlink_ok). */
        if (!in_initial_user_ns())
                return -ECONNREFUSED;

        /* EPROTONOSUPPORT: booted with audit=0, there is no kernel socket. */
        r = ak_sock_open_audit(&s, 0);
        if (r < 0)
                return r;
        /* Error ACKs without the echoed request: a refused rule costs 36 bytes, not ~1100. */
        (void) setsockopt(s.fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        return nl_new(ret, &s);
}

int ak_nl_open_fd(ak_nl **ret, int fd) {
        ak_sock s;
        int r = ak_sock_open_fd(&s, fd, !!ret);

        return r < 0 ? r : nl_new(ret, &s);
}

static void tx_reset(ak_nl *nl) {
        free(nl->reqs);
        free(nl->batch_end);
        ak_kstate_done(&nl->acc);
        nl->reqs = NULL;
        nl->batch_end = NULL;
        nl->n_reqs = nl->n_sent = nl->n_done = nl->n_refused = 0;
        nl->n_batches = nl->next_batch = 0;
        nl->send_blocked = nl->send_error = 0;
        nl->rules_allocated = 0;
        nl->deadline = 0;
        nl->cb = NULL;
        nl->userdata = NULL;
        nl->ops = NULL;
        nl->out = NULL;
        nl->q_feature = nl->q_status = nl->q_list = AK_Q_NONE;
        nl->tx = AK_TX_NONE;
}

ak_nl *ak_nl_free(ak_nl *nl) {
        if (!nl)
                return NULL;
        tx_reset(nl);
        ak_sock_close(&nl->sock);
        rbuf_unmap(nl);
        free(nl->sbuf);
        free(nl);
        return NULL;
}

int ak_nl_fd(const ak_nl *nl) {
        return nl ? nl->sock.fd : -EINVAL;
}

void ak_nl_get_stats(const ak_nl *nl, ak_nl_stats *ret) {
        if (!ret)
                return;
        *ret = nl ? nl->stats : (ak_nl_stats) {};
}

void ak_nl_set_query_features(ak_nl *nl, int on) {
        if (nl)
                nl->query_features = !!on;
}

int ak_nl_busy(const ak_nl *nl) {
        return nl && nl->tx != AK_TX_NONE;
}

uint64_t ak_nl_deadline(const ak_nl *nl) {
        return ak_nl_busy(nl) ? nl->deadline : 0;
}

/* ---- building and sending ---- */

static uint32_t req_seq(const ak_nl *nl, size_t i) {
        return nl->base_seq + (uint32_t) i;
}

static size_t req_payload_size(const ak_nl *nl, size_t i) {
        const ak_op *op;

        if (nl->tx == AK_TX_QUERY)
                return 0;
        op = &nl->ops[i];
        switch (op->type) {
        case AK_OP_SET:
        case AK_OP_RESET_LOST:
                /* Always the full struct: a shorter one silently sets backlog_wait_time to 0. */
                return sizeof(struct audit_status);
        case AK_OP_SET_FEATURE:
                return sizeof(struct audit_features);
        case AK_OP_ADD_RULE:
        case AK_OP_DEL_RULE:
                return op->rule->size;
        }
        return 0;
}

static size_t req_msg_size(const ak_nl *nl, size_t i) {
        return MNL_ALIGN(MNL_NLMSG_HDRLEN + req_payload_size(nl, i));
}

static void req_put(const ak_nl *nl, size_t i, void *where) {
        const ak_req *req = &nl->reqs[i];
        struct nlmsghdr *nlh;
        const ak_op *op;
        void *p;

        nlh = mnl_nlmsg_put_header(where);
        nlh->nlmsg_type = req->type;
        nlh->nlmsg_flags = req->flags;
        nlh->nlmsg_seq = req_seq(nl, i);
        if (nl->tx == AK_TX_QUERY)
                return;

        op = &nl->ops[i];
        p = mnl_nlmsg_put_extra_header(nlh, req_payload_size(nl, i));
        switch (op->type) {
        case AK_OP_SET:
        case AK_OP_RESET_LOST: {
                struct audit_status s = {};

                if (op->type == AK_OP_RESET_LOST)
                        s.mask = AUDIT_STATUS_LOST;
                else {
                        s.mask = op->mask;      /* also a bit status.c does not know: the kernel says no */
                        ak_status_set(&s, op->mask, op->value);
                }
                memcpy(p, &s, sizeof(s));
                break;
        }
        case AK_OP_SET_FEATURE: {
                struct audit_features f = {
                        .vers = AUDIT_FEATURE_VERSION,
                        .mask = op->mask,
                        .features = op->value,
                        .lock = op->lock,
                };

                memcpy(p, &f, sizeof(f));
                break;
        }
        case AK_OP_ADD_RULE:
        case AK_OP_DEL_RULE:
                memcpy(p, op->rule->data, op->rule->size);
                if (op->type == AK_OP_ADD_RULE && op->prepend) {
                        struct audit_rule_data *d = p;

                        d->flags |= AUDIT_FILTER_PREPEND;
                }
                break;
        }
}

/* Split the requests into sendmsg batches, once, before anything is sent. */
static int plan_batches(ak_nl *nl) {
        size_t bytes = 0, msgs = 0, biggest = 0;

        nl->batch_end = calloc(nl->n_reqs + 1, sizeof(size_t));
        if (!nl->batch_end)
                return -ENOMEM;
        for (size_t i = 0; i < nl->n_reqs; i++) {
                size_t sz = req_msg_size(nl, i);

                /* The kernel answers GET_FEATURE with the seq of the buffer's first message. */
                if (msgs > 0 && (msgs >= AK_NL_BATCH_MSGS || bytes + sz > AK_NL_BATCH_BYTES ||
                                 nl->reqs[i].type == AUDIT_GET_FEATURE)) {
                        nl->batch_end[nl->n_batches++] = i;
                        bytes = msgs = 0;
                }
                bytes += sz;
                msgs++;
                if (sz > biggest)
                        biggest = sz;
        }
        if (msgs > 0)
                nl->batch_end[nl->n_batches++] = nl->n_reqs;

        /* Room for an error ACK echoing the biggest request. */
        if (biggest + 64 > nl->rbuf_size) {
                int r = rbuf_resize(nl, biggest + 64);

                if (r < 0)
                        return r;
        }
        return 0;
}

static void req_complete(ak_nl *nl, ak_req *req, int error);

/* The biggest datagram the socket sends: netlink and AF_UNIX datagram sockets refuse one longer
 * than SO_SNDBUF - 32 with EMSGSIZE (the default SO_SNDBUF, 208 KiB, is less than the biggest
 * rule). For a bigger one, raise SO_SNDBUF: FORCE needs CAP_NET_ADMIN (which the unit drops), the
 * plain option is capped at net.core.wmem_max (the kernel doubles what it grants, so the default
 * 208 KiB cap is enough for any rule). Returns the room there is now. */
static size_t send_room(ak_nl *nl, size_t want) {
        socklen_t len;
        int v;

        if (nl->send_room == 0) {
                len = sizeof(v);
                if (getsockopt(nl->sock.fd, SOL_SOCKET, SO_SNDBUF, &v, &len) < 0 || v <= 32)
                        return SIZE_MAX;        /* cannot tell: let sendmsg decide */
                nl->send_room = (size_t) v - 32;
        }
        if (want > nl->send_room && want <= INT_MAX - 4096) {
                v = (int) want + 4096;
                if (setsockopt(nl->sock.fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
                        (void) setsockopt(nl->sock.fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
                len = sizeof(v);
                if (getsockopt(nl->sock.fd, SOL_SOCKET, SO_SNDBUF, &v, &len) == 0 && v > 32)
                        nl->send_room = (size_t) v - 32;        /* what it is now, even if less */
        }
        return nl->send_room;
}

/* Send whole batches while the window allows. 0, or -errno when a batch could not be sent. */
static int send_ready(ak_nl *nl) {
        while (nl->tx != AK_TX_NONE && nl->next_batch < nl->n_batches) {
                size_t start = nl->next_batch > 0 ? nl->batch_end[nl->next_batch - 1] : 0;
                size_t end = nl->batch_end[nl->next_batch];
                size_t outstanding = nl->n_sent - nl->n_done;
                size_t total = 0, off = 0;
                struct iovec iov;
                struct msghdr msg = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                };
                ssize_t n;

                if (outstanding > 0 && outstanding + (end - start) > AK_NL_WINDOW)
                        return 0;

                for (size_t i = start; i < end; i++)
                        total += req_msg_size(nl, i);
                if (total > nl->sbuf_size) {
                        uint8_t *b = realloc(nl->sbuf, total);

                        if (!b)
                                return -ENOMEM;
                        nl->sbuf = b;
                        nl->sbuf_size = total;
                }
                for (size_t i = start; i < end; i++) {
                        req_put(nl, i, nl->sbuf + off);
                        off += req_msg_size(nl, i);
                }

                /* No address: the kernel (port 0) for an unconnected netlink socket, the peer of
                 * a connected one. */
                iov = (struct iovec) { .iov_base = nl->sbuf, .iov_len = total };
                if (total > send_room(nl, total))
                        n = -1, errno = EMSGSIZE;
                else
                        do
                                n = sendmsg(nl->sock.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
                        while (n < 0 && errno == EINTR);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK) {
                                nl->send_blocked = 1;
                                return 0;
                        }
                        if (errno == EMSGSIZE) {
                                /* Too big for this socket even alone (a batch over 64 KiB is one
                                 * message): that request fails, the others go on. */
                                for (size_t i = start; i < end; i++) {
                                        nl->reqs[i].sent = 1;
                                        req_complete(nl, &nl->reqs[i], -EMSGSIZE);
                                }
                                nl->n_sent += end - start;
                                nl->n_refused += end - start;
                                nl->next_batch++;
                                continue;
                        }
                        return -errno;
                }
                if ((size_t) n != total)
                        return -EIO;
                nl->send_blocked = 0;

                nl->stats.sendmsg_calls++;
                nl->stats.messages_sent += end - start;
                for (size_t i = start; i < end; i++) {
                        nl->reqs[i].sent = 1;
                        nl->reqs[i].first_seq = req_seq(nl, start);
                }
                nl->n_sent += end - start;
                nl->next_batch++;
                ak_sock_refresh_portid(&nl->sock);
        }
        return 0;
}

static void req_complete(ak_nl *nl, ak_req *req, int error) {
        if (req->done)
                return;
        req->error = error;
        req->done = 1;
        nl->n_done++;
}

/* A later batch could not be sent: its requests are finished with that error, the transaction
 * ends once what was sent has been answered (or times out). */
static void fail_unsent(ak_nl *nl, int error) {
        for (size_t i = 0; i < nl->n_reqs; i++)
                if (!nl->reqs[i].sent)
                        req_complete(nl, &nl->reqs[i], error);
        nl->next_batch = nl->n_batches;
        nl->send_error = error;
}

static void tx_finish(ak_nl *nl, int error) {
        ak_nl_done_fn cb = nl->cb;
        void *userdata = nl->userdata;

        if (error == 0)
                error = nl->send_error;

        if (nl->tx == AK_TX_EXECUTE) {
                for (size_t i = 0; i < nl->n_reqs; i++) {
                        ak_op *op = &nl->ops[i];
                        const ak_req *req = &nl->reqs[i];

                        if (req->done) {
                                op->error = req->error;
                                op->result = req->result;
                        } else
                                op->error = error < 0 ? error : -ETIMEDOUT;
                }
        } else if (nl->tx == AK_TX_QUERY) {
                const ak_req *f = nl->q_feature != AK_Q_NONE ? &nl->reqs[nl->q_feature] : NULL;

                if (error == 0)
                        error = nl->reqs[nl->q_status].error;
                if (error == 0 && nl->q_list != AK_Q_NONE)
                        error = nl->reqs[nl->q_list].error;
                /* Not asked for: the snapshot says so. */
                if (!f) {
                        nl->acc.have_features = 0;
                        nl->acc.features = (struct audit_features) {};
                }
                /* Kernels before GET_FEATURE (3.13) refuse it: no features, still a snapshot. */
                if (error == 0 && f && f->error != 0) {
                        if (f->error == -EINVAL || f->error == -EOPNOTSUPP) {
                                nl->acc.have_features = 0;
                                nl->acc.features = (struct audit_features) {};
                        } else
                                error = f->error;
                }
                if (error == 0) {
                        *nl->out = nl->acc;
                        nl->acc = (ak_kstate) {};
                }
        }

        tx_reset(nl);
        if (cb)
                cb(nl, error, userdata);
}

static void check_complete(ak_nl *nl) {
        if (nl->tx != AK_TX_NONE && nl->n_done == nl->n_reqs)
                tx_finish(nl, 0);
}

static uint64_t deadline_after(uint64_t timeout_usec) {
        uint64_t now = now_usec();

        return timeout_usec > UINT64_MAX - now ? UINT64_MAX : now + timeout_usec;
}

static int tx_begin(ak_nl *nl, ak_tx_kind kind, size_t n_reqs, uint64_t timeout_usec,
                    ak_nl_done_fn cb, void *userdata) {
        nl->reqs = calloc(n_reqs, sizeof(ak_req));
        if (!nl->reqs)
                return -ENOMEM;
        nl->tx = kind;
        nl->n_reqs = n_reqs;
        if (nl->next_seq == 0 || (uint64_t) nl->next_seq + n_reqs > UINT32_MAX)
                nl->next_seq = 1;
        nl->base_seq = nl->next_seq;
        nl->next_seq += (uint32_t) n_reqs;
        nl->deadline = deadline_after(timeout_usec);
        nl->cb = cb;
        nl->userdata = userdata;
        return 0;
}

/* Plan and send what the window allows. On failure before anything went out, the transaction is
 * dropped and the error returned; the caller's callback is not called. */
static int tx_start(ak_nl *nl) {
        int r;

        r = plan_batches(nl);
        if (r >= 0)
                r = send_ready(nl);
        /* Every request too big to send: nothing will answer, say so now. */
        if (r >= 0 && nl->n_refused == nl->n_reqs)
                r = -EMSGSIZE;
        if (r < 0) {
                if (nl->n_sent == nl->n_refused) {
                        tx_reset(nl);
                        return r;
                }
                fail_unsent(nl, r);
        }
        return 0;
}

int ak_nl_status_async(ak_nl *nl, ak_kstate *ret, uint64_t timeout_usec, ak_nl_done_fn cb, void *userdata) {
        int r;

        if (!nl || !ret)
                return -EINVAL;
        if (ak_nl_busy(nl))
                return -EBUSY;
        *ret = (ak_kstate) {};

        r = tx_begin(nl, AK_TX_QUERY, 1, timeout_usec, cb, userdata);
        if (r < 0)
                return r;
        nl->out = ret;
        nl->q_feature = AK_Q_NONE;
        nl->q_status = 0;
        nl->q_list = AK_Q_NONE;
        nl->reqs[0] = (ak_req) { .type = AUDIT_GET, .flags = NLM_F_REQUEST, .want_data = 1 };
        return tx_start(nl);
}

int ak_nl_query_async(ak_nl *nl, ak_kstate *ret, uint64_t timeout_usec, ak_nl_done_fn cb, void *userdata) {
        int r;

        if (!nl || !ret)
                return -EINVAL;
        if (ak_nl_busy(nl))
                return -EBUSY;
        *ret = (ak_kstate) {};

        r = tx_begin(nl, AK_TX_QUERY, nl->query_features ? 3 : 2, timeout_usec, cb, userdata);
        if (r < 0)
                return r;
        nl->out = ret;
        /* GET_FEATURE first in the buffer (its reply carries the buffer's first seq), and only
         * when asked for: a verification of an in-sync kernel is then exactly GET + LIST_RULES. */
        nl->q_feature = nl->query_features ? 0 : AK_Q_NONE;
        nl->q_status = nl->query_features ? 1 : 0;
        nl->q_list = nl->q_status + 1;
        /* No NLM_F_ACK: success is the data; a failure still comes back as an error ACK. */
        if (nl->q_feature != AK_Q_NONE)
                nl->reqs[nl->q_feature] = (ak_req) { .type = AUDIT_GET_FEATURE, .flags = NLM_F_REQUEST, .want_data = 1 };
        nl->reqs[nl->q_status] = (ak_req) { .type = AUDIT_GET, .flags = NLM_F_REQUEST, .want_data = 1 };
        nl->reqs[nl->q_list] = (ak_req) { .type = AUDIT_LIST_RULES, .flags = NLM_F_REQUEST, .want_data = 1 };
        return tx_start(nl);
}

static int op_valid(const ak_op *op) {
        switch (op->type) {
        case AK_OP_SET:
                /* One field per message, and never AUDIT_STATUS_PID. */
                switch (op->mask) {
                case AUDIT_STATUS_ENABLED:
                case AUDIT_STATUS_FAILURE:
                case AUDIT_STATUS_RATE_LIMIT:
                case AUDIT_STATUS_BACKLOG_LIMIT:
                case AUDIT_STATUS_BACKLOG_WAIT_TIME:
                        return 1;
                }
                return 0;
        case AK_OP_RESET_LOST:
        case AK_OP_SET_FEATURE:
                return 1;
        case AK_OP_ADD_RULE:
        case AK_OP_DEL_RULE:
                return op->rule && op->rule->data &&
                       op->rule->size >= sizeof(struct audit_rule_data) &&
                       op->rule->size <= AK_NL_MAX_RULE_SIZE;
        }
        return 0;
}

int ak_nl_execute_async(ak_nl *nl, ak_op *ops, size_t n_ops, uint64_t timeout_usec,
                        ak_nl_done_fn cb, void *userdata) {
        int r;

        if (!nl || (!ops && n_ops > 0))
                return -EINVAL;
        if (ak_nl_busy(nl))
                return -EBUSY;
        if (n_ops > AK_NL_MAX_OPS)
                return -E2BIG;
        /* Everything is checked before anything is sent. */
        for (size_t i = 0; i < n_ops; i++)
                if (!op_valid(&ops[i])) {
                        ops[i].error = -EINVAL;
                        return -EINVAL;
                }
        if (n_ops == 0) {
                if (cb)
                        cb(nl, 0, userdata);
                return 0;
        }

        r = tx_begin(nl, AK_TX_EXECUTE, n_ops, timeout_usec, cb, userdata);
        if (r < 0)
                return r;
        nl->ops = ops;
        for (size_t i = 0; i < n_ops; i++) {
                ak_req *req = &nl->reqs[i];

                ops[i].error = 0;
                ops[i].result = 0;
                switch (ops[i].type) {
                case AK_OP_SET:
                case AK_OP_RESET_LOST:
                        req->type = AUDIT_SET;
                        break;
                case AK_OP_ADD_RULE:
                        req->type = AUDIT_ADD_RULE;
                        break;
                case AK_OP_DEL_RULE:
                        req->type = AUDIT_DEL_RULE;
                        break;
                case AK_OP_SET_FEATURE:
                        req->type = AUDIT_SET_FEATURE;
                        break;
                }
                req->flags = NLM_F_REQUEST | NLM_F_ACK;
                req->want_ack = 1;
        }
        r = tx_start(nl);
        if (r < 0)
                for (size_t i = 0; i < n_ops; i++)
                        ops[i].error = r;
        return r;
}

/* ---- receiving ---- */

static ak_req *find_req(ak_nl *nl, uint32_t seq) {
        uint32_t i;

        if (nl->tx == AK_TX_NONE)
                return NULL;
        i = seq - nl->base_seq;
        if (i >= nl->n_reqs || !nl->reqs[i].sent || nl->reqs[i].done)
                return NULL;
        return &nl->reqs[i];
}

/* The GET_FEATURE reply carries the seq of the first message of the buffer the request was in
 * (kernel: audit_get_feature uses nlmsg_hdr(skb)); accept that or its own. */
static ak_req *find_feature_req(ak_nl *nl, uint32_t seq) {
        ak_req *req;

        if (nl->tx != AK_TX_QUERY || nl->q_feature == AK_Q_NONE)
                return NULL;
        req = &nl->reqs[nl->q_feature];
        if (!req->sent || req->done)
                return NULL;
        if (seq != req_seq(nl, nl->q_feature) && seq != req->first_seq)
                return NULL;
        return req;
}

/* ACKs carry the port they answer: ours (unknown until the first send on an autobound socket). */
static int addressed_to_us(const ak_nl *nl, uint32_t pid) {
        return !nl->sock.is_netlink || nl->sock.portid == 0 || pid == nl->sock.portid;
}

/* A message we cannot use: count it, and fail the request it belongs to, if any. */
static void poison(ak_nl *nl, const void *buf, size_t len, int error) {
        struct nlmsghdr h;
        ak_req *req;

        nl->stats.malformed++;
        if (len < sizeof(h))
                return;
        memcpy(&h, buf, sizeof(h));
        if (h.nlmsg_type == NLMSG_ERROR && !addressed_to_us(nl, h.nlmsg_pid))
                return;
        req = h.nlmsg_type == AUDIT_GET_FEATURE ? find_feature_req(nl, h.nlmsg_seq) : find_req(nl, h.nlmsg_seq);
        if (req)
                req_complete(nl, req, error);
}

static void maybe_complete(ak_nl *nl, ak_req *req) {
        if ((!req->want_ack || req->got_ack) && (!req->want_data || req->got_data))
                req_complete(nl, req, 0);
}

static void handle_ack(ak_nl *nl, const struct nlmsghdr *nlh) {
        const struct nlmsgerr *e;
        struct nlmsgerr err;
        ak_req *req;
        size_t i;

        if (nlh->nlmsg_len - MNL_NLMSG_HDRLEN < sizeof(*e)) {
                poison(nl, nlh, nlh->nlmsg_len, -EBADMSG);
                return;
        }
        /* ACKs are addressed to our port. */
        if (!addressed_to_us(nl, nlh->nlmsg_pid)) {
                nl->stats.stray++;
                return;
        }
        e = mnl_nlmsg_get_payload(nlh);
        memcpy(&err, e, sizeof(err));
        req = find_req(nl, nlh->nlmsg_seq);
        if (!req || err.msg.nlmsg_seq != nlh->nlmsg_seq || err.msg.nlmsg_type != req->type) {
                nl->stats.stray++;
                return;
        }
        i = (size_t) (req - nl->reqs);

        if (err.error < 0) {
                req_complete(nl, req, err.error);
                return;
        }
        if (err.error > 0) {
                /* The lost-counter reset answers with the old count in the error field. */
                if (nl->tx == AK_TX_EXECUTE && nl->ops[i].type == AK_OP_RESET_LOST) {
                        req->result = (uint32_t) err.error;
                        req_complete(nl, req, 0);
                } else
                        req_complete(nl, req, -EPROTO);
                return;
        }
        /* A success ACK nobody asked for (GET/LIST): harmless, the data decides. */
        if (!req->want_ack)
                return;
        if (nl->tx == AK_TX_EXECUTE && nl->ops[i].type == AK_OP_RESET_LOST)
                req->result = 0;
        req->got_ack = 1;
        maybe_complete(nl, req);
}

static void handle_status(ak_nl *nl, const struct nlmsghdr *nlh) {
        size_t len = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
        ak_req *req = find_req(nl, nlh->nlmsg_seq);

        if (!req || req->type != AUDIT_GET) {
                nl->stats.stray++;
                return;
        }
        if (len < AK_STATUS_MIN) {
                poison(nl, nlh, nlh->nlmsg_len, -EBADMSG);
                return;
        }
        /* Older kernels send a shorter struct: the rest stays zero. */
        nl->acc.status = (struct audit_status) {};
        memcpy(&nl->acc.status, mnl_nlmsg_get_payload(nlh), AK_MIN(len, sizeof(nl->acc.status)));
        nl->acc.status_len = len;
        req->got_data = 1;
        maybe_complete(nl, req);
}

static void handle_features(ak_nl *nl, const struct nlmsghdr *nlh) {
        size_t len = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
        ak_req *req = find_feature_req(nl, nlh->nlmsg_seq);

        if (!req) {
                nl->stats.stray++;
                return;
        }
        if (len < sizeof(struct audit_features)) {
                poison(nl, nlh, nlh->nlmsg_len, -EBADMSG);
                return;
        }
        memcpy(&nl->acc.features, mnl_nlmsg_get_payload(nlh), sizeof(nl->acc.features));
        nl->acc.have_features = 1;
        req->got_data = 1;
        maybe_complete(nl, req);
}

static void handle_rule(ak_nl *nl, const struct nlmsghdr *nlh) {
        size_t len = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
        ak_req *req = find_req(nl, nlh->nlmsg_seq);
        ak_rule rule;
        int r;

        if (!req || req->type != AUDIT_LIST_RULES) {
                nl->stats.stray++;
                return;
        }
        /* Lengths: the struct, then buflen bytes of strings, each string inside them. */
        r = ak_rule_from_bytes(&rule, mnl_nlmsg_get_payload(nlh), len);
        if (r == -ENOMEM) {
                req_complete(nl, req, r);
                return;
        }
        if (r < 0) {
                poison(nl, nlh, nlh->nlmsg_len, -EBADMSG);
                return;
        }
        if (nl->acc.n_rules >= AK_NL_MAX_RULES) {
                ak_rule_done(&rule);
                req_complete(nl, req, -E2BIG);
                return;
        }
        r = GROW(nl->acc.rules, nl->rules_allocated, nl->acc.n_rules + 1);
        if (r < 0) {
                ak_rule_done(&rule);
                req_complete(nl, req, r);
                return;
        }
        nl->acc.rules[nl->acc.n_rules++] = rule;
}

static void handle_done(ak_nl *nl, const struct nlmsghdr *nlh) {
        ak_req *req = find_req(nl, nlh->nlmsg_seq);

        /* The payload is empty on audit; other families put an int there. Either is fine. */
        if (!req || req->type != AUDIT_LIST_RULES) {
                nl->stats.stray++;
                return;
        }
        req->got_data = 1;
        maybe_complete(nl, req);
}

static void handle_msg(ak_nl *nl, const struct nlmsghdr *nlh) {
        switch (nlh->nlmsg_type) {
        case NLMSG_NOOP:
                break;
        case NLMSG_ERROR:
                handle_ack(nl, nlh);
                break;
        case NLMSG_DONE:
                handle_done(nl, nlh);
                break;
        case AUDIT_GET:
                handle_status(nl, nlh);
                break;
        case AUDIT_GET_FEATURE:
                handle_features(nl, nlh);
                break;
        case AUDIT_LIST_RULES:
                handle_rule(nl, nlh);
                break;
        default:
                nl->stats.stray++;
                break;
        }
}

static void handle_datagram(ak_nl *nl, const uint8_t *buf, size_t n, int truncated) {
        const struct nlmsghdr *nlh = (const struct nlmsghdr *) buf;
        int len = (int) n;

        if (truncated) {
                /* Part of it is missing: never parse it, but do not let its request wait. */
                poison(nl, buf, n, -EMSGSIZE);
                return;
        }
        if (n < MNL_NLMSG_HDRLEN) {
                nl->stats.malformed++;
                return;
        }
        /* libmnl compares nlmsg_len as a signed int: a length of 2 GiB or more would pass */
        while (len >= (int) MNL_NLMSG_HDRLEN && nlh->nlmsg_len <= (uint32_t) len && mnl_nlmsg_ok(nlh, len)) {
                handle_msg(nl, nlh);
                nlh = mnl_nlmsg_next(nlh, &len);
        }
        /* Bytes left that do not form a message: a length that lies. */
        if (len > 0)
                poison(nl, nlh, (size_t) len, -EBADMSG);
}

/* Read up to `max` waiting datagrams with one recvmmsg() into the slots. Returns how many (>0),
 * 0 when nothing is waiting, or -errno. */
static int recv_batch(ak_nl *nl, unsigned max) {
        int n;

        if (max > AK_NL_RECV_SLOTS)
                max = AK_NL_RECV_SLOTS;
        for (unsigned i = 0; i < max; i++) {
                nl->riov[i] = (struct iovec) {
                        .iov_base = nl->rbuf + (size_t) i * nl->rbuf_size,
                        .iov_len = nl->rbuf_size,
                };
                nl->rmsg[i] = (struct mmsghdr) {
                        .msg_hdr = {
                                .msg_name = &nl->rname[i],
                                .msg_namelen = sizeof(nl->rname[i]),
                                .msg_iov = &nl->riov[i],
                                .msg_iovlen = 1,
                        },
                };
        }
        do
                n = recvmmsg(nl->sock.fd, nl->rmsg, max, MSG_DONTWAIT, NULL);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                        return 0;
                return -errno;
        }
        return n;
}

/* Handle datagram i of the last recv_batch(). 0, or -ECONNRESET when the peer closed. */
static int handle_slot(ak_nl *nl, unsigned i) {
        const struct msghdr *msg = &nl->rmsg[i].msg_hdr;
        size_t n = nl->rmsg[i].msg_len;
        int r;

        r = ak_sock_check_datagram(&nl->sock, msg, n);
        if (r < 0)
                return r;
        if (r == 0)
                nl->stats.spoofed++;
        else
                handle_datagram(nl, nl->rbuf + (size_t) i * nl->rbuf_size, n, !!(msg->msg_flags & MSG_TRUNC));
        rbuf_release(nl, i, n);
        return 0;
}

/* Read what is waiting (up to AK_NL_PROCESS_MAX datagrams), send what the window allows, complete
 * the transaction when it can. Returns 0, or the -errno of a broken socket (the transaction, if
 * any, is then completed with it). An overrun (ENOBUFS) completes the transaction with -ENOBUFS
 * through the callback and is not an error of this call. */
int ak_nl_process(ak_nl *nl) {
        int r;

        if (!nl)
                return -EINVAL;

        for (unsigned k = 0, last = AK_NL_RECV_SLOTS; k < AK_NL_PROCESS_MAX && last == AK_NL_RECV_SLOTS;) {
                /* A batch short of full drained the socket: the next read would only say EAGAIN
                 * (and cost a syscall, which with auditing on walks the kernel's exit rules). A
                 * datagram that arrives later makes the fd readable again. */
                r = recv_batch(nl, AK_NL_PROCESS_MAX - k);
                if (r == 0)
                        break;
                last = r > 0 ? (unsigned) r : AK_NL_RECV_SLOTS;
                if (r == -ENOBUFS) {
                        /* The kernel dropped something addressed to us: the transaction's
                         * answers cannot be trusted to arrive. Keep draining. */
                        if (ak_nl_busy(nl))
                                tx_finish(nl, -ENOBUFS);
                        k++;
                        continue;
                }
                if (r < 0) {
                        if (ak_nl_busy(nl))
                                tx_finish(nl, r);
                        return r;
                }
                /* Each datagram as if read alone: handled, then completion and the window. */
                for (unsigned i = 0; i < (unsigned) r; i++) {
                        int e = handle_slot(nl, i);

                        if (e < 0) {
                                if (ak_nl_busy(nl))
                                        tx_finish(nl, e);
                                return e;
                        }
                        check_complete(nl);
                        if (ak_nl_busy(nl)) {
                                e = send_ready(nl);
                                if (e < 0)
                                        fail_unsent(nl, e);
                                check_complete(nl);
                        }
                }
                k += (unsigned) r;
        }

        /* A send that hit EAGAIN is retried here too. */
        if (ak_nl_busy(nl)) {
                r = send_ready(nl);
                if (r < 0)
                        fail_unsent(nl, r);
                check_complete(nl);
        }
        return 0;
}

void ak_nl_set_timeout(ak_nl *nl, uint64_t timeout_usec) {
        if (ak_nl_busy(nl))
                nl->deadline = deadline_after(timeout_usec);
}

int ak_nl_timeout(ak_nl *nl) {
        if (!ak_nl_busy(nl))
                return 0;
        if (now_usec() < nl->deadline)
                return 0;
        tx_finish(nl, -ETIMEDOUT);
        return 1;
}

/* ---- synchronous wrappers ---- */

int ak_nl_wait(ak_nl *nl) {
        struct pollfd p = {
                .fd = nl->sock.fd,
                .events = POLLIN,
        };
        uint64_t now = now_usec(), left;
        int r, ms;

        if (!ak_nl_busy(nl))
                return 0;
        if (now >= nl->deadline)
                return ak_nl_timeout(nl);
        left = nl->deadline - now;
        ms = left / 1000 >= INT_MAX ? INT_MAX : (int) ((left + 999) / 1000);
        if (nl->send_blocked)
                p.events |= POLLOUT;
        r = poll(&p, 1, ms);
        if (r < 0) {
                if (errno == EINTR)
                        return 0;
                r = -errno;
                tx_finish(nl, r);
                return r;
        }
        if (r == 0)
                return 0;
        return ak_nl_process(nl);       /* errors end the transaction */
}

typedef struct sync_wait {
        int done;
        int error;
} sync_wait;

static void sync_done(ak_nl *nl, int error, void *userdata) {
        sync_wait *w = userdata;

        w->done = 1;
        w->error = error;
}

static int sync_run(ak_nl *nl, sync_wait *w) {
        while (!w->done)
                (void) ak_nl_wait(nl);
        return w->error;
}

int ak_nl_query(ak_nl *nl, ak_kstate *ret, uint64_t timeout_usec) {
        sync_wait w = {};
        int r;

        r = ak_nl_query_async(nl, ret, timeout_usec, sync_done, &w);
        if (r < 0)
                return r;
        return sync_run(nl, &w);
}

int ak_nl_execute(ak_nl *nl, ak_op *ops, size_t n_ops, uint64_t timeout_usec) {
        sync_wait w = {};
        int r;

        r = ak_nl_execute_async(nl, ops, n_ops, timeout_usec, sync_done, &w);
        if (r < 0)
                return r;
        return sync_run(nl, &w);
}
