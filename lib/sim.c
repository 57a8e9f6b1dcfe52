/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated kernel (see sim.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sim.h"
#include "util.h"

static void hashcount_done(hashcount *h);

static inline uint64_t mix(uint64_t h, uint64_t w) {
        h ^= w;
        h *= 0x9e3779b97f4a7c15ull;
        return h ^ (h >> 29);
}

uint64_t sim_rule_hash(const ak_rule *r) {
        const struct audit_rule_data *d = r->data;
        uint32_t n = d->field_count <= AUDIT_MAX_FIELDS ? d->field_count : AUDIT_MAX_FIELDS;
        size_t len = r->size - sizeof(*d), k;
        uint64_t l0 = 1, l1 = 2, l2 = 3, l3 = 4, w;

        /* the mask two words at a time, in four independent chains (the multiplications overlap) */
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE - 8; i += 8) {
                l0 = mix(l0, d->mask[i] | (uint64_t) d->mask[i + 1] << 32);
                l1 = mix(l1, d->mask[i + 2] | (uint64_t) d->mask[i + 3] << 32);
                l2 = mix(l2, d->mask[i + 4] | (uint64_t) d->mask[i + 5] << 32);
                l3 = mix(l3, d->mask[i + 6] | (uint64_t) d->mask[i + 7] << 32);
        }
        l0 = mix(l0, d->mask[AUDIT_BITMASK_SIZE - 8] | (uint64_t) d->mask[AUDIT_BITMASK_SIZE - 7] << 32);
        l1 = mix(l1, d->mask[AUDIT_BITMASK_SIZE - 6] | (uint64_t) d->mask[AUDIT_BITMASK_SIZE - 5] << 32);
        l2 = mix(l2, d->mask[AUDIT_BITMASK_SIZE - 4] | (uint64_t) d->mask[AUDIT_BITMASK_SIZE - 3] << 32);
        /* the class bits are not compared (ak_rule_equal()) */
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

void sim_done(sim *s) {
        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++) {
                hashcount_done(&s->index[l]);
                free(s->lists[l]);
                free(s->hashes[l]);
        }
        *s = (sim) {};
}

static void hashcount_done(hashcount *h) {
        free(h->keys);
        free(h->counts);
        *h = (hashcount) {};
}

static uint32_t *hashcount_slot(const hashcount *h, uint64_t key) {
        size_t mask = h->size - 1;

        for (size_t i = key & mask;; i = (i + 1) & mask)
                if (h->counts[i] == UINT32_MAX || h->keys[i] == key)
                        return &h->counts[i];
}

static uint32_t hashcount_get(const hashcount *h, uint64_t key) {
        uint32_t *c;

        if (h->size == 0)
                return 0;
        c = hashcount_slot(h, key);
        return *c == UINT32_MAX ? 0 : *c;
}

/* Add delta (+1/-1) to key's count. Empty slots hold UINT32_MAX. */
static int hashcount_add(hashcount *h, uint64_t key, int delta) {
        uint32_t *c;

        if ((h->used + 1) * 2 > h->size) {
                hashcount n = { .size = h->size ? h->size * 2 : 64 };
                n.keys = malloc(n.size * sizeof(uint64_t));
                n.counts = malloc(n.size * sizeof(uint32_t));
                if (!n.keys || !n.counts) {
                        hashcount_done(&n);
                        return -ENOMEM;
                }
                memset(n.counts, 0xff, n.size * sizeof(uint32_t));
                for (size_t i = 0; i < h->size; i++)
                        if (h->counts[i] != UINT32_MAX) {
                                uint32_t *d = hashcount_slot(&n, h->keys[i]);
                                n.keys[d - n.counts] = h->keys[i];
                                *d = h->counts[i];
                                n.used++;
                        }
                hashcount_done(h);
                *h = n;
        }
        c = hashcount_slot(h, key);
        if (*c == UINT32_MAX) {
                h->keys[c - h->counts] = key;
                *c = 0;
                h->used++;
        }
        *c = (uint32_t) ((int64_t) *c + delta);
        return 0;
}

const ak_rule *sim_find(const sim *s, const ak_rule *r, uint64_t hash) {
        uint32_t l = ak_rule_list(r);

        if (hashcount_get(&s->index[l], hash) == 0)
                return NULL;
        for (size_t i = 0; i < s->n[l]; i++)
                if (s->hashes[l][i] == hash && ak_rule_equal(&s->lists[l][i], r))
                        return &s->lists[l][i];
        return NULL;
}

int sim_add(sim *s, const ak_rule *r, uint64_t hash, int prepend) {
        uint32_t l = ak_rule_list(r);

        if (GROW(s->lists[l], s->allocated[l], s->n[l] + 1) < 0 ||
            GROW(s->hashes[l], s->hashes_allocated[l], s->n[l] + 1) < 0 ||
            hashcount_add(&s->index[l], hash, +1) < 0)
                return -ENOMEM;
        if (prepend) {
                memmove(s->lists[l] + 1, s->lists[l], s->n[l] * sizeof(ak_rule));
                memmove(s->hashes[l] + 1, s->hashes[l], s->n[l] * sizeof(uint64_t));
                s->lists[l][0] = *r;
                s->hashes[l][0] = hash;
        } else {
                s->lists[l][s->n[l]] = *r;
                s->hashes[l][s->n[l]] = hash;
        }
        s->n[l]++;
        return 0;
}

void sim_delete(sim *s, const ak_rule *r) {
        uint32_t l = ak_rule_list(r);
        size_t at = (size_t) (r - s->lists[l]);

        (void) hashcount_add(&s->index[l], s->hashes[l][at], -1);
        memmove(s->lists[l] + at, s->lists[l] + at + 1, (s->n[l] - at - 1) * sizeof(ak_rule));
        memmove(s->hashes[l] + at, s->hashes[l] + at + 1, (s->n[l] - at - 1) * sizeof(uint64_t));
        s->n[l]--;
}

void sim_delete_all(sim *s, const char *key) {
        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++) {
                size_t w = 0;

                for (size_t k = 0; k < s->n[l]; k++) {
                        char kbuf[AUDIT_MAX_KEY_LEN + 1];
                        ak_rule *x = &s->lists[l][k];

                        if (!key || strstr(ak_rule_key(x, kbuf, sizeof(kbuf)), key))
                                (void) hashcount_add(&s->index[l], s->hashes[l][k], -1);
                        else {
                                s->hashes[l][w] = s->hashes[l][k];
                                s->lists[l][w++] = *x;
                        }
                }
                s->n[l] = w;
        }
}
