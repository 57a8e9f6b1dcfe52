/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fights (see fight.h). */
#include "fight.h"
#include "macro.h"

uint64_t ak_op_signature(const ak_op *op) {
        uint64_t t = (uint64_t) op->type << 56;

        if (op->type == AK_OP_ADD_RULE || op->type == AK_OP_DEL_RULE)
                return t ^ (ak_rule_hash(op->rule) & ((UINT64_C(1) << 56) - 1));
        return t ^ op->mask;
}

void fight_repairing(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now) {
        f->window_start = now;
        f->n_repair_sigs = 0;
        for (size_t i = 0; i < n_ops && f->n_repair_sigs < ELEMENTSOF(f->repair_sigs); i++)
                f->repair_sigs[f->n_repair_sigs++] = ak_op_signature(&ops[i]);
}

static int reverts_last_repair(const Fight *f, const ak_op *ops, size_t n_ops) {
        for (size_t i = 0; i < n_ops; i++) {
                uint64_t sig = ak_op_signature(&ops[i]);
                for (size_t k = 0; k < f->n_repair_sigs; k++)
                        if (f->repair_sigs[k] == sig)
                                return 1;
        }
        return 0;
}

int fight_drift(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now, int *ret_started) {
        *ret_started = 0;
        f->last_drift = now;
        if (f->window_start && now - f->window_start < FIGHT_WINDOW_USEC && reverts_last_repair(f, ops, n_ops))
                f->count++;
        else
                f->count = 0;
        if (f->count >= FIGHT_THRESHOLD) {
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
        f->count = 0;
        return 1;
}
