/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden binary rules (see golden-rule.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "golden-rule.h"

ak_rule golden_rule(uint32_t list, uint32_t action, const char *mask, const xfield *f) {
        struct audit_rule_data *d;
        size_t n, blen = 0, off = 0;

        for (n = 0; f && f[n].op; n++)
                if (f[n].str)
                        blen += strlen(f[n].str);
        ck_assert_uint_le(n, AUDIT_MAX_FIELDS);
        d = calloc(1, sizeof(*d) + blen);
        ck_assert_ptr_nonnull(d);
        d->flags = list;
        d->action = action;
        d->field_count = (uint32_t) n;
        for (size_t i = 0; i < n; i++) {
                d->fields[i] = f[i].field;
                d->fieldflags[i] = f[i].op;
                if (f[i].str) {
                        size_t l = strlen(f[i].str);
                        d->values[i] = (uint32_t) l;
                        memcpy(d->buf + off, f[i].str, l);
                        off += l;
                } else
                        d->values[i] = f[i].value;
        }
        d->buflen = (uint32_t) blen;
        if (mask && strcmp(mask, "all") == 0) {
                for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                        d->mask[i] = 0xffffffffu;
                d->mask[AUDIT_BITMASK_SIZE - 1] = 0x0000ffffu; /* as the kernel stores "all" */
        } else if (mask) {
                for (const char *p = mask; *p;) {
                        char *end;
                        long nr = strtol(p, &end, 10);
                        ck_assert(end != p && nr >= 0 && nr < 2032);
                        d->mask[nr / 32] |= 1u << (nr % 32);
                        p = (*end == ',' || *end == '+') ? end + 1 : end;
                }
        }
        return (ak_rule) { .data = d, .size = sizeof(*d) + blen };
}

void golden_rule_diff(const ak_rule *got, const ak_rule *want, char *buf, size_t size) {
        const struct audit_rule_data *a = got->data, *b = want->data;

        if (got->size != want->size) {
                snprintf(buf, size, "size %zu, want %zu", got->size, want->size);
                return;
        }
        if (a->flags != b->flags) {
                snprintf(buf, size, "flags %u, want %u", a->flags, b->flags);
                return;
        }
        if (a->action != b->action) {
                snprintf(buf, size, "action %u, want %u", a->action, b->action);
                return;
        }
        if (a->field_count != b->field_count) {
                snprintf(buf, size, "field_count %u, want %u", a->field_count, b->field_count);
                return;
        }
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                if (a->mask[i] != b->mask[i]) {
                        snprintf(buf, size, "mask[%zu] 0x%08x, want 0x%08x", i, a->mask[i], b->mask[i]);
                        return;
                }
        for (size_t i = 0; i < AUDIT_MAX_FIELDS; i++)
                if (a->fields[i] != b->fields[i] || a->fieldflags[i] != b->fieldflags[i] ||
                    a->values[i] != b->values[i]) {
                        snprintf(buf, size, "field %zu: %u/0x%x/0x%x, want %u/0x%x/0x%x", i,
                                 a->fields[i], a->fieldflags[i], a->values[i],
                                 b->fields[i], b->fieldflags[i], b->values[i]);
                        return;
                }
        if (a->buflen != b->buflen) {
                snprintf(buf, size, "buflen %u, want %u", a->buflen, b->buflen);
                return;
        }
        snprintf(buf, size, "buf '%.*s', want '%.*s'", (int) a->buflen, a->buf, (int) b->buflen, b->buf);
}
