/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: one rule payload as the kernel lists it (struct audit_rule_data + strings), through
 * ak_rule_from_bytes(); an accepted rule then goes through everything the daemon does with a kernel
 * rule: ak_rule_format (and parsing the text back), hash, key, normalise, compare, overlap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t *copy = malloc(size ? size : 1);        /* exact size for ASan */
        ak_rule r = {}, c = {}, back = {};
        char key[300], *text, *msg = NULL;

        if (!copy)
                abort();
        memcpy(copy, data, size);
        if (ak_rule_from_bytes(&r, copy, size) == 0) {
                if (r.size < sizeof(struct audit_rule_data) || r.size > size)
                        abort();
                text = ak_rule_format(&r);
                if (text && ak_rule_from_text(text, &back, &msg, NULL) == 0) {
                        (void) ak_rule_equal(&r, &back);
                        ak_rule_done(&back);
                }
                free(msg);
                free(text);
                (void) ak_rule_hash(&r);
                (void) ak_rule_key(&r, key, sizeof(key));
                (void) ak_rule_key(&r, key, 1);
                (void) ak_rule_list(&r);
                if (ak_rule_copy(&c, &r) < 0)
                        abort();
                ak_rule_normalize(&c);
                if (!ak_rule_equal(&r, &c) || !ak_rule_equal(&c, &r))
                        abort();        /* normalising is what equality ignores */
                if (ak_rule_hash(&r) != ak_rule_hash(&c))
                        abort();        /* equal rules hash alike (the planner's index) */
                (void) ak_rules_overlap(&r, &c);
                ak_rule_done(&c);
                ak_rule_done(&r);
        }
        free(copy);
        return 0;
}
