/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One reconciliation: snapshot the kernel, plan, send everything but the lock, then the lock
 * only if everything else is in force. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-sync.h"
#include "macro.h"
#include "util.h"

int ak_sync_plan(ak_sync_report *rep, const ak_ruleset *want, ak_kstate *have, const ak_plan_opts *opts) {
        *rep = (ak_sync_report) {};
        rep->before = *have;
        *have = (ak_kstate) {};
        return ak_plan_build(want, &rep->before, opts, &rep->plan);
}

static int is_lock_op(const ak_op *op) {
        return op->type == AK_OP_SET && op->mask == AUDIT_STATUS_ENABLED && op->value == 2;
}

size_t ak_sync_main_ops(const ak_sync_report *rep) {
        const ak_plan *p = rep->plan;

        if (p->n_ops > 0 && p->lock_pending && is_lock_op(&p->ops[p->n_ops - 1]))
                return p->n_ops - 1;
        return p->n_ops;
}

int ak_sync_lock_allowed(const ak_sync_report *rep) {
        const ak_plan *p = rep->plan;
        size_t n = ak_sync_main_ops(rep);

        if (n == p->n_ops)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (p->ops[i].error != 0)
                        return 0;
        return 1;
}

int ak_sync_collect(ak_sync_report *rep) {
        ak_plan *p = rep->plan;
        size_t n = ak_sync_main_ops(rep);

        free(rep->pending);
        free(rep->failed);
        rep->pending = calloc(p->n_ops + 1, sizeof(ak_pending));
        rep->failed = calloc(p->n_ops + 1, sizeof(ak_op *));
        if (!rep->pending || !rep->failed)
                return -ENOMEM;
        rep->n_pending = rep->n_failed = 0;
        rep->added = rep->removed = rep->set = 0;

        for (size_t i = 0; i < p->n_ops; i++) {
                const ak_op *op = &p->ops[i];

                if (i >= n) {
                        /* the lock */
                        rep->lock_applied = op->error == 0 && ak_sync_lock_allowed(rep);
                        if (op->error != 0 && op->error != -ECANCELED)
                                rep->failed[rep->n_failed++] = op;
                        continue;
                }
                if (op->type == AK_OP_ADD_RULE && p->want_state)
                        p->want_state[op->index] = op->error == 0 ? AK_RULE_ADDED : AK_RULE_PENDING;
                if (op->error == 0) {
                        switch (op->type) {
                        case AK_OP_ADD_RULE: rep->added++; break;
                        case AK_OP_DEL_RULE: rep->removed++; break;
                        case AK_OP_RESET_LOST:
                                rep->reset_lost = 1;
                                rep->lost_before = op->result;
                                break;
                        default: rep->set++; break;
                        }
                } else if (op->type == AK_OP_ADD_RULE)
                        rep->pending[rep->n_pending++] = (ak_pending) { .rule = op->rule, .index = op->index, .error = op->error };
                else
                        rep->failed[rep->n_failed++] = op;
        }
        rep->lock_withheld = p->lock_withheld || (n < p->n_ops && !rep->lock_applied);
        rep->executed = 1;
        return 0;
}

int ak_sync(ak_nl *nl, const ak_ruleset *want, const ak_plan_opts *opts, int dry_run, uint64_t timeout_usec,
            ak_sync_report *ret) {
        ak_kstate have = {};
        ak_plan *p;
        size_t n;
        int r;

        *ret = (ak_sync_report) {};
        if (!nl || !want)
                return -EINVAL;
        /* Features only when the desired state sets one: an in-sync check is GET + LIST_RULES. */
        ak_nl_set_query_features(nl, want->loginuid_immutable);
        r = ak_nl_query(nl, &have, timeout_usec);
        if (r < 0)
                return r;
        r = ak_sync_plan(ret, want, &have, opts);
        if (r < 0)
                return r;
        p = ret->plan;
        if (dry_run)
                return 0;

        n = ak_sync_main_ops(ret);
        if (n > 0) {
                r = ak_nl_execute(nl, p->ops, n, timeout_usec);
                if (r < 0)
                        return r;
        }
        if (n < p->n_ops) {
                if (ak_sync_lock_allowed(ret)) {
                        r = ak_nl_execute(nl, p->ops + n, 1, timeout_usec);
                        if (r < 0)
                                return r;
                } else
                        p->ops[n].error = -ECANCELED;
        }
        return ak_sync_collect(ret);
}

void ak_sync_report_done(ak_sync_report *rep) {
        ak_kstate_done(&rep->before);
        ak_plan_free(rep->plan);
        free(rep->pending);
        free(rep->failed);
        *rep = (ak_sync_report) {};
}

const char *ak_sync_lock_withheld_reason(const ak_sync_report *rep, const ak_ruleset *want, char *buf, size_t size) {
        size_t errors = want ? want->n_errors : 0, n = 0;

        if (size == 0)
                return buf;
        buf[0] = '\0';
        if (!rep->lock_withheld && !(rep->plan && rep->plan->lock_withheld))
                return buf;
        if (errors)
                n += (size_t) snprintf(buf + n, size - n, "the rules have %zu error%s", errors, errors == 1 ? "" : "s");
        if (rep->n_pending && n < size)
                n += (size_t) snprintf(buf + n, size - n, "%s%zu rule%s pending", n ? "; " : "", rep->n_pending,
                                       rep->n_pending == 1 ? "" : "s");
        if (rep->n_failed && n < size)
                n += (size_t) snprintf(buf + n, size - n, "%s%zu change%s refused by the kernel", n ? "; " : "",
                                       rep->n_failed, rep->n_failed == 1 ? "" : "s");
        if (n == 0)
                snprintf(buf, size, "not every rule is in force");
        return buf;
}
