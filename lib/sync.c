/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One reconciliation: snapshot the kernel, plan, send everything but the lock, then the lock
 * only if everything else is in force. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-sync.h"
#include "macro.h"
#include "rule-internal.h"
#include "util.h"

int ak_sync_plan(ak_sync_report *rep, const ak_ruleset *want, ak_kstate *have, const ak_plan_opts *opts) {
        assert(rep && want && have);
        *rep = (ak_sync_report) {};
        rep->before = *have;
        *have = (ak_kstate) {};
        return ak_plan_build(want, &rep->before, opts, &rep->plan);
}

int ak_sync_share_kept(ak_sync_report *rep, const ak_ruleset *want) {
        ak_kstate *k;
        _cleanup_free_ ak_hashed_rule *by_hash = NULL;
        size_t n = 0;

        assert(rep && want);
        k = &rep->before;
        if (!rep->plan || k->n_rules == 0 || want->n_rules == 0)
                return 0;
        if (!k->borrowed) {
                k->borrowed = calloc(k->n_rules, 1);
                if (!k->borrowed)
                        return -ENOMEM;
        }
        by_hash = ak_ruleset_by_hash(want);
        if (!by_hash)
                return -ENOMEM;

        for (size_t j = 0; j < k->n_rules; j++) {
                ak_rule *r = &k->rules[j];
                uint64_t h;

                if (k->borrowed[j] || rep->plan->have_state[j] != AK_HELD_KEPT)
                        continue;
                h = ak_rule_hash(r);
                for (size_t i = ak_rules_hash_first(by_hash, want->n_rules, h);
                     i < want->n_rules && by_hash[i].hash == h; i++) {
                        const ak_rule *w = &want->rules[by_hash[i].index];

                        /* equal as the plan compares, and byte for byte (the prepend flag and
                         * the mask bits equality ignores stay as the kernel listed them) */
                        if (w->size != r->size || memcmp(w->data, r->data, r->size) != 0)
                                continue;
                        free(r->data);
                        r->data = w->data;
                        k->borrowed[j] = 1;
                        n++;
                        break;
                }
        }
        return (int) n;
}

static int is_lock_op(const ak_op *op) {
        return op->type == AK_OP_SET && op->mask == AUDIT_STATUS_ENABLED && op->value == 2;
}

size_t ak_sync_main_ops(const ak_sync_report *rep) {
        const ak_plan *p;

        assert(rep && rep->plan);
        p = rep->plan;
        if (p->n_ops > 0 && p->lock_pending && is_lock_op(&p->ops[p->n_ops - 1]))
                return p->n_ops - 1;
        return p->n_ops;
}

int ak_sync_lock_allowed(const ak_sync_report *rep) {
        const ak_plan *p;
        size_t n;

        assert(rep && rep->plan);
        p = rep->plan;
        n = ak_sync_main_ops(rep);
        if (n == p->n_ops)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (p->ops[i].error != 0)
                        return 0;
        return 1;
}

int ak_sync_collect(ak_sync_report *rep) {
        ak_plan *p;
        size_t n;

        assert(rep && rep->plan);
        p = rep->plan;
        n = ak_sync_main_ops(rep);
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

/* ---- the transaction ---- */

static void tx_end(ak_sync_tx *tx, int error) {
        tx->ended = tx->stage;
        tx->stage = AK_SYNC_IDLE;       /* the hook may start the next one */
        tx->hooks->done(tx, error, tx->userdata);
}

static void on_sent(ak_nl *nl, int error, void *userdata);

/* Send ops[first, first + n) in `stage`; the transaction ends when they cannot be sent. */
static void tx_send(ak_sync_tx *tx, ak_sync_stage stage, size_t first, size_t n) {
        ak_op *ops = tx->rep->plan->ops + first;
        int r;

        tx->stage = stage;
        if (tx->hooks->sending)
                tx->hooks->sending(tx, ops, n, tx->userdata);
        r = ak_nl_execute_async(tx->nl, ops, n, tx->timeout_usec, on_sent, tx);
        if (r < 0)
                tx_end(tx, r);
}

/* The main ops were answered (or there were none): the lock alone if everything else took, else
 * cancel it; then collect. */
static void tx_lock_or_collect(ak_sync_tx *tx) {
        ak_plan *p = tx->rep->plan;
        size_t n = ak_sync_main_ops(tx->rep);

        if (tx->stage != AK_SYNC_LOCK && n < p->n_ops) {
                if (ak_sync_lock_allowed(tx->rep)) {
                        tx_send(tx, AK_SYNC_LOCK, n, 1);
                        return;
                }
                p->ops[n].error = -ECANCELED;
        }
        if (ak_sync_collect(tx->rep) < 0 && tx->error == 0)
                tx->error = -ENOMEM;
        tx_end(tx, tx->error);
}

static void on_sent(ak_nl *nl, int error, void *userdata) {
        ak_sync_tx *tx = userdata;

        if (error < 0 && tx->error == 0)
                tx->error = error;
        tx_lock_or_collect(tx);
}

/* The snapshot is in tx->have: plan, let the hook decide, send. */
static void tx_plan(ak_sync_tx *tx) {
        int r;

        if (tx->hooks->queried)
                tx->hooks->queried(tx, &tx->have, &tx->opts, tx->userdata);
        tx->stage = AK_SYNC_PLAN;
        ak_sync_report_done(tx->rep);
        r = ak_sync_plan(tx->rep, tx->want, &tx->have, &tx->opts);
        if (r < 0) {
                ak_kstate_done(&tx->have);
                tx_end(tx, r);
                return;
        }
        if (tx->hooks->planned && tx->hooks->planned(tx, tx->userdata) <= 0) {
                tx_end(tx, 0);
                return;
        }
        if (ak_sync_main_ops(tx->rep) == 0) {
                tx->stage = AK_SYNC_EXECUTE;    /* nothing to send first: only the lock is left */
                tx_lock_or_collect(tx);
                return;
        }
        tx_send(tx, AK_SYNC_EXECUTE, 0, ak_sync_main_ops(tx->rep));
}

static void on_queried(ak_nl *nl, int error, void *userdata) {
        ak_sync_tx *tx = userdata;

        if (error < 0) {
                ak_kstate_done(&tx->have);
                tx_end(tx, error);
                return;
        }
        tx_plan(tx);
}

int ak_sync_start(ak_sync_tx *tx, ak_nl *nl, const ak_ruleset *want, const ak_plan_opts *opts, uint64_t timeout_usec,
                  ak_sync_report *rep, const ak_sync_hooks *hooks, void *userdata) {
        static const ak_plan_opts defaults = {};
        int r;

        assert(tx && hooks && hooks->done);
        if (!nl || !want || !rep)
                return -EINVAL;
        if (tx->stage != AK_SYNC_IDLE)
                return -EBUSY;
        ak_kstate_done(&tx->have);
        *tx = (ak_sync_tx) {
                .nl = nl, .want = want, .rep = rep, .opts = opts ? *opts : defaults, .timeout_usec = timeout_usec,
                .hooks = hooks, .userdata = userdata, .stage = AK_SYNC_QUERY,
        };
        /* Features only when the desired state sets one: an in-sync check is GET + LIST. */
        ak_nl_set_query_features(nl, want->loginuid_immutable);
        r = ak_nl_query_async(nl, &tx->have, timeout_usec, on_queried, tx);
        if (r < 0)
                tx->stage = AK_SYNC_IDLE;
        return r;
}

/* ---- the blocking wrapper ---- */

typedef struct sync_wait {
        int dry_run;
        int done;
        int error;
        int queried;            /* the query was answered (its errors are the kernel's, not ours) */
} sync_wait;

static int sync_planned(ak_sync_tx *tx, void *userdata) {
        sync_wait *w = userdata;

        w->queried = 1;
        return !w->dry_run;
}

static void sync_done(ak_sync_tx *tx, int error, void *userdata) {
        sync_wait *w = userdata;

        w->done = 1;
        w->error = error;
}

int ak_sync_from(ak_nl *nl, const ak_ruleset *want, ak_kstate *have, const ak_plan_opts *opts, int dry_run,
                 uint64_t timeout_usec, ak_sync_report *ret) {
        static const ak_plan_opts defaults = {};
        static const ak_sync_hooks hooks = { .planned = sync_planned, .done = sync_done };
        ak_sync_tx tx = {};
        sync_wait w = { .dry_run = dry_run };
        int r;

        *ret = (ak_sync_report) {};
        if (!nl || !want) {
                ak_kstate_done(have);
                return -EINVAL;
        }
        /* A snapshot without the features the rules set is of no use: query again. */
        if (have && want->loginuid_immutable && !have->have_features)
                ak_kstate_done(have);
        if (have && have->status_len > 0) {
                tx = (ak_sync_tx) {
                        .nl = nl, .want = want, .rep = ret, .opts = opts ? *opts : defaults,
                        .timeout_usec = timeout_usec, .hooks = &hooks, .userdata = &w, .have = *have,
                };
                *have = (ak_kstate) {};
                tx_plan(&tx);
        } else {
                ak_kstate_done(have);
                r = ak_sync_start(&tx, nl, want, opts, timeout_usec, ret, &hooks, &w);
                if (r < 0)
                        return r;
        }
        while (!w.done)
                (void) ak_nl_wait(nl);
        return w.error;
}

int ak_sync(ak_nl *nl, const ak_ruleset *want, const ak_plan_opts *opts, int dry_run, uint64_t timeout_usec,
            ak_sync_report *ret) {
        return ak_sync_from(nl, want, NULL, opts, dry_run, timeout_usec, ret);
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

        assert(rep && buf);
        if (size == 0)
                return buf;
        buf[0] = '\0';
        if (!rep->lock_withheld && !(rep->plan && rep->plan->lock_withheld))
                return buf;
        if (errors)
                n += (size_t) snprintf(buf + n, size - n, "the rules have %zu error%s", errors, errors == 1 ? "" : "s");
        else if (want && ak_foreign_hold_of(want, /* allow_empty= */ 0) == AK_HOLD_EMPTY)
                n += (size_t) snprintf(buf + n, size - n, "the rules declare no rule");
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
