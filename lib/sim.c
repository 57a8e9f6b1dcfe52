/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated kernel (see sim.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sim.h"
#include "util.h"

static void hashcount_done(hashcount *h);

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
