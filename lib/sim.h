/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated kernel: what `auditctl -D; auditctl -R FILE` leaves in the kernel, computed by
 * running the file's lines against one ordered list per filter list, with the kernel's own
 * semantics (a duplicate add is refused, -A prepends, -d removes the exact rule, -D [-k KEY]
 * removes all or those with the key). Private to lib/ (the rules parser drives it). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-rules.h"

/* How many rules of a list have a given ak_rule_hash(): open addressing, linear probing. A
 * lookup scans the list only when the hash is present, so loading N rules stays linear. */
typedef struct hashcount {
        uint64_t *keys;
        uint32_t *counts;
        size_t size, used;      /* size is 0 or a power of two */
} hashcount;

/* The lists hold the rules by value but own nothing: their data and file belong to whoever built
 * them (the ruleset's arena and file names). Each rule's ak_rule_hash() is kept beside it. */
typedef struct sim {
        ak_rule *lists[AUDIT_NR_FILTERS];
        uint64_t *hashes[AUDIT_NR_FILTERS];
        size_t n[AUDIT_NR_FILTERS], allocated[AUDIT_NR_FILTERS], hashes_allocated[AUDIT_NR_FILTERS];
        hashcount index[AUDIT_NR_FILTERS];
} sim;

void sim_done(sim *s);
/* The rule equal to r in its list (the kernel's sense), or NULL; hash is ak_rule_hash(r). */
const ak_rule *sim_find(const sim *s, const ak_rule *r, uint64_t hash);
/* Put r (by value; hash is ak_rule_hash(r)) at the end of its list, or at the front. */
int sim_add(sim *s, const ak_rule *r, uint64_t hash, int prepend);
/* Remove a rule that sim_find() returned. */
void sim_delete(sim *s, const ak_rule *r);
/* -D: every rule, or (key non-NULL) those whose key contains it, as auditctl does. */
void sim_delete_all(sim *s, const char *key);
