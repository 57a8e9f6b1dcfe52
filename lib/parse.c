/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audit.rules language, line by line: split a line as `auditctl -R` does, read its options as
 * auditctl's getopt loop does (-F and -C in parse-field.c), compile each rule into the kernel's
 * binary form as auditctl 3.0.9, 4.0.2 or 4.1.2 does (the ruleset's compatibility level; where they
 * differ, see compat.h and line_sensitive()), and run the commands against a simulated, empty
 * kernel to obtain the desired state (the ruleset around it: ruleset.c). Every problem becomes a
 * FILE:LINE:COLUMN diagnostic. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auditkeep/ak-rules.h"
#include "compat.h"
#include "macro.h"
#include "rule-internal.h"
#include "parse-internal.h"
#include "sim.h"
#include "tables.h"
#include "util.h"

#define LINE_MAX_BYTES 6143             /* auditctl reads lines with fgets into 6144 bytes */

static const char *const list_words[] = { "exit", "task", "user", "exclude", "filesystem", "io_uring" };
static const char *const action_words[] = { "always", "never" };

static int lookup_list_exact(const char *s) {
        if (streq(s, "exit")) return AUDIT_FILTER_EXIT;
        if (streq(s, "task")) return AUDIT_FILTER_TASK;
        if (streq(s, "user")) return AUDIT_FILTER_USER;
        if (streq(s, "exclude")) return AUDIT_FILTER_EXCLUDE;
        if (streq(s, "filesystem")) return AUDIT_FILTER_FS;
        if (streq(s, "io_uring")) return AUDIT_FILTER_URING_EXIT;
        return LIST_UNSET;
}

/* auditctl 3.0.9 compares list names with strcmp; 4.0.2 looks them up in libaudit's flag table,
 * which ignores case ("always,EXIT"). Action names stay lower case in both. */
static int lookup_list(linectx *c, const char *s) {
        int l = lookup_list_exact(s);
        char lower[16];
        size_t n = strlen(s);

        if (l != LIST_UNSET || n >= sizeof(lower))
                return l;
        for (size_t i = 0; i <= n; i++)
                lower[i] = (char) tolower((unsigned char) s[i]);
        if (memcmp(lower, s, n) == 0)
                return LIST_UNSET;      /* no upper case: the same word again */
        l = lookup_list_exact(lower);
        if (l == LIST_UNSET)
                return l;
        line_sensitive(c, "list name '%s': auditctl 4.0.2 reads list names in any case, auditctl 3.0.9 only as '%s'",
                  s, lower);
        return c->compat >= AK_COMPAT_4 ? l : LIST_UNSET;
}

static int lookup_action(const char *s) {
        if (streq(s, "always")) return AUDIT_ALWAYS;
        if (streq(s, "never")) return AUDIT_NEVER;
        return -1;
}

/* -a/-A/-d LIST,ACTION or ACTION,LIST */
static int opt_rule(linectx *c, builder *b, int cmd, const token *opt, const token *arg) {
        char sbuf[64];
        char *comma;
        const char *first, *second;
        int l1, a1, l2, a2;

        if (b->cmd != CMD_NONE) {
                ERR(c, opt->col, "only one -a, -A, -d, -w or -W is allowed per line");
                return -1;
        }
        if (cmd != CMD_DEL && strstr(arg->s, "task") && b->syscall_added) {
                ERR(c, arg->col, "syscall auditing (-S) cannot be put on the task list");
                return -1;
        }
        comma = strchr(arg->s, ',');
        if (!comma || strchr(comma + 1, ',')) {
                ERR(c, arg->col, "'%s' must be ACTION,LIST (or LIST,ACTION), for example 'always,exit'", arg->s);
                return -1;
        }
        /* split in place: the token is the parser's own copy, and is not read again as a whole */
        *comma = '\0';
        first = arg->s;
        second = comma + 1;

        l1 = lookup_list(c, first), a1 = lookup_action(first);
        l2 = lookup_list(c, second), a2 = lookup_action(second);
        if (streq(first, "possible") || streq(second, "possible")) {
                ERR(c, arg->col, "the 'possible' action is deprecated; use 'always' or 'never'");
                return -1;
        }
        if (a1 >= 0 && l2 != LIST_UNSET) {
                b->action = a1;
                b->list = l2;
        } else if (l1 != LIST_UNSET && a2 >= 0) {
                b->list = l1;
                b->action = a2;
        } else {
                /* Name the part that is wrong. */
                unsigned col = arg->col;
                const char *bad, *what;
                const char *const *words;
                size_t n;

                if (a1 >= 0 || l1 != LIST_UNSET) {
                        bad = second;
                        col += (unsigned) (second - arg->s);
                        what = a1 >= 0 ? "list" : "action";
                } else {
                        bad = first;
                        what = (l2 != LIST_UNSET) ? "action" : (a2 >= 0 ? "list" : "list or action");
                }
                if (streq(what, "action")) {
                        words = action_words;
                        n = ELEMENTSOF(action_words);
                } else {
                        words = list_words;
                        n = ELEMENTSOF(list_words);
                }
                suggest_word(bad, words, n, sbuf, sizeof(sbuf));
                if (!sbuf[0] && streq(what, "list or action")) {
                        const char *w = ak_closest_word(bad, action_words, ELEMENTSOF(action_words));
                        if (w)
                                snprintf(sbuf, sizeof(sbuf), ", did you mean '%s'?", w);
                }
                ERR(c, col, "unknown %s '%s'%s", what, bad, sbuf);
                return -1;
        }
        b->cmd = cmd;
        b->rule_col = opt->col;
        if (b->list == AUDIT_FILTER_EXCLUDE && b->syscall_added) {
                ERR(c, arg->col, "syscall auditing (-S) cannot be put on the exclude list");
                return -1;
        }
        return 0;
}

static int check_path(linectx *c, const token *t, const char *path) {
        size_t len = strlen(path);
        const char *base;

        if (len >= PATH_MAX) {
                ERR(c, t->col, "watch path is longer than %d bytes", PATH_MAX - 1);
                return -1;
        }
        if (path[0] != '/') {
                ERR(c, t->col, "watch path '%s' must be absolute (start with '/')", path);
                return -1;
        }
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (strlen(base) > NAME_MAX) {
                ERR(c, t->col, "the last component of '%s' is longer than %d bytes", path, NAME_MAX);
                return -1;
        }
        if (strstr(path, ".."))
                WARN(c, t->col, "relative path notation ('..') in '%s' is not resolved by the kernel", path);
        if (strpbrk(path, "*?["))
                WARN(c, t->col, "wildcards in '%s' are not supported; the path is taken literally", path);
        return 0;
}

/* -w/-W PATH */
static int opt_watch(linectx *c, builder *b, int cmd, const token *opt, const token *arg) {
        char *path = arg->s;    /* trimmed in place: the token is the parser's own copy */
        struct stat st;
        size_t len;
        int type = AUDIT_WATCH;

        if (cmd == CMD_ADD && b->cmd != CMD_NONE) {
                ERR(c, opt->col, "-w cannot be combined with -a, -A or -d on one line");
                return -1;
        }
        if (b->d->field_count > 0) {
                ERR(c, opt->col, "-%c must come before any -F or -C on the line", cmd == CMD_DEL ? 'W' : 'w');
                return -1;
        }
        if (check_path(c, arg, path) < 0)
                return -1;
        len = strlen(path);
        if (len > 2)
                while (len > 1 && path[len - 1] == '/')
                        path[--len] = '\0';
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                type = AUDIT_DIR;

        b->cmd = cmd;
        b->rule_col = opt->col;
        b->list = AUDIT_FILTER_EXIT;
        b->action = AUDIT_ALWAYS;
        b->syscall_added = 1;
        b->perm_added = 1;
        b->watch = 1;
        rule_mask_all(b->d);
        b->d->buflen = 0;
        if (builder_append_string(b, path, len) < 0)
                return -1;
        b->d->fields[0] = type;
        b->d->fieldflags[0] = AUDIT_EQUAL;
        b->d->values[0] = (uint32_t) len;
        b->d->fields[1] = AUDIT_PERM;
        b->d->fieldflags[1] = AUDIT_EQUAL;
        b->d->values[1] = AUDIT_PERM_READ | AUDIT_PERM_WRITE | AUDIT_PERM_EXEC | AUDIT_PERM_ATTR;
        b->d->field_count = 2;
        return 0;
}

/* -p PERMS: sets (or adds) the perm field */
static int opt_perm(linectx *c, builder *b, const token *opt, const token *arg) {
        struct audit_rule_data *d = b->d;
        uint32_t v;
        int done = 0;

        if (b->cmd == CMD_NONE) {
                ERR(c, opt->col, "-p needs a watch (-w) or a rule (-a) before it");
                return -1;
        }
        if (b->list != AUDIT_FILTER_EXIT) {
                ERR(c, opt->col, "-p (permissions) can only be used on the exit list");
                return -1;
        }
        if (parse_perm(c, arg->s, arg->col, &v) < 0)
                return -1;
        if (d->field_count < 1) {
                ERR(c, opt->col, "-p needs a field (-w path or -F path=) before it");
                return -1;
        }
        for (uint32_t i = 0; i < d->field_count; i++)
                if (d->fields[i] == AUDIT_PERM) {
                        d->values[i] = v;
                        done = 1;
                }
        if (!done) {
                if (d->field_count >= AUDIT_MAX_FIELDS - 1) {
                        ERR(c, opt->col, "too many fields: a rule holds at most %d besides its key", AUDIT_MAX_FIELDS - 1);
                        return -1;
                }
                d->fields[d->field_count] = AUDIT_PERM;
                d->fieldflags[d->field_count] = AUDIT_EQUAL;
                d->values[d->field_count] = v;
                d->field_count++;
        }
        b->perm_added = 1;
        return 0;
}

/* -S name[,name...] */
static int opt_syscall(linectx *c, builder *b, const token *opt, const token *arg) {
        struct audit_rule_data *d = b->d;
        const char *s = arg->s;
        char abuf[32], sbuf[96];

        switch (b->list) {
        case AUDIT_FILTER_TASK:
        case AUDIT_FILTER_USER:
        case AUDIT_FILTER_FS:
        case AUDIT_FILTER_EXCLUDE:
                ERR(c, opt->col, "syscall auditing (-S) cannot be put on the %s list", ak_list_name((uint32_t) b->list));
                return -1;
        default:
                break;
        }
        if (!b->elf)
                b->elf = ak_arch_native();

        while (*s) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t) (comma - s) : strlen(s);
                unsigned col = arg->col + (unsigned) (s - arg->s);
                char name[128];
                int nr;

                if (len == 0 || len >= sizeof(name)) {
                        ERR(c, col, len ? "syscall name is too long" : "empty syscall name in '%s'", arg->s);
                        return -1;
                }
                memcpy(name, s, len);
                name[len] = '\0';
                if (streq(name, "all") && b->list == AUDIT_FILTER_URING_EXIT) {
                        /* auditctl 4.0.2: the named operations below its IORING_OP_LAST */
                        for (int op = 0; op < AK_URING_ALL_LIMIT; op++)
                                if (ak_uringop_to_name(op))
                                        d->mask[AUDIT_WORD(op)] |= AUDIT_BIT(op);
                } else if (streq(name, "all"))
                        rule_mask_all(d);
                else {
                        if (b->list == AUDIT_FILTER_URING_EXIT)
                                nr = ak_uringop_from_name(name);
                        else {
                                int since;

                                nr = ak_syscall_from_name(b->elf, name);
                                if (nr < 0 && (since = ak_compat_syscall_level(b->elf, name, &nr)) > 0) {
                                        line_sensitive(c, "syscall '%s': %s knows the name, %s does not (it refuses the line)", name,
                                                       since == AK_COMPAT_4 ? "auditctl 4.0.2" : "auditctl 4.1.2",
                                                       since == AK_COMPAT_4 ? "auditctl 3.0.9" : "auditctl 4.0.2 (and 3.0.9)");
                                        if (c->compat < since)
                                                nr = -1;
                                }
                        }
                        if (nr < 0) {
                                uint32_t u;
                                if (parse_number(name, 0, &u) == 0)
                                        nr = u > INT32_MAX ? -1 : (int) u;
                        }
                        if (nr < 0) {
                                int uring = b->list == AUDIT_FILTER_URING_EXIT;
                                const char *w = ak_syscall_closest(b->elf, name, uring);

                                if (w)
                                        snprintf(sbuf, sizeof(sbuf), ", did you mean '%s'?", w);
                                else
                                        sbuf[0] = '\0';
                                ERR(c, col, "unknown %s '%s' for arch %s%s", uring ? "io_uring operation" : "syscall",
                                    name, ak_arch_to_name(b->elf, abuf, sizeof(abuf)), sbuf);
                                return -1;
                        }
                        /* the top 16 bits of the mask are the kernel's syscall classes */
                        if (nr >= AUDIT_BITMASK_SIZE * 32 - 16) {
                                ERR(c, col, "syscall number %d is out of range (at most %d)", nr, AUDIT_BITMASK_SIZE * 32 - 17);
                                return -1;
                        }
                        d->mask[AUDIT_WORD(nr)] |= AUDIT_BIT(nr);
                }
                if (!comma)
                        break;
                s = comma + 1;
                if (!*s) {
                        ERR(c, arg->col + (unsigned) (s - arg->s), "trailing ',' in '%s'", arg->s);
                        return -1;
                }
        }
        b->syscall_added = 1;
        b->s_given = 1;
        return 0;
}
/* ------------------------------------------------------------------------------------------ */
/* lines */

/* Split as auditctl does: on single spaces, with "\ " and "\\" escapes. Tokens are NUL-terminated
 * copies in `store`. */
static size_t tokenize(const char *line, size_t len, char *store, token *toks, size_t max) {
        size_t n = 0, i = 0;
        char *w = store;

        if (!memchr(line, '\\', len)) {
                /* no escapes (nearly every line): the line itself, cut at its spaces */
                memcpy(store, line, len);
                store[len] = '\0';
                while (i < len && n < max) {
                        const char *sp;

                        while (i < len && line[i] == ' ')
                                i++;
                        if (i >= len)
                                break;
                        toks[n].s = store + i;
                        toks[n].col = (unsigned) i + 1;
                        n++;
                        sp = memchr(line + i, ' ', len - i);
                        if (!sp)
                                break;
                        i = (size_t) (sp - line);
                        store[i] = '\0';
                }
                return n;
        }
        while (i < len && n < max) {
                while (i < len && line[i] == ' ')
                        i++;
                if (i >= len)
                        break;
                toks[n].s = w;
                toks[n].col = (unsigned) i + 1;
                while (i < len && line[i] != ' ') {
                        if (line[i] == '\\' && i + 1 < len && (line[i + 1] == ' ' || line[i + 1] == '\\')) {
                                *w++ = line[i + 1];
                                i += 2;
                        } else
                                *w++ = line[i++];
                }
                *w++ = '\0';
                n++;
        }
        return n;
}

/* The same into storage of its own (*ret_store, *ret_toks: the caller frees them). */
static int tokenize_alloc(const char *line, size_t len, char **ret_store, token **ret_toks, size_t *ret_n) {
        size_t max = len / 2 + 2;

        *ret_store = malloc(len + max + 1);
        *ret_toks = calloc(max, sizeof(token));
        if (!*ret_store || !*ret_toks)
                return -ENOMEM;
        *ret_n = tokenize(line, len, *ret_store, *ret_toks, max);
        return 0;
}

typedef struct longopt {
        const char *name;
        int has_arg;
        int id;
} longopt;

enum { LO_LOGINUID_IMMUTABLE = 1, LO_BWT, LO_RESET_LOST, LO_RESET_BWT_ACTUAL, LO_SIGNAL };

static const longopt longopts[] = {
        { "loginuid-immutable", 0, LO_LOGINUID_IMMUTABLE },
        { "backlog_wait_time", 1, LO_BWT },
        { "reset-lost", 0, LO_RESET_LOST },
        { "reset_backlog_wait_time_actual", 0, LO_RESET_BWT_ACTUAL },
        { "signal", 1, LO_SIGNAL },
};

static const longopt *find_longopt(linectx *c, const token *t, const char *name, size_t len) {
        const longopt *found = NULL;
        int ambiguous = 0;
        char sbuf[80];
        _cleanup_free_ char *n = strndup(name, len);

        if (!n)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(longopts); i++) {
                if (strlen(longopts[i].name) == len && strncmp(longopts[i].name, name, len) == 0)
                        return &longopts[i];
                if (strncmp(longopts[i].name, name, len) == 0) {
                        if (found)
                                ambiguous = 1;
                        found = &longopts[i];
                }
        }
        if (found && !ambiguous)
                return found;
        {
                static const char *const words[] = { "loginuid-immutable", "backlog_wait_time", "reset-lost",
                                                     "reset_backlog_wait_time_actual" };
                const char *w = ak_closest_word(n, words, ELEMENTSOF(words));
                if (w)
                        snprintf(sbuf, sizeof(sbuf), ", did you mean '--%s'?", w);
                else
                        sbuf[0] = '\0';
                ERR(c, t->col, "%s option '--%s'%s", ambiguous ? "ambiguous" : "unknown", n, sbuf);
        }
        return NULL;
}

static void status_set(ak_ruleset *rs, uint32_t bit, uint32_t v) {
        ak_status_want_set(&rs->status, bit, v);
        rs->n_status_settings++;
}

static int opt_status_number(linectx *c, const token *opt, const token *arg, const char *what, uint32_t bit,
                             uint32_t max) {
        uint32_t v;
        int r;

        r = safe_atou32_base0(arg->s, &v);
        if (r == -ERANGE || (r == 0 && v > max)) {
                ERR(c, arg->col, "%s '%s' is out of range (at most %u)", what, arg->s, max);
                return -1;
        }
        if (r < 0) {
                ERR(c, arg->col, "%s must be a number, not '%s'", what, arg->s);
                return -1;
        }
        if (c->rs)
                status_set(c->rs, bit, v);
        return 0;
}

/* What one line asks for. */
typedef struct command {
        int rule;               /* a rule was built (b.cmd != NONE) */
        int delete_all;
        const char *delete_key; /* -D -k KEY */
} command;

static const char with_arg[] = "CefrbaAdSFmRwWkpq";
static const char no_arg[] = "hicslDvt";

/* The same as a table, for the getopt loop: OPT_WITH_ARG, OPT_NO_ARG, or 0 for no option. */
enum { OPT_WITH_ARG = 1, OPT_NO_ARG = 2 };
static const uint8_t option_kind[256] = {
        ['C'] = OPT_WITH_ARG, ['e'] = OPT_WITH_ARG, ['f'] = OPT_WITH_ARG, ['r'] = OPT_WITH_ARG,
        ['b'] = OPT_WITH_ARG, ['a'] = OPT_WITH_ARG, ['A'] = OPT_WITH_ARG, ['d'] = OPT_WITH_ARG,
        ['S'] = OPT_WITH_ARG, ['F'] = OPT_WITH_ARG, ['m'] = OPT_WITH_ARG, ['R'] = OPT_WITH_ARG,
        ['w'] = OPT_WITH_ARG, ['W'] = OPT_WITH_ARG, ['k'] = OPT_WITH_ARG, ['p'] = OPT_WITH_ARG,
        ['q'] = OPT_WITH_ARG,
        ['h'] = OPT_NO_ARG, ['i'] = OPT_NO_ARG, ['c'] = OPT_NO_ARG, ['s'] = OPT_NO_ARG,
        ['l'] = OPT_NO_ARG, ['D'] = OPT_NO_ARG, ['v'] = OPT_NO_ARG, ['t'] = OPT_NO_ARG,
};

/* auditctl splits on spaces only: a tab would end up inside a word */
static int check_tabs(linectx *c, const token *t, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const char *tab = strchr(t[i].s, '\t');
                if (tab) {
                        ERR(c, t[i].col + (unsigned) (tab - t[i].s), "tab character in '%s': separate options with spaces", t[i].s);
                        return -1;
                }
        }
        return 0;
}

/* -D and -D -k KEY are whole-line forms. */
static int parse_delete_all(linectx *c, token *t, size_t n, command *cmd) {
        if (n == 1) {
                cmd->delete_all = 1;
                return 0;
        }
        if (n == 3 && streq(t[1].s, "-k")) {
                cmd->delete_all = 1;
                cmd->delete_key = t[2].s;
                return 0;
        }
        ERR(c, t[n > 1 ? 1 : 0].col, "-D takes no other option than -k KEY");
        return -1;
}

static int long_option_run(linectx *c, const longopt *lo, const token *opt, const token *arg) {
        switch (lo->id) {
        case LO_LOGINUID_IMMUTABLE:
                if (c->rs)
                        c->rs->loginuid_immutable = 1, c->rs->n_status_settings++;
                break;
        case LO_BWT:
                /* The kernel's limit is 10 minutes in jiffies: 600000 at HZ=1000. */
                return opt_status_number(c, opt, arg, "backlog_wait_time", AUDIT_STATUS_BACKLOG_WAIT_TIME, 600000);
        case LO_RESET_LOST:
                if (c->rs)
                        c->rs->reset_lost = 1, c->rs->n_status_settings++;
                break;
        case LO_RESET_BWT_ACTUAL:
                WARN(c, opt->col, "'--%s' is a one-off action; auditkeep ignores it", lo->name);
                break;
        case LO_SIGNAL:
                ERR(c, opt->col, "'--signal' is not a configuration command");
                return -1;
        }
        return 0;
}

/* --name[=value] at t[*i]; its argument may be the next token (*i moves past it). */
static int parse_long_option(linectx *c, token *t, size_t n, size_t *i) {
        const token *opt = &t[*i];
        const char *s = opt->s, *eq = strchr(s + 2, '=');
        size_t len = eq ? (size_t) (eq - s - 2) : strlen(s + 2);
        const longopt *lo = find_longopt(c, opt, s + 2, len);
        token arg = {};

        if (!lo)
                return -1;
        if (lo->has_arg) {
                if (eq)
                        arg = (token) { .s = (char *) eq + 1, .col = opt->col + (unsigned) (eq + 1 - s) };
                else if (*i + 1 < n)
                        arg = t[++*i];
                else {
                        ERR(c, opt->col, "option '--%s' needs an argument", lo->name);
                        return -1;
                }
        } else if (eq) {
                ERR(c, opt->col, "option '--%s' takes no argument", lo->name);
                return -1;
        }
        return long_option_run(c, lo, opt, &arg);
}

/* A word where an option should be. */
static int bad_argument(linectx *c, const builder *b, const token *opt, size_t i) {
        const char *s = opt->s;

        if (s[0] == '#')
                ERR(c, opt->col, "comments must be on a line of their own ('%s')", s);
        else if (b->cmd == CMD_NONE || i == 0)
                ERR(c, opt->col, "unexpected argument '%s': an option (like -a, -w, -b) must come first", s);
        else
                ERR(c, opt->col, "unexpected argument '%s' (an option's value containing a space must escape it as '\\ ')", s);
        return -1;
}

/* -c -i -v do nothing here, -s -l only print, the rest are not configuration. */
static int no_arg_option(linectx *c, const token *opt, char o) {
        switch (o) {
        case 'c': case 'i': case 'v':
                return 0;
        case 's': case 'l':
                WARN(c, opt->col, "-%c only prints; it is ignored in a rules file", o);
                return 0;
        case 'D':
                ERR(c, opt->col, "-D must stand alone on its line (or as -D -k KEY)");
                return -1;
        default:
                ERR(c, opt->col, "-%c is not a configuration command", o);
                return -1;
        }
}

static int unknown_option(linectx *c, const token *opt, const char *p) {
        /* every one-letter option is one edit away: suggest only the other case */
        char o = *p, sbuf[80];
        char other = islower((unsigned char) o) ? (char) toupper((unsigned char) o) : (char) tolower((unsigned char) o);

        if (strchr(with_arg, other) || strchr(no_arg, other))
                snprintf(sbuf, sizeof(sbuf), ", did you mean '-%c'?", other);
        else
                sbuf[0] = '\0';
        ERR(c, opt->col + (unsigned) (p - opt->s) - 1, "unknown option '-%c'%s", o, sbuf);
        return -1;
}

/* -e and -f: 0, 1 or 2 */
static int opt_enabled_failure(linectx *c, char o, const token *arg) {
        uint32_t v;

        if (!streq(arg->s, "0") && !streq(arg->s, "1") && !streq(arg->s, "2")) {
                ERR(c, arg->col, "-%c takes 0, 1 or 2, not '%s'", o, arg->s);
                return -1;
        }
        if (!c->rs)
                return 0;
        v = (uint32_t) (arg->s[0] - '0');
        if (o == 'e') {
                c->rs->lock = v == 2;
                status_set(c->rs, AUDIT_STATUS_ENABLED, v == 2 ? 1 : v);
        } else
                status_set(c->rs, AUDIT_STATUS_FAILURE, v);
        return 0;
}

/* -k KEY */
static int opt_key(linectx *c, builder *b, const token *opt, const token *arg) {
        if (!(b->syscall_added || b->perm_added || b->exe_added || b->fs_added) || b->cmd == CMD_NONE) {
                ERR(c, opt->col, "a key (-k) needs a syscall (-S), a watch (-w, -F path=, -F dir=), -F perm=, -F exe= or -F fstype= before it");
                return -1;
        }
        return builder_add_key(c, b, arg->s, arg->col);
}

/* A short option that takes an argument. */
static int short_option(linectx *c, builder *b, char o, const token *opt, const token *arg) {
        switch (o) {
        case 'a':
                return opt_rule(c, b, CMD_ADD, opt, arg);
        case 'A':
                return opt_rule(c, b, CMD_PREPEND, opt, arg);
        case 'd':
                return opt_rule(c, b, CMD_DEL, opt, arg);
        case 'w':
        case 'W':
                if (b->cmd != CMD_NONE) {
                        ERR(c, opt->col, "-%c cannot be combined with -a, -A, -d or another watch", o);
                        return -1;
                }
                return opt_watch(c, b, o == 'w' ? CMD_ADD : CMD_DEL, opt, arg);
        case 'p':
                return opt_perm(c, b, opt, arg);
        case 'k':
                return opt_key(c, b, opt, arg);
        case 'S':
                return opt_syscall(c, b, opt, arg);
        case 'F':
                return opt_field(c, b, opt, arg);
        case 'C':
                return opt_compare(c, b, opt, arg);
        case 'e':
        case 'f':
                return opt_enabled_failure(c, o, arg);
        case 'b':
                return opt_status_number(c, opt, arg, "backlog limit (-b)", AUDIT_STATUS_BACKLOG_LIMIT, UINT32_MAX);
        case 'r':
                return opt_status_number(c, opt, arg, "rate limit (-r)", AUDIT_STATUS_RATE_LIMIT, UINT32_MAX);
        default: /* m R q */
                ERR(c, opt->col, "-%c is not a configuration command", o);
                return -1;
        }
}

/* A cluster of short options at t[*i]: "-i", "-c", "-kfoo", "-Sopen". An option with an argument
 * ends it; the argument may be the next token (*i moves past it). */
static int parse_short_options(linectx *c, builder *b, token *t, size_t n, size_t *i) {
        const token *opt = &t[*i];
        const char *s = opt->s;

        for (const char *p = s + 1; *p; p++) {
                token arg = {};
                char o = *p;

                if (option_kind[(unsigned char) o] == OPT_NO_ARG) {
                        if (no_arg_option(c, opt, o) < 0)
                                return -1;
                        continue;
                }
                if (option_kind[(unsigned char) o] != OPT_WITH_ARG)
                        return unknown_option(c, opt, p);
                if (p[1])
                        arg = (token) { .s = (char *) p + 1, .col = opt->col + (unsigned) (p + 1 - s) };
                else if (*i + 1 < n)
                        arg = t[++*i];
                else {
                        ERR(c, opt->col, "option '-%c' needs an argument", o);
                        return -1;
                }
                return short_option(c, b, o, opt, &arg);
        }
        return 0;
}

/* The line is read: the key goes last, as auditctl puts it, and the rule takes its list. */
static int finish_rule(linectx *c, builder *b, const token *t, command *cmd) {
        if (b->cmd == CMD_NONE) {
                if (b->syscall_added || b->d->field_count || b->key[0]) {
                        ERR(c, t[0].col, "no list given: add -a LIST,ACTION (for example -a always,exit)");
                        return -1;
                }
                return 0;
        }
        if (b->key[0]) {
                struct audit_rule_data *d = b->d;
                size_t len = strlen(b->key);

                if (!(b->syscall_added || b->perm_added || b->exe_added || b->fs_added)) {
                        ERR(c, b->key_col, "a key needs a syscall (-S), a watch (-w, -F path=, -F dir=), -F perm=, -F exe= or -F fstype= in the rule");
                        return -1;
                }
                if (d->field_count >= AUDIT_MAX_FIELDS - 1) {
                        ERR(c, b->key_col, "too many fields: a rule holds at most %d besides its key", AUDIT_MAX_FIELDS - 1);
                        return -1;
                }
                if (builder_append_string(b, b->key, len) < 0)
                        return -1;
                d = b->d;
                d->fields[d->field_count] = AUDIT_FILTERKEY;
                d->fieldflags[d->field_count] = AUDIT_EQUAL;
                d->values[d->field_count] = (uint32_t) len;
                d->field_count++;
        }
        /* Every list but task, io_uring included: auditctl 4.0.2 sets all 64 words there too. */
        if (b->list != AUDIT_FILTER_TASK && !b->syscall_added)
                rule_mask_all(b->d);
        b->d->flags = (uint32_t) b->list;
        b->d->action = (uint32_t) b->action;
        cmd->rule = 1;
        return 0;
}

/* Parse one line's tokens (auditctl's getopt loop). Status settings take effect here; a rule is
 * left in b for the caller. Returns 0, or -1 when the line has an error (already reported).
 * has_tab: the line holds a tab somewhere (only then are its tokens searched for one). */
static int parse_tokens(linectx *c, token *t, size_t n, builder *b, command *cmd, int has_tab) {
        if (has_tab && check_tabs(c, t, n) < 0)
                return -1;
        if (streq(t[0].s, "-D"))
                return parse_delete_all(c, t, n, cmd);

        for (size_t i = 0; i < n; i++) {
                const char *s = t[i].s;
                int r;

                if (s[0] == '-' && s[1] == '-' && s[2])
                        r = parse_long_option(c, t, n, &i);
                else if (s[0] != '-' || s[1] == '\0' || (s[1] == '-' && s[2] == '\0'))
                        r = bad_argument(c, b, &t[i], i);
                else
                        r = parse_short_options(c, b, t, n, &i);
                if (r < 0)
                        return -1;
        }
        return finish_rule(c, b, t, cmd);
}

static int rule_from_text_at(const char *text, int level, ak_rule *ret, char **ret_message, unsigned *ret_column,
                             int *ret_sensitive, char *why, size_t why_size);

/* The line took a branch where the levels differ: compile it at the other levels too. Where the
 * outcome differs, a note says how, and the other encoding is kept for diff (a kernel loaded by
 * that level's auditctl holds it). `here` is this level's rule, or NULL if refused here. */
static void compat_compare_one(linectx *c, const char *text, const ak_rule *here, int other) {
        _cleanup_free_ char *msg = NULL;
        ak_rule there = {};
        compat_alt *a;
        int r, s2 = 0;
        char why2[sizeof(c->why)];

        r = rule_from_text_at(text, other, &there, &msg, NULL, &s2, why2, sizeof(why2));
        if (r == -ENOMEM)
                return;
        if (r == 0 && here && ak_rule_equal(here, &there)) {
                ak_rule_done(&there);
                return;
        }
        if (!here && r < 0)
                return;         /* refused at both levels */
        if (r < 0)
                note_add(c, strdup_printf("at compat level %s (%s) this line is refused: %s", ak_compat_name(other),
                                          ak_compat_reference(other), c->why));
        else if (!here)
                note_add(c, strdup_printf("at compat level %s (%s) this line is accepted: %s", ak_compat_name(other),
                                          ak_compat_reference(other), c->why));
        else
                note_add(c, strdup_printf("means something else at compat level %s (%s): %s", ak_compat_name(other),
                                          ak_compat_reference(other), c->why));
        if (r < 0 || !here || GROW(c->rs->priv->alts, c->rs->priv->alts_allocated, c->rs->priv->n_alts + 1) < 0) {
                ak_rule_done(&there);
                return;
        }
        a = &c->rs->priv->alts[c->rs->priv->n_alts];
        *a = (compat_alt) { .line = c->line, .level = other };
        if (ak_rule_copy(&a->here, here) < 0) {
                ak_rule_done(&there);
                return;
        }
        a->other = there;
        a->file = strdup(c->file ? c->file : "");
        a->why = strdup(c->why);
        c->rs->priv->n_alts++;
}

static void compat_compare(linectx *c, const char *line, size_t len, const ak_rule *here) {
        static const int levels[] = { AK_COMPAT_3, AK_COMPAT_4, AK_COMPAT_41 };
        _cleanup_free_ char *text = strndup(line, len);

        if (!text)
                return;
        for (size_t i = 0; i < ELEMENTSOF(levels); i++)
                if (levels[i] != c->compat)
                        compat_compare_one(c, text, here, levels[i]);
}

/* The line's tokens go to the ruleset's scratch room, sized once for the longest line. */
static int tokenize_scratch(struct ak_ruleset_private *p, const char *line, size_t len, token **ret_toks, size_t *ret_n) {
        enum { MAX_TOKENS = LINE_MAX_BYTES / 2 + 2 };

        if (!p->tok_store || !p->toks) {
                /* both or neither: a call after an ENOMEM here must not find one of them NULL */
                if (!p->tok_store)
                        p->tok_store = malloc(LINE_MAX_BYTES + MAX_TOKENS + 1);
                if (!p->toks)
                        p->toks = calloc(MAX_TOKENS, sizeof(token));
                if (!p->tok_store || !p->toks)
                        return -ENOMEM;
        }
        *ret_toks = p->toks;
        *ret_n = tokenize(line, len, p->tok_store, p->toks, len / 2 + 2);
        return 0;
}

/* Parse one line and run it against the simulated kernel. The rule is built in place in the
 * ruleset's arena and stays there only when the simulated kernel keeps it. */
int parse_run_line(linectx *c, sim *sm, char *line, size_t len) {
        struct ak_ruleset_private *p = c->rs->priv;
        token *toks;
        size_t n, i = 0;
        builder b;
        command cmd = {};
        int r = 0;

        while (i < len && line[i] == ' ')
                i++;
        if (i == len)
                return 0;
        if (line[i] == '#')
                return 0;
        p->lines_run = 1;
        if (memchr(line, '\0', len)) {
                ERR(c, (unsigned) ((char *) memchr(line, '\0', len) - line) + 1, "NUL byte in line");
                return 0;
        }
        if (len > LINE_MAX_BYTES) {
                ERR(c, LINE_MAX_BYTES + 1, "line is longer than %d bytes", LINE_MAX_BYTES);
                return 0;
        }

        if (tokenize_scratch(p, line, len, &toks, &n) < 0)
                return -ENOMEM;
        if (n == 0)
                return 0;

        /* the strings of a rule are bytes of its line: len bytes of room is enough */
        if (builder_init(&b, &p->arena, len) < 0)
                return -ENOMEM;
        if (parse_tokens(c, toks, n, &b, &cmd, memchr(line, '\t', len) != NULL) < 0 || c->failed) {
                perm_why_finish(c, &b);
                if (c->sensitive)
                        compat_compare(c, line, len, NULL);
                goto out;
        }

        if (cmd.delete_all) {
                c->rs->n_rule_lines++;
                sim_delete_all(sm, cmd.delete_key);
        }
        if (cmd.rule) {
                const ak_rule *o;
                ak_rule rule;
                uint64_t hash;

                c->rs->n_rule_lines++;
                if (c->rs->lock && !p->lock_warned) {
                        WARN(c, b.rule_col, "rule after -e 2: auditkeep locks only after every rule is in force (auditctl -R would refuse this rule)");
                        p->lock_warned = 1;
                }
                perm_why_finish(c, &b);
                r = builder_view(&b, c, &rule);
                if (r < 0)
                        goto out;
                hash = ak_rule_hash(&rule);
                if (c->sensitive)
                        compat_compare(c, line, len, &rule);
                if (ak_rule_list(&rule) == AUDIT_FILTER_URING_EXIT && c->compat < AK_COMPAT_4)
                        note_add(c, strdup("auditctl 3.0.9 has no io_uring list and refuses this line; auditkeep compiles it "
                                           "as auditctl 4.0.2 does at every compat level"));
                o = sim_find(sm, &rule, hash);
                switch (b.cmd) {
                case CMD_ADD:
                        if (o) {
                                WARN(c, b.rule_col, "duplicate rule, already declared at %s:%u; the kernel keeps one copy",
                                     o->file ? o->file : "?", o->line);
                                break;
                        }
                        /* fallthrough */
                case CMD_PREPEND:
                        r = sim_add(sm, &rule, hash, b.cmd == CMD_PREPEND);
                        if (r < 0)
                                goto out;
                        builder_keep(&b);
                        break;
                case CMD_DEL:
                        if (!o)
                                ERR(c, b.rule_col, "no such rule to delete (no earlier line adds exactly this rule)");
                        else
                                sim_delete(sm, o);
                        break;
                }
        }
out:
        builder_done(&b);
        return r;
}

int ak_rule_from_text(const char *text, ak_rule *ret, char **ret_message, unsigned *ret_column) {
        assert(text);
        assert(ret);
        return rule_from_text_at(text, AK_COMPAT_LATEST, ret, ret_message, ret_column, NULL, NULL, 0);
}

int ak_rule_from_text_compat(const char *text, int level, ak_rule *ret, char **ret_message, unsigned *ret_column) {
        assert(text);
        assert(ret);
        if (level != AK_COMPAT_3 && level != AK_COMPAT_4 && level != AK_COMPAT_41)
                return -EINVAL;
        return rule_from_text_at(text, level, ret, ret_message, ret_column, NULL, NULL, 0);
}

static int rule_from_text_at(const char *text, int level, ak_rule *ret, char **ret_message, unsigned *ret_column,
                             int *ret_sensitive, char *why, size_t why_size) {
        _cleanup_free_ char *copy = strdup(text);
        _cleanup_free_ char *store = NULL;
        _cleanup_free_ token *toks = NULL;
        linectx c = { .line = 0, .compat = level };
        builder b;
        command cmd = {};
        size_t len, n;
        int r = -EINVAL;

        if (!copy)
                return -ENOMEM;
        len = strlen(copy);
        while (len > 0 && (copy[len - 1] == '\n' || copy[len - 1] == '\r'))
                copy[--len] = '\0';
        if (tokenize_alloc(copy, len, &store, &toks, &n) < 0)
                return -ENOMEM;
        if (builder_init(&b, NULL, 0) < 0)
                return -ENOMEM;
        if (n == 0)
                line_report(&c, 1, 0, "empty rule");
        else if (parse_tokens(&c, toks, n, &b, &cmd, memchr(copy, '\t', len) != NULL) == 0 && !c.failed) {
                if (!cmd.rule)
                        line_report(&c, 1, 0, "not a rule (-a, -A, -d, -w or -W)");
                else
                        r = builder_take_rule(&b, &c, ret);
        }
        builder_done(&b);
        if (r == -EINVAL) {
                if (ret_message)
                        *ret_message = TAKE_PTR(c.first_message);
                if (ret_column)
                        *ret_column = c.first_column;
        }
        if (ret_sensitive)
                *ret_sensitive = c.sensitive;
        if (why && why_size)
                snprintf(why, why_size, "%s", c.why);
        free(c.first_message);
        return r;
}

