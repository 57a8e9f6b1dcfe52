/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private helpers shared inside lib/. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-rules.h"

/* auditctl joins several keys of one rule with this byte. */
#define AUDIT_KEY_SEPARATOR 0x01

/* Fields whose value is a string length, the bytes following in buf (in field order). */
int ak_field_is_string(uint32_t field);
/* The auditctl name of a filter list (AUDIT_FILTER_*), or NULL. */
const char *ak_list_name(uint32_t list);
/* "=", "!=", "<", ">", "<=", ">=", "&", "&=" for an AUDIT_* operator, "?" otherwise. */
const char *ak_op_symbol(uint32_t op);
/* A rule of these bytes (taken; freed on failure) from file:line (file copied, may be NULL). */
int ak_rule_take(ak_rule *ret, struct audit_rule_data *data, size_t size, const char *file, unsigned line);
/* Byte offset in data->buf of the string of field `index`. */
size_t ak_rule_string_offset(const ak_rule *r, uint32_t index);

/* The desired value of a settable status field (lib/status.c), and setting it (with its bit). */
uint32_t ak_status_want_get(const ak_status_want *w, uint32_t bit);
void ak_status_want_set(ak_status_want *w, uint32_t bit, uint32_t v);

/* Hashes of rule parts (not of whole rules: ak_rule_hash()): start from AK_HASH_SEED; mix 32-bit
 * words or bytes (FNV-1a). */
#define AK_HASH_SEED 0xcbf29ce484222325ull
uint64_t ak_hash_words(uint64_t h, const uint32_t *w, size_t n);
uint64_t ak_hash_bytes(uint64_t h, const void *p, size_t n);

/* ak_rule_hash() of each of rs->rules as the parser computed it, or NULL (a ruleset built by
 * hand, or whose rules or n_rules were replaced since). The rules' data must not have changed. */
const uint64_t *ak_ruleset_hashes(const ak_ruleset *rs);

/* Rules by ak_rule_hash(): the index of each, sorted by hash, for a lookup of equal rules. */
typedef struct ak_hashed_rule {
        uint64_t hash;
        size_t index;
} ak_hashed_rule;
/* The sorted index of rs->rules (malloc'd, n_rules + 1 entries; the parser's hashes where it
 * has them), or NULL on OOM. */
ak_hashed_rule *ak_ruleset_by_hash(const ak_ruleset *rs);
/* The first entry of v (n entries) with this hash (n when none): equal rules are there on. */
size_t ak_rules_hash_first(const ak_hashed_rule *v, size_t n, uint64_t hash);
