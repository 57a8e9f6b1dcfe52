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
        for (size_t i = 0; i < rs->n_rules; i++)
                ak_rule_done(&rs->rules[i]);
        free(rs->rules);
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
        strv_free_n(rs->sources, rs->n_sources);
        strv_free_n(rs->files, rs->n_files);
        if (rs->priv) {
                if (!rs->priv->sealed)
                        sim_done(&rs->priv->sim);
                for (size_t i = 0; i < rs->priv->n_alts; i++) {
                        compat_alt *a = &rs->priv->alts[i];
                        ak_rule_done(&a->here);
                        ak_rule_done(&a->other);
                        free(a->file);
                        free(a->why);
                }
                free(rs->priv->alts);
                free(rs->priv);
        }
        free(rs);
        return NULL;
}

/* Rebuild rs->rules (listing order) from the simulated kernel. */
static int ruleset_flatten(ak_ruleset *rs) {
        sim *sm = &rs->priv->sim;
        size_t total = 0, k = 0;
        ak_rule *v;

        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++)
                total += sm->n[l];
        v = calloc(total ? total : 1, sizeof(ak_rule));
        if (!v)
                return -ENOMEM;
        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++)
                for (size_t i = 0; i < sm->n[l]; i++) {
                        if (ak_rule_copy(&v[k], &sm->lists[l][i]) < 0) {
                                while (k > 0)
                                        ak_rule_done(&v[--k]);
                                free(v);
                                return -ENOMEM;
                        }
                        k++;
                }
        for (size_t i = 0; i < rs->n_rules; i++)
                ak_rule_done(&rs->rules[i]);
        free(rs->rules);
        rs->rules = v;
        rs->n_rules = total;
        return 0;
}

/* "# auditkeep: compat=N" lines (a comment to auditctl): the level of the whole ruleset, unless
 * the command line gave one. They are read before any line of their source runs; a source whose
 * lines already ran at another level cannot be changed. */
static int compat_directives(ak_ruleset *rs, lineset *ls) {
        static const char prefix[] = "auditkeep:";

        for (size_t i = 0; i < ls->n; i++) {
                const srcline *l = &ls->v[i];
                size_t k = 0, start;
                _cleanup_free_ char *text = NULL, *where = NULL;
                char *v;
                int level;

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
                text = strndup(l->text + k + strlen(prefix), l->len - k - strlen(prefix));
                if (!text)
                        return -ENOMEM;
                v = text + strspn(text, " \t");
                v[strcspn(v, " \t")] = '\0';
                if (strncmp(v, "compat=", 7) != 0) {
                        (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 1,
                                           cescape_message(strdup_printf("unknown auditkeep directive '%s' (known: compat=3, compat=4, compat=4.1)", v)));
                        continue;
                }
                level = ak_compat_parse(v + 7);
                if (level < 0) {
                        (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 0,
                                           cescape_message(strdup_printf("compat level '%s' must be 3, 4 or 4.1", v + 7)));
                        continue;
                }
                where = strdup_printf("%s:%u", l->file, l->line);
                if (!where)
                        return -ENOMEM;
                if (rs->compat_origin == AK_COMPAT_ORIGIN_COMMAND_LINE) {
                        if (level != rs->compat)
                                (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 1,
                                                   strdup_printf("compat=%s ignored: the command line says --compat=%s", ak_compat_name(level), ak_compat_name(rs->compat)));
                        continue;
                }
                if (rs->compat_origin == AK_COMPAT_ORIGIN_RULES) {
                        if (level != rs->compat)
                                (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 0,
                                                   cescape_message(strdup_printf("compat=%s contradicts compat=%s of %s; the first is kept",
                                                                           ak_compat_name(level), ak_compat_name(rs->compat), rs->compat_detail)));
                        continue;
                }
                if (rs->priv->lines_run && level != rs->compat) {
                        (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 0,
                                           strdup_printf("compat=%s comes after rules already compiled at level %s: "
                                                         "put it in the first source", ak_compat_name(level), ak_compat_name(rs->compat)));
                        continue;
                }
                rs->compat = level;
                rs->compat_origin = AK_COMPAT_ORIGIN_RULES;
                free(rs->compat_detail);
                rs->compat_detail = TAKE_PTR(where);
        }
        return 0;
}

static int run_lines(ak_ruleset *rs, lineset *ls) {
        int r;

        if (rs->priv->sealed)
                return -EINVAL;
        r = compat_directives(rs, ls);
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

                if (ak_rule_equal(&a->other, r))
                        return strdup_printf("%s:%u as %s encodes it (compat level %s), not as compat level %s (%s) does: %s",
                                             a->file, a->line, ak_compat_reference(a->level), ak_compat_name(a->level), ak_compat_name(rs->compat),
                                             ak_compat_reference(rs->compat), a->why);
        }
        return NULL;
}
