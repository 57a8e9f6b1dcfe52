/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a rule set costs the kernel and which of its rules never act (ak-analyze.h).
 *
 * How the kernel evaluates rules (kernel/auditsc.c, kernel/auditfilter.c, Linux 6.x):
 * - at the exit of every system call of an audited task, audit_filter_syscall() walks the whole
 *   exit list; for each rule it tests the call's number in the rule's 2048-bit mask
 *   (audit_in_mask: the number alone, whatever the arch), and only when the bit is set evaluates
 *   the rule's fields in order (audit_filter_rules: arch= is a field like the others). The first
 *   rule whose fields all match decides (never or always);
 * - rules with a path= (watch) or inode= field are not on the exit list: audit_add_rule() puts
 *   them in audit_inode_hash (32 buckets by inode number), which audit_filter_inodes() walks
 *   after the exit list, once per file the call named, in that file's bucket only. Still one
 *   order decides across both: every exit rule, watches included, gets a priority when it is
 *   added (-A above all, then in the order of adding, which is the order the kernel lists them),
 *   and once a rule matched, audit_filter_rules() skips every rule of lower priority. So a
 *   `never` rule hides the watches listed after it that it covers, as it hides exit rules;
 * - the user, exclude and filesystem lists (audit_filter()) and the task list test no mask: the
 *   first rule whose fields match decides; on the exclude list any match drops the record.
 *
 * Everything here is linear in the rules (and their fields and mask words) or sorts them once:
 * rules are compared through hashes of their canonical form, never pairwise over the set. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "auditkeep/ak-analyze.h"
#include "macro.h"
#include "rule-internal.h"
#include "tables.h"
#include "util.h"

#define N_SYSCALL_BITS (AUDIT_BITMASK_SIZE * 32)
#define NEVER_CANDIDATES_MAX 64         /* never rules tried per rule (bounds a pathological set) */
#define EXCLUDE_REPORT_MAX 10           /* rules named per exclude rule; the rest are counted */
#define GLOB_SHOWN_MAX 8
#define MISSING_REPORT_MAX 20           /* missing watch paths, rules without arch= named; the rest counted */

/* One condition of a rule, canonical: strings by hash and length. */
typedef struct cond {
        uint32_t field, op, value;
        uint64_t str;
} cond;

/* What the analysis needs of one rule, computed once. */
typedef struct rinfo {
        const ak_rule *rule;
        uint32_t list, action;
        int inode_hash;         /* path= or inode=: the kernel keeps it in audit_inode_hash */
        int all;                /* every mask bit set */
        int any_bit;            /* some mask bit set */
        int lowbit;             /* lowest set mask bit, -1 none */
        const cond *c;          /* sorted, deduplicated, without the key */
        uint32_t nc;
        uint64_t key_h;         /* the key's hash (0 none) */
        uint64_t mask_h, cond_h;
        size_t file_idx;
} rinfo;

static int cond_cmp(const void *a, const void *b) {
        const cond *x = a, *y = b;

        if (x->field != y->field)
                return x->field < y->field ? -1 : 1;
        if (x->op != y->op)
                return x->op < y->op ? -1 : 1;
        if (x->value != y->value)
                return x->value < y->value ? -1 : 1;
        if (x->str != y->str)
                return x->str < y->str ? -1 : 1;
        return 0;
}

static int cond_eq(const cond *a, const cond *b) {
        return cond_cmp(a, b) == 0;
}

/* audit_comparator() for numbers */
static int compare_u32(uint32_t left, uint32_t op, uint32_t right) {
        switch (op) {
        case AUDIT_EQUAL: return left == right;
        case AUDIT_NOT_EQUAL: return left != right;
        case AUDIT_LESS_THAN: return left < right;
        case AUDIT_LESS_THAN_OR_EQUAL: return left <= right;
        case AUDIT_GREATER_THAN: return left > right;
        case AUDIT_GREATER_THAN_OR_EQUAL: return left >= right;
        case AUDIT_BIT_MASK: return (left & right) != 0;
        case AUDIT_BIT_TEST: return (left & right) == right;
        default: return 0;
        }
}

/* Can the rule match a system call of this arch? Every arch= condition must hold. */
static int arch_may(const rinfo *ri, uint32_t arch) {
        for (uint32_t i = 0; i < ri->nc; i++)
                if (ri->c[i].field == AUDIT_ARCH && !compare_u32(arch, ri->c[i].op, ri->c[i].value))
                        return 0;
        return 1;
}

static int has_field(const rinfo *ri, uint32_t field) {
        for (uint32_t i = 0; i < ri->nc; i++)
                if (ri->c[i].field == field)
                        return 1;
        return 0;
}

/* The string of a field (not NUL-terminated) and its length, or NULL. */
static const char *field_string(const ak_rule *r, uint32_t field, size_t *len) {
        const struct audit_rule_data *d = r->data;

        for (uint32_t i = 0; i < d->field_count; i++)
                if (d->fields[i] == field) {
                        *len = d->values[i];
                        return d->buf + ak_rule_string_offset(r, i);
                }
        return NULL;
}

/* Fill ri from r; its conditions go to *store (room for the rule's fields). */
static void rinfo_fill(rinfo *ri, const ak_rule *r, cond *store) {
        const struct audit_rule_data *d = r->data;
        size_t off = 0;
        uint32_t n = 0, bits_all = 1, full_words = 0;

        *ri = (rinfo) { .rule = r, .list = ak_rule_list(r), .action = d->action, .lowbit = -1, .c = store };
        for (uint32_t i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS; i++) {
                uint32_t f = d->fields[i];
                cond c = { .field = f, .op = d->fieldflags[i], .value = d->values[i] };

                if (ak_field_is_string(f)) {
                        c.str = ak_hash_bytes(AK_HASH_SEED, d->buf + off, d->values[i]);
                        off += d->values[i];
                }
                if (f == AUDIT_FILTERKEY) {
                        ri->key_h = ak_hash_bytes(c.str, "k", 1);
                        continue;
                }
                if (f == AUDIT_WATCH || f == AUDIT_INODE)
                        ri->inode_hash = 1;
                store[n++] = c;
        }
        for (uint32_t i = 1; i < n; i++) {     /* a few fields: insertion sort */
                cond x = store[i];
                uint32_t j = i;

                for (; j > 0 && cond_cmp(&store[j - 1], &x) > 0; j--)
                        store[j] = store[j - 1];
                store[j] = x;
        }
        ri->nc = 0;
        for (uint32_t i = 0; i < n; i++)       /* -F uid=0 -F uid=0 means -F uid=0 */
                if (ri->nc == 0 || !cond_eq(&store[ri->nc - 1], &store[i]))
                        store[ri->nc++] = store[i];
        ri->mask_h = AK_HASH_SEED;
        for (uint32_t p = 0; p < AUDIT_BITMASK_SIZE; p += 2) {
                uint64_t pair = d->mask[p] | (uint64_t) d->mask[p + 1] << 32;

                /* most words are empty (an -S list) or full (no -S): two at a time */
                if (pair == 0) {
                        bits_all = 0;
                        continue;
                }
                if (pair == UINT64_MAX && p + 2 < AUDIT_BITMASK_SIZE) {
                        if (ri->lowbit < 0)
                                ri->lowbit = (int) (p * 32);
                        full_words += 2;
                        continue;
                }
                for (uint32_t w = p; w < p + 2; w++) {
                        /* the kernel keeps the class bits (the top AUDIT_SYSCALL_CLASSES) clear */
                        uint32_t full = w == AUDIT_BITMASK_SIZE - 1 ? 0xffffffffu >> AUDIT_SYSCALL_CLASSES : 0xffffffffu;

                        if ((d->mask[w] & full) != full)
                                bits_all = 0;
                        if (!d->mask[w])
                                continue;
                        if (ri->lowbit < 0)
                                ri->lowbit = (int) (w * 32 + (unsigned) __builtin_ctz(d->mask[w]));
                        if (d->mask[w] != 0xffffffffu)  /* full words only counted: equal masks are verified */
                                ri->mask_h = ak_hash_words(ri->mask_h, (const uint32_t[]) { w, d->mask[w] }, 2);
                        else
                                full_words++;
                }
        }
        ri->mask_h = ak_hash_words(ri->mask_h, &full_words, 1);
        ri->all = (int) bits_all;
        ri->any_bit = ri->lowbit >= 0;
        ri->cond_h = ak_hash_words(AK_HASH_SEED, (const uint32_t[]) { ri->list, ri->action }, 2);
        for (uint32_t i = 0; i < ri->nc; i++)
                ri->cond_h = ak_hash_words(ri->cond_h, (const uint32_t[]) { ri->c[i].field, ri->c[i].op, ri->c[i].value,
                                       (uint32_t) ri->c[i].str, (uint32_t) (ri->c[i].str >> 32) }, 5);
        ri->cond_h = ak_hash_words(ri->cond_h, (const uint32_t[]) { (uint32_t) ri->key_h, (uint32_t) (ri->key_h >> 32) }, 2);
}

static int mask_superset(const ak_rule *big, const ak_rule *small) {
        for (size_t w = 0; w < AUDIT_BITMASK_SIZE; w++)
                if ((big->data->mask[w] & small->data->mask[w]) != small->data->mask[w])
                        return 0;
        return 1;
}

/* Every condition of a is one of b's (both sorted): b matches no event a does not. */
static int conds_subset(const rinfo *a, const rinfo *b) {
        uint32_t j = 0;

        for (uint32_t i = 0; i < a->nc; i++) {
                while (j < b->nc && cond_cmp(&b->c[j], &a->c[i]) < 0)
                        j++;
                if (j >= b->nc || !cond_eq(&b->c[j], &a->c[i]))
                        return 0;
        }
        return 1;
}

static int conds_equal(const rinfo *a, const rinfo *b) {
        if (a->nc != b->nc || a->key_h != b->key_h || a->list != b->list || a->action != b->action)
                return 0;
        for (uint32_t i = 0; i < a->nc; i++)
                if (!cond_eq(&a->c[i], &b->c[i]))
                        return 0;
        return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* cost */

static size_t arch_slot(ak_cost *c, uint32_t arch) {
        for (size_t i = 0; i < c->n_arch; i++)
                if (c->arch[i].arch == arch)
                        return i;
        if (c->n_arch >= AK_COST_ARCHES)
                return SIZE_MAX;
        c->arch[c->n_arch] = (ak_cost_arch) { .arch = arch };
        return c->n_arch++;
}

static void top_insert(ak_cost_arch *a, uint32_t nr, size_t rules) {
        size_t i = a->n_top;

        if (rules == 0)
                return;
        if (i == AK_COST_TOP) {
                if (rules <= a->top[AK_COST_TOP - 1].rules)
                        return;
                i--;
        } else
                a->n_top++;
        while (i > 0 && a->top[i - 1].rules < rules) {
                a->top[i] = a->top[i - 1];
                i--;
        }
        a->top[i].nr = nr;
        a->top[i].rules = rules;
}

static void cost_from_infos(const rinfo *ri, size_t n, uint32_t native, ak_cost *c) {
        _cleanup_free_ uint32_t *cnt = NULL;

        *c = (ak_cost) { 0 };
        (void) arch_slot(c, native ? native : ak_arch_native());
        for (size_t i = 0; i < n; i++) {
                if (ri[i].list != AUDIT_FILTER_EXIT)
                        continue;
                if (ri[i].inode_hash) {
                        c->inode_rules++;
                        continue;
                }
                c->exit_rules++;
                if (ri[i].all)
                        c->all_syscalls++;
                else if (!has_field(&ri[i], AUDIT_ARCH))
                        c->without_arch++;
                for (uint32_t k = 0; k < ri[i].nc; k++)
                        if (ri[i].c[k].field == AUDIT_ARCH && ri[i].c[k].op == AUDIT_EQUAL)
                                (void) arch_slot(c, ri[i].c[k].value);
        }
        cnt = calloc(c->n_arch * N_SYSCALL_BITS, sizeof(uint32_t));
        if (!cnt)
                return;
        for (size_t i = 0; i < n; i++) {
                const struct audit_rule_data *d = ri[i].rule->data;

                if (ri[i].list != AUDIT_FILTER_EXIT || ri[i].inode_hash)
                        continue;
                for (size_t a = 0; a < c->n_arch; a++) {
                        uint32_t *row = cnt + a * N_SYSCALL_BITS;

                        /* the kernel tests the mask whatever the arch, then evaluates the fields:
                         * arch= is one of them, a cheap rejection but an evaluation all the same */
                        if (ri[i].all) {
                                c->arch[a].every++;
                                c->arch[a].every_other_arch += !arch_may(&ri[i], c->arch[a].arch);
                                continue;
                        }
                        for (size_t w = 0; w < AUDIT_BITMASK_SIZE; w++)
                                for (uint32_t m = d->mask[w]; m; m &= m - 1)
                                        row[w * 32 + (unsigned) __builtin_ctz(m)]++;
                }
        }
        for (size_t a = 0; a < c->n_arch; a++) {
                const uint32_t *row = cnt + a * N_SYSCALL_BITS;

                for (uint32_t s = 0; s < N_SYSCALL_BITS; s++)
                        top_insert(&c->arch[a], s, row[s]);
                c->arch[a].most = c->arch[a].every + (c->arch[a].n_top ? c->arch[a].top[0].rules : 0);
        }
}

void ak_cost_compute(const ak_rule *rules, size_t n, uint32_t native, ak_cost *ret) {
        _cleanup_free_ rinfo *ri = calloc(n ? n : 1, sizeof(rinfo));
        _cleanup_free_ cond *store = NULL;
        size_t used = 0;

        *ret = (ak_cost) { 0 };
        for (size_t i = 0; i < n; i++)
                used += rules[i].data->field_count;
        store = calloc(used ? used : 1, sizeof(cond));
        if (!ri || !store)
                return;
        used = 0;
        for (size_t i = 0; i < n; i++) {
                rinfo_fill(&ri[i], &rules[i], store + used);
                used += rules[i].data->field_count;
        }
        cost_from_infos(ri, n, native, ret);
}

void ak_strv_free(char **v) {
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static const char *arch_label(uint32_t arch, char *buf, size_t size) {
        const char *m = ak_arch_machine_name(arch);
        char b[32];

        if (m)
                snprintf(buf, size, "%s (%s)", m, ak_arch_to_name(arch, b, sizeof(b)));
        else
                snprintf(buf, size, "0x%x", arch);
        return buf;
}

static const char *plural(size_t n) {
        return n == 1 ? "" : "s";
}

char **ak_cost_describe(const ak_cost *c) {
        char **v = calloc(c->n_arch + 5, sizeof(char *));
        size_t n = 0;

        if (!v)
                return NULL;
        v[n++] = strdup_printf("exit list: %zu rule%s, all walked at every system call of an audited task (a mask test "
                               "each); %zu apply to every system call (no -S, -S all, dir= watches); %zu watch%s "
                               "(path=, inode=) in the kernel's inode hash, checked only for the files a call names",
                               c->exit_rules, plural(c->exit_rules), c->all_syscalls, c->inode_rules,
                               c->inode_rules == 1 ? "" : "es");
        for (size_t a = 0; a < c->n_arch; a++) {
                const ak_cost_arch *x = &c->arch[a];
                char label[64];
                strbuf b = { 0 };

                if (x->most == 0)
                        continue;       /* no exit rule for this arch */
                strbuf_printf(&b, "%s: %zu rule%s evaluated at every system call", arch_label(x->arch, label, sizeof(label)),
                              x->every, plural(x->every));
                if (x->every_other_arch)
                        strbuf_printf(&b, " (%zu of them rejected at their arch= field)", x->every_other_arch);
                strbuf_printf(&b, ", %zu at the busiest", x->most);
                for (size_t t = 0; t < x->n_top; t++) {
                        const char *name = ak_syscall_to_name(x->arch, (int) x->top[t].nr);

                        strbuf_printf(&b, "%s", t == 0 ? " (" : ", ");
                        if (name)
                                strbuf_printf(&b, "%s %zu", name, x->every + x->top[t].rules);
                        else
                                strbuf_printf(&b, "%u %zu", x->top[t].nr, x->every + x->top[t].rules);
                }
                if (x->n_top)
                        strbuf_puts(&b, ")");
                v[n++] = strbuf_steal(&b);
        }
        if (c->without_arch)
                v[n++] = strdup_printf("%zu rule%s with -S and no arch=: the kernel tests the syscall numbers on every "
                                       "arch, where the same number is another call", c->without_arch,
                                       plural(c->without_arch));
        if (c->mergeable)
                v[n++] = strdup_printf("%zu rule%s could be merged into another of the same action, list, fields and "
                                       "key: %zu rule%s instead of %zu", c->mergeable, plural(c->mergeable),
                                       c->merge_groups, plural(c->merge_groups), c->mergeable + c->merge_groups);
        for (size_t i = 0; i < n; i++)
                if (!v[i]) {
                        ak_strv_free(v);
                        return NULL;
                }
        return v;
}

/* ------------------------------------------------------------------------------------------ */
/* findings */

typedef struct analyzer {
        const ak_ruleset *rs;
        const ak_analyze_opts *o;
        ak_analysis *a;
        size_t diags_allocated;
        int oom;
} analyzer;

_printf_(4, 5)
static void report(analyzer *z, const rinfo *at, int kind, const char *fmt, ...) {
        const ak_rule *r = at->rule;
        va_list ap;
        char *m;
        ak_diag *d;

        va_start(ap, fmt);
        m = strdup_vprintf(fmt, ap);
        va_end(ap);
        m = cescape_message(m); /* paths from the rules and the file system: the one escaping rule */
        if (!m || GROW(z->a->diags, z->diags_allocated, z->a->n_diags + 1) < 0) {
                free(m);
                z->oom = 1;
                return;
        }
        d = &z->a->diags[z->a->n_diags];
        *d = (ak_diag) { .file = strdup(r->file ? r->file : "(kernel)"), .line = r->line,
                         .column = r->column ? r->column : 1, .message = m, .warning = kind };
        if (!d->file) {
                free(m);
                z->oom = 1;
                return;
        }
        z->a->n_diags++;
        if (kind == 1)
                z->a->n_warnings++;
}

static const char *list_word(uint32_t list) {
        const char *s = ak_list_name(list);
        return s ? s : "?";
}

/* A rule an earlier `never` rule of its list covers is never reached. Never rules are indexed by
 * each syscall of their mask (or kept apart when they have every bit, or their list tests no
 * mask): a rule looks only at those under its lowest syscall, since a covering rule has it. */
typedef struct nvec {
        uint32_t *v;
        size_t n, allocated;
} nvec;

static int nvec_push(nvec *x, uint32_t i) {
        if (GROW(x->v, x->allocated, x->n + 1) < 0)
                return -ENOMEM;
        x->v[x->n++] = i;
        return 0;
}

static int list_tests_mask(uint32_t list) {
        return list == AUDIT_FILTER_EXIT || list == AUDIT_FILTER_URING_EXIT;
}

static const rinfo *covering_never(const rinfo *ri, const rinfo *m, const nvec *v, size_t *tries) {
        for (size_t k = 0; k < v->n && *tries < NEVER_CANDIDATES_MAX; k++) {
                const rinfo *nv = &ri[v->v[k]];

                (*tries)++;
                if (nv->list != m->list)        /* watches too: one priority order decides */
                        continue;
                if (list_tests_mask(m->list) && !mask_superset(nv->rule, m->rule))
                        continue;
                if (conds_subset(nv, m))
                        return nv;
        }
        return NULL;
}

static void find_hidden(analyzer *z, const rinfo *ri, size_t n) {
        nvec *by_bit = calloc(N_SYSCALL_BITS, sizeof(nvec));
        nvec all = { 0 };

        if (!by_bit) {
                z->oom = 1;
                return;
        }
        for (size_t i = 0; i < n && !z->oom; i++) {
                const rinfo *m = &ri[i], *nv;
                size_t tries = 0;

                if (i > 0 && ri[i - 1].list != m->list) {       /* a new list: forget the last one's */
                        for (size_t b = 0; b < N_SYSCALL_BITS; b++)
                                by_bit[b].n = 0;
                        all.n = 0;
                }
                nv = covering_never(ri, m, &all, &tries);
                if (!nv && m->lowbit >= 0 && list_tests_mask(m->list))
                        nv = covering_never(ri, m, &by_bit[m->lowbit], &tries);
                if (nv)
                        report(z, m, 1, "never reached: the 'never' rule at %s:%u, earlier in the %s list, matches "
                               "every event this rule matches, and the first matching rule of a list decides%s",
                               nv->rule->file ? nv->rule->file : "(kernel)", nv->rule->line, list_word(m->list),
                               m->action == AUDIT_NEVER ? " (this rule is redundant)" : "; move it above that rule "
                               "or narrow the 'never' rule");
                if (m->action != AUDIT_NEVER)
                        continue;
                if (!list_tests_mask(m->list) || m->all) {
                        if (nvec_push(&all, (uint32_t) i) < 0)
                                z->oom = 1;
                        continue;
                }
                for (size_t w = 0; w < AUDIT_BITMASK_SIZE; w++)
                        for (uint32_t b = m->rule->data->mask[w]; b; b &= b - 1)
                                if (nvec_push(&by_bit[w * 32 + (unsigned) __builtin_ctz(b)], (uint32_t) i) < 0)
                                        z->oom = 1;
        }
        for (size_t b = 0; b < N_SYSCALL_BITS; b++)
                free(by_bit[b].v);
        free(by_bit);
        free(all.v);
}

/* Record types the rules ask for, and whether an exclude rule drops them. */
static const struct { uint32_t type; const char *name; } asked_types[] = {
        { AUDIT_SYSCALL, "SYSCALL" },
        { AUDIT_PATH, "PATH" },
        { AUDIT_EXECVE, "EXECVE" },
};

static int asks_for(const rinfo *ri, uint32_t type, int execve_nr) {
        if (ri->list != AUDIT_FILTER_EXIT || ri->action != AUDIT_ALWAYS)
                return 0;
        switch (type) {
        case AUDIT_SYSCALL:
                return 1;
        case AUDIT_PATH:
                return ri->inode_hash || has_field(ri, AUDIT_DIR);
        case AUDIT_EXECVE:      /* named: a rule on every call asks for no record type in particular */
                return execve_nr >= 0 && !ri->all && (ri->rule->data->mask[AUDIT_WORD(execve_nr)] & AUDIT_BIT(execve_nr));
        default:
                return 0;
        }
}

/* An exclude rule whose only conditions are msgtype: the types it drops for everyone. */
static int exclude_drops(const rinfo *x, uint32_t type) {
        if (x->nc == 0)
                return 1;
        for (uint32_t i = 0; i < x->nc; i++)
                if (x->c[i].field != AUDIT_MSGTYPE || !compare_u32(type, x->c[i].op, x->c[i].value))
                        return 0;
        return 1;
}

static void find_excluded(analyzer *z, const rinfo *ri, size_t n, uint32_t native) {
        int execve_nr = ak_syscall_from_name(native, "execve");

        for (size_t x = 0; x < n; x++) {
                if (ri[x].list != AUDIT_FILTER_EXCLUDE)
                        continue;
                for (size_t t = 0; t < ELEMENTSOF(asked_types); t++) {
                        size_t hit = 0;

                        if (!exclude_drops(&ri[x], asked_types[t].type))
                                continue;
                        for (size_t i = 0; i < n && !z->oom; i++) {
                                if (!asks_for(&ri[i], asked_types[t].type, execve_nr))
                                        continue;
                                if (++hit <= EXCLUDE_REPORT_MAX)
                                        report(z, &ri[i], 1, "its %s records are dropped by the exclude rule at %s:%u, "
                                               "which matches every record of that type%s",
                                               asked_types[t].name, ri[x].rule->file ? ri[x].rule->file : "(kernel)",
                                               ri[x].rule->line, asked_types[t].type == AUDIT_SYSCALL ?
                                               ", and with them every record of the event (the kernel writes none "
                                               "without its SYSCALL record): the rule records nothing" : "");
                        }
                        if (hit > EXCLUDE_REPORT_MAX)
                                report(z, &ri[x], 1, "drops the %s records that %zu rules ask for (the first %d are "
                                       "named at their lines)", asked_types[t].name, hit, EXCLUDE_REPORT_MAX);
                }
        }
}

/* Sort indices by a hash, then index. */
typedef struct hidx {
        uint64_t h;
        uint32_t i;
} hidx;

static int hidx_cmp(const void *a, const void *b) {
        const hidx *x = a, *y = b;

        if (x->h != y->h)
                return x->h < y->h ? -1 : 1;
        return x->i < y->i ? -1 : x->i > y->i;
}

/* Sort v (n entries, filled in increasing index) as hidx_cmp() orders it: by hash, equal hashes in
 * index order. A stable least-significant-byte radix sort does that in 8 passes without a call per
 * comparison (qsort was a fifth of the analysis at 5000 rules); qsort when there is no room. */
static void hidx_sort(hidx *v, size_t n) {
        _cleanup_free_ hidx *tmp = n > 64 ? malloc(n * sizeof(hidx)) : NULL;
        hidx *a = v, *b = tmp;

        if (!tmp) {
                qsort(v, n, sizeof(hidx), hidx_cmp);
                return;
        }
        for (unsigned shift = 0; shift < 64; shift += 8) {
                size_t count[256] = {}, pos = 0;
                hidx *t;

                for (size_t i = 0; i < n; i++)
                        count[(a[i].h >> shift) & 0xff]++;
                if (count[(a[0].h >> shift) & 0xff] == n)
                        continue;       /* one byte value: the pass would change nothing */
                for (size_t k = 0; k < 256; k++) {
                        size_t c = count[k];

                        count[k] = pos;
                        pos += c;
                }
                for (size_t i = 0; i < n; i++)
                        b[count[(a[i].h >> shift) & 0xff]++] = a[i];
                t = a, a = b, b = t;
        }
        if (a != v)
                memcpy(v, a, n * sizeof(hidx));
}

/* Rules of the same meaning in other bytes (the kernel compares bytes: it keeps both), and rules
 * that differ only in their syscalls (one rule could hold both lists). */
static void find_twins(analyzer *z, const rinfo *ri, size_t n) {
        _cleanup_free_ hidx *v = calloc(n ? n : 1, sizeof(hidx));
        size_t m = 0;

        if (!v) {
                z->oom = 1;
                return;
        }
        /* same meaning: conditions, key and mask */
        for (size_t i = 0; i < n; i++)
                v[i] = (hidx) { .h = ri[i].cond_h ^ (ri[i].mask_h * 0x9e3779b97f4a7c15ull), .i = (uint32_t) i };
        hidx_sort(v, n);
        for (size_t s = 0; s < n; ) {
                size_t e = s + 1;

                while (e < n && v[e].h == v[s].h)
                        e++;
                for (size_t k = s + 1; k < e; k++) {
                        const rinfo *a = &ri[v[s].i], *b = &ri[v[k].i];

                        if (conds_equal(a, b) && mask_superset(a->rule, b->rule) && mask_superset(b->rule, a->rule) &&
                            !ak_rule_equal(a->rule, b->rule))
                                report(z, b, 1, "the same rule as %s:%u in other words (its fields in another order "
                                       "or repeated): the kernel compares rules byte by byte, so it keeps and "
                                       "evaluates both (auditctl says \"Rule exists\" only for identical bytes); "
                                       "remove one", a->rule->file ? a->rule->file : "(kernel)", a->rule->line);
                }
                s = e;
        }
        /* mergeable: exit-list rules with -S lists, same conditions and key */
        for (size_t i = 0; i < n; i++)
                if (ri[i].list == AUDIT_FILTER_EXIT && ri[i].any_bit && !ri[i].all)
                        v[m++] = (hidx) { .h = ri[i].cond_h, .i = (uint32_t) i };
        hidx_sort(v, m);
        for (size_t s = 0; s < m; ) {
                size_t e = s + 1, joined = 0;

                while (e < m && v[e].h == v[s].h)
                        e++;
                for (size_t k = s + 1; k < e; k++) {
                        const rinfo *a = &ri[v[s].i], *b = &ri[v[k].i];

                        if (!conds_equal(a, b) || (mask_superset(a->rule, b->rule) && mask_superset(b->rule, a->rule)))
                                continue;
                        joined++;
                        report(z, b, AK_DIAG_NOTE, "same action, list, fields and key as %s:%u with other syscalls: "
                               "one rule with both -S lists would do (one rule fewer for the kernel to walk at "
                               "every system call)", a->rule->file ? a->rule->file : "(kernel)", a->rule->line);
                }
                if (joined) {
                        z->a->cost.mergeable += joined;
                        z->a->cost.merge_groups++;
                }
                s = e;
        }
}

size_t ak_host_arches(uint32_t *out, size_t max) {
        static const struct { uint32_t native, compat; } pairs[] = {
                { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 },
                { AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM },
                { AUDIT_ARCH_S390X, AUDIT_ARCH_S390 },
                { AUDIT_ARCH_PPC64, AUDIT_ARCH_PPC },
        };
        uint32_t native = ak_arch_native();
        size_t n = 0;

        if (max == 0)
                return 0;
        out[n++] = native;
        for (size_t i = 0; i < ELEMENTSOF(pairs) && n < max; i++)
                if (pairs[i].native == native)
                        out[n++] = pairs[i].compat;
        return n;
}

static int host_runs(const ak_analyze_opts *o, uint32_t arch) {
        for (size_t i = 0; i < o->n_host_arches; i++)
                if (o->host_arches[i] == arch)
                        return 1;
        return 0;
}

static void find_foreign_arch(analyzer *z, const rinfo *ri, size_t n) {
        if (!z->o || !z->o->host_arches)
                return;
        for (size_t i = 0; i < n; i++)
                for (uint32_t k = 0; k < ri[i].nc; k++) {
                        const cond *c = &ri[i].c[k];
                        char label[64];

                        if (c->field != AUDIT_ARCH || c->op != AUDIT_EQUAL || host_runs(z->o, c->value))
                                continue;
                        report(z, &ri[i], 1, "arch %s: this host cannot run that arch's system calls, so the rule "
                               "never matches here", arch_label(c->value, label, sizeof(label)));
                }
}

/* Exit rules with a -S list and no arch=: the kernel tests the numbers on every arch. */
static void find_without_arch(analyzer *z, const rinfo *ri, size_t n, uint32_t native) {
        size_t seen = 0;
        const rinfo *last = NULL;
        char label[64];

        for (size_t i = 0; i < n; i++) {
                if (ri[i].list != AUDIT_FILTER_EXIT || ri[i].inode_hash || ri[i].all || !ri[i].any_bit ||
                    has_field(&ri[i], AUDIT_ARCH))
                        continue;
                last = &ri[i];
                if (++seen <= MISSING_REPORT_MAX)
                        report(z, &ri[i], AK_DIAG_NOTE, "-S without arch=: the syscall numbers are those of %s, and the "
                               "kernel tests them on every arch, where the same number can be another call; add "
                               "-F arch=b64 (and a copy with -F arch=b32 where 32-bit programs run)",
                               arch_label(native, label, sizeof(label)));
        }
        if (seen > MISSING_REPORT_MAX)
                report(z, last, AK_DIAG_NOTE, "and %zu more rules with -S and no arch= (the first %d are named at their "
                       "lines; this is the last)", seen - MISSING_REPORT_MAX, MISSING_REPORT_MAX);
}

static void say_glob(analyzer *z, const rinfo *ri, const char *path) {
        char **match = z->o && z->o->glob ? z->o->glob(path, z->o->userdata) : NULL;
        strbuf b = { 0 };
        size_t k = 0;

        if (!z->o || !z->o->glob)
                return;
        if (!match || !match[0]) {
                const char *slash = strrchr(path, '/');

                strbuf_printf(&b, "nothing matches '%s' now", path);
                if (slash && (size_t) (slash - path) == strlen("/var/log/audit") && strncmp(path, "/var/log/audit", 14) == 0)
                        strbuf_puts(&b, " (auditd names its rotated logs audit.log.1, audit.log.2, ...: to watch "
                                    "them all, watch the directory: -w /var/log/audit/)");
                else
                        strbuf_puts(&b, "; name each file on its own line");
        } else {
                strbuf_printf(&b, "'%s' matches these now, one line each with the same -p and -k:", path);
                for (k = 0; k < GLOB_SHOWN_MAX && match[k]; k++)
                        strbuf_printf(&b, "%s-w %s", k ? ", " : " ", match[k]);
                if (match[k])
                        strbuf_puts(&b, ", ...");
        }
        ak_strv_free(match);
        {
                _cleanup_free_ char *m = strbuf_steal(&b);
                if (!m)
                        z->oom = 1;
                else
                        report(z, ri, AK_DIAG_NOTE, "%s", m);
        }
}

static void find_paths(analyzer *z, const rinfo *ri, size_t n) {
        size_t missing = 0;
        const rinfo *last = NULL;

        for (size_t i = 0; i < n && !z->oom; i++) {
                const uint32_t kinds[] = { AUDIT_WATCH, AUDIT_DIR };

                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        _cleanup_free_ char *path = NULL, *parent = NULL;
                        const char *s;
                        size_t len;
                        char *slash;

                        s = field_string(ri[i].rule, kinds[k], &len);
                        if (!s)
                                continue;
                        path = strndup(s, len);
                        if (!path) {
                                z->oom = 1;
                                return;
                        }
                        if (strpbrk(path, "*?[")) {
                                say_glob(z, &ri[i], path);
                                continue;       /* that it does not exist is said there */
                        }
                        if (!z->o || !z->o->path_exists || z->o->path_exists(path, z->o->userdata))
                                continue;
                        last = &ri[i];
                        if (++missing > MISSING_REPORT_MAX)
                                continue;
                        parent = strdup(path);
                        if (!parent) {
                                z->oom = 1;
                                return;
                        }
                        for (size_t l = strlen(parent); l > 1 && parent[l - 1] == '/'; l--)
                                parent[l - 1] = '\0';
                        slash = strrchr(parent, '/');
                        if (slash)
                                *(slash == parent ? slash + 1 : slash) = '\0';
                        if (kinds[k] == AUDIT_WATCH && !z->o->path_exists(parent, z->o->userdata))
                                report(z, &ri[i], AK_DIAG_NOTE, "neither '%s' nor its directory exist now: the kernel "
                                       "refuses the watch until %s exists (auditkeepd keeps it pending and retries)",
                                       path, parent);
                        else
                                report(z, &ri[i], AK_DIAG_NOTE, "'%s' does not exist now: the kernel keeps the watch and "
                                       "audits the file once it appears", path);
                }
        }
        if (missing > MISSING_REPORT_MAX)
                report(z, last, AK_DIAG_NOTE, "and %zu more watched paths that do not exist now (the first %d are "
                       "named at their lines; this is the last)", missing - MISSING_REPORT_MAX, MISSING_REPORT_MAX);
}

/* Diagnostics in reading order: by the file's place among the files read, then line and column. */
typedef struct dsort {
        size_t file_idx;
        ak_diag d;
        size_t seq;
} dsort;

static int dsort_cmp(const void *a, const void *b) {
        const dsort *x = a, *y = b;

        if (x->file_idx != y->file_idx)
                return x->file_idx < y->file_idx ? -1 : 1;
        if (x->d.line != y->d.line)
                return x->d.line < y->d.line ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static size_t file_index(const ak_ruleset *rs, const char *file, size_t *hint) {
        if (*hint < rs->n_files && streq(rs->files[*hint], file))
                return *hint;
        for (size_t i = 0; i < rs->n_files; i++)
                if (streq(rs->files[i], file))
                        return *hint = i;
        return SIZE_MAX;
}

static int sort_diags(const ak_ruleset *rs, ak_analysis *a) {
        _cleanup_free_ dsort *v = calloc(a->n_diags ? a->n_diags : 1, sizeof(dsort));
        size_t hint = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_diags; i++)
                v[i] = (dsort) { .file_idx = file_index(rs, a->diags[i].file, &hint), .d = a->diags[i], .seq = i };
        qsort(v, a->n_diags, sizeof(dsort), dsort_cmp);
        for (size_t i = 0; i < a->n_diags; i++)
                a->diags[i] = v[i].d;
        return 0;
}

int ak_analyze(const ak_ruleset *rs, const ak_analyze_opts *opts, ak_analysis *ret) {
        size_t n = rs->n_rules, used = 0;
        _cleanup_free_ rinfo *ri = calloc(n ? n : 1, sizeof(rinfo));
        _cleanup_free_ cond *store = NULL;
        uint32_t native = opts && opts->native ? opts->native : ak_arch_native();
        analyzer z = { .rs = rs, .o = opts, .a = ret };

        *ret = (ak_analysis) { 0 };
        for (size_t i = 0; i < n; i++)
                used += rs->rules[i].data->field_count;
        store = calloc(used ? used : 1, sizeof(cond));
        if (!ri || !store)
                return -ENOMEM;
        used = 0;
        for (size_t i = 0; i < n; i++) {
                rinfo_fill(&ri[i], &rs->rules[i], store + used);
                used += rs->rules[i].data->field_count;
        }
        cost_from_infos(ri, n, native, &ret->cost);
        find_hidden(&z, ri, n);
        find_excluded(&z, ri, n, native);
        find_twins(&z, ri, n);
        find_foreign_arch(&z, ri, n);
        find_without_arch(&z, ri, n, native);
        find_paths(&z, ri, n);
        if (z.oom || sort_diags(rs, ret) < 0) {
                ak_analysis_done(ret);
                return -ENOMEM;
        }
        return 0;
}

void ak_analysis_done(ak_analysis *a) {
        for (size_t i = 0; i < a->n_diags; i++) {
                free(a->diags[i].file);
                free(a->diags[i].message);
        }
        free(a->diags);
        *a = (ak_analysis) { 0 };
}

/* ------------------------------------------------------------------------------------------ */
/* the kernel command line */

void ak_cmdline_audit_parse(const char *cmdline, ak_cmdline_audit *ret) {
        const char *p = cmdline ? cmdline : "";

        *ret = (ak_cmdline_audit) { .audit = -1, .backlog_limit = -1 };
        while (*p) {
                size_t len;

                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                len = strcspn(p, " \t\n");
                /* the kernel reads the last of repeated parameters (__setup runs for each) */
                if (len > 6 && strncmp(p, "audit=", 6) == 0) {
                        if ((len == 7 && p[6] == '0') || (len == 9 && strncmp(p + 6, "off", 3) == 0))
                                ret->audit = 0;
                        else if ((len == 7 && p[6] == '1') || (len == 8 && strncmp(p + 6, "on", 2) == 0))
                                ret->audit = 1;
                } else if (len > 20 && strncmp(p, "audit_backlog_limit=", 20) == 0) {
                        char num[24];
                        char *end;
                        long v;

                        if (len - 20 < sizeof(num)) {
                                memcpy(num, p + 20, len - 20);
                                num[len - 20] = '\0';
                                v = strtol(num, &end, 0);
                                if (*end == '\0' && v >= 0)
                                        ret->backlog_limit = v;
                        }
                }
                p += len;
        }
}

char **ak_cmdline_audit_notes(const ak_cmdline_audit *c, uint32_t backlog) {
        char **v = calloc(4, sizeof(char *));
        strbuf add = { 0 };
        size_t n = 0;
        _cleanup_free_ char *words = NULL;

        if (!v)
                return NULL;
        if (backlog == 0)
                backlog = 8192;
        if (c->audit == 0)
                v[n++] = strdup("audit=0: auditing is off for this boot; no rule is loaded and auditkeepd does not start "
                                "(remove audit=0 from the kernel command line)");
        else if (c->audit < 0) {
                v[n++] = strdup("no audit=1: processes started before the audit rules are loaded get no audit context "
                                "and are never audited, however long they run (CIS and STIG ask for audit=1)");
                strbuf_puts(&add, " audit=1");
        }
        if (c->backlog_limit < 0 && c->audit != 0) {
                v[n++] = strdup_printf("no audit_backlog_limit=: until the rules raise it, the kernel queues 64 records, "
                                       "and early boot loses records (\"audit: backlog limit exceeded\")");
                strbuf_printf(&add, " audit_backlog_limit=%u", backlog);
        }
        words = strbuf_steal(&add);
        if (words && words[0])
                v[n++] = strdup_printf("on Debian: add%s to GRUB_CMDLINE_LINUX in /etc/default/grub "
                                       "(GRUB_CMDLINE_LINUX=\"...%s\"), run update-grub and reboot", words, words);
        for (size_t i = 0; i < n; i++)
                if (!v[i]) {
                        ak_strv_free(v);
                        return NULL;
                }
        return v;
}
