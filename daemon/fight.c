/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fights (see fight.h). */
#include <stdlib.h>
#include <string.h>

#include "fight.h"
#include "macro.h"
#include "util.h"

uint64_t fight_op_signature(const ak_op *op) {
        uint64_t t = (uint64_t) op->type << 56;

        if (op->type == AK_OP_ADD_RULE || op->type == AK_OP_DEL_RULE)
                return t ^ (ak_rule_hash(op->rule) & ((UINT64_C(1) << 56) - 1));
        return t ^ op->mask;
}

/* The mark of sig, or where it would go (*ret_at). */
static FightMark *mark_find(Fight *f, uint64_t sig, size_t *ret_at) {
        size_t lo = 0, hi = f->n_marks;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (f->marks[mid].sig < sig)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (ret_at)
                *ret_at = lo;
        return lo < f->n_marks && f->marks[lo].sig == sig ? &f->marks[lo] : NULL;
}

/* Forget what was put back long enough ago and not undone since: no chain goes on from it. */
static void marks_prune(Fight *f, uint64_t now) {
        size_t k = 0;

        for (size_t i = 0; i < f->n_marks; i++) {
                const FightMark *mk = &f->marks[i];
                uint64_t age = now - mk->restored;

                if (age < FIGHT_WINDOW_USEC || (mk->undone_since && age < 4 * FIGHT_WINDOW_USEC))
                        f->marks[k++] = *mk;
        }
        f->n_marks = k;
}

void fight_repairing(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now) {
        _cleanup_free_ uint64_t *moved = NULL;
        size_t n_moved = 0;

        f->last_repair = now;
        marks_prune(f, now);
        /* a rule deleted and added back by the same repair is moved into its place: the daemon's
         * own doing, nothing the other side undid */
        moved = malloc((n_ops + 1) * sizeof(uint64_t));
        for (size_t i = 0; moved && i < n_ops; i++)
                if (ops[i].type == AK_OP_DEL_RULE)
                        moved[n_moved++] = ak_rule_hash(ops[i].rule);
        if (moved)
                qsort(moved, n_moved, sizeof(uint64_t), cmp_uint64);
        for (size_t i = 0; i < n_ops; i++) {
                uint64_t sig = fight_op_signature(&ops[i]);
                size_t at;
                FightMark *mk;

                if (ops[i].type == AK_OP_ADD_RULE && moved &&
                    sorted_has_uint64(moved, n_moved, ak_rule_hash(ops[i].rule)))
                        continue;
                mk = mark_find(f, sig, &at);

                if (!mk) {
                        if (f->n_marks == ELEMENTSOF(f->marks))
                                continue;
                        memmove(f->marks + at + 1, f->marks + at, (f->n_marks - at) * sizeof(FightMark));
                        f->n_marks++;
                        mk = &f->marks[at];
                        *mk = (FightMark) { .sig = sig };
                } else if (!mk->undone_since)
                        mk->undone = 0;         /* put back twice without being undone: a new chain */
                mk->restored = now;
                mk->undone_since = 0;
        }
}

int fight_drift(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now, int *ret_started) {
        unsigned most = 0;

        *ret_started = 0;
        f->last_drift = now;
        for (size_t i = 0; i < n_ops; i++) {
                FightMark *mk = mark_find(f, fight_op_signature(&ops[i]), NULL);

                if (!mk || mk->undone_since || now - mk->restored >= FIGHT_WINDOW_USEC)
                        continue;
                mk->undone++;
                mk->undone_since = 1;
                if (mk->undone > most)
                        most = mk->undone;
        }
        if (most >= FIGHT_THRESHOLD || (f->flapping && most > 0)) {
                f->backoff_usec = f->backoff_usec ? f->backoff_usec * 2 : BACKOFF_MIN_USEC;
                if (f->backoff_usec > BACKOFF_MAX_USEC)
                        f->backoff_usec = BACKOFF_MAX_USEC;
                *ret_started = !f->flapping;
                f->flapping = 1;
        }
        return f->flapping;
}

int fight_quiet(Fight *f, uint64_t now) {
        if (!f->flapping || now - f->last_drift < FIGHT_QUIET_USEC)
                return 0;
        f->flapping = 0;
        f->backoff_usec = 0;
        for (size_t i = 0; i < f->n_marks; i++)
                f->marks[i].undone = 0;
        return 1;
}
