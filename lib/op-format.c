/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A planned operation as one line of a difference. `auditkeepctl diff PATH` prints these, and so
 * does the daemon's Diff method (which `auditkeepctl diff` shows): one function, so that the two
 * views of the same difference cannot come to read differently. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-plan.h"
#include "util.h"

char *ak_op_format(const ak_op *op, const struct audit_status *have, unsigned flags) {
        _cleanup_free_ char *text = NULL;

        assert(op);
        assert(have);

        switch (op->type) {
        case AK_OP_ADD_RULE:
        case AK_OP_DEL_RULE:
                text = ak_rule_format_flags(op->rule, flags);
                return strdup_printf("%c %s", op->type == AK_OP_ADD_RULE ? '+' : '-', text ? text : "?");
        case AK_OP_SET:
                return strdup_printf("~ %s %u -> %u", ak_status_name(op->mask), ak_status_get(have, op->mask), op->value);
        case AK_OP_RESET_LOST:
                return strdup_printf("~ reset lost counter (now %u)", have->lost);
        case AK_OP_SET_FEATURE:
                return strdup("~ loginuid immutable (cannot be undone until reboot)");
        }
        return NULL;
}
