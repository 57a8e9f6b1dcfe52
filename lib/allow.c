/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Foreign rules the administrator lets stay (ak_allow in ak-rules.h): another agent (Wazuh's
 * who-data, auoms, Auditbeat) adds rules of its own at run time and puts them back when they go,
 * so removing them breaks that agent or starts a fight. They are recognised by key:
 *
 *     # auditkeep: allow-foreign key=wazuh_fim [list=exit,...] [action=always,...]
 *
 * in the rules (a comment to auditctl), or auditkeepd --allow-foreign='key=wazuh_fim'. A key is
 * no proof of who added a rule (anyone who may add rules may give them any key), so an allowance
 * never covers what blinds the host unless it says so: a `never` rule (action=never) or a rule of
 * the exclude list (list=exclude). Such a rule with an allowed key is removed like any other
 * foreign rule.
 *
 * And since the first rule of a list that matches an event decides whether it is recorded and
 * with which key, an allowed rule standing before a declared rule that can match the same events
 * takes those events from it: ak_allowed_shadows() says which. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"
#include "macro.h"
#include "parse-internal.h"
#include "rule-internal.h"
#include "tables.h"
#include "util.h"

#ifndef AUDIT_FILTER_URING_EXIT
#define AUDIT_FILTER_URING_EXIT 0x07
#endif

#define LIST_BIT(l) (UINT32_C(1) << (l))
/* every list a rule can be added to, but exclude and task (an always rule of the task list records
 * every system call of every task it matches from its creation) */
#define ALLOW_LISTS_DEFAULT (LIST_BIT(AUDIT_FILTER_USER) | LIST_BIT(AUDIT_FILTER_EXIT) | LIST_BIT(AUDIT_FILTER_FS) | \
                             LIST_BIT(AUDIT_FILTER_URING_EXIT))

static const char *const allow_words[] = { "key", "list", "action", "broad" };
static const char *const list_words[] = { "exit", "task", "user", "exclude", "filesystem", "io_uring" };
static const uint32_t list_values[] = { AUDIT_FILTER_EXIT, AUDIT_FILTER_TASK, AUDIT_FILTER_USER, AUDIT_FILTER_EXCLUDE,
                                        AUDIT_FILTER_FS, AUDIT_FILTER_URING_EXIT };
static const char *const action_words[] = { "always", "never" };

static void allow_done(ak_allow *a) {
        free(a->key);
        free(a->origin);
        *a = (ak_allow) {};
}

void ak_allow_free_all(ak_ruleset *rs) {
        for (size_t i = 0; i < rs->n_allow; i++)
                allow_done(&rs->allow[i]);
        free(rs->allow);
        rs->allow = NULL;
        rs->n_allow = 0;
}

/* A message about the word at col (from 1 in text). Always returns -EINVAL. */
static int allow_fail(char **ret_message, unsigned *ret_col, unsigned col, char *message) {
        if (ret_message)
                *ret_message = cescape_message(message);
        else
                free(message);
        if (ret_col)
                *ret_col = col;
        return -EINVAL;
}

/* "exit,exclude" or "always,never" (value at col): the bits, or -EINVAL with a message. */
static int allow_parse_set(const char *what, const char *value, unsigned col, const char *const *words,
                           size_t n_words, const uint32_t *bits, uint32_t *ret, char **ret_message, unsigned *ret_col) {
        uint32_t set = 0;

        if (!*value)
                return allow_fail(ret_message, ret_col, col, strdup_printf("%s= names no %s (known: %s%s)", what, what,
                                                                           words[0], n_words > 1 ? ", ..." : ""));
        for (const char *p = value; *p;) {
                size_t n = strcspn(p, ",");
                size_t i;

                for (i = 0; i < n_words; i++)
                        if (strlen(words[i]) == n && strncmp(p, words[i], n) == 0)
                                break;
                if (i == n_words) {
                        _cleanup_free_ char *word = strndup(p, n);
                        char hint[80] = "";
                        const char *close = word ? ak_closest_word(word, words, n_words) : NULL;

                        if (close)
                                snprintf(hint, sizeof(hint), ", did you mean '%s'?", close);
                        return allow_fail(ret_message, ret_col, col + (unsigned) (p - value),
                                          strdup_printf("unknown %s '%s' in allow-foreign%s", what, word ? word : "?", hint));
                }
                set |= bits[i];
                p += n;
                if (*p == ',')
                        p++;
        }
        *ret = set;
        return 0;
}

/* "key=NAME [list=...] [action=...]" (len bytes of text) into *ret; -EINVAL with a message about
 * the byte at *ret_col (from 1) for a bad one. */
static int allow_parse(const char *text, size_t len, ak_allow *ret, char **ret_message, unsigned *ret_col) {
        static const uint32_t list_bits[] = { LIST_BIT(AUDIT_FILTER_EXIT), LIST_BIT(AUDIT_FILTER_TASK),
                                              LIST_BIT(AUDIT_FILTER_USER), LIST_BIT(AUDIT_FILTER_EXCLUDE),
                                              LIST_BIT(AUDIT_FILTER_FS), LIST_BIT(AUDIT_FILTER_URING_EXIT) };
        static const uint32_t action_bits[] = { AK_ALLOW_ALWAYS, AK_ALLOW_NEVER };
        _cleanup_free_ char *key = NULL;
        uint32_t lists = ALLOW_LISTS_DEFAULT, actions = AK_ALLOW_ALWAYS;
        int broad = 0;
        size_t k = 0;
        int r;

        assert_cc(ELEMENTSOF(list_bits) == ELEMENTSOF(list_words));
        while (k < len) {
                _cleanup_free_ char *word = NULL;
                size_t start;
                unsigned col;
                char *eq;

                while (k < len && (text[k] == ' ' || text[k] == '\t'))
                        k++;
                if (k >= len)
                        break;
                start = k;
                while (k < len && text[k] != ' ' && text[k] != '\t')
                        k++;
                col = (unsigned) start + 1;
                word = strndup(text + start, k - start);
                if (!word)
                        return -ENOMEM;
                eq = strchr(word, '=');
                if (!eq) {
                        char hint[80] = "";
                        const char *close = ak_closest_word(word, allow_words, ELEMENTSOF(allow_words));

                        if (close)
                                snprintf(hint, sizeof(hint), ", did you mean '%s=...'?", close);
                        return allow_fail(ret_message, ret_col, col,
                                          strdup_printf("'%s' in allow-foreign is not NAME=VALUE (key=, list=, action=, broad=)%s", word, hint));
                }
                *eq = '\0';
                if (streq(word, "key")) {
                        const char *v = eq + 1;

                        if (key)
                                return allow_fail(ret_message, ret_col, col,
                                                  strdup("key= given twice in one allow-foreign: write one line per key"));
                        if (!*v)
                                return allow_fail(ret_message, ret_col, col + 4,
                                                  strdup("key= is empty: name the key the agent's rules carry (-k NAME)"));
                        if (strlen(v) > AUDIT_MAX_KEY_LEN)
                                return allow_fail(ret_message, ret_col, col + 4,
                                                  strdup_printf("key is %zu bytes long; a rule's key has at most %d, so no rule "
                                                                "can carry it", strlen(v), AUDIT_MAX_KEY_LEN));
                        key = strdup(v);
                        if (!key)
                                return -ENOMEM;
                } else if (streq(word, "list")) {
                        r = allow_parse_set("list", eq + 1, col + 5, list_words, ELEMENTSOF(list_words), list_bits,
                                            &lists, ret_message, ret_col);
                        if (r < 0)
                                return r;
                } else if (streq(word, "broad")) {
                        if (!streq(eq + 1, "yes") && !streq(eq + 1, "no"))
                                return allow_fail(ret_message, ret_col, col + 6,
                                                  strdup_printf("broad= is yes or no, not '%s'", eq + 1));
                        broad = streq(eq + 1, "yes");
                } else if (streq(word, "action")) {
                        r = allow_parse_set("action", eq + 1, col + 7, action_words, ELEMENTSOF(action_words),
                                            action_bits, &actions, ret_message, ret_col);
                        if (r < 0)
                                return r;
                } else {
                        char hint[80] = "";
                        const char *close = ak_closest_word(word, allow_words, ELEMENTSOF(allow_words));

                        if (close)
                                snprintf(hint, sizeof(hint), ", did you mean '%s'?", close);
                        return allow_fail(ret_message, ret_col, col,
                                          strdup_printf("unknown word '%s' in allow-foreign (known: key=, list=, action=, broad=)%s",
                                                        word, hint));
                }
        }
        if (!key)
                return allow_fail(ret_message, ret_col, 1,
                                  strdup("allow-foreign needs key=NAME: the key of the rules the other agent adds"));
        *ret = (ak_allow) { .key = TAKE_PTR(key), .lists = lists, .actions = actions, .broad = broad };
        return 0;
}

static int allow_push(ak_ruleset *rs, ak_allow *a) {
        ak_allow *v = realloc(rs->allow, (rs->n_allow + 1) * sizeof(ak_allow));

        if (!v) {
                allow_done(a);
                return -ENOMEM;
        }
        rs->allow = v;
        rs->allow[rs->n_allow++] = *a;
        return 0;
}

int ak_ruleset_allow_foreign(ak_ruleset *rs, const char *text, const char *origin, char **ret_message,
                             unsigned *ret_column) {
        ak_allow a;
        int r;

        if (!rs || !text)
                return -EINVAL;
        r = allow_parse(text, strlen(text), &a, ret_message, ret_column);
        if (r < 0)
                return r;
        a.origin = strdup(origin ? origin : "--allow-foreign");
        if (!a.origin) {
                allow_done(&a);
                return -ENOMEM;
        }
        return allow_push(rs, &a);
}

int ak_allow_directive(ak_ruleset *rs, const char *file, unsigned line, unsigned col, const char *text, size_t len) {
        _cleanup_free_ char *message = NULL;
        unsigned at = 0;
        ak_allow a;
        int r;

        r = allow_parse(text, len, &a, &message, &at);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ak_diag_add(rs, file, line, col + at - 1, 0, TAKE_PTR(message));
        a.origin = strdup_printf("%s:%u", file, line);
        if (!a.origin) {
                allow_done(&a);
                return -ENOMEM;
        }
        /* said where the rules are read (check, the daemon's log): what the allowance lets in */
        if (a.actions & AK_ALLOW_NEVER)
                (void) ak_diag_add(rs, file, line, col, 1,
                                   cescape_message(strdup_printf("allow-foreign key=%s action=never: a foreign never rule with this "
                                                              "key stays, and the events it matches are not recorded; whoever "
                                                              "may add audit rules can give a rule this key", a.key)));
        if (a.lists & LIST_BIT(AUDIT_FILTER_EXCLUDE))
                (void) ak_diag_add(rs, file, line, col, 1,
                                   cescape_message(strdup_printf("allow-foreign key=%s list=exclude: a foreign exclude-list rule "
                                                              "with this key stays, and the records it matches are dropped", a.key)));
        return allow_push(rs, &a);
}

/* Is key one of the keys of r? */
static int rule_has_key(const ak_rule *r, const char *key) {
        char keys[4 * AUDIT_MAX_KEY_LEN + 8];
        size_t n = strlen(key);

        ak_rule_key(r, keys, sizeof(keys));
        for (const char *p = keys; *p;) {
                size_t m = strcspn(p, (const char[]) { AUDIT_KEY_SEPARATOR, 0 });

                if (m == n && strncmp(p, key, n) == 0)
                        return 1;
                p += m;
                if (*p)
                        p++;
        }
        return 0;
}

int ak_rule_is_broad(const ak_rule *r) {
        const struct audit_rule_data *d = r->data;
        uint32_t list = ak_rule_list(r);

        if (d->action == AUDIT_NEVER)
                return 0;
        if (list == AUDIT_FILTER_TASK)
                return 1;
        if (list != AUDIT_FILTER_EXIT && list != AUDIT_FILTER_URING_EXIT)
                return 0;
        for (size_t w = 0; w < AUDIT_BITMASK_SIZE; w++) {
                /* the kernel keeps the class bits (the top 16) clear */
                uint32_t full = w == AUDIT_BITMASK_SIZE - 1 ? UINT32_C(0x0000ffff) : UINT32_MAX;

                if ((d->mask[w] & full) != full)
                        return 0;
        }
        for (uint32_t i = 0; i < d->field_count; i++)
                if (d->fields[i] != AUDIT_ARCH && d->fields[i] != AUDIT_FILTERKEY)
                        return 0;
        return 1;
}

static int allow_covers(const ak_allow *a, const ak_rule *r) {
        uint32_t list = ak_rule_list(r);
        unsigned action = r->data->action == AUDIT_NEVER ? AK_ALLOW_NEVER : AK_ALLOW_ALWAYS;

        if (list >= 32 || !(a->lists & LIST_BIT(list)) || !(a->actions & action))
                return 0;
        /* a task-list rule needs list=task, which says it already */
        return a->broad || list == AUDIT_FILTER_TASK || !ak_rule_is_broad(r);
}

const char *ak_allow_refusal(const ak_allow *a, const ak_rule *r) {
        uint32_t list = ak_rule_list(r);
        unsigned action = r->data->action == AUDIT_NEVER ? AK_ALLOW_NEVER : AK_ALLOW_ALWAYS;

        /* what allow_covers() found missing, in its order: the list, the action, broad=yes (an
         * allowance that names list=exclude and action=never does not refuse a never rule of the
         * exit list for being a never rule) */
        if (list >= 32 || !(a->lists & LIST_BIT(list))) {
                if (list == AUDIT_FILTER_EXCLUDE)
                        return "an exclude-list rule";
                if (list == AUDIT_FILTER_TASK)
                        return "a task-list rule (every system call of each task it matches is recorded)";
                return "a rule of a list the allowance does not name";
        }
        if (!(a->actions & action))
                return action == AK_ALLOW_NEVER ? "a never rule" : "an always rule (the allowance names action=never only)";
        if (!a->broad && list != AUDIT_FILTER_TASK && ak_rule_is_broad(r))
                return "a rule that records every system call with no field to narrow it";
        return "a rule the allowance does not cover";
}

const ak_allow *ak_ruleset_allowed(const ak_ruleset *rs, const ak_rule *r) {
        for (size_t i = 0; rs && r && r->data && i < rs->n_allow; i++)
                if (allow_covers(&rs->allow[i], r) && rule_has_key(r, rs->allow[i].key))
                        return &rs->allow[i];
        return NULL;
}

const ak_allow *ak_ruleset_allowed_key_only(const ak_ruleset *rs, const ak_rule *r) {
        if (ak_ruleset_allowed(rs, r))
                return NULL;
        for (size_t i = 0; rs && r && r->data && i < rs->n_allow; i++)
                if (rule_has_key(r, rs->allow[i].key))
                        return &rs->allow[i];
        return NULL;
}

/* "exit,exclude": the names of the bits set, in the table's order. */
static void set_names(char *buf, size_t size, uint32_t set, const char *const *words, const uint32_t *bits, size_t n) {
        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                if (set & bits[i])
                        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? "," : "", words[i]);
}

char *ak_allow_format(const ak_allow *a) {
        static const uint32_t action_bits[] = { AK_ALLOW_ALWAYS, AK_ALLOW_NEVER };
        uint32_t list_bits[ELEMENTSOF(list_values)];
        char lists[80] = "", actions[32] = "";

        for (size_t i = 0; i < ELEMENTSOF(list_values); i++)
                list_bits[i] = LIST_BIT(list_values[i]);
        if (a->lists != ALLOW_LISTS_DEFAULT)
                set_names(lists, sizeof(lists), a->lists, list_words, list_bits, ELEMENTSOF(list_words));
        if (a->actions != AK_ALLOW_ALWAYS)
                set_names(actions, sizeof(actions), a->actions, action_words, action_bits, ELEMENTSOF(action_words));
        return strdup_printf("key=%s%s%s%s%s%s", a->key, lists[0] ? " list=" : "", lists, actions[0] ? " action=" : "", actions,
                             a->broad ? " broad=yes" : "");
}

/* ------------------------------------------------------------------------------------------ */
/* shadows */

/* The declared rule equal to kernel rule r, or NULL (a foreign rule). */
static const ak_rule *declared_of(const ak_ruleset *want, const ak_hashed_rule *by_hash, const ak_rule *r) {
        uint64_t h = ak_rule_hash(r);

        for (size_t i = ak_rules_hash_first(by_hash, want->n_rules, h); i < want->n_rules && by_hash[i].hash == h; i++)
                if (ak_rule_equal(&want->rules[by_hash[i].index], r))
                        return &want->rules[by_hash[i].index];
        return NULL;
}

int ak_allowed_shadows(const ak_ruleset *want, const ak_kstate *have, ak_shadow **ret, size_t *ret_n) {
        _cleanup_free_ ak_hashed_rule *by_hash = NULL;
        _cleanup_free_ size_t *allowed = NULL;  /* kernel indexes of the allowed rules seen in this list */
        _cleanup_free_ ak_shadow *v = NULL;
        size_t n = 0, alloc = 0, n_allowed = 0;

        if (!want || !have || !ret || !ret_n)
                return -EINVAL;
        *ret = NULL;
        *ret_n = 0;
        if (want->n_allow == 0 || have->n_rules == 0)
                return 0;
        by_hash = ak_ruleset_by_hash(want);
        allowed = malloc((have->n_rules + 1) * sizeof(size_t));
        if (!by_hash || !allowed)
                return -ENOMEM;

        /* the kernel lists its rules list by list, each in the order it holds them */
        for (size_t h = 0; h < have->n_rules; h++) {
                const ak_rule *r = &have->rules[h];
                const ak_rule *declared;

                if (h > 0 && ak_rule_list(r) != ak_rule_list(&have->rules[h - 1]))
                        n_allowed = 0;
                declared = declared_of(want, by_hash, r);
                if (!declared) {
                        if (ak_ruleset_allowed(want, r))
                                allowed[n_allowed++] = h;
                        continue;
                }
                for (size_t i = 0; i < n_allowed; i++) {
                        const ak_rule *a = &have->rules[allowed[i]];

                        if (!ak_rules_overlap(a, r))
                                continue;
                        if (GROW(v, alloc, n + 1) < 0)
                                return -ENOMEM;
                        v[n++] = (ak_shadow) { .allowed = a, .by = ak_ruleset_allowed(want, a), .declared = declared };
                }
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* The key for a message: from whoever added the rule, so escaped (util.c cescape); ',' between
 * keys as auditctl shows them. */
static char *key_text(const ak_rule *r) {
        char k[AUDIT_MAX_KEY_LEN + 1];

        ak_rule_key(r, k, sizeof(k));
        for (char *p = k; *p; p++)
                if (*p == AUDIT_KEY_SEPARATOR)
                        *p = ',';
        return cescape(k);
}

char *ak_shadow_format(const ak_shadow *s, unsigned flags) {
        _cleanup_free_ char *allowed = ak_rule_format_flags(s->allowed, flags);
        _cleanup_free_ char *declared = ak_rule_format_flags(s->declared, flags);
        _cleanup_free_ char *ka = key_text(s->allowed), *kd = key_text(s->declared);
        _cleanup_free_ char *file = cescape(s->declared->file ? s->declared->file : "?");
        _cleanup_free_ char *origin = cescape(s->by && s->by->origin ? s->by->origin : "?");
        const char *effect;

        if (!allowed || !declared || !ka || !kd || !file || !origin)
                return NULL;
        if (s->allowed->data->action == AUDIT_NEVER)
                effect = "events both match are not recorded";
        else if (s->declared->data->action == AUDIT_NEVER)
                effect = "events both match are recorded although the declared rule says never";
        else
                effect = NULL;
        if (effect)
                return strdup_printf("%s:%u: %s can be shadowed by the allowed foreign rule %s (allowed by %s), "
                                     "which stands before it: %s",
                                     file, s->declared->line, declared, allowed, origin, effect);
        return strdup_printf("%s:%u: %s can be shadowed by the allowed foreign rule %s (allowed by %s), which stands "
                             "before it: events both match are recorded with key '%s', not '%s'",
                             file, s->declared->line, declared, allowed, origin, ka, kd);
}

size_t ak_shadows_declared(const ak_ruleset *want, const ak_shadow *v, size_t n) {
        _cleanup_free_ uint8_t *seen = NULL;
        size_t count = 0;

        if (n == 0 || !want || want->n_rules == 0)
                return 0;
        seen = calloc(want->n_rules, 1);
        if (!seen)
                return n;       /* an upper bound */
        for (size_t i = 0; i < n; i++) {
                size_t k = (size_t) (v[i].declared - want->rules);

                if (k < want->n_rules && !seen[k]) {
                        seen[k] = 1;
                        count++;
                }
        }
        return count;
}

int ak_shadows_by_allowed(const ak_kstate *have, const ak_shadow *v, size_t n, ak_shadow_group **ret, size_t *ret_n) {
        _cleanup_free_ size_t *slot = NULL;     /* kernel index -> group + 1 */
        _cleanup_free_ ak_shadow_group *g = NULL;
        size_t ng = 0;

        if (!have || !ret || !ret_n)
                return -EINVAL;
        *ret = NULL;
        *ret_n = 0;
        if (n == 0)
                return 0;
        slot = calloc(have->n_rules + 1, sizeof(size_t));
        g = calloc(n, sizeof(ak_shadow_group));
        if (!slot || !g)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t k = (size_t) (v[i].allowed - have->rules);

                if (k >= have->n_rules)
                        return -EINVAL;
                if (!slot[k]) {
                        g[ng] = (ak_shadow_group) { .allowed = v[i].allowed, .by = v[i].by, .first = v[i].declared };
                        slot[k] = ++ng;
                }
                g[slot[k] - 1].n_declared++;
        }
        *ret = TAKE_PTR(g);
        *ret_n = ng;
        return 0;
}

char *ak_shadow_group_format(const ak_shadow_group *g, unsigned flags) {
        ak_shadow first = { .allowed = g->allowed, .by = g->by, .declared = g->first };
        _cleanup_free_ char *line = ak_shadow_format(&first, flags);
        _cleanup_free_ char *allowed = ak_rule_format_flags(g->allowed, flags);

        if (!line || !allowed)
                return NULL;
        if (g->n_declared == 1)
                return TAKE_PTR(line);
        return strdup_printf("the allowed foreign rule %s can shadow %zu declared rules, the first: %s", allowed,
                             g->n_declared, line);
}
