/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Never shrink coverage by accident: when removing the rules the kernel holds and the rules do
 * not declare ("foreign") could lose coverage nobody meant to lose, they are kept, whatever
 * --foreign says, and the daemon says so (journal, STATUS=, D-Bus, metrics). See coverage.c. */
#pragma once

#include <stddef.h>

#include "auditkeep/ak-plan.h"
#include "manager.h"

/* The source read when none is named, under --root: DEFAULT_RULES_DIR when it exists, else
 * DEFAULT_RULES_FILE (as ak_ruleset_add_default_sources() chooses). Returns buf. */
const char *coverage_default_source(const Manager *m, char *buf, size_t size);

/* At start and at reload: with the default sources, does this host load its rules another way
 * (rules-elsewhere.c)? Sets m->elsewhere; logs what was found when it changed. */
void coverage_detect(Manager *m);

/* The foreign policy of one full check: --foreign, or AK_FOREIGN_KEEP while removing foreign
 * rules could shrink coverage by accident. Sets m->hold. */
ak_foreign_policy foreign_policy(Manager *m);

/* After the check's plan: ForeignRules, and the journal told once (per hold) what is kept, why,
 * and what the administrator can do. */
void foreign_hold_note(Manager *m, const ak_plan *p);

/* The hold as a word for scripts (D-Bus ForeignKept, metrics): "rules-loaded-elsewhere",
 * "rules-have-errors", "no-rules-declared"; "" for HOLD_NONE. */
const char *foreign_hold_to_string(ForeignHold hold);

/* The hold for a person, as the status line ends: "the rules declare no rule", ...; "" for none. */
const char *foreign_hold_why(const Manager *m, char *buf, size_t size);

/* While foreign rules are kept, one added to the kernel later is still an outside change (a typo
 * in the rules must not hide an added `-a never,exit -S all`): it is reported as drift, and kept
 * like the others. The foreign rules present when the hold began are the host's. Returns how many
 * are new since the last check, their deletes in m->held_ops (valid while `have` is). */
size_t foreign_hold_added(Manager *m, const ak_kstate *have, const ak_plan *kept);
void foreign_hold_free(Manager *m);

/* After the check's plan: how many foreign rules an allowance keeps (ForeignAllowedRules), which
 * declared rules they can shadow (ForeignAllowedShadows; the journal told each pair once per
 * change), and, in the journal, why a foreign rule with an allowed key was removed all the same
 * (a never or exclude-list rule the allowance does not name). */
void foreign_allowed_note(Manager *m, const ak_kstate *have, const ak_plan *p);
