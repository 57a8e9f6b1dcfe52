/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden binary rules for the parser's tests: a struct audit_rule_data written out field by field,
 * and the first difference between two rules in words. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-rules.h"

typedef struct xfield {
        uint32_t field, op, value;
        const char *str;        /* string field: value = strlen(str), bytes appended to buf */
} xfield;

#define F(f, o, v) { (f), (o), (v), NULL }
#define S(f, o, s) { (f), (o), 0, (s) }
#define KEY(s) S(AUDIT_FILTERKEY, AUDIT_EQUAL, s)

/* The rule of `list` and `action` with the fields f (ended by one with op 0) and the syscall
 * mask: NULL or "" for no bit (task rules), "all" (as the kernel stores it), or syscall numbers
 * joined by ',' (several lists may be joined by '+'). */
ak_rule golden_rule(uint32_t list, uint32_t action, const char *mask, const xfield *f);

/* The first difference between got and want, in words, into buf. */
void golden_rule_diff(const ak_rule *got, const ak_rule *want, char *buf, size_t size);
