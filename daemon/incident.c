/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drift incidents (see incident.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-kernel.h"
#include "incident.h"
#include "macro.h"
#include "util.h"

void keylist_add_rule(KeyList *k, const ak_rule *r) {
        char keys[AUDIT_MAX_KEY_LEN + 1];

        ak_rule_key(r, keys, sizeof(keys));
        for (char *key = keys, *next; key && *key; key = next) {
                size_t n;

                next = strchr(key, '\x01');
                if (next)
                        *next++ = '\0';
                n = strlen(key);
                if (n == 0 || k->len + !!k->len + n > INCIDENT_KEYS_MAX)
                        continue;
                /* whole keys: "perm" is not "perm_mod" */
                for (const char *p = k->text; p && *p; p = strchr(p, ','), p = p ? p + 1 : NULL)
                        if (strncmp(p, key, n) == 0 && (p[n] == ',' || p[n] == '\0'))
                                goto next_key;
                k->len += (size_t) snprintf(k->text + k->len, sizeof(k->text) - k->len, "%s%s", k->len ? "," : "", key);
        next_key:;
        }
}

/* Add hashes to a sorted set. */
static int set_add(uint64_t **set, size_t *n, size_t *allocated, const uint64_t *add, size_t n_add) {
        size_t k;

        if (n_add == 0)
                return 0;
        if (*n + n_add > *allocated) {
                size_t want = *n + n_add > *allocated * 2 ? *n + n_add : *allocated * 2;
                uint64_t *p = realloc(*set, want * sizeof(uint64_t));
                if (!p)
                        return -ENOMEM;
                *set = p;
                *allocated = want;
        }
        memcpy(*set + *n, add, n_add * sizeof(uint64_t));
        *n += n_add;
        qsort(*set, *n, sizeof(uint64_t), cmp_uint64);
        k = 1;
        for (size_t i = 1; i < *n; i++)
                if ((*set)[i] != (*set)[k - 1])
                        (*set)[k++] = (*set)[i];
        *n = k;
        return 0;
}

static void setting_add(Incident *inc, uint32_t mask, uint32_t found, uint32_t want) {
        size_t i;

        for (i = 0; i < inc->n_settings; i++)
                if (inc->settings[i].mask == mask)
                        break;
        if (i == ELEMENTSOF(inc->settings))
                return;
        if (i == inc->n_settings)
                inc->n_settings++;
        /* the value found last: what the changer left */
        inc->settings[i] = (IncidentSetting) { .mask = mask, .found = found, .want = want };
}

int incident_add(Incident *inc, const char *reason, const ak_op *ops, size_t n_ops,
                 const struct audit_status *have, uint64_t now) {
        _cleanup_free_ uint64_t *add = calloc(n_ops + 1, sizeof(uint64_t)), *del = calloc(n_ops + 1, sizeof(uint64_t));
        size_t n_add = 0, n_del = 0;
        int opened = !inc->open;

        if (!add || !del)
                return -ENOMEM;
        for (size_t i = 0; i < n_ops; i++) {
                const ak_op *op = &ops[i];

                switch (op->type) {
                case AK_OP_ADD_RULE:
                        add[n_add++] = ak_rule_hash(op->rule);
                        keylist_add_rule(&inc->keys, op->rule);
                        break;
                case AK_OP_DEL_RULE: {
                        uint64_t h = ak_rule_hash(op->rule);

                        /* a rule this incident's repairs put back, now moved into its place:
                         * the daemon's own doing, not the outside action's */
                        if (sorted_has_uint64(inc->missing, inc->n_missing, h))
                                break;
                        del[n_del++] = h;
                        keylist_add_rule(&inc->keys, op->rule);
                        break;
                }
                case AK_OP_SET:
                        setting_add(inc, op->mask, ak_status_get(have, op->mask), op->value);
                        break;
                case AK_OP_SET_FEATURE:
                        inc->feature = 1;
                        break;
                default:
                        break;
                }
        }
        /* After a repair of this incident, a rule deleted and added back by the same pass is moved
         * back into its order: the repairs append, so the order they upset is theirs, not the
         * outside action's (a first pass's move is the outside action's reordering). */
        if (!opened && inc->repairs > 0 && n_add && n_del) {
                size_t k = 0, j = 0;

                qsort(add, n_add, sizeof(uint64_t), cmp_uint64);
                qsort(del, n_del, sizeof(uint64_t), cmp_uint64);
                for (size_t i = 0; i < n_del; i++)
                        if (!sorted_has_uint64(add, n_add, del[i]))
                                del[k++] = del[i];
                for (size_t i = 0; i < n_add; i++)
                        if (!sorted_has_uint64(del, n_del, add[i]))
                                add[j++] = add[i];
                n_del = k;
                n_add = j;
        }
        if (set_add(&inc->missing, &inc->n_missing, &inc->missing_allocated, add, n_add) < 0 ||
            set_add(&inc->extra, &inc->n_extra, &inc->extra_allocated, del, n_del) < 0) {
                incident_clear(inc);    /* nothing half-kept for the next one */
                return -ENOMEM;
        }
        if (opened) {
                inc->open = 1;
                inc->first_usec = now;
                snprintf(inc->reason, sizeof(inc->reason), "%s", reason);
        }
        inc->last_usec = now;
        inc->passes++;
        return opened;
}

void incident_repaired(Incident *inc, const ak_sync_report *rep, uint64_t now) {
        if (!inc->open)
                return;
        inc->repair_end = now;
        inc->repairs++;
        inc->added += rep->added;
        inc->removed += rep->removed;
        inc->set += rep->set;
        inc->pending = rep->n_pending;          /* what is left after the last one */
        inc->refused = rep->n_failed;
}

uint64_t incident_deadline(const Incident *inc, uint64_t extra_usec) {
        uint64_t quiet = inc->last_usec + INCIDENT_QUIET_USEC + extra_usec, cap = inc->first_usec + INCIDENT_MAX_USEC;

        return quiet < cap ? quiet : cap;
}

void incident_counts(const Incident *inc, size_t *ret_missing, size_t *ret_extra, size_t *ret_moved) {
        size_t moved = 0;

        /* both sorted: a rule deleted and added back was moved */
        for (size_t i = 0, j = 0; i < inc->n_missing && j < inc->n_extra;)
                if (inc->missing[i] == inc->extra[j])
                        moved++, i++, j++;
                else if (inc->missing[i] < inc->extra[j])
                        i++;
                else
                        j++;
        *ret_missing = inc->n_missing - moved;
        *ret_extra = inc->n_extra - moved;
        *ret_moved = moved;
}

void incident_describe(const Incident *inc, char *buf, size_t size) {
        size_t missing, extra, moved;
        strbuf b = {};
        _cleanup_free_ char *s = NULL;

        incident_counts(inc, &missing, &extra, &moved);
        if (moved)
                strbuf_printf(&b, "%zu rules out of order; ", moved);
        if (missing)
                strbuf_printf(&b, "%zu rules removed; ", missing);
        if (extra)
                strbuf_printf(&b, "%zu rules added; ", extra);
        for (size_t i = 0; i < inc->n_settings; i++)
                strbuf_printf(&b, "%s set to %u (want %u); ", ak_status_name(inc->settings[i].mask),
                              inc->settings[i].found, inc->settings[i].want);
        if (inc->feature)
                strbuf_puts(&b, "loginuid_immutable off; ");
        s = strbuf_steal(&b);
        if (s && strlen(s) >= 2)
                s[strlen(s) - 2] = '\0';
        snprintf(buf, size, "%s", s && *s ? s : "rules out of order");
}

void incident_settings(const Incident *inc, char *buf, size_t size) {
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < inc->n_settings && n < size; i++)
                n += (size_t) snprintf(buf + n, size - n, "%s%s", n ? "," : "", ak_status_name(inc->settings[i].mask));
        if (inc->feature && n < size)
                (void) snprintf(buf + n, size - n, "%sloginuid_immutable", n ? "," : "");
}

void incident_clear(Incident *inc) {
        free(inc->missing);
        free(inc->extra);
        *inc = (Incident) {};
}
