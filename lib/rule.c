/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binary rule: struct audit_rule_data plus its strings, compared the way the kernel does. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-rules.h"
#include "fields.h"
#include "macro.h"
#include "rule-internal.h"

void ak_rule_done(ak_rule *r) {
        if (!r)
                return;
        free(r->data);
        free(r->file);
        *r = (ak_rule) {};
}

int ak_rule_from_bytes(ak_rule *ret, const void *buf, size_t len) {
        const struct audit_rule_data *d = buf;
        size_t need = sizeof(struct audit_rule_data), off = 0;

        assert(ret);
        assert(buf || len == 0);
        if (len < need)
                return -EBADMSG;
        if (d->field_count > AUDIT_MAX_FIELDS)
                return -EBADMSG;
        if (d->buflen > len - need)
                return -EBADMSG;
        /* Every string field must fit in buf, in order. */
        for (uint32_t i = 0; i < d->field_count; i++) {
                if (!ak_field_is_string(d->fields[i]))
                        continue;
                if (d->values[i] > d->buflen - off)
                        return -EBADMSG;
                off += d->values[i];
        }

        struct audit_rule_data *copy = malloc(need + d->buflen);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, d, need + d->buflen);
        *ret = (ak_rule) { .data = copy, .size = need + d->buflen };
        return 0;
}

int ak_rule_take(ak_rule *ret, struct audit_rule_data *data, size_t size, const char *file, unsigned line) {
        ak_rule r = { .data = data, .size = size, .line = line };

        if (file) {
                r.file = strdup(file);
                if (!r.file) {
                        free(data);
                        return -ENOMEM;
                }
        }
        *ret = r;
        return 0;
}

int ak_rule_copy(ak_rule *dst, const ak_rule *src) {
        struct audit_rule_data *data;
        int r;

        assert(dst);
        assert(src);
        data = malloc(src->size);
        if (!data)
                return -ENOMEM;
        memcpy(data, src->data, src->size);
        r = ak_rule_take(dst, data, src->size, src->file, src->line);
        if (r >= 0)
                dst->column = src->column;
        return r;
}

int ak_field_is_string(uint32_t field) {
        uint8_t kind = ak_field_spec_of(field)->kind;

        return kind == AK_VALUE_STRING || kind == AK_VALUE_PATH || kind == AK_VALUE_KEY;
}

void ak_rule_normalize(ak_rule *r) {
        struct audit_rule_data *d;

        assert(r);
        d = r->data;
        d->flags &= ~AUDIT_FILTER_PREPEND;
        /* The top 16 bits of the mask are syscall classes: the kernel expands and clears them.
         * auditctl sets them only as part of "all", whose expansion is already set. */
        d->mask[AUDIT_BITMASK_SIZE - 1] &= 0x0000ffffu;
        d->buflen = (uint32_t) (r->size - sizeof(struct audit_rule_data));
}

uint32_t ak_rule_list(const ak_rule *r) {
        assert(r);
        return r->data->flags & ~AUDIT_FILTER_PREPEND;
}

/* Compare in the kernel's sense: flags (without PREPEND), action, fields in order with their
 * operators and values, strings, and the normalised mask. */
int ak_rule_equal(const ak_rule *a, const ak_rule *b) {
        const struct audit_rule_data *x, *y;

        assert(a);
        assert(b);
        x = a->data;
        y = b->data;
        if ((x->flags & ~AUDIT_FILTER_PREPEND) != (y->flags & ~AUDIT_FILTER_PREPEND))
                return 0;
        if (x->action != y->action || x->field_count != y->field_count)
                return 0;
        for (uint32_t i = 0; i < AUDIT_BITMASK_SIZE - 1; i++)
                if (x->mask[i] != y->mask[i])
                        return 0;
        if ((x->mask[AUDIT_BITMASK_SIZE - 1] & 0xffffu) != (y->mask[AUDIT_BITMASK_SIZE - 1] & 0xffffu))
                return 0;
        for (uint32_t i = 0; i < x->field_count; i++)
                if (x->fields[i] != y->fields[i] || x->fieldflags[i] != y->fieldflags[i] ||
                    x->values[i] != y->values[i])
                        return 0;
        if (a->size - sizeof(*x) != b->size - sizeof(*y))
                return 0;
        return memcmp(x->buf, y->buf, a->size - sizeof(*x)) == 0;
}

uint64_t ak_hash_words(uint64_t h, const uint32_t *w, size_t n) {
        for (size_t i = 0; i < n; i++) {
                h ^= w[i];
                h *= 0x9e3779b97f4a7c15ull;
                h ^= h >> 29;
        }
        return h;
}

uint64_t ak_hash_bytes(uint64_t h, const void *p, size_t n) {
        const unsigned char *s = p;

        for (size_t i = 0; i < n; i++) {
                h ^= s[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

static inline uint64_t mix(uint64_t h, uint64_t w) {
        h ^= w;
        h *= 0x9e3779b97f4a7c15ull;
        return h ^ (h >> 29);
}

/* Four independent chains (their multiplications overlap), the mask two words at a time, the
 * strings eight bytes at a time: what ak_rule_equal() compares, nothing else. */
uint64_t ak_rule_hash(const ak_rule *r) {
        const struct audit_rule_data *d;
        uint32_t n;
        size_t len, k;
        uint64_t l0 = 1, l1 = 2, l2 = 3, l3 = 4, w;

        assert(r);
        d = r->data;
        n = d->field_count <= AUDIT_MAX_FIELDS ? d->field_count : AUDIT_MAX_FIELDS;
        len = r->size - sizeof(*d);
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE - 8; i += 8) {
                l0 = mix(l0, d->mask[i] | (uint64_t) d->mask[i + 1] << 32);
                l1 = mix(l1, d->mask[i + 2] | (uint64_t) d->mask[i + 3] << 32);
                l2 = mix(l2, d->mask[i + 4] | (uint64_t) d->mask[i + 5] << 32);
                l3 = mix(l3, d->mask[i + 6] | (uint64_t) d->mask[i + 7] << 32);
        }
        l0 = mix(l0, d->mask[AUDIT_BITMASK_SIZE - 8] | (uint64_t) d->mask[AUDIT_BITMASK_SIZE - 7] << 32);
        l1 = mix(l1, d->mask[AUDIT_BITMASK_SIZE - 6] | (uint64_t) d->mask[AUDIT_BITMASK_SIZE - 5] << 32);
        l2 = mix(l2, d->mask[AUDIT_BITMASK_SIZE - 4] | (uint64_t) d->mask[AUDIT_BITMASK_SIZE - 3] << 32);
        /* the class bits are not compared */
        l3 = mix(l3, d->mask[AUDIT_BITMASK_SIZE - 2] | (uint64_t) (d->mask[AUDIT_BITMASK_SIZE - 1] & 0xffffu) << 32);
        for (uint32_t i = 0; i < n; i++) {
                l0 = mix(l0, d->fields[i]);
                l1 = mix(l1, d->fieldflags[i]);
                l2 = mix(l2, d->values[i]);
        }
        l3 = mix(l3, (d->flags & ~AUDIT_FILTER_PREPEND) | (uint64_t) d->action << 32);
        l3 = mix(l3, n | (uint64_t) len << 32);
        for (k = 0; k + 8 <= len; k += 8) {
                memcpy(&w, d->buf + k, 8);
                l0 = mix(l0, w);
        }
        w = 0;
        memcpy(&w, d->buf + k, len - k);
        l1 = mix(l1, w);
        return mix(mix(mix(l0, l1), l2), l3);
}

static int cmp_hashed_rule(const void *a, const void *b) {
        const ak_hashed_rule *x = a, *y = b;

        return x->hash < y->hash ? -1 : x->hash > y->hash;
}

ak_hashed_rule *ak_ruleset_by_hash(const ak_ruleset *rs) {
        const uint64_t *h = ak_ruleset_hashes(rs);
        size_t n = rs->n_rules;
        ak_hashed_rule *v = malloc((n + 1) * sizeof(ak_hashed_rule));

        if (!v)
                return NULL;
        for (size_t i = 0; i < n; i++)
                v[i] = (ak_hashed_rule) { h ? h[i] : ak_rule_hash(&rs->rules[i]), i };
        qsort(v, n, sizeof(ak_hashed_rule), cmp_hashed_rule);
        return v;
}

size_t ak_rules_hash_first(const ak_hashed_rule *v, size_t n, uint64_t hash) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v[mid].hash < hash)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < n && v[lo].hash == hash ? lo : n;
}

const char *ak_list_name(uint32_t list) {
        switch (list) {
        case AUDIT_FILTER_USER: return "user";
        case AUDIT_FILTER_TASK: return "task";
        case AUDIT_FILTER_ENTRY: return "entry";
        case AUDIT_FILTER_WATCH: return "watch";
        case AUDIT_FILTER_EXIT: return "exit";
        case AUDIT_FILTER_EXCLUDE: return "exclude";
        case AUDIT_FILTER_FS: return "filesystem";
        case AUDIT_FILTER_URING_EXIT: return "io_uring";
        default: return NULL;
        }
}

const char *ak_op_symbol(uint32_t op) {
        switch (op) {
        case AUDIT_EQUAL: return "=";
        case AUDIT_NOT_EQUAL: return "!=";
        case AUDIT_LESS_THAN: return "<";
        case AUDIT_GREATER_THAN: return ">";
        case AUDIT_LESS_THAN_OR_EQUAL: return "<=";
        case AUDIT_GREATER_THAN_OR_EQUAL: return ">=";
        case AUDIT_BIT_MASK: return "&";
        case AUDIT_BIT_TEST: return "&=";
        default: return "?";
        }
}

/* Offset of string field i in buf. */
size_t ak_rule_string_offset(const ak_rule *r, uint32_t index) {
        const struct audit_rule_data *d = r->data;
        size_t off = 0;

        for (uint32_t i = 0; i < index; i++)
                if (ak_field_is_string(d->fields[i]))
                        off += d->values[i];
        return off;
}

const char *ak_rule_key(const ak_rule *r, char *buf, size_t size) {
        const struct audit_rule_data *d;

        assert(r);
        assert(buf || size == 0);
        d = r->data;
        if (size == 0)
                return buf;
        buf[0] = '\0';
        for (uint32_t i = 0; i < d->field_count; i++)
                if (d->fields[i] == AUDIT_FILTERKEY) {
                        size_t off = ak_rule_string_offset(r, i), n = d->values[i];

                        if (n >= size)
                                n = size - 1;
                        memcpy(buf, d->buf + off, n);
                        buf[n] = '\0';
                        break;
                }
        return buf;
}
