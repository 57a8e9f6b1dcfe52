/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "manager.h"

/* CompatLevel: 3, 4 or 41 for 4.1 (0 before the rules are read). A number, as before, so that
 * clients comparing it with 3 and 4 keep working; 41 is major * 10 + minor, and the Compat string
 * spells the level ("4.1 (auditctl 4.1.2 meaning), ..."). */
uint64_t manager_compat_level(const Manager *m);
/* Compat: "4 (auditctl 4.0.2 meaning), from the installed auditctl version 4.0.2 (/usr/sbin/auditctl)". */
const char *manager_compat_text(const Manager *m);
/* A Diff line ("- RULE") of a rule the other level's auditctl loaded from a line of the rules,
 * with the explanation appended; otherwise `line` itself. Takes `line`. */
char *manager_compat_annotate(const Manager *m, const ak_op *op, char *line);
