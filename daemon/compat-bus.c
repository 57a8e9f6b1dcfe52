/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compatibility level on the bus: the CompatLevel and Compat properties, and Diff's
 * explanation of a rule that the other level's auditctl loaded. */
#include <stdlib.h>

#include "compat-bus.h"
#include "util.h"

uint64_t manager_compat_level(const Manager *m) {
        return m->want ? (uint64_t) m->want->compat : 0;
}

const char *manager_compat_text(const Manager *m) {
        static char buf[400];   /* the daemon is single-threaded; the caller copies it */

        if (!m->want)
                return "";
        return ak_ruleset_compat_describe(m->want, buf, sizeof(buf));
}

char *manager_compat_annotate(const Manager *m, const ak_op *op, char *line) {
        char *why, *more;

        if (!line || !m->want || op->type != AK_OP_DEL_RULE)
                return line;
        why = ak_ruleset_compat_explain(m->want, op->rule);
        if (!why)
                return line;
        more = strdup_printf("%s (%s)", line, why);
        free(why);
        if (!more)
                return line;
        free(line);
        return more;
}
