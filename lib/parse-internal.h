/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared inside the rules language: the line parser (parse.c, with -F/-C in parse-field.c and
 * its diagnostics and rule builder in parse-diag.c), the ruleset (ruleset.c) and the reading of
 * sources in the order augenrules uses (sources.c). Private to lib/. */
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auditkeep/ak-rules.h"
#include "arena.h"
#include "macro.h"
#include "sim.h"

/* A desired rule whose encoding depends on the compatibility level, with the other level's. */
typedef struct compat_alt {
        ak_rule here;           /* at the ruleset's level */
        ak_rule other;          /* at `level` */
        int level;
        char *file;
        unsigned line;
        char *why;
} compat_alt;

/* What a ruleset keeps for the parser alone. */
struct ak_ruleset_private {
        size_t diags_allocated, sources_allocated, files_allocated, notes_allocated;
        compat_alt *alts;
        size_t n_alts, alts_allocated;
        int lines_run;          /* some line was compiled: the level can no longer change */
        int lock_warned;
        int sealed;             /* ak_ruleset_seal(): sim is gone, no more sources */
        uid_t trust_uid;        /* who rules files and their directories must belong to */
        int trust_warn;         /* untrusted files: a warning, and read anyway (a draft) */
        sim sim;                /* the simulated kernel the lines run against */
        ak_arena arena;         /* the data of every rule compiled (rs->rules and sim point into it) */
        char *tok_store;        /* the tokens of the line being parsed: room for the longest line */
        struct token *toks;
        char **texts;           /* ak_ruleset_rule_text(): per rule, made at the first call */
        uint64_t *hashes;       /* ak_rule_hash() of each of rs->rules (ruleset_flatten()) ... */
        const ak_rule *hashed;  /* ... as rs->rules was then, */
        size_t n_hashed;        /* ... and rs->n_rules */
};

/* Record a diagnostic (takes msg; NULL means out of memory). Returns 0 or -ENOMEM. */
int ak_diag_add(ak_ruleset *rs, const char *file, unsigned line, unsigned col, int warning, char *msg);

/* allow.c: an "allow-foreign" directive's words (len bytes of text at column col of FILE:LINE) into
 * rs->allow; a bad one is an error at its column. Returns 0 or -ENOMEM. */
int ak_allow_directive(ak_ruleset *rs, const char *file, unsigned line, unsigned col, const char *text, size_t len);
/* Free rs->allow. */
void ak_allow_free_all(ak_ruleset *rs);

/* The lines of one source, in the order they run. */
typedef struct srcline {
        const char *file;       /* points into rs->files */
        unsigned line;
        char *text;
        size_t len;
} srcline;

typedef struct lineset {
        srcline *v;
        size_t n, allocated;
        char **bufs;            /* file contents the lines point into */
        size_t n_bufs, bufs_allocated;
} lineset;

void lineset_done(lineset *ls);
/* Remember a file name in rs->files; the copy, or NULL on OOM. */
const char *ak_ruleset_remember_file(ak_ruleset *rs, const char *path);
/* Split text into lines, appending them to ls. Takes ownership of buf. */
int lineset_add_text(lineset *ls, const char *file, char *buf, size_t len);
/* A file, or a directory's *.rules in augenrules order (natural sort; the last -D, -b and -f
 * hoisted to the top, the last -e to the end). Problems with the files are diagnostics. */
int ak_read_source(ak_ruleset *rs, const char *path, lineset *ls);

/* ------------------------------------------------------------------------------------------ */
/* one line */

#define RULE_BUF_MAX (AUDIT_MAX_FIELDS * (PATH_MAX + 1))

enum { LIST_UNSET = -1 };
enum { CMD_NONE, CMD_ADD, CMD_PREPEND, CMD_DEL };

/* One token of a line, with the column of its first byte in the original line. */
typedef struct token {
        char *s;
        unsigned col;
} token;

/* The rule under construction, and auditctl's per-line state. The rule is built where it will
 * stay: at the top of the ruleset's arena, in room for the longest rule the line can make (its
 * strings come from the line's bytes), or for ak_rule_from_text() in a malloc'd buffer that grows.
 * A rule that outgrows its arena room moves to such a buffer (never seen: the room suffices). */
typedef struct builder {
        struct audit_rule_data *d;
        size_t buf_cap;         /* room for d->buf */
        ak_arena *arena;        /* d is reserved in this arena; NULL: d is malloc'd */
        int cmd;                /* CMD_ADD, CMD_PREPEND, CMD_DEL */
        int list;
        int action;
        unsigned rule_col;      /* column of -a/-A/-d/-w/-W */
        int syscall_added, perm_added, exe_added, fs_added, watch;
        int perm_expanded;      /* level 4 and 4.1: -F perm= added syscalls (so -F arch after it is misplaced) */
        int s_given;            /* some -S on the line */
        int perm_why;           /* c->why is perm_expand()'s, worded once the line is read */
        unsigned perm_n, perm_n41; /* what it adds at 4 and 4.1: how many syscalls, of which classes, for which arch */
        char perm_classes[80], perm_arch[32], perm_value[8];
        uint32_t elf;           /* arch the syscall names resolve against; 0 = not yet */
        char key[AUDIT_MAX_KEY_LEN + 1];
        unsigned key_col;
} builder;

/* Where the line being parsed came from, and where its problems go. */
typedef struct linectx {
        ak_ruleset *rs;
        const char *file;
        unsigned line;
        int failed;
        /* for ak_rule_from_text */
        char *first_message;
        unsigned first_column;
        int compat;             /* AK_COMPAT_3, _4 or _41 */
        int sensitive;          /* the line took a branch where the levels differ */
        char why[400];          /* what differs, for the notes and for diff (the first one) */
} linectx;

/* Parse one line and run it against the simulated kernel sm (parse.c). */
int parse_run_line(linectx *c, sim *sm, char *line, size_t len);

/* parse-diag.c: what is said about a line. */

/* Messages quote the user's words: they go through cescape_message() (common/util.h), the one
 * escaping rule, so a rules file cannot drive the terminal of whoever reads the errors and the
 * text is valid UTF-8 (D-Bus needs it). */
/* An error (the line fails) or a warning at a column of the line. */
_printf_(4, 5)
void line_report(linectx *c, unsigned col, int warning, const char *fmt, ...);
#define ERR(c, col, ...) line_report((c), (col), 0, __VA_ARGS__)
#define WARN(c, col, ...) line_report((c), (col), 1, __VA_ARGS__)
/* The line means something else (or is refused, or accepted) at the other level: say what. The
 * first reason is kept. */
_printf_(2, 3)
void line_sensitive(linectx *c, const char *fmt, ...);
/* ", did you mean 'x'?" or "", in buf. */
const char *suggest_word(const char *s, const char *const *words, size_t n, char *buf, size_t size);
/* A note for `check`: FILE:LINE:1 and the text (takes msg). */
void note_add(linectx *c, char *msg);

/* parse-diag.c: the rule builder. */
/* A rule in a malloc'd buffer (arena NULL), or reserved in the arena with room for buf_max bytes
 * of strings. */
int builder_init(builder *b, ak_arena *arena, size_t buf_max);
void builder_done(builder *b);
/* Append a string field's bytes to the rule's buffer: -E2BIG past RULE_BUF_MAX, -ENOMEM. */
int builder_append_string(builder *b, const char *s, size_t len);
/* -k KEY and -F key=KEY: joined with AUDIT_KEY_SEPARATOR, added last when the line is read. */
int builder_add_key(linectx *c, builder *b, const char *k, unsigned col);
/* The built rule, normalised, with the line's file and number: ret owns a malloc'd copy of the
 * file name and the data (a malloc'd builder's, which is emptied). */
int builder_take_rule(builder *b, linectx *c, ak_rule *ret);
/* The rule as it stands in the arena, normalised, without taking it: data and file (c->file, one
 * of the ruleset's file names) are borrowed. Keep it with builder_keep(), or let builder_done()
 * drop it. -ENOMEM when a rule that moved out of its room cannot come back into the arena. */
int builder_view(builder *b, linectx *c, ak_rule *ret);
/* The viewed rule stays in the arena (builder_done() then leaves it). */
void builder_keep(builder *b);
/* Every syscall bit of the mask. */
void rule_mask_all(struct audit_rule_data *d);

/* parse-field.c: -F and -C. */

/* A number as auditctl's strtol/strtoul(v, NULL, 0) reads it, but the whole string: -EINVAL,
 * -ERANGE. `neg_ok`: a leading '-' before a digit is allowed (stored two's complement). */
int parse_number(const char *s, int neg_ok, uint32_t *ret);
/* Permissions "rwxa" (any case, each at most once in effect) as AUDIT_PERM_* bits. */
int parse_perm(linectx *c, const char *s, unsigned col, uint32_t *ret);
/* -F name OP value */
int opt_field(linectx *c, builder *b, const token *opt, const token *arg);
/* -C field OP field */
int opt_compare(linectx *c, builder *b, const token *opt, const token *arg);
/* Word the line's compatibility note about -F perm= once it is known whether the line has -S. */
void perm_why_finish(linectx *c, const builder *b);
