/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Known, reported bugs (fuzz/RESULTS.md) that the targets step around unless AK_FUZZ_STRICT=1, so
 * that fuzzing goes on finding new ones while these are open. Each has a failing regression test in
 * tests/hardening/test-regressions.c; delete the mask when the bug is fixed. */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <linux/audit.h>

#include "auditkeep/ak-rules.h"

static inline int fuzz_strict(void) {
        static int strict = -1;

        if (strict < 0) {
                const char *e = getenv("AK_FUZZ_STRICT");
                strict = e && atoi(e) > 0;
        }
        return strict;
}

/* F5: ak_rule_format() negates an exit value of INT_MIN (lib/format.c, case AUDIT_EXIT): signed
 * overflow, undefined behaviour. Reachable from "-F exit=-2147483648" in a rules file. */
static inline int known_bug_f5(const ak_rule *r) {
        const struct audit_rule_data *d = r->data;

        if (fuzz_strict())
                return 0;
        for (uint32_t i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS; i++)
                if (d->fields[i] == AUDIT_EXIT && d->values[i] == 0x80000000u)
                        return 1;
        return 0;
}
