/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the parser says about a line (errors, warnings, compatibility notes) and the rule it
 * builds from the line's options. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-rules.h"
#include "compat.h"
#include "macro.h"
#include "rule-internal.h"
#include "parse-internal.h"
#include "sim.h"
#include "tables.h"
#include "util.h"

/* ------------------------------------------------------------------------------------------ */
/* diagnostics */

int ak_diag_add(ak_ruleset *rs, const char *file, unsigned line, unsigned col, int warning,
                    char *message) {
        ak_diag *d;

        if (!message)
                return -ENOMEM;
        if (GROW(rs->diags, rs->priv->diags_allocated, rs->n_diags + 1) < 0) {
                free(message);
                return -ENOMEM;
        }
        d = &rs->diags[rs->n_diags];
        *d = (ak_diag) { .line = line, .column = col, .message = message, .warning = warning };
        d->file = strdup(file ? file : "");
        if (!d->file) {
                free(message);
                return -ENOMEM;
        }
        rs->n_diags++;
        if (!warning)
                rs->n_errors++;
        return 0;
}

_printf_(4, 5)
void line_report(linectx *c, unsigned col, int warning, const char *fmt, ...) {
        va_list ap;
        char *m;

        va_start(ap, fmt);
        m = strdup_vprintf(fmt, ap);
        va_end(ap);
        m = cescape_message(m);
        if (!warning)
                c->failed = 1;
        if (!c->rs) {
                if (!warning && !c->first_message) {
                        c->first_message = m;
                        c->first_column = col;
                } else
                        free(m);
                return;
        }
        (void) ak_diag_add(c->rs, c->file, c->line, col, warning, m);
}

/* The line means something else (or is refused, or accepted) at the other level: say what. The
 * first reason is kept. */
_printf_(2, 3)
void line_sensitive(linectx *c, const char *fmt, ...) {
        va_list ap;

        if (c->sensitive)
                return;
        c->sensitive = 1;
        va_start(ap, fmt);
        vsnprintf(c->why, sizeof(c->why), fmt, ap);
        va_end(ap);
}

/* ", did you mean 'x'?" or "" */
const char *suggest_word(const char *s, const char *const *words, size_t n, char *buf, size_t size) {
        const char *w = ak_closest_word(s, words, n);

        if (!w) {
                buf[0] = '\0';
                return buf;
        }
        snprintf(buf, size, ", did you mean '%s'?", w);
        return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* the rule builder */

int builder_init(builder *b, ak_arena *arena, size_t buf_max) {
        *b = (builder) { .list = LIST_UNSET, .action = -1 };
        if (arena) {
                b->d = ak_arena_reserve(arena, sizeof(struct audit_rule_data) + buf_max);
                if (!b->d)
                        return -ENOMEM;
                memset(b->d, 0, sizeof(struct audit_rule_data));
                b->arena = arena;
                b->buf_cap = buf_max;
                return 0;
        }
        b->d = calloc(1, sizeof(struct audit_rule_data));
        return b->d ? 0 : -ENOMEM;
}

void builder_done(builder *b) {
        if (!b->arena)
                free(b->d);     /* an arena's reservation is simply not committed */
        b->d = NULL;
        b->arena = NULL;
}

int builder_append_string(builder *b, const char *s, size_t len) {
        size_t need = b->d->buflen + len;

        if (need > RULE_BUF_MAX)
                return -E2BIG;
        if (need > b->buf_cap) {
                size_t cap = need * 2;
                struct audit_rule_data *n;

                if (b->arena) {
                        /* out of the arena's room: on to the heap, back at builder_view() */
                        n = malloc(sizeof(*n) + cap);
                        if (!n)
                                return -ENOMEM;
                        memcpy(n, b->d, sizeof(*n) + b->d->buflen);
                        b->arena = NULL;
                } else {
                        n = realloc(b->d, sizeof(*n) + cap);
                        if (!n)
                                return -ENOMEM;
                }
                b->d = n;
                b->buf_cap = cap;
        }
        memcpy(b->d->buf + b->d->buflen, s, len);
        b->d->buflen += len;
        return 0;
}

void rule_mask_all(struct audit_rule_data *d) {
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                d->mask[i] = ~0u;
}


int builder_add_key(linectx *c, builder *b, const char *k, unsigned col) {
        size_t have = strlen(b->key), add = strlen(k);

        if (!*k) {
                WARN(c, col, "empty key ignored (the rule gets no key)");
                return 0;
        }
        if (strchr(k, AUDIT_KEY_SEPARATOR)) {
                ERR(c, col, "key contains the byte 0x01, which separates keys");
                return -1;
        }
        if (have + !!have + add > AUDIT_MAX_KEY_LEN) {
                ERR(c, col, "key is too long: all keys of a rule together take at most %d bytes", AUDIT_MAX_KEY_LEN);
                return -1;
        }
        if (have)
                b->key[have++] = AUDIT_KEY_SEPARATOR;
        memcpy(b->key + have, k, add + 1);
        if (!b->key_col)
                b->key_col = col;
        return 0;
}

int builder_take_rule(builder *b, linectx *c, ak_rule *ret) {
        size_t size = sizeof(struct audit_rule_data) + b->d->buflen;
        int r;

        assert(!b->arena);
        r = ak_rule_take(ret, TAKE_PTR(b->d), size, c->file, c->line);
        if (r >= 0) {
                ak_rule_normalize(ret); /* the desired state is held in the kernel's stored form */
                ret->column = b->rule_col;
        }
        return r;
}

int builder_view(builder *b, linectx *c, ak_rule *ret) {
        size_t size = sizeof(struct audit_rule_data) + b->d->buflen;

        if (!b->arena) {
                /* it outgrew its room (see builder_append_string): back into the arena */
                struct audit_rule_data *d = ak_arena_reserve(&c->rs->priv->arena, size);

                if (!d)
                        return -ENOMEM;
                memcpy(d, b->d, size);
                free(b->d);
                b->d = d;
                b->arena = &c->rs->priv->arena;
        }
        *ret = (ak_rule) { .data = b->d, .size = size, .file = (char *) c->file, .line = c->line, .column = b->rule_col };
        ak_rule_normalize(ret); /* the desired state is held in the kernel's stored form */
        return 0;
}

void builder_keep(builder *b) {
        assert(b->arena);
        ak_arena_commit(b->arena, sizeof(struct audit_rule_data) + b->d->buflen);
        b->d = NULL;
        b->arena = NULL;
}

/* A note for `check`: FILE:LINE:1 and the text. */
void note_add(linectx *c, char *msg) {
        ak_ruleset *rs = c->rs;
        ak_diag *d;

        msg = cescape_message(msg);
        if (!msg || GROW(rs->notes, rs->priv->notes_allocated, rs->n_notes + 1) < 0) {
                free(msg);
                return;
        }
        d = &rs->notes[rs->n_notes];
        *d = (ak_diag) { .line = c->line, .column = 1, .message = msg, .warning = 1, .file = strdup(c->file ? c->file : "") };
        if (!d->file) {
                free(msg);
                return;
        }
        rs->n_notes++;
}
