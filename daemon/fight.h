/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fights: another agent that keeps undoing our repairs. A repair undone again within a second,
 * three times in a row, is a fight: the daemon reports `flapping` and repairs only when a backoff
 * timer fires (50 ms, doubling to 500 ms), so it never spins a CPU and still converges within
 * about a second once the other side stops. The fight is over after two seconds without drift. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-plan.h"

#define FIGHT_WINDOW_USEC (1u * 1000000u)       /* drift this soon after a repair... */
#define FIGHT_THRESHOLD 3                       /* ...so many times in a row is a fight */
#define FIGHT_QUIET_USEC (2u * 1000000u)        /* no drift this long: the fight is over */
#define BACKOFF_MIN_USEC (50u * 1000u)
#define BACKOFF_MAX_USEC (500u * 1000u)         /* converge within a second once the fight stops */

typedef struct Fight {
        uint64_t window_start;          /* CLOCK_MONOTONIC of the last repair */
        uint64_t last_drift;            /* CLOCK_MONOTONIC of the last drift */
        unsigned count;                 /* repairs undone in a row */
        uint64_t repair_sigs[64];       /* what the last repair put back (ak_op_signature) */
        size_t n_repair_sigs;
        uint64_t backoff_usec;
        int flapping;
} Fight;

/* What an operation restores: the same signature means the same rule or field put back again. */
uint64_t ak_op_signature(const ak_op *op);

/* A repair of these ops is about to be sent. */
void fight_repairing(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now);
/* Drift found that these ops would repair. Returns 1 when this makes (or continues) a fight and
 * *ret_started says whether it just began. */
int fight_drift(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now, int *ret_started);
/* The kernel was found as desired. Returns 1 when that ends a fight (after a quiet spell). */
int fight_quiet(Fight *f, uint64_t now);
