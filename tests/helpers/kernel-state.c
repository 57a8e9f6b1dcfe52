/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auditkeep/ak-kernel.h"
#include "kernel-state.h"
#include "test-util.h"
#include "macro.h"
#include "util.h"

#define TIMEOUT_USEC (120u * 1000000u)

static int lock_fd = -1;

int kstate_usable(void) {
        ak_nl *nl = NULL;
        ak_kstate s = {};
        int ok;

        if (!ak_test_have_kernel())
                return 0;
        if (ak_nl_open(&nl) < 0)
                return 0;
        ok = ak_nl_query(nl, &s, TIMEOUT_USEC) == 0 && s.status.enabled != 2;
        ak_kstate_done(&s);
        ak_nl_free(nl);
        return ok;
}

int kstate_query(ak_kstate *ret) {
        ak_nl *nl = NULL;
        int r;

        r = ak_nl_open(&nl);
        if (r < 0)
                return r;
        r = ak_nl_query(nl, ret, TIMEOUT_USEC);
        ak_nl_free(nl);
        return r;
}

void kstate_save(ak_kstate *saved) {
        if (lock_fd < 0) {
                lock_fd = open("/tmp/auditkeep-kernel.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                ck_assert_int_ge(lock_fd, 0);
                ck_assert_int_eq(flock(lock_fd, LOCK_EX), 0);
        }
        ck_assert_int_eq(kstate_query(saved), 0);
        ck_assert_uint_ne(saved->status.enabled, 2);
}

static int execute(ak_op *ops, size_t n) {
        ak_nl *nl = NULL;
        int r;

        if (n == 0)
                return 0;
        r = ak_nl_open(&nl);
        if (r < 0)
                return r;
        r = ak_nl_execute(nl, ops, n, TIMEOUT_USEC);
        ak_nl_free(nl);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (ops[i].error < 0)
                        return ops[i].error;
        return 0;
}

int kstate_clear_rules(void) {
        ak_kstate now = {};
        _cleanup_free_ ak_op *ops = NULL;
        int r;

        r = kstate_query(&now);
        if (r < 0)
                return r;
        ops = calloc(now.n_rules + 1, sizeof(ak_op));
        if (!ops) {
                ak_kstate_done(&now);
                return -ENOMEM;
        }
        for (size_t i = 0; i < now.n_rules; i++)
                ops[i] = (ak_op) { .type = AK_OP_DEL_RULE, .rule = &now.rules[i] };
        r = execute(ops, now.n_rules);
        ak_kstate_done(&now);
        return r;
}

int kstate_restore(const ak_kstate *saved) {
        static const uint32_t bits[] = { AUDIT_STATUS_FAILURE, AUDIT_STATUS_RATE_LIMIT, AUDIT_STATUS_BACKLOG_LIMIT,
                                         AUDIT_STATUS_BACKLOG_WAIT_TIME, AUDIT_STATUS_ENABLED };
        const struct audit_status *s = &saved->status;
        _cleanup_free_ ak_op *ops = NULL;
        size_t n = 0;
        int r;

        r = kstate_clear_rules();
        if (r < 0)
                return r;
        ops = calloc(saved->n_rules + ELEMENTSOF(bits), sizeof(ak_op));
        if (!ops)
                return -ENOMEM;
        for (size_t i = 0; i < saved->n_rules; i++)
                ops[n++] = (ak_op) { .type = AK_OP_ADD_RULE, .rule = &saved->rules[i] };
        for (size_t i = 0; i < ELEMENTSOF(bits); i++) {
                uint32_t v = bits[i] == AUDIT_STATUS_FAILURE ? s->failure :
                             bits[i] == AUDIT_STATUS_RATE_LIMIT ? s->rate_limit :
                             bits[i] == AUDIT_STATUS_BACKLOG_LIMIT ? s->backlog_limit :
                             bits[i] == AUDIT_STATUS_BACKLOG_WAIT_TIME ? s->backlog_wait_time : s->enabled;
                if (v == 2 && (bits[i] == AUDIT_STATUS_FAILURE || bits[i] == AUDIT_STATUS_ENABLED))
                        v = 1; /* never lock or panic the shared kernel */
                ops[n++] = (ak_op) { .type = AK_OP_SET, .mask = bits[i], .value = v };
        }
        return execute(ops, n);
}

int run(const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL;
        va_list ap;
        int st;

        va_start(ap, fmt);
        cmd = strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!cmd)
                return -1;
        st = system(cmd);
        if (st < 0 || !WIFEXITED(st))
                return -1;
        return WEXITSTATUS(st);
}

int kstate_settings_equal(const ak_kstate *a, const ak_kstate *b) {
        const struct audit_status *x = &a->status, *y = &b->status;

        if (x->enabled == y->enabled && x->failure == y->failure && x->rate_limit == y->rate_limit &&
            x->backlog_limit == y->backlog_limit && x->backlog_wait_time == y->backlog_wait_time)
                return 1;
        fprintf(stderr, "settings differ: enabled %u/%u failure %u/%u rate_limit %u/%u backlog_limit %u/%u "
                "backlog_wait_time %u/%u\n", x->enabled, y->enabled, x->failure, y->failure, x->rate_limit, y->rate_limit,
                x->backlog_limit, y->backlog_limit, x->backlog_wait_time, y->backlog_wait_time);
        return 0;
}

int kstate_rules_equal(const ak_kstate *a, const ak_kstate *b) {
        int eq = a->n_rules == b->n_rules;

        for (size_t i = 0; eq && i < a->n_rules; i++)
                eq = a->rules[i].size == b->rules[i].size &&
                     memcmp(a->rules[i].data, b->rules[i].data, a->rules[i].size) == 0;
        if (!eq) {
                fprintf(stderr, "rule lists differ: %zu vs %zu rules\n", a->n_rules, b->n_rules);
                for (size_t i = 0; i < a->n_rules || i < b->n_rules; i++) {
                        _cleanup_free_ char *x = i < a->n_rules ? ak_rule_format(&a->rules[i]) : NULL;
                        _cleanup_free_ char *y = i < b->n_rules ? ak_rule_format(&b->rules[i]) : NULL;
                        int same = x && y && a->rules[i].size == b->rules[i].size &&
                                   memcmp(a->rules[i].data, b->rules[i].data, a->rules[i].size) == 0;
                        fprintf(stderr, "%c %3zu  %s\n       %s\n", same ? ' ' : '!', i, x ? x : "-", y ? y : "-");
                }
        }
        return eq;
}
