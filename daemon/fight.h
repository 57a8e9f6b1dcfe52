/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fights: another agent that keeps undoing our repairs. A fight is judged by what the other side
 * keeps undoing, not by how the daemon's passes happen to split it: each rule or setting a repair
 * puts back is remembered, and when the same one is undone again within FIGHT_WINDOW_USEC of
 * being put back, FIGHT_THRESHOLD times in a row, that is a fight, however many passes each
 * undoing took (one `auditctl -D` may be found and repaired in one pass or in ten). The daemon
 * then reports `flapping` and repairs only when a backoff timer fires (50 ms, doubling to
 * 500 ms), so it never spins a CPU and still converges within about a second once the other side
 * stops. The fight is over after two seconds without drift. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-plan.h"

#define FIGHT_WINDOW_USEC (2u * 1000000u)       /* undone this soon after being put back... */
#define FIGHT_THRESHOLD 3                       /* ...so many times in a row is a fight */
#define FIGHT_QUIET_USEC (2u * 1000000u)        /* no drift this long: the fight is over */
#define FIGHT_TRACKED 256                       /* things put back that are remembered */
#define BACKOFF_MIN_USEC (50u * 1000u)
#define BACKOFF_MAX_USEC (500u * 1000u)         /* converge within a second once the fight stops */

/* One rule or setting a repair put back. */
typedef struct FightMark {
        uint64_t sig;                   /* fight_op_signature() of the op that put it back */
        uint64_t restored;              /* CLOCK_MONOTONIC of the last repair that did */
        unsigned undone;                /* times undone soon after being put back, in a row */
        int undone_since;              /* the last repair of it was undone already */
} FightMark;

typedef struct Fight {
        uint64_t last_repair;           /* CLOCK_MONOTONIC of the last repair */
        uint64_t last_drift;            /* CLOCK_MONOTONIC of the last drift */
        FightMark marks[FIGHT_TRACKED]; /* sorted by sig */
        size_t n_marks;
        uint64_t backoff_usec;
        int flapping;
} Fight;

/* What an operation restores: the same signature means the same rule or field put back again. */
uint64_t fight_op_signature(const ak_op *op);

/* A repair of these ops is about to be sent. */
void fight_repairing(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now);
/* Drift found that these ops would repair. Returns 1 when this makes (or continues) a fight and
 * *ret_started says whether it just began. */
int fight_drift(Fight *f, const ak_op *ops, size_t n_ops, uint64_t now, int *ret_started);
/* The kernel was found as desired. Returns 1 when that ends a fight (after a quiet spell). */
int fight_quiet(Fight *f, uint64_t now);
