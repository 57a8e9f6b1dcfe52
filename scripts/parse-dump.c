/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* scripts/parse-dump: everything the rules parser says about its inputs, as text, for
 * scripts/parse-differential (which builds it against each build's libauditkeep.a and diffs the
 * outputs): per input, the compat level and where it came from, the status wanted, every rule of
 * the desired state in listing order with its file, line, column, bytes (hex) and text, every
 * diagnostic and note; then each line compiled alone by ak_rule_from_text_compat() (bytes, or the
 * message and column). Uses the public API only, so one source serves old and new builds.
 *
 * usage: parse-dump [--compat=3|4|4.1] [--text|--bus] FILE...
 *   default      each FILE is a source (ak_ruleset_add_source; untrusted files are read, with a warning)
 *   --text       each FILE's bytes are a rules file's text (ak_ruleset_add_text, named "input")
 *   --bus        each FILE is a fuzz/corpus/bus input: byte 0 even, byte 1 a name's length N, N bytes
 *                of name, then the text (odd inputs, kernel payloads, are skipped)
 * Without --compat the ruleset's own default applies (a compat= directive may change it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditkeep/ak-rules.h"

static void hex(const void *p, size_t n) {
        const unsigned char *s = p;

        for (size_t i = 0; i < n; i++)
                printf("%02x", s[i]);
}

static char *slurp(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        char *buf = NULL;
        size_t len = 0, cap = 0, k;

        if (!f)
                return NULL;
        do {
                if (len + 4096 > cap) {
                        char *nb = realloc(buf, cap = 2 * cap + 4096);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        buf = nb;
                }
                k = fread(buf + len, 1, cap - len - 1, f);
                len += k;
        } while (k > 0);
        fclose(f);
        buf[len] = '\0';
        *ret_len = len;
        return buf;
}

static void dump_diag(const char *what, const ak_diag *d) {
        printf("%s %s:%u:%u w=%d %s\n", what, d->file, d->line, d->column, d->warning, d->message);
}

/* Each line alone, as ak_rule_from_text_compat() compiles it. */
static void dump_lines(const char *text, size_t len, int level) {
        size_t i = 0;
        unsigned lineno = 0;

        while (i < len) {
                const char *nl = memchr(text + i, '\n', len - i);
                size_t end = nl ? (size_t) (nl - text) : len;
                char *line = strndup(text + i, end - i);
                ak_rule r = {};
                char *msg = NULL;
                unsigned col = 0;
                int k;

                lineno++;
                i = end + 1;
                if (!line)
                        exit(2);
                k = ak_rule_from_text_compat(line, level, &r, &msg, &col);
                if (k == 0) {
                        printf("line %u: ", lineno);
                        hex(r.data, r.size);
                        printf("\n");
                        ak_rule_done(&r);
                } else
                        printf("line %u: %d col %u %s\n", lineno, k, col, msg ? msg : "(none)");
                free(msg);
                free(line);
        }
}

int main(int argc, char **argv) {
        int level = 0, mode = 0;        /* mode 0 source, 1 text, 2 bus */
        int i = 1;

        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strncmp(argv[i], "--compat=", 9) == 0) {
                        level = ak_compat_parse(argv[i] + 9);
                        if (level < 0) {
                                fprintf(stderr, "bad level %s\n", argv[i] + 9);
                                return 2;
                        }
                } else if (strcmp(argv[i], "--text") == 0)
                        mode = 1;
                else if (strcmp(argv[i], "--bus") == 0)
                        mode = 2;
                else {
                        fprintf(stderr, "unknown option %s\n", argv[i]);
                        return 2;
                }
        }
        for (; i < argc; i++) {
                ak_ruleset *rs;
                char buf[256], *data = NULL;
                const char *name = "input", *text = NULL;
                char namebuf[257];
                size_t len = 0;
                int r;

                printf("== %s\n", argv[i]);
                if (ak_ruleset_new(&rs) < 0)
                        return 2;
                ak_ruleset_set_trust(rs, geteuid(), 1);
                if (level)
                        ak_ruleset_set_compat(rs, level, AK_COMPAT_ORIGIN_COMMAND_LINE, NULL);
                if (mode == 0)
                        r = ak_ruleset_add_source(rs, argv[i]);
                else {
                        data = slurp(argv[i], &len);
                        if (!data)
                                return 2;
                        text = data;
                        if (mode == 2) {
                                size_t n;

                                if (len < 2 || (data[0] & 1)) {
                                        printf("(kernel input, skipped)\n");
                                        free(data);
                                        ak_ruleset_free(rs);
                                        continue;
                                }
                                n = (unsigned char) data[1];
                                if (n > len - 2)
                                        n = len - 2;
                                memcpy(namebuf, data + 2, n);
                                namebuf[n] = '\0';
                                name = namebuf;
                                text = data + 2 + n;
                                len -= 2 + n;
                        }
                        r = ak_ruleset_add_text(rs, name, text, len);
                }
                printf("result %d\n", r);
                printf("compat %d: %s\n", rs->compat, ak_ruleset_compat_describe(rs, buf, sizeof(buf)));
                printf("status mask=%u enabled=%u failure=%u rate=%u backlog=%u bwt=%u lock=%d reset_lost=%d "
                       "loginuid_immutable=%d settings=%zu rule_lines=%zu errors=%zu\n",
                       rs->status.mask, rs->status.enabled, rs->status.failure, rs->status.rate_limit,
                       rs->status.backlog_limit, rs->status.backlog_wait_time, rs->lock, rs->reset_lost,
                       rs->loginuid_immutable, rs->n_status_settings, rs->n_rule_lines, rs->n_errors);
                for (size_t k = 0; k < rs->n_files; k++)
                        printf("file %s\n", rs->files[k]);
                for (size_t k = 0; k < rs->n_rules; k++) {
                        const ak_rule *x = &rs->rules[k];
                        char *t = ak_rule_format_flags(x, AK_FORMAT_NO_STAT);
                        char *why = ak_ruleset_compat_explain(rs, x);

                        printf("rule %zu %s:%u:%u size=%zu hash=%016llx ", k, x->file ? x->file : "(null)", x->line,
                               x->column, x->size, (unsigned long long) ak_rule_hash(x));
                        hex(x->data, x->size);
                        printf("\n  text %s\n", t ? t : "(null)");
                        if (why)
                                printf("  explain %s\n", why);
                        free(t);
                        free(why);
                }
                for (size_t k = 0; k < rs->n_diags; k++)
                        dump_diag("diag", &rs->diags[k]);
                for (size_t k = 0; k < rs->n_notes; k++)
                        dump_diag("note", &rs->notes[k]);
                for (size_t k = 0; k < rs->n_allow; k++) {
                        char *a = ak_allow_format(&rs->allow[k]);
                        printf("allow %s from %s\n", a ? a : "(null)", rs->allow[k].origin);
                        free(a);
                }
                ak_ruleset_free(rs);
                if (!data)
                        data = slurp(argv[i], &len), text = data;
                if (data)
                        dump_lines(text, len, level ? level : AK_COMPAT_LATEST);
                free(data);
        }
        return 0;
}
