/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The public headers (include/auditkeep/) stand alone: built with include/ only on the include
 * path, not common/ (constants.h, util.h are not installed), every header and every list in them
 * expanded. A header that used a name from common/ fails the build of this test. */
#include <stdio.h>
#include <string.h>

#include "auditkeep/ak-analyze.h"
#include "auditkeep/ak-auditd-conf.h"
#include "auditkeep/ak-facts.h"
#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-metrics.h"
#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"
#include "auditkeep/ak-sync.h"

/* Every field of AK_FACTS, as a row of what a program of its own would make of the list. */
#define ROW(field, kind, bus, json, flags, mkind, metric, label, help, values) \
        { bus, json, help, values },

static const struct {
        const char *bus, *json, *help;
        const char *const *values;
} rows[] = { AK_FACTS(ROW) };

int main(void) {
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                if (strcmp(rows[i].bus, "ForeignKept") == 0)
                        return rows[i].values && strcmp(rows[i].values[1], AK_FOREIGN_KEPT_ERRORS) == 0 &&
                                       strstr(rows[i].help, AK_FOREIGN_KEPT_EMPTY) ? 0 : 1;
        fprintf(stderr, "no ForeignKept row\n");
        return 1;
}
