/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared inside the rules language: the parser (parse.c) and the reading of sources in the order
 * augenrules uses (sources.c). Private to lib/. */
#pragma once

#include <stddef.h>

#include "auditkeep/ak-rules.h"
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
        sim sim;                /* the simulated kernel the lines run against */
};

/* Record a diagnostic (takes msg; NULL means out of memory). Returns 0 or -ENOMEM. */
int ak_diag_add(ak_ruleset *rs, const char *file, unsigned line, unsigned col, int warning, char *msg);

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
