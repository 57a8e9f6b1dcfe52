/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fake NETLINK_AUDIT kernel: see fake-kernel.h. Behaviour follows
 * /work/shared/docs/audit-netlink-facts.md (kernel/audit.c audit_receive_msg & co.). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "fake-kernel.h"
#include "macro.h"

#define FK_RBUF (512u * 1024u)
#define FK_PATH_MAX 4096u
#define FK_KEY_MAX 256u

typedef struct fk_dgram {
        uint8_t *buf;
        size_t len;
} fk_dgram;

typedef struct fk_queue {
        fk_dgram *v;
        size_t n, allocated;
} fk_queue;

static void queue_done(fk_queue *q) {
        for (size_t i = 0; i < q->n; i++)
                free(q->v[i].buf);
        free(q->v);
        *q = (fk_queue) {};
}

static void queue_truncate(fk_queue *q, size_t n) {
        while (q->n > n)
                free(q->v[--q->n].buf);
}

static int queue_push(fk_queue *q, uint8_t *buf, size_t len) {
        if (q->n == q->allocated) {
                size_t a = q->allocated ? q->allocated * 2 : 16;
                fk_dgram *v = realloc(q->v, a * sizeof(*v));

                if (!v) {
                        free(buf);
                        return -ENOMEM;
                }
                q->v = v;
                q->allocated = a;
        }
        q->v[q->n++] = (fk_dgram) { .buf = buf, .len = len };
        return 0;
}

/* One datagram holding one message. nlmsg_len = header + payload (not padded). */
static int queue_msg(fk_queue *q, uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid,
                     const void *payload, size_t plen, size_t dgram_len, uint32_t nlmsg_len) {
        struct nlmsghdr h = {
                .nlmsg_len = nlmsg_len,
                .nlmsg_type = type,
                .nlmsg_flags = flags,
                .nlmsg_seq = seq,
                .nlmsg_pid = pid,
        };
        uint8_t *buf;

        if (dgram_len < sizeof(h) + plen)
                dgram_len = sizeof(h) + plen;
        buf = calloc(1, dgram_len);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, &h, sizeof(h));
        if (plen > 0)
                memcpy(buf + sizeof(h), payload, plen);
        return queue_push(q, buf, dgram_len);
}

/* A data reply (from a kernel thread: pid 0), with the reply-mangling knobs applied. */
static int queue_data(fake_kernel *fk, fk_queue *q, uint16_t type, uint16_t flags, uint32_t seq,
                      const void *payload, size_t plen) {
        size_t dgram_len;
        uint32_t nlmsg_len;

        if (fk->short_type && type == fk->short_type && plen > fk->short_len)
                plen = fk->short_len;
        dgram_len = NLMSG_ALIGN(sizeof(struct nlmsghdr) + plen);
        nlmsg_len = (uint32_t) (sizeof(struct nlmsghdr) + plen);
        if (fk->oversize_type && type == fk->oversize_type)
                dgram_len = FAKE_OVERSIZE;
        if (fk->badlen_type && type == fk->badlen_type)
                nlmsg_len = (uint32_t) dgram_len + 64;
        return queue_msg(q, type, flags, seq, 0, payload, plen, dgram_len, nlmsg_len);
}

/* netlink_ack(): error, then the request's header, then (for errors, without CAP_ACK) its payload. */
static int queue_ack(fake_kernel *fk, fk_queue *q, int error, const struct nlmsghdr *req,
                     const void *payload, size_t plen) {
        size_t echo = error != 0 && !fk->cap_ack ? plen : 0;
        size_t len = sizeof(int) + sizeof(*req) + echo;
        uint8_t *p;
        int r;

        p = malloc(len);
        if (!p)
                return -ENOMEM;
        memcpy(p, &error, sizeof(int));
        memcpy(p + sizeof(int), req, sizeof(*req));
        if (echo > 0)
                memcpy(p + sizeof(int) + sizeof(*req), payload, echo);
        r = queue_msg(q, NLMSG_ERROR, 0, req->nlmsg_seq, fk->client_port, p, len,
                      NLMSG_ALIGN(sizeof(struct nlmsghdr) + len), (uint32_t) (sizeof(struct nlmsghdr) + len));
        free(p);
        return r;
}

/* ---- rules ---- */

static int is_string_field(uint32_t f) {
        return (f >= AUDIT_SUBJ_USER && f <= AUDIT_SUBJ_CLR) ||
               (f >= AUDIT_OBJ_USER && f <= AUDIT_OBJ_LEV_HIGH) ||
               f == AUDIT_WATCH || f == AUDIT_DIR || f == AUDIT_FILTERKEY || f == AUDIT_EXE;
}

/* The stored form: strings packed (the kernel ignores buflen on input), fields past field_count
 * zero, class bits of the syscall mask cleared (the real kernel also ORs the class's syscalls in;
 * the fake does not know them). *ret_flags gets the flags as sent, PREPEND included, because
 * audit_compare_rule compares them that way. */
static int rule_normalize(const void *payload, size_t plen, struct audit_rule_data **ret,
                          size_t *ret_size, uint32_t *ret_flags) {
        struct audit_rule_data h;
        struct audit_rule_data *d;
        size_t total = 0, avail;
        uint32_t list;

        if (plen < sizeof(h))
                return -EINVAL;
        memcpy(&h, payload, sizeof(h));
        avail = plen - sizeof(h);
        list = h.flags & ~AUDIT_FILTER_PREPEND;
        if (list >= AUDIT_NR_FILTERS || list == AUDIT_FILTER_ENTRY || list == AUDIT_FILTER_WATCH)
                return -EINVAL;
        if (h.action != AUDIT_NEVER && h.action != AUDIT_ALWAYS)
                return -EINVAL;
        if (h.field_count > AUDIT_MAX_FIELDS)
                return -EINVAL;
        for (uint32_t i = 0; i < h.field_count; i++) {
                uint32_t len;

                if (!is_string_field(h.fields[i]))
                        continue;
                len = h.values[i];
                if (len == 0 || len > avail - total)
                        return -EINVAL;
                if (len > FK_PATH_MAX)
                        return -ENAMETOOLONG;
                if (h.fields[i] == AUDIT_FILTERKEY && len > FK_KEY_MAX)
                        return -EINVAL;
                total += len;
        }

        d = calloc(1, sizeof(h) + total);
        if (!d)
                return -ENOMEM;
        d->flags = list;
        d->action = h.action;
        d->field_count = h.field_count;
        memcpy(d->mask, h.mask, sizeof(h.mask));
        d->mask[AUDIT_BITMASK_SIZE - 1] &= 0x0000ffffu;
        for (uint32_t i = 0; i < h.field_count; i++) {
                d->fields[i] = h.fields[i];
                d->values[i] = h.values[i];
                d->fieldflags[i] = h.fieldflags[i];
        }
        d->buflen = (uint32_t) total;
        memcpy(d->buf, (const uint8_t *) payload + sizeof(h), total);
        *ret = d;
        *ret_size = sizeof(h) + total;
        *ret_flags = h.flags;
        return 0;
}

/* audit_compare_rule on normalised forms: cand carries the flags as sent. */
static int rule_same(const struct audit_rule_data *cand, size_t cand_size, uint32_t cand_flags,
                     const fake_rule *st) {
        if (cand_size != st->size || cand_flags != st->data->flags)
                return 0;
        return memcmp((const uint8_t *) cand + sizeof(uint32_t), (const uint8_t *) st->data + sizeof(uint32_t),
                      cand_size - sizeof(uint32_t)) == 0;
}

static int rule_add(fake_kernel *fk, const void *payload, size_t plen) {
        struct audit_rule_data *d;
        size_t size, list;
        uint32_t flags;
        fake_rule *v;
        int r;

        r = rule_normalize(payload, plen, &d, &size, &flags);
        if (r < 0)
                return r;
        list = d->flags;
        for (size_t i = 0; i < fk->n_rules[list]; i++)
                if (rule_same(d, size, flags, &fk->rules[list][i])) {
                        free(d);
                        return -EEXIST;
                }
        v = realloc(fk->rules[list], (fk->n_rules[list] + 1) * sizeof(*v));
        if (!v) {
                free(d);
                return -ENOMEM;
        }
        fk->rules[list] = v;
        if (flags & AUDIT_FILTER_PREPEND) {
                memmove(v + 1, v, fk->n_rules[list] * sizeof(*v));
                v[0] = (fake_rule) { .data = d, .size = size };
        } else
                v[fk->n_rules[list]] = (fake_rule) { .data = d, .size = size };
        fk->n_rules[list]++;
        return 0;
}

static int rule_del(fake_kernel *fk, const void *payload, size_t plen) {
        struct audit_rule_data *d;
        size_t size, list;
        uint32_t flags;
        int r;

        r = rule_normalize(payload, plen, &d, &size, &flags);
        if (r < 0)
                return r;
        list = d->flags;
        for (size_t i = 0; i < fk->n_rules[list]; i++)
                if (rule_same(d, size, flags, &fk->rules[list][i])) {
                        free(fk->rules[list][i].data);
                        memmove(&fk->rules[list][i], &fk->rules[list][i + 1],
                                (fk->n_rules[list] - i - 1) * sizeof(fake_rule));
                        fk->n_rules[list]--;
                        free(d);
                        return 0;
                }
        free(d);
        return -ENOENT;
}

struct audit_rule_data *fake_rule_biggest(char fill, size_t *ret_size) {
        const size_t buflen = AUDIT_MAX_FIELDS * FK_PATH_MAX, size = sizeof(struct audit_rule_data) + buflen;
        struct audit_rule_data *d = calloc(1, size);

        if (!d)
                return NULL;
        d->flags = AUDIT_FILTER_EXIT;
        d->action = AUDIT_ALWAYS;
        d->field_count = AUDIT_MAX_FIELDS;
        memset(d->mask, 0xff, sizeof(d->mask));
        for (unsigned i = 0; i < AUDIT_MAX_FIELDS; i++) {
                d->fields[i] = AUDIT_SUBJ_USER;
                d->fieldflags[i] = AUDIT_EQUAL;
                d->values[i] = FK_PATH_MAX;
        }
        d->buflen = (uint32_t) buflen;
        memset(d->buf, fill, buflen);
        *ret_size = size;
        return d;
}

int fake_kernel_add_rule(fake_kernel *fk, const void *rule, size_t size) {
        return rule_add(fk, rule, size);
}

size_t fake_kernel_rule_count(const fake_kernel *fk) {
        size_t n = 0;

        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++)
                n += fk->n_rules[l];
        return n;
}

void fake_kernel_clear_rules(fake_kernel *fk) {
        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++) {
                for (size_t i = 0; i < fk->n_rules[l]; i++)
                        free(fk->rules[l][i].data);
                free(fk->rules[l]);
                fk->rules[l] = NULL;
                fk->n_rules[l] = 0;
        }
}

struct audit_rule_data *fake_rule_new(uint32_t list, uint32_t action, int syscall, const char *path,
                                      const char *key, size_t *ret_size) {
        size_t plen = path ? strlen(path) : 0, klen = key ? strlen(key) : 0;
        struct audit_rule_data *d;
        uint32_t n = 0;

        d = calloc(1, sizeof(*d) + plen + klen);
        if (!d)
                return NULL;
        d->flags = list;
        d->action = action;
        if (syscall == -1)
                for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                        d->mask[i] = 0xffffffffu;
        else if (syscall >= 0)
                d->mask[syscall / 32] |= 1u << (syscall % 32);
        if (path) {
                d->fields[n] = AUDIT_WATCH;
                d->fieldflags[n] = AUDIT_EQUAL;
                d->values[n++] = (uint32_t) plen;
                d->fields[n] = AUDIT_PERM;
                d->fieldflags[n] = AUDIT_EQUAL;
                d->values[n++] = AUDIT_PERM_READ | AUDIT_PERM_WRITE | AUDIT_PERM_EXEC | AUDIT_PERM_ATTR;
                memcpy(d->buf, path, plen);
        }
        if (key) {
                d->fields[n] = AUDIT_FILTERKEY;
                d->fieldflags[n] = AUDIT_EQUAL;
                d->values[n++] = (uint32_t) klen;
                memcpy(d->buf + plen, key, klen);
        }
        d->field_count = n;
        d->buflen = (uint32_t) (plen + klen);
        *ret_size = sizeof(*d) + plen + klen;
        return d;
}

/* ---- requests ---- */

static int do_set(fake_kernel *fk, const void *payload, size_t plen) {
        struct audit_status s = {};
        int locked = fk->status.enabled == 2;

        memcpy(&s, payload, plen < sizeof(s) ? plen : sizeof(s));
        /* Fields in the kernel's order; the first error returns, earlier fields stay set. */
        if (s.mask & AUDIT_STATUS_ENABLED) {
                if (s.enabled > 2)
                        return -EINVAL;
                if (locked)
                        return -EPERM;
                fk->status.enabled = s.enabled;
                locked = s.enabled == 2;
        }
        if (s.mask & AUDIT_STATUS_FAILURE) {
                if (s.failure > 2)
                        return -EINVAL;
                if (locked)
                        return -EPERM;
                fk->status.failure = s.failure;
        }
        if (s.mask & AUDIT_STATUS_PID) {
                /* The fake never accepts a registration (pid must be the caller's tgid). */
                fk->n_pid_sets++;
                return -EINVAL;
        }
        if (s.mask & AUDIT_STATUS_RATE_LIMIT) {
                if (locked)
                        return -EPERM;
                fk->status.rate_limit = s.rate_limit;
        }
        if (s.mask & AUDIT_STATUS_BACKLOG_LIMIT) {
                if (locked)
                        return -EPERM;
                fk->status.backlog_limit = s.backlog_limit;
        }
        if (s.mask & AUDIT_STATUS_BACKLOG_WAIT_TIME) {
                /* The kernel compares against nlmsg_len, which includes the header. */
                if (sizeof(s) > plen + sizeof(struct nlmsghdr))
                        return -EINVAL;
                if (s.backlog_wait_time > 10u * 60u * fk->hz)
                        return -EINVAL;
                if (locked)
                        return -EPERM;
                fk->status.backlog_wait_time = s.backlog_wait_time;
        }
        if (s.mask == AUDIT_STATUS_LOST) {
                uint32_t old = fk->status.lost += fk->lost_at_reset;

                fk->status.lost = 0;
                fk->lost_at_reset = 0;
                return (int) old;       /* positive: the ACK carries the old count */
        }
        if (s.mask == AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL) {
                uint32_t old = fk->status.backlog_wait_time_actual;

                fk->status.backlog_wait_time_actual = 0;
                return (int) old;
        }
        return 0;
}

static int do_set_feature(fake_kernel *fk, const void *payload, size_t plen) {
        struct audit_features f;

        if (plen < sizeof(f))
                return -EINVAL;
        memcpy(&f, payload, sizeof(f));
        /* Check every bit first, then change (audit_set_feature). Two features exist. */
        for (unsigned i = 0; i < 2; i++) {
                uint32_t bit = 1u << i;

                if (!(f.mask & bit))
                        continue;
                if ((fk->features_lock & bit) && (f.features & bit) != (fk->features & bit))
                        return -EPERM;
        }
        for (unsigned i = 0; i < 2; i++) {
                uint32_t bit = 1u << i;

                if (!(f.mask & bit))
                        continue;
                fk->features = (fk->features & ~bit) | (f.features & bit);
                fk->features_lock |= f.lock & bit;
        }
        return 0;
}

static int do_list(fake_kernel *fk, fk_queue *data, uint32_t seq) {
        unsigned k = 0;
        int r;

        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++)
                for (size_t i = 0; i < fk->n_rules[l]; i++) {
                        const fake_rule *fr = &fk->rules[l][i];

                        k++;
                        if (fk->bad_rule_nth > 0 && k == (unsigned) fk->bad_rule_nth) {
                                _cleanup_free_ struct audit_rule_data *bad = malloc(fr->size);

                                if (!bad)
                                        return -ENOMEM;
                                memcpy(bad, fr->data, fr->size);
                                bad->buflen += 100;
                                r = queue_data(fk, data, AUDIT_LIST_RULES, NLM_F_MULTI, seq, bad, fr->size);
                        } else
                                r = queue_data(fk, data, AUDIT_LIST_RULES, NLM_F_MULTI, seq, fr->data, fr->size);
                        if (r < 0)
                                return r;
                }
        return queue_data(fk, data, NLMSG_DONE, NLM_F_MULTI, seq, NULL, 0);
}

static int dispatch(fake_kernel *fk, const struct nlmsghdr *h, const void *payload, size_t plen,
                    uint32_t first_seq, fk_queue *data) {
        switch (h->nlmsg_type) {
        case AUDIT_GET: {
                struct audit_status s = fk->status;
                size_t n = fk->status_len < sizeof(s) ? fk->status_len : sizeof(s);

                s.mask = 0;
                return queue_data(fk, data, AUDIT_GET, 0, h->nlmsg_seq, &s, n);
        }
        case AUDIT_SET:
                return do_set(fk, payload, plen);
        case AUDIT_GET_FEATURE: {
                struct audit_features f = {
                        .vers = AUDIT_FEATURE_VERSION,
                        .mask = 0xffffffffu,
                        .features = fk->features,
                        .lock = fk->features_lock,
                };
                uint32_t seq = fk->feature_seq == 0 ? first_seq :
                               fk->feature_seq == 1 ? h->nlmsg_seq : h->nlmsg_seq + 1000;

                return queue_data(fk, data, AUDIT_GET_FEATURE, 0, seq, &f, sizeof(f));
        }
        case AUDIT_SET_FEATURE:
                return do_set_feature(fk, payload, plen);
        case AUDIT_LIST_RULES:
                return do_list(fk, data, h->nlmsg_seq);
        case AUDIT_ADD_RULE:
        case AUDIT_DEL_RULE:
                if (plen < sizeof(struct audit_rule_data))
                        return -EINVAL;
                if (fk->status.enabled == 2)
                        return -EPERM;
                return h->nlmsg_type == AUDIT_ADD_RULE ? rule_add(fk, payload, plen) : rule_del(fk, payload, plen);
        case AUDIT_LIST:
        case AUDIT_ADD:
        case AUDIT_DEL:
                return -EOPNOTSUPP;
        default:
                return -EINVAL;
        }
}

static int send_all(fake_kernel *fk, fk_queue *q) {
        for (size_t i = 0; i < q->n; i++)
                if (send(fk->fd, q->v[i].buf, q->v[i].len, MSG_NOSIGNAL) < 0)
                        return -errno;
        return 0;
}

static int handle_datagram(fake_kernel *fk, const uint8_t *buf, size_t n) {
        fk_queue acks = {}, data = {};
        uint32_t first_seq = 0;
        size_t off = 0;
        int r = 0;

        fk->n_recv++;
        if (n > fk->max_datagram)
                fk->max_datagram = n;
        if (n >= sizeof(struct nlmsghdr))
                first_seq = ((const struct nlmsghdr *) buf)->nlmsg_seq;

        /* audit_receive: every message of the buffer, nlmsg_ok/nlmsg_next. */
        while (n - off >= sizeof(struct nlmsghdr)) {
                struct nlmsghdr h;
                const uint8_t *payload;
                size_t plen, before;
                unsigned idx;
                int err;

                memcpy(&h, buf + off, sizeof(h));
                if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > n - off) {
                        fk->n_bad_frames++;
                        break;
                }
                payload = buf + off + sizeof(h);
                plen = h.nlmsg_len - sizeof(h);
                off += NLMSG_ALIGN(h.nlmsg_len);
                if (off > n)
                        off = n;

                idx = ++fk->n_requests;
                if (h.nlmsg_type < FAKE_TYPE_MAX)
                        fk->n_by_type[h.nlmsg_type]++;
                if (fk->silent) {
                        if (fk->on_request)
                                fk->on_request(fk, &h, payload, plen, 0, fk->on_request_userdata);
                        continue;
                }

                before = data.n;
                if (fk->fail_nth > 0 && idx == fk->fail_nth)
                        err = -fk->fail_nth_errno;
                else if (fk->fail_type && h.nlmsg_type == fk->fail_type)
                        err = -fk->fail_type_errno;
                else
                        err = dispatch(fk, &h, payload, plen, first_seq, &data);
                if (err < 0)
                        queue_truncate(&data, before);  /* no data after an error */
                if (fk->on_request)
                        fk->on_request(fk, &h, payload, plen, err, fk->on_request_userdata);

                if ((fk->drop_nth > 0 && idx == fk->drop_nth) || (fk->drop_type && h.nlmsg_type == fk->drop_type)) {
                        queue_truncate(&data, before);
                        continue;
                }
                if (err != 0 || (h.nlmsg_flags & NLM_F_ACK) || fk->ack_all) {
                        r = queue_ack(fk, &acks, err, &h, payload, plen);
                        if (r < 0)
                                goto finish;
                }
        }
        if (fk->silent)
                goto finish;

        if (fk->junk) {
                static const uint8_t runt[7] = { 1, 2, 3, 4, 5, 6, 7 };
                struct nlmsghdr req = { .nlmsg_len = 16, .nlmsg_type = AUDIT_SET, .nlmsg_seq = 0xdead0000u };
                fk_queue j = {};

                (void) send(fk->fd, runt, sizeof(runt), MSG_NOSIGNAL);
                r = queue_ack(fk, &j, 0, &req, NULL, 0);
                if (r >= 0)
                        r = send_all(fk, &j);
                queue_done(&j);
                if (r < 0)
                        goto finish;
        }

        /* The ACKs go out synchronously in audit_receive, data later from kernel threads. */
        if (fk->data_first) {
                r = send_all(fk, &data);
                if (r >= 0)
                        r = send_all(fk, &acks);
        } else {
                r = send_all(fk, &acks);
                if (r >= 0)
                        r = send_all(fk, &data);
        }
finish:
        queue_done(&acks);
        queue_done(&data);
        return r;
}

int fake_kernel_step(fake_kernel *fk, int timeout_ms) {
        struct pollfd p = {
                .fd = fk->fd,
                .events = POLLIN,
        };
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        _cleanup_free_ uint8_t *buf = NULL;
        ssize_t n;
        int r;

        r = poll(&p, 1, timeout_ms);
        if (r < 0)
                return -errno;
        if (r == 0)
                return 0;
        buf = malloc(FK_RBUF);
        if (!buf)
                return -ENOMEM;
        n = recvfrom(fk->fd, buf, FK_RBUF, MSG_DONTWAIT, (struct sockaddr *) &ss, &sl);
        if (n < 0)
                return errno == EAGAIN ? 0 : -errno;
        if (n == 0 && fk->transport == FAKE_SEQPACKET)
                return -ECONNRESET;
        r = handle_datagram(fk, buf, (size_t) n);
        return r < 0 ? r : 1;
}

static void *thread_main(void *userdata) {
        fake_kernel *fk = userdata;

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = fk->fd, .events = POLLIN },
                        { .fd = fk->stop_fd, .events = POLLIN },
                };

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents)
                        break;
                if (p[0].revents && fake_kernel_step(fk, 0) < 0)
                        break;
        }
        return NULL;
}

int fake_kernel_start(fake_kernel *fk) {
        int r;

        if (fk->running)
                return -EBUSY;
        fk->stop_fd = eventfd(0, EFD_CLOEXEC);
        if (fk->stop_fd < 0)
                return -errno;
        r = pthread_create(&fk->thread, NULL, thread_main, fk);
        if (r != 0) {
                close(fk->stop_fd);
                fk->stop_fd = -1;
                return -r;
        }
        fk->running = 1;
        return 0;
}

void fake_kernel_stop(fake_kernel *fk) {
        uint64_t one = 1;

        if (!fk->running)
                return;
        (void) !write(fk->stop_fd, &one, sizeof(one));
        pthread_join(fk->thread, NULL);
        close(fk->stop_fd);
        fk->stop_fd = -1;
        fk->running = 0;
}

/* ---- setup ---- */

static int usersock_open(uint32_t *ret_port) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        socklen_t len = sizeof(sa);
        int fd;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        *ret_port = sa.nl_pid;
        return fd;
}

static int usersock_connect(int fd, uint32_t port) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = port };

        return connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ? -errno : 0;
}

int fake_kernel_new(fake_transport transport, fake_kernel **ret) {
        struct timeval tv = { .tv_sec = 5 };
        const int sndbuf = 1024 * 1024;
        fake_kernel *fk;
        int r;

        fk = calloc(1, sizeof(*fk));
        if (!fk)
                return -ENOMEM;
        fk->transport = transport;
        fk->fd = fk->client_fd = fk->stop_fd = -1;
        fk->hz = 250;
        fk->status_len = sizeof(struct audit_status);
        fk->status = (struct audit_status) {
                .enabled = 1,
                .failure = 1,
                .backlog_limit = 64,
                .feature_bitmap = 0x7f,
                .backlog_wait_time = 15000,
        };

        if (transport == FAKE_NETLINK) {
                r = usersock_open(&fk->own_port);
                if (r < 0)
                        goto fail;
                fk->fd = r;
                r = usersock_open(&fk->client_port);
                if (r < 0)
                        goto fail;
                fk->client_fd = r;
                r = usersock_connect(fk->fd, fk->client_port);
                if (r >= 0)
                        r = usersock_connect(fk->client_fd, fk->own_port);
                if (r < 0)
                        goto fail;
        } else {
                int sv[2];

                if (socketpair(AF_UNIX, (transport == FAKE_DGRAM ? SOCK_DGRAM : SOCK_SEQPACKET) | SOCK_CLOEXEC,
                               0, sv) < 0) {
                        r = -errno;
                        goto fail;
                }
                fk->fd = sv[0];
                fk->client_fd = sv[1];
        }
        /* A client that stops reading must not hang the test forever. */
        (void) setsockopt(fk->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        /* Room to send the biggest rule a kernel keeps (~257 KiB, over the default SO_SNDBUF) and
         * a FAKE_OVERSIZE datagram: granted doubled, capped at wmem_max without CAP_NET_ADMIN. */
        if (setsockopt(fk->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
                (void) setsockopt(fk->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        *ret = fk;
        return 0;
fail:
        fake_kernel_free(fk);
        return r;
}

fake_kernel *fake_kernel_free(fake_kernel *fk) {
        if (!fk)
                return NULL;
        fake_kernel_stop(fk);
        fake_kernel_clear_rules(fk);
        if (fk->fd >= 0)
                close(fk->fd);
        if (fk->client_fd >= 0)
                close(fk->client_fd);
        free(fk);
        return NULL;
}

int fake_kernel_take_client_fd(fake_kernel *fk) {
        return TAKE_FD(fk->client_fd);
}

/* ---- records and netlink tricks ---- */

int fake_emit_record(int fd, uint16_t type, const char *text, int multicast) {
        size_t tlen = strlen(text), len = sizeof(struct nlmsghdr) + tlen;
        _cleanup_free_ uint8_t *buf = malloc(len);
        struct nlmsghdr h = {
                .nlmsg_len = (uint32_t) (multicast ? len : tlen),
                .nlmsg_type = type,
        };

        if (!buf)
                return -ENOMEM;
        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), text, tlen);    /* no NUL, no padding */
        return send(fd, buf, len, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int group_join(int fd, unsigned group, int join) {
        return setsockopt(fd, SOL_NETLINK, join ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
                          &group, sizeof(group)) < 0 ? -errno : 0;
}

static int stranger_send(int s, int victim_fd, unsigned group, const void *buf, size_t len) {
        struct sockaddr_nl to = { .nl_family = AF_NETLINK };
        socklen_t sl = sizeof(to);

        if (group == 0) {
                if (getsockname(victim_fd, (struct sockaddr *) &to, &sl) < 0)
                        return -errno;
                to.nl_groups = 0;
                return sendto(s, buf, len, 0, (struct sockaddr *) &to, sizeof(to)) < 0 ? -errno : 0;
        }
        to.nl_groups = 1u << (group - 1);
        /* The broadcast happens; the unicast half (to port 0, no kernel socket) is refused. */
        if (sendto(s, buf, len, 0, (struct sockaddr *) &to, sizeof(to)) < 0 && errno != ECONNREFUSED)
                return -errno;
        return 0;
}

int fake_netlink_send_stranger(int victim_fd, unsigned group, const void *buf, size_t len) {
        _cleanup_close_ int s = -1;
        uint32_t port;
        int r;

        if (group > 32)
                return -EINVAL;
        s = usersock_open(&port);
        if (s < 0)
                return s;
        if (group > 0) {
                r = group_join(victim_fd, group, 1);
                if (r < 0)
                        return r;
        }
        r = stranger_send(s, victim_fd, group, buf, len);
        if (group > 0)
                (void) group_join(victim_fd, group, 0);
        return r;
}

int fake_netlink_overrun(int victim_fd, unsigned group) {
        _cleanup_close_ int s = -1;
        uint8_t junk[1024] = {};
        /* typed as a configuration change, so that the monitor's socket filter lets it in */
        struct nlmsghdr h = { .nlmsg_len = sizeof(junk), .nlmsg_type = AUDIT_CONFIG_CHANGE };
        int small = 1, normal = 212992;
        uint32_t port;
        int r;

        if (group == 0 || group > 32)
                return -EINVAL;
        memcpy(junk, &h, sizeof(h));
        s = usersock_open(&port);
        if (s < 0)
                return s;
        r = group_join(victim_fd, group, 1);
        if (r < 0)
                return r;
        (void) setsockopt(victim_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        for (unsigned i = 0; i < 64 && r >= 0; i++)
                r = stranger_send(s, victim_fd, group, junk, sizeof(junk));
        (void) group_join(victim_fd, group, 0);
        (void) setsockopt(victim_fd, SOL_SOCKET, SO_RCVBUF, &normal, sizeof(normal));
        return r;
}
