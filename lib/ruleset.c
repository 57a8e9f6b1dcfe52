/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A ruleset: the sources read in order, their "# auditkeep:" directives, the simulated kernel the
 * lines run against (parse.c) and what it holds in the end; and the ruleset's compatibility
 * level. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditkeep/ak-rules.h"
#include "compat.h"
#include "macro.h"
#include "rule-internal.h"
#include "parse-internal.h"
#include "sim.h"
#include "tables.h"
#include "util.h"

/* ------------------------------------------------------------------------------------------ */
/* the ruleset */

int ak_ruleset_new(ak_ruleset **ret) {
        ak_ruleset *rs;

        assert(ret);
        rs = calloc(1, sizeof(*rs));
        if (!rs)
                return -ENOMEM;
        rs->priv = calloc(1, sizeof(*rs->priv));
        if (!rs->priv) {
                free(rs);
                return -ENOMEM;
        }
        rs->compat = AK_COMPAT_LATEST;
        rs->compat_origin = AK_COMPAT_ORIGIN_DEFAULT;
        rs->priv->trust_uid = geteuid();
        *ret = rs;
        return 0;
}

ak_ruleset *ak_ruleset_free(ak_ruleset *rs) {
        if (!rs)
                return NULL;
        free(rs->rules);        /* their data is in the arena, their file names are rs->files */
        for (size_t i = 0; i < rs->n_diags; i++) {
                free(rs->diags[i].file);
                free(rs->diags[i].message);
        }
        free(rs->diags);
        for (size_t i = 0; i < rs->n_notes; i++) {
                free(rs->notes[i].file);
                free(rs->notes[i].message);
        }
        free(rs->notes);
        free(rs->compat_detail);
        ak_allow_free_all(rs);
        strv_free_n(rs->sources, rs->n_sources);
        strv_free_n(rs->files, rs->n_files);
        if (rs->priv) {
                if (!rs->priv->sealed)
                        sim_done(&rs->priv->sim);
                ak_arena_done(&rs->priv->arena);
                free(rs->priv->tok_store);
                free(rs->priv->toks);
                for (size_t i = 0; i < rs->priv->n_alts; i++) {
                        compat_alt *a = &rs->priv->alts[i];
                        ak_rule_done(&a->here);
                        ak_rule_done(&a->other);
                        free(a->file);
                        free(a->why);
                }
                free(rs->priv->alts);
                strv_free_n(rs->priv->texts, rs->priv->texts ? rs->n_rules : 0);
                free(rs->priv->hashes);
                free(rs->priv);
        }
        free(rs);
        return NULL;
}

const char *ak_ruleset_rule_text(ak_ruleset *rs, size_t i) {
        assert(rs);
        if (i >= rs->n_rules || !rs->priv)
                return NULL;
        if (!rs->priv->texts) {
                rs->priv->texts = calloc(rs->n_rules + 1, sizeof(char *));
                if (!rs->priv->texts)
                        return NULL;
        }
        if (!rs->priv->texts[i])
                rs->priv->texts[i] = ak_rule_format_flags(&rs->rules[i], AK_FORMAT_NO_STAT);
        return rs->priv->texts[i];
}

const uint64_t *ak_ruleset_hashes(const ak_ruleset *rs) {
        /* none for a list somebody replaced since (rules and n_rules are public fields) */
        if (!rs->priv || rs->priv->hashed != rs->rules || rs->priv->n_hashed != rs->n_rules)
                return NULL;
        return rs->priv->hashes;
}

/* Rebuild rs->rules (listing order) from the simulated kernel: the same rules, whose data stays
 * in the arena, and their hashes. */
static int ruleset_flatten(ak_ruleset *rs) {
        sim *sm = &rs->priv->sim;
        size_t total = 0, k = 0;
        ak_rule *v;
        uint64_t *h;

        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++)
                total += sm->n[l];
        v = malloc((total ? total : 1) * sizeof(ak_rule));
        h = malloc((total ? total : 1) * sizeof(uint64_t));
        if (!v || !h) {
                free(v);
                free(h);
                return -ENOMEM;
        }
        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++) {
                if (sm->n[l]) {
                        memcpy(v + k, sm->lists[l], sm->n[l] * sizeof(ak_rule));
                        memcpy(h + k, sm->hashes[l], sm->n[l] * sizeof(uint64_t));
                }
                k += sm->n[l];
        }
        strv_free_n(rs->priv->texts, rs->priv->texts ? rs->n_rules : 0);  /* made for the old list */
        rs->priv->texts = NULL;
        free(rs->rules);
        free(rs->priv->hashes);
        rs->rules = v;
        rs->priv->hashes = h;
        rs->n_rules = total;
        rs->priv->hashed = v;
        rs->priv->n_hashed = total;
        return 0;
}

/* "# auditkeep: compat=N" (a comment to auditctl): the level of the whole ruleset, unless the
 * command line gave one. Read before any line of its source runs; a source whose lines already
 * ran at another level cannot be changed. v is "compat=..." at column col. */
static int directive_compat(ak_ruleset *rs, const srcline *l, unsigned col, const char *v) {
        _cleanup_free_ char *where = NULL, *file = NULL;
        int level;

        level = ak_compat_parse(v + 7);
        if (level < 0)
                return ak_diag_add(rs, l->file, l->line, col, 0,
                                   cescape_message(strdup_printf("compat level '%s' must be 3, 4 or 4.1", v + 7)));
        file = cescape(l->file);        /* shown in the compat line: a name from the file system, escaped */
        where = file ? strdup_printf("%s:%u", file, l->line) : NULL;
        if (!where)
                return -ENOMEM;
        if (rs->compat_origin == AK_COMPAT_ORIGIN_COMMAND_LINE) {
                if (level != rs->compat)
                        (void) ak_diag_add(rs, l->file, l->line, col, 1,
                                           strdup_printf("compat=%s ignored: the command line says --compat=%s", ak_compat_name(level), ak_compat_name(rs->compat)));
                return 0;
        }
        if (rs->compat_origin == AK_COMPAT_ORIGIN_RULES) {
                if (level != rs->compat)
                        (void) ak_diag_add(rs, l->file, l->line, col, 0,
                                           cescape_message(strdup_printf("compat=%s contradicts compat=%s of %s; the first is kept",
                                                                   ak_compat_name(level), ak_compat_name(rs->compat), rs->compat_detail)));
                return 0;
        }
        if (rs->priv->lines_run && level != rs->compat)
                return ak_diag_add(rs, l->file, l->line, col, 0,
                                   strdup_printf("compat=%s comes after rules already compiled at level %s: "
                                                 "put it in the first source", ak_compat_name(level), ak_compat_name(rs->compat)));
        rs->compat = level;
        rs->compat_origin = AK_COMPAT_ORIGIN_RULES;
        free(rs->compat_detail);
        rs->compat_detail = TAKE_PTR(where);
        return 0;
}

/* "# auditkeep: WORD ..." lines (comments to auditctl): compat=N (directive_compat()) and
 * allow-foreign key=NAME ... (allow.c). */
static int directives(ak_ruleset *rs, lineset *ls) {
        static const char prefix[] = "auditkeep:";

        for (size_t i = 0; i < ls->n; i++) {
                const srcline *l = &ls->v[i];
                size_t k = 0, start, w, wend;
                _cleanup_free_ char *v = NULL;
                int r;

                while (k < l->len && (l->text[k] == ' ' || l->text[k] == '\t'))
                        k++;
                if (k >= l->len || l->text[k] != '#')
                        continue;
                k++;
                while (k < l->len && (l->text[k] == ' ' || l->text[k] == '\t'))
                        k++;
                if (l->len - k < strlen(prefix) || strncmp(l->text + k, prefix, strlen(prefix)) != 0)
                        continue;
                start = k;
                w = k + strlen(prefix);
                while (w < l->len && (l->text[w] == ' ' || l->text[w] == '\t'))
                        w++;
                wend = w;
                while (wend < l->len && l->text[wend] != ' ' && l->text[wend] != '\t')
                        wend++;
                v = strndup(l->text + w, wend - w);
                if (!v)
                        return -ENOMEM;
                if (streq(v, "allow-foreign"))
                        r = ak_allow_directive(rs, l->file, l->line, (unsigned) wend + 1, l->text + wend, l->len - wend);
                else if (strncmp(v, "compat=", 7) == 0)
                        r = directive_compat(rs, l, (unsigned) start + 1, v);
                else
                        r = ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 1,
                                        cescape_message(strdup_printf("unknown auditkeep directive '%s' (known: compat=3, compat=4, "
                                                                   "compat=4.1, allow-foreign key=NAME)", v)));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int run_lines(ak_ruleset *rs, lineset *ls) {
        int r;

        if (rs->priv->sealed)
                return -EINVAL;
        r = directives(rs, ls);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ls->n; i++) {
                linectx c = { .rs = rs, .file = ls->v[i].file, .line = ls->v[i].line, .compat = rs->compat };
                r = parse_run_line(&c, &rs->priv->sim, ls->v[i].text, ls->v[i].len);
                if (r < 0)
                        return r;
        }
        return ruleset_flatten(rs);
}

int ak_ruleset_add_source(ak_ruleset *rs, const char *path) {
        lineset ls = {};
        char *p;
        int r;

        assert(rs);
        assert(path);
        if (GROW(rs->sources, rs->priv->sources_allocated, rs->n_sources + 1) < 0 || !(p = strdup(path)))
                return -ENOMEM;
        rs->sources[rs->n_sources++] = p;

        r = ak_read_source(rs, path, &ls);
        if (r > 0)
                r = run_lines(rs, &ls);
        lineset_done(&ls);
        return r;
}

void ak_ruleset_set_trust(ak_ruleset *rs, uid_t owner, int warn_only) {
        if (!rs)
                return;
        rs->priv->trust_uid = owner;
        rs->priv->trust_warn = !!warn_only;
}

void ak_ruleset_seal(ak_ruleset *rs) {
        if (!rs || rs->priv->sealed)
                return;
        sim_done(&rs->priv->sim);
        free(rs->priv->tok_store);
        free(rs->priv->toks);
        rs->priv->tok_store = NULL;
        rs->priv->toks = NULL;
        rs->priv->sealed = 1;
}

int ak_ruleset_add_text(ak_ruleset *rs, const char *name, const char *text, size_t len) {
        lineset ls = {};
        const char *file;
        char *copy;
        int r;

        assert(rs);
        assert(name);
        assert(text || len == 0);
        file = ak_ruleset_remember_file(rs, name);
        if (!file)
                return -ENOMEM;
        copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, text, len);
        copy[len] = '\0';
        r = lineset_add_text(&ls, file, copy, len);
        if (r >= 0)
                r = run_lines(rs, &ls);
        lineset_done(&ls);
        return r;
}

/* ------------------------------------------------------------------------------------------ */
/* compatibility levels */

void ak_ruleset_set_compat(ak_ruleset *rs, int level, ak_compat_origin origin, const char *detail) {
        if (!rs || (level != AK_COMPAT_3 && level != AK_COMPAT_4 && level != AK_COMPAT_41))
                return;
        rs->compat = level;
        rs->compat_origin = origin;
        free(rs->compat_detail);
        rs->compat_detail = detail ? strdup(detail) : NULL;
}

const char *ak_ruleset_compat_describe(const ak_ruleset *rs, char *buf, size_t size) {
        const char *d;

        assert(rs);
        assert(buf);
        d = rs->compat_detail && *rs->compat_detail ? rs->compat_detail : NULL;
        switch (rs->compat_origin) {
        case AK_COMPAT_ORIGIN_HOST:
                snprintf(buf, size, "%s (%s meaning), from the installed %s", ak_compat_name(rs->compat), ak_compat_reference(rs->compat),
                         d ? d : "auditctl");
                break;
        case AK_COMPAT_ORIGIN_RULES:
                snprintf(buf, size, "%s (%s meaning), from compat=%s in %s", ak_compat_name(rs->compat), ak_compat_reference(rs->compat),
                         ak_compat_name(rs->compat), d ? d : "the rules");
                break;
        case AK_COMPAT_ORIGIN_COMMAND_LINE:
                snprintf(buf, size, "%s (%s meaning), from --compat=%s", ak_compat_name(rs->compat), ak_compat_reference(rs->compat),
                         ak_compat_name(rs->compat));
                break;
        default:
                snprintf(buf, size, "%s (%s meaning), the most recent level%s%s%s", ak_compat_name(rs->compat),
                         ak_compat_reference(rs->compat), d ? " (" : "", d ? d : "", d ? ")" : "");
                break;
        }
        return buf;
}

char *ak_ruleset_compat_explain(const ak_ruleset *rs, const ak_rule *r) {
        for (size_t i = 0; rs && r && i < rs->priv->n_alts; i++) {
                const compat_alt *a = &rs->priv->alts[i];
                _cleanup_free_ char *file = NULL;

                if (!ak_rule_equal(&a->other, r))
                        continue;
                file = cescape(a->file ? a->file : "");
                if (!file)
                        return NULL;
                return strdup_printf("%s:%u as %s encodes it (compat level %s), not as compat level %s (%s) does: %s",
                                     file, a->line, ak_compat_reference(a->level), ak_compat_name(a->level),
                                     ak_compat_name(rs->compat), ak_compat_reference(rs->compat), a->why);
        }
        return NULL;
}
