/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: a whole rules file through ak_ruleset_add_text(), as the daemon and `auditkeepctl
 * check` read one. Every rule the parser produced is rendered (ak_rule_format), hashed and keyed,
 * every diagnostic and compatibility note formatted, and the planner run against an empty kernel.
 * The compatibility level is 3, 4 or 4.1 by the input's size modulo 3, so all three are fuzzed.
 * With AK_FUZZ_ROUNDTRIP=1 (or 2, see has_operator_string) in the environment, the rendered text must also parse back into the
 * same bytes (the contract in lib/format.c), else abort: off by default while the known
 * round-trip bugs (fuzz/RESULTS.md) are open, so that fuzz/run fails on memory errors only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Known and reported (fuzz/RESULTS.md, finding F1): a string field whose value holds an operator
 * (=, <, >, !, &) renders as "-F path=/a>=b", which no parser can split back. AK_FUZZ_ROUNDTRIP=2
 * skips such rules so that other round-trip bugs can be found while that one is open. */
static int has_operator_string(const ak_rule *r) {
        const struct audit_rule_data *d = r->data;
        size_t off = 0;

        for (uint32_t i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS; i++) {
                switch (d->fields[i]) {
                case AUDIT_SUBJ_USER: case AUDIT_SUBJ_ROLE: case AUDIT_SUBJ_TYPE: case AUDIT_SUBJ_SEN:
                case AUDIT_SUBJ_CLR: case AUDIT_OBJ_USER: case AUDIT_OBJ_ROLE: case AUDIT_OBJ_TYPE:
                case AUDIT_OBJ_LEV_LOW: case AUDIT_OBJ_LEV_HIGH: case AUDIT_WATCH: case AUDIT_DIR:
                case AUDIT_FILTERKEY: case AUDIT_EXE:
                        for (size_t k = 0; k < d->values[i] && off + k < d->buflen; k++)
                                if (strchr("=<>!&", d->buf[off + k]) && d->buf[off + k])
                                        return 1;
                        off += d->values[i];
                        break;
                default:
                        break;
                }
        }
        return 0;
}

static int roundtrip_mode;
static int level;

static void roundtrip(const ak_rule *r) {
        char *text, *msg = NULL;
        ak_rule back = {};
        unsigned col = 0;
        int k;

        text = ak_rule_format(r);
        if (!text)
                abort();        /* allocation failure only: not expected here */
        k = ak_rule_from_text_compat(text, level, &back, &msg, &col);
        if (k != 0 && roundtrip_mode == 2 && has_operator_string(r)) {
                free(msg);
                free(text);
                return;
        }
        if (k == 0) {
                ak_rule_normalize(&back);
                if (!ak_rule_equal(r, &back)) {
                        fprintf(stderr, "round trip changed the rule: '%s'\n", text);
                        abort();
                }
                ak_rule_done(&back);
        } else {
                fprintf(stderr, "rendered rule does not parse back: '%s': %d col %u %s\n", text, k, col,
                        msg ? msg : "");
                abort();
        }
        free(msg);
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static int roundtrip_on = -1;
        ak_ruleset *rs = NULL;
        ak_kstate empty = {};
        ak_plan *plan = NULL;
        ak_plan_opts opts = {};

        if (roundtrip_on < 0) {
                const char *e = getenv("AK_FUZZ_ROUNDTRIP");
                roundtrip_mode = e ? atoi(e) : 0;
                roundtrip_on = roundtrip_mode > 0;
        }
        if (size > 256 * 1024)
                return 0;
        if (ak_ruleset_new(&rs) < 0)
                abort();
        level = size % 3 == 0 ? AK_COMPAT_3 : size % 3 == 1 ? AK_COMPAT_4 : AK_COMPAT_41;
        ak_ruleset_set_compat(rs, level, AK_COMPAT_ORIGIN_COMMAND_LINE, NULL);
        if (ak_ruleset_add_text(rs, "fuzz.rules", (const char *) data, size) < 0)
                abort();

        for (size_t i = 0; i < rs->n_diags; i++) {
                char *s = ak_diag_format(&rs->diags[i]);
                if (!s)
                        abort();
                free(s);
        }
        for (size_t i = 0; i < rs->n_notes; i++) {
                char *s = ak_diag_format(&rs->notes[i]);
                if (!s)
                        abort();
                free(s);
        }
        for (size_t i = 0; i < rs->n_rules; i++) {
                char key[300], *s;

                if (roundtrip_on)
                        roundtrip(&rs->rules[i]);
                else {
                        s = ak_rule_format(&rs->rules[i]);
                        free(s);
                }
                free(ak_ruleset_compat_explain(rs, &rs->rules[i]));
                (void) ak_rule_hash(&rs->rules[i]);
                (void) ak_rule_key(&rs->rules[i], key, sizeof(key));
        }
        if (ak_plan_build(rs, &empty, &opts, &plan) == 0)
                ak_plan_free(plan);
        ak_ruleset_free(rs);
        return 0;
}
