/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audit.rules language: read lines as `auditctl -R` does, compile each rule into the
 * kernel's binary form as auditctl 3.0.9 or 4.0.2 does (the ruleset's compatibility level; where
 * they differ, see compat.h and sensitive()), and run the commands against a simulated, empty
 * kernel to obtain the desired state. Every problem becomes a FILE:LINE:COLUMN diagnostic. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditkeep/ak-rules.h"
#include "compat.h"
#include "macro.h"
#include "rule-internal.h"
#include "parse-internal.h"
#include "sim.h"
#include "tables.h"
#include "util.h"

#define LINE_MAX_BYTES 6143             /* auditctl reads lines with fgets into 6144 bytes */
#define RULE_BUF_MAX (AUDIT_MAX_FIELDS * (PATH_MAX + 1))

#define OP_EQ AUDIT_EQUAL
#define OP_NE AUDIT_NOT_EQUAL

enum { LIST_UNSET = -1 };
enum { CMD_NONE, CMD_ADD, CMD_PREPEND, CMD_DEL };

/* One token of a line, with the column of its first byte in the original line. */
typedef struct token {
        char *s;
        unsigned col;
} token;

/* The rule under construction, and auditctl's per-line state. */
typedef struct builder {
        struct audit_rule_data *d;
        size_t buf_cap;
        int cmd;                /* CMD_ADD, CMD_PREPEND, CMD_DEL */
        int list;
        int action;
        unsigned rule_col;      /* column of -a/-A/-d/-w/-W */
        int syscall_added, perm_added, exe_added, fs_added, watch;
        int perm_expanded;      /* level 4: -F perm= added syscalls (so -F arch after it is misplaced) */
        int s_given;            /* some -S on the line */
        int perm_why;           /* c->why is perm_expand()'s, worded once the line is read */
        unsigned perm_n;        /* what it adds: how many syscalls, of which classes, for which arch */
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
        int compat;             /* AK_COMPAT_3 or AK_COMPAT_4 */
        int sensitive;          /* the line took a branch where the levels differ */
        char why[400];          /* what differs, for the notes and for diff (the first one) */
} linectx;



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

/* Messages quote the user's words: show control and non-ASCII bytes as \\xNN, so a rules file cannot
 * drive the terminal of whoever reads the errors, and the text is valid UTF-8 (D-Bus needs it). */
static char *printable(char *m) {
        strbuf b = {};

        if (!m)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) m; *p; p++) {
                if (*p >= 0x20 && *p < 0x7f)
                        strbuf_append(&b, (const char *) p, 1);
                else
                        strbuf_printf(&b, "\\x%02x", *p);
        }
        free(m);
        return strbuf_steal(&b);
}

_printf_(4, 5)
static void lerr(linectx *c, unsigned col, int warning, const char *fmt, ...) {
        va_list ap;
        char *m;

        va_start(ap, fmt);
        m = strdup_vprintf(fmt, ap);
        va_end(ap);
        m = printable(m);
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
static void sensitive(linectx *c, const char *fmt, ...) {
        va_list ap;

        if (c->sensitive)
                return;
        c->sensitive = 1;
        va_start(ap, fmt);
        vsnprintf(c->why, sizeof(c->why), fmt, ap);
        va_end(ap);
}

#define ERR(c, col, ...) lerr((c), (col), 0, __VA_ARGS__)
#define WARN(c, col, ...) lerr((c), (col), 1, __VA_ARGS__)

/* ", did you mean 'x'?" or "" */
static const char *suggest(const char *s, const char *const *words, size_t n, char *buf, size_t size) {
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

static int builder_init(builder *b) {
        *b = (builder) { .list = LIST_UNSET, .action = -1 };
        b->d = calloc(1, sizeof(struct audit_rule_data));
        return b->d ? 0 : -ENOMEM;
}

static void builder_done(builder *b) {
        free(b->d);
        b->d = NULL;
}

static int builder_append_string(builder *b, const char *s, size_t len) {
        size_t need = b->d->buflen + len;

        if (need > RULE_BUF_MAX)
                return -E2BIG;
        if (need > b->buf_cap) {
                size_t cap = need * 2;
                struct audit_rule_data *n = realloc(b->d, sizeof(*n) + cap);
                if (!n)
                        return -ENOMEM;
                b->d = n;
                b->buf_cap = cap;
        }
        memcpy(b->d->buf + b->d->buflen, s, len);
        b->d->buflen += len;
        return 0;
}

static void mask_all(struct audit_rule_data *d) {
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                d->mask[i] = ~0u;
}

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
        l = lookup_list_exact(lower);
        if (l == LIST_UNSET)
                return l;
        sensitive(c, "list name '%s': auditctl 4.0.2 reads list names in any case, auditctl 3.0.9 only as '%s'",
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
        const char *comma;
        _cleanup_free_ char *first = NULL;
        const char *second;
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
        first = strndup(arg->s, comma - arg->s);
        if (!first)
                return -1;
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
                suggest(bad, words, n, sbuf, sizeof(sbuf));
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
        if (strpbrk(path, "*?"))
                WARN(c, t->col, "wildcards in '%s' are not supported; the path is taken literally", path);
        return 0;
}

/* -w/-W PATH */
static int opt_watch(linectx *c, builder *b, int cmd, const token *opt, const token *arg) {
        _cleanup_free_ char *path = NULL;
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
        path = strdup(arg->s);
        if (!path)
                return -1;
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
        mask_all(b->d);
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

static int parse_perm(linectx *c, const token *t, const char *s, unsigned col, uint32_t *ret) {
        uint32_t v = 0;
        size_t len = strlen(s);

        if (len > 4) {
                ERR(c, col, "permission '%s' is too long: use up to four of r, w, x, a", s);
                return -1;
        }
        if (len == 0) {
                ERR(c, col, "empty permission: use some of r, w, x, a");
                return -1;
        }
        for (size_t i = 0; i < len; i++)
                switch (tolower((unsigned char) s[i])) {
                case 'r': v |= AUDIT_PERM_READ; break;
                case 'w': v |= AUDIT_PERM_WRITE; break;
                case 'x': v |= AUDIT_PERM_EXEC; break;
                case 'a': v |= AUDIT_PERM_ATTR; break;
                default:
                        ERR(c, col + (unsigned) i, "permission '%c' in '%s' is not one of r, w, x, a", s[i], s);
                        return -1;
                }
        *ret = v;
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
        if (parse_perm(c, arg, arg->s, arg->col, &v) < 0)
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

/* Parse a number the way auditctl's strtol/strtoul(v, NULL, 0) reads it, but require the whole
 * string. `neg_ok`: a leading '-' followed by a digit is allowed (stored two's complement). */
static int parse_num(const char *s, int neg_ok, uint32_t *ret) {
        char *end;
        long long v;

        if (!isdigit((unsigned char) s[0]) && !(neg_ok && s[0] == '-' && isdigit((unsigned char) s[1])))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 0);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        if (v > (long long) UINT32_MAX || v < INT32_MIN)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

static int field_allowed_op(uint32_t field, uint32_t op) {
        switch (field) {
        case AUDIT_ARG0: case AUDIT_ARG1: case AUDIT_ARG2: case AUDIT_ARG3:
        case AUDIT_PERS: case AUDIT_DEVMINOR:
                return 1;
        case AUDIT_SUBJ_USER: case AUDIT_SUBJ_ROLE: case AUDIT_SUBJ_TYPE:
        case AUDIT_OBJ_USER: case AUDIT_OBJ_ROLE: case AUDIT_OBJ_TYPE:
        case AUDIT_WATCH: case AUDIT_DIR: case AUDIT_FILTERKEY: case AUDIT_LOGINUID_SET:
        case AUDIT_ARCH: case AUDIT_FSTYPE: case AUDIT_PERM: case AUDIT_FILETYPE:
        case AUDIT_FIELD_COMPARE: case AUDIT_EXE: case AUDIT_INODE:
                return op == AUDIT_EQUAL || op == AUDIT_NOT_EQUAL;
        default:
                return op != AUDIT_BIT_MASK && op != AUDIT_BIT_TEST;
        }
}

/* Split "name OP value" at the first operator from the left (two-character operators first at
 * that place). auditctl searches "!=" ">=" "<=" "&=" "=" ">" "<" "&" in that order over the whole
 * word instead; both agree on every word auditctl reads, and the leftmost split also reads values
 * that contain an operator (a path with ">=" in it), so every rule renders into text that reads
 * back. */
static int split_pair(char *pair, char **ret_value, uint32_t *ret_op) {
        static const struct { const char *s; uint32_t op; } ops[] = {
                { "!=", AUDIT_NOT_EQUAL }, { ">=", AUDIT_GREATER_THAN_OR_EQUAL },
                { "<=", AUDIT_LESS_THAN_OR_EQUAL }, { "&=", AUDIT_BIT_TEST },
                { "=", AUDIT_EQUAL }, { ">", AUDIT_GREATER_THAN },
                { "<", AUDIT_LESS_THAN }, { "&", AUDIT_BIT_MASK },
        };

        for (char *p = pair; *p; p++)
                for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                        if (strncmp(p, ops[i].s, strlen(ops[i].s)) == 0) {
                                *p = '\0';
                                *ret_value = p + strlen(ops[i].s);
                                *ret_op = ops[i].op;
                                return 0;
                        }
        return -EINVAL;
}

static int key_add(linectx *c, builder *b, const char *k, unsigned col);

/* The name messages use for an arch value: its machine ("x86_64", "i386", "riscv64"), else hex. */
static const char *arch_label(uint32_t arch, char *buf, size_t size) {
        const char *m = ak_arch_machine_name(arch);

        if (!m && arch == AUDIT_ARCH_RISCV64)
                m = "riscv64";
        else if (!m && arch == (EM_RISCV | __AUDIT_ARCH_LE))
                m = "riscv32";
        if (m)
                snprintf(buf, size, "%s", m);
        else
                snprintf(buf, size, "0x%X", (unsigned) arch);
        return buf;
}

/* auditctl 4.0.2 (audit_add_perm_syscalls): -F perm= once the arch is known (an earlier -F arch,
 * or an earlier -S, which takes the native arch) adds the syscalls of each permission class to
 * the rule's mask, in that arch's numbering, so the rule no longer covers every syscall (or only
 * its -S list). A class naming a syscall the arch lacks makes auditctl 4.0.2 refuse the line
 * (aarch64, riscv: no rename, open, chmod...). auditctl 3.0.9 does none of this. At level 3 the
 * same is worked out only to say what level 4 would do. */
static int perm_expand(linectx *c, builder *b, const char *perm, unsigned col) {
        uint32_t add[AUDIT_BITMASK_SIZE] = {}, seen = 0;
        char classes[80] = "", abuf[32];
        const char *missing = NULL, *missing_class = NULL;
        char missing_buf[64];
        unsigned n_new = 0, n_classes = 0;
        int all = 1;

        for (size_t i = 0; i < AUDIT_BITMASK_SIZE - 1; i++)
                if (b->d->mask[i] != ~0u)
                        all = 0;
        for (const char *p = perm; *p; p++) {
                uint32_t bit;
                const char *list;

                switch (tolower((unsigned char) *p)) {
                case 'r': bit = AUDIT_PERM_READ; break;
                case 'w': bit = AUDIT_PERM_WRITE; break;
                case 'x': bit = AUDIT_PERM_EXEC; break;
                default: bit = AUDIT_PERM_ATTR; break;
                }
                if (seen & bit)
                        continue;
                seen |= bit;
                list = ak4_perm_class(bit);
                while (list && *list && !missing) {
                        const char *comma = strchr(list, ',');
                        size_t len = comma ? (size_t) (comma - list) : strlen(list);
                        char name[32];
                        int nr;

                        snprintf(name, sizeof(name), "%.*s", (int) len, list);
                        nr = ak_syscall_from_name(b->elf, name);
                        if (nr < 0)
                                nr = ak4_syscall_from_name(b->elf, name);
                        if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32 - 16) {
                                snprintf(missing_buf, sizeof(missing_buf), "%s", name);
                                missing = missing_buf;
                                missing_class = ak4_perm_class_name(bit);
                                break;
                        }
                        add[AUDIT_WORD(nr)] |= AUDIT_BIT(nr);
                        list = comma ? comma + 1 : NULL;
                }
                if (missing)
                        break;
                snprintf(classes + strlen(classes), sizeof(classes) - strlen(classes), "%s%s",
                         n_classes++ ? " and " : "", ak4_perm_class_name(bit));
        }
        arch_label(b->elf, abuf, sizeof(abuf));
        if (missing) {
                sensitive(c, "-F perm=%s with arch %s: auditctl 4.0.2 refuses the line (the %s class names '%s', "
                          "which %s does not have); auditctl 3.0.9 takes it", perm, abuf, missing_class, missing, abuf);
                if (c->compat >= AK_COMPAT_4) {
                        ERR(c, col, "-F perm=%s with arch %s: compat level 4 (auditctl 4.0.2) adds the syscalls of the %s class, "
                            "and %s has no syscall '%s'", perm, abuf, missing_class, abuf, missing);
                        return -1;
                }
                return 0;
        }
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                n_new += (unsigned) __builtin_popcount(add[i]);
        if (!all && !c->sensitive) {
                /* worded in perm_why_finish(), when it is known whether the line has -S */
                sensitive(c, "-F perm=%s with arch %s", perm, abuf);
                b->perm_why = 1;
                b->perm_n = n_new;
                snprintf(b->perm_classes, sizeof(b->perm_classes), "%s", classes);
                snprintf(b->perm_arch, sizeof(b->perm_arch), "%s", abuf);
                snprintf(b->perm_value, sizeof(b->perm_value), "%s", perm);
        }
        if (c->compat < AK_COMPAT_4)
                return 0;
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                b->d->mask[i] |= add[i];
        b->syscall_added = 1;   /* as audit_rule_syscall_data() notes it: a later -F arch is misplaced */
        b->perm_expanded = 1;
        return 0;
}

static void perm_why_finish(linectx *c, const builder *b) {
        if (!b->perm_why)
                return;
        snprintf(c->why, sizeof(c->why), "-F perm=%s with arch %s: auditctl 4.0.2 %s the %u %s syscall%s of %s; "
                 "auditctl 3.0.9 %s", b->perm_value, b->perm_arch, b->s_given ? "adds to the -S list" : "limits the rule to",
                 b->perm_n, b->perm_classes, b->perm_n == 1 ? "" : "s", b->perm_arch,
                 b->s_given ? "keeps the -S list alone" : "leaves it on every syscall");
}

/* -F name OP value */
static int opt_field(linectx *c, builder *b, const token *opt, const token *arg) {
        struct audit_rule_data *d = b->d;
        _cleanup_free_ char *pair = NULL;
        char *v, sbuf[80];
        uint32_t op, val = 0;
        unsigned vcol;
        int field, list = b->list, exclude_inert = 0;

        if (b->cmd == CMD_NONE) {
                ERR(c, opt->col, "-F needs a rule (-a, -A or -d) before it");
                return -1;
        }
        if (strncmp(arg->s, "key=", 4) == 0)
                return key_add(c, b, arg->s + 4, arg->col + 4);

        pair = strdup(arg->s);
        if (!pair)
                return -1;
        if (split_pair(pair, &v, &op) < 0) {
                ERR(c, arg->col, "'%s' is not FIELD OPERATOR VALUE (operators: = != < > <= >= & &=)", arg->s);
                return -1;
        }
        vcol = arg->col + (unsigned) (v - pair);
        if (!pair[0]) {
                ERR(c, arg->col, "missing field name before '%s'", ak_op_symbol(op));
                return -1;
        }
        if (!*v) {
                ERR(c, vcol, "missing value after '%s%s'", pair, ak_op_symbol(op));
                return -1;
        }
        if (d->field_count >= AUDIT_MAX_FIELDS - 1) {
                ERR(c, arg->col, "too many fields: a rule holds at most %d besides its key", AUDIT_MAX_FIELDS - 1);
                return -1;
        }
        field = ak_field_from_name(pair);
        if (field < 0) {
                size_t n;
                const char *const *names = ak_field_names(&n);
                ERR(c, arg->col, "unknown field '%s'%s", pair, suggest(pair, names, n, sbuf, sizeof(sbuf)));
                return -1;
        }
        if (field == AUDIT_FILTERKEY) {
                ERR(c, arg->col + 3, "the key only takes '=' (key=VALUE)");
                return -1;
        }
        if (list == AUDIT_FILTER_EXCLUDE) {
                switch (field) {
                case AUDIT_PID: case AUDIT_UID: case AUDIT_GID: case AUDIT_LOGINUID:
                case AUDIT_MSGTYPE: case AUDIT_SUBJ_USER: case AUDIT_SUBJ_ROLE:
                case AUDIT_SUBJ_TYPE: case AUDIT_SUBJ_SEN: case AUDIT_SUBJ_CLR: case AUDIT_EXE:
                        break;
                default:
                        /* auditctl 3.0.9 allows these fields only (on a kernel with the
                         * EXCLUDE_EXTEND feature); 4.0.2 then checks nothing for this list, and
                         * each field's own list rule decides. */
                        sensitive(c, "field '%s' on the exclude list: auditctl 3.0.9 refuses it there, auditctl 4.0.2 accepts it "
                                  "(the kernel does not check it on that list: the rule excludes nothing)", pair);
                        if (c->compat < AK_COMPAT_4) {
                                ERR(c, arg->col, "field '%s' cannot be used on the exclude list (only msgtype, pid, uid, gid, auid, subj_* and exe)", pair);
                                return -1;
                        }
                        exclude_inert = 1;
                        break;
                }
        }
        if (!field_allowed_op((uint32_t) field, op)) {
                ERR(c, arg->col + (unsigned) strlen(pair), "operator '%s' is not allowed for field '%s'%s",
                    ak_op_symbol(op), pair,
                    field_allowed_op((uint32_t) field, AUDIT_LESS_THAN) ? " (use = != < > <= >=)" : " (use = or !=)");
                return -1;
        }

        switch (field) {
        case AUDIT_UID: case AUDIT_EUID: case AUDIT_SUID: case AUDIT_FSUID:
        case AUDIT_LOGINUID: case AUDIT_OBJ_UID:
                if (parse_num(v, 1, &val) == 0)
                        break;
                if (isdigit((unsigned char) v[0]) || v[0] == '-') {
                        ERR(c, vcol, "invalid number '%s' for field '%s'", v, pair);
                        return -1;
                }
                if (streq(v, "unset"))
                        val = AK_ID_UNSET;
                else {
                        struct passwd *pw = getpwnam(v);
                        if (pw && pw->pw_uid == AK_ID_UNSET)
                                pw = NULL;
                        if (!pw) {
                                ERR(c, vcol, "unknown user '%s'", v);
                                return -1;
                        }
                        val = pw->pw_uid;
                }
                break;
        case AUDIT_GID: case AUDIT_EGID: case AUDIT_SGID: case AUDIT_FSGID: case AUDIT_OBJ_GID:
                if (parse_num(v, 0, &val) == 0)
                        break;
                if (isdigit((unsigned char) v[0])) {
                        ERR(c, vcol, "invalid number '%s' for field '%s'", v, pair);
                        return -1;
                } else {
                        struct group *gr = getgrnam(v);
                        if (!gr) {
                                ERR(c, vcol, "unknown group '%s'", v);
                                return -1;
                        }
                        val = gr->gr_gid;
                }
                break;
        case AUDIT_EXIT:
                if (list != AUDIT_FILTER_EXIT)
                        goto exit_only;
                if (parse_num(v, 1, &val) == 0)
                        break;
                {
                        int neg = v[0] == '-';
                        int e = ak_errno_from_name(v + neg);
                        if (e <= 0) {
                                ERR(c, vcol, "unknown errno name '%s' (use a number or a name like -EACCES)", v);
                                return -1;
                        }
                        val = (uint32_t) (neg ? -e : e);
                }
                break;
        case AUDIT_MSGTYPE:
                if (list != AUDIT_FILTER_EXCLUDE && list != AUDIT_FILTER_USER) {
                        ERR(c, arg->col, "field 'msgtype' can only be used on the exclude and user lists");
                        return -1;
                }
                if (parse_num(v, 0, &val) == 0)
                        break;
                {
                        int t = ak_msgtype_from_name(v);
                        if (t <= 0 && (t = ak4_msgtype_from_name(v)) > 0) {
                                sensitive(c, "message type '%s': auditctl 4.0.2 knows the name, auditctl 3.0.9 does not (it refuses the line)", v);
                                if (c->compat < AK_COMPAT_4)
                                        t = -1;
                        }
                        if (t <= 0) {
                                ERR(c, vcol, "unknown message type '%s'", v);
                                return -1;
                        }
                        val = (uint32_t) t;
                }
                break;
        case AUDIT_OBJ_USER: case AUDIT_OBJ_ROLE: case AUDIT_OBJ_TYPE:
        case AUDIT_OBJ_LEV_LOW: case AUDIT_OBJ_LEV_HIGH: case AUDIT_WATCH: case AUDIT_DIR:
                /* the exit list only, io_uring included (auditctl 4.0.2, the first to know it) */
                if (list != AUDIT_FILTER_EXIT)
                        goto exit_only;
                if (field == AUDIT_WATCH || field == AUDIT_DIR) {
                        b->perm_added = 1;
                        if (v[0] != '/') {
                                ERR(c, vcol, "%s '%s' must be absolute (start with '/')", pair, v);
                                return -1;
                        }
                }
                /* fallthrough */
        case AUDIT_SUBJ_USER: case AUDIT_SUBJ_ROLE: case AUDIT_SUBJ_TYPE:
        case AUDIT_SUBJ_SEN: case AUDIT_SUBJ_CLR: case AUDIT_EXE: {
                size_t len = strlen(v);
                if (field == AUDIT_EXE) {
                        if (v[0] != '/') {
                                ERR(c, vcol, "exe '%s' must be absolute (start with '/')", v);
                                return -1;
                        }
                        b->exe_added = 1;
                }
                if (len >= PATH_MAX) {
                        ERR(c, vcol, "value of '%s' is longer than %d bytes", pair, PATH_MAX - 1);
                        return -1;
                }
                if (builder_append_string(b, v, len) < 0) {
                        ERR(c, vcol, "rule is too large");
                        return -1;
                }
                val = (uint32_t) len;
                break;
        }
        case AUDIT_ARCH: {
                char abuf[32];
                int arch4 = 0;
                if (b->perm_expanded) {
                        ERR(c, arg->col, "-F arch must come before -F perm= here: at compat level 4 (auditctl 4.0.2) the perm "
                            "field added the syscalls of the arch already known");
                        return -1;
                }
                if (b->syscall_added) {
                        ERR(c, arg->col, "-F arch must come before -S (syscall names depend on the arch)");
                        return -1;
                }
                if (isdigit((unsigned char) v[0])) {
                        if (parse_num(v, 0, &val) == 0 && ak4_arch_known(val))
                                arch4 = 1;
                        else if (parse_num(v, 0, &val) < 0 || strncmp(ak_arch_to_name(val, abuf, sizeof(abuf)), "0x", 2) == 0) {
                                ERR(c, vcol, "unknown arch '%s'", v);
                                return -1;
                        }
                } else {
                        val = ak_arch_from_name(v);
                        if (val == 0 && (val = ak4_arch_from_name(v)) != 0)
                                arch4 = 1;
                        if (arch4) {
                                sensitive(c, "arch '%s': auditctl 4.0.2 of Debian 13 knows RISC-V, auditctl 3.0.9 does not (it refuses the line)", v);
                                if (c->compat < AK_COMPAT_4)
                                        val = 0;
                        }
                        if (val == 0) {
                                static const char *const arch_words[] = { "b64", "b32", "x86_64", "i386", "aarch64", "arm", "ppc64", "ppc64le", "s390x", "s390" };
                                ERR(c, vcol, "unknown arch '%s'%s", v, suggest(v, arch_words, ELEMENTSOF(arch_words), sbuf, sizeof(sbuf)));
                                return -1;
                        }
                }
                if (arch4 && isdigit((unsigned char) v[0])) {
                        sensitive(c, "arch '%s': auditctl 4.0.2 of Debian 13 knows RISC-V, auditctl 3.0.9 does not (it refuses the line)", v);
                        if (c->compat < AK_COMPAT_4) {
                                ERR(c, vcol, "unknown arch '%s'", v);
                                return -1;
                        }
                }
                b->elf = val;
                break;
        }
        case AUDIT_PERM:
                /* auditctl 4.0.2 also takes perm on the exclude list (3.0.9 refused it above) */
                if (list != AUDIT_FILTER_EXIT && !(list == AUDIT_FILTER_EXCLUDE && c->compat >= AK_COMPAT_4))
                        goto exit_only;
                if (op != AUDIT_EQUAL) {
                        ERR(c, arg->col + (unsigned) strlen(pair), "perm only takes '='");
                        return -1;
                }
                if (parse_perm(c, arg, v, vcol, &val) < 0)
                        return -1;
                if (b->elf && perm_expand(c, b, v, vcol) < 0)
                        return -1;
                b->perm_added = 1;
                break;
        case AUDIT_FILETYPE: {
                int t;
                if (list != AUDIT_FILTER_EXIT)
                        goto exit_only;
                t = ak_ftype_from_name(v);
                if (t < 0) {
                        static const char *const ft_words[] = { "file", "dir", "socket", "link", "character", "block", "fifo" };
                        ERR(c, vcol, "unknown file type '%s'%s", v, suggest(v, ft_words, ELEMENTSOF(ft_words), sbuf, sizeof(sbuf)));
                        return -1;
                }
                val = (uint32_t) t;
                break;
        }
        case AUDIT_FSTYPE:
                if (list != AUDIT_FILTER_FS) {
                        ERR(c, arg->col, "field 'fstype' can only be used on the filesystem list");
                        return -1;
                }
                if (parse_num(v, 0, &val) < 0) {
                        int64_t t = ak_fstype_from_name(v);
                        if (t < 0) {
                                ERR(c, vcol, "unknown file system type '%s' (use a name like debugfs or a magic number)", v);
                                return -1;
                        }
                        val = (uint32_t) t;
                }
                b->fs_added = 1;
                break;
        case AUDIT_SESSIONID:
                if (list != AUDIT_FILTER_EXCLUDE && list != AUDIT_FILTER_USER && list != AUDIT_FILTER_EXIT) {
                        ERR(c, arg->col, "field 'sessionid' can only be used on the exit, user and exclude lists");
                        return -1;
                }
                if (streq(v, "unset"))
                        val = AK_ID_UNSET;
                else if (parse_num(v, 1, &val) < 0) {
                        ERR(c, vcol, "invalid number '%s' for field '%s'", v, pair);
                        return -1;
                }
                break;
        case AUDIT_SADDR_FAM:
                if (parse_num(v, 0, &val) < 0) {
                        ERR(c, vcol, "invalid number '%s' for field '%s'", v, pair);
                        return -1;
                }
                if (val >= AF_MAX) {
                        ERR(c, vcol, "address family %s is out of range (at most %d)", v, AF_MAX - 1);
                        return -1;
                }
                break;
        case AUDIT_ARG0: case AUDIT_ARG1: case AUDIT_ARG2: case AUDIT_ARG3:
                if (parse_num(v, 1, &val) < 0) {
                        ERR(c, vcol, "invalid number '%s' for field '%s'", v, pair);
                        return -1;
                }
                break;
        case AUDIT_DEVMAJOR: case AUDIT_DEVMINOR: case AUDIT_INODE: case AUDIT_SUCCESS:
        case AUDIT_PPID:
                if (list != AUDIT_FILTER_EXIT)
                        goto exit_only;
                /* fallthrough */
        default:
                if (parse_num(v, field != AUDIT_INODE, &val) < 0 || (v[0] == '-')) {
                        ERR(c, vcol, "invalid number '%s' for field '%s'", v, pair);
                        return -1;
                }
                if (field == AUDIT_LOGINUID_SET && val > 1) {
                        ERR(c, vcol, "loginuid_set takes 0 or 1");
                        return -1;
                }
                break;
        }

        /* Refused by the kernel (EINVAL), so refused here with a reason. */
        if (field != AUDIT_LOGINUID && (field == AUDIT_UID || field == AUDIT_EUID || field == AUDIT_SUID ||
                                        field == AUDIT_FSUID || field == AUDIT_OBJ_UID || field == AUDIT_GID ||
                                        field == AUDIT_EGID || field == AUDIT_SGID || field == AUDIT_FSGID ||
                                        field == AUDIT_OBJ_GID) && val == AK_ID_UNSET) {
                ERR(c, vcol, "'%s' is not a valid value for '%s' (only auid can be unset, -1)", v, pair);
                return -1;
        }
        if (field == AUDIT_LOGINUID && val == AK_ID_UNSET && op != AUDIT_EQUAL && op != AUDIT_NOT_EQUAL) {
                ERR(c, arg->col + (unsigned) strlen(pair), "auid compares with unset (-1) only by = or !=");
                return -1;
        }
        if (list == AUDIT_FILTER_FS && field != AUDIT_FSTYPE) {
                ERR(c, arg->col, "the filesystem list takes only fstype and key fields, not '%s'", pair);
                return -1;
        }
        if (field == AUDIT_WATCH || field == AUDIT_DIR || field == AUDIT_INODE) {
                for (uint32_t i = 0; i < b->d->field_count; i++)
                        if (b->d->fields[i] == AUDIT_WATCH || b->d->fields[i] == AUDIT_DIR || b->d->fields[i] == AUDIT_INODE) {
                                ERR(c, arg->col, "a rule holds at most one path, dir or inode field");
                                return -1;
                        }
                if (field != AUDIT_INODE && op != AUDIT_EQUAL) {
                        ERR(c, arg->col + (unsigned) strlen(pair), "%s only takes '='", pair);
                        return -1;
                }
                if (field == AUDIT_WATCH && strlen(v) > 1 && v[strlen(v) - 1] == '/') {
                        ERR(c, vcol, "path '%s' must not end with '/' (use dir= for a directory tree)", v);
                        return -1;
                }
        }

        if (exclude_inert)
                WARN(c, arg->col, "field '%s' on the exclude list: the kernel checks only msgtype, pid, uid, gid, auid, "
                     "loginuid_set, subj_* and exe there, so this rule excludes nothing", pair);

        d = b->d; /* builder_append_string() may have moved it */
        d->fields[d->field_count] = (uint32_t) field;
        d->fieldflags[d->field_count] = op;
        d->values[d->field_count] = val;
        d->field_count++;
        return 0;

exit_only:
        ERR(c, arg->col, "field '%s' can only be used on the exit list", pair);
        return -1;
}

/* The C comparison table: "uid=auid" and "auid=uid" both map to AUDIT_COMPARE_UID_TO_AUID. */
static int compare_code(int f1, int f2) {
        static const struct { int a, b, code; } t[] = {
                { AUDIT_UID, AUDIT_OBJ_UID, AUDIT_COMPARE_UID_TO_OBJ_UID },
                { AUDIT_GID, AUDIT_OBJ_GID, AUDIT_COMPARE_GID_TO_OBJ_GID },
                { AUDIT_EUID, AUDIT_OBJ_UID, AUDIT_COMPARE_EUID_TO_OBJ_UID },
                { AUDIT_EGID, AUDIT_OBJ_GID, AUDIT_COMPARE_EGID_TO_OBJ_GID },
                { AUDIT_LOGINUID, AUDIT_OBJ_UID, AUDIT_COMPARE_AUID_TO_OBJ_UID },
                { AUDIT_SUID, AUDIT_OBJ_UID, AUDIT_COMPARE_SUID_TO_OBJ_UID },
                { AUDIT_SGID, AUDIT_OBJ_GID, AUDIT_COMPARE_SGID_TO_OBJ_GID },
                { AUDIT_FSUID, AUDIT_OBJ_UID, AUDIT_COMPARE_FSUID_TO_OBJ_UID },
                { AUDIT_FSGID, AUDIT_OBJ_GID, AUDIT_COMPARE_FSGID_TO_OBJ_GID },
                { AUDIT_UID, AUDIT_LOGINUID, AUDIT_COMPARE_UID_TO_AUID },
                { AUDIT_UID, AUDIT_EUID, AUDIT_COMPARE_UID_TO_EUID },
                { AUDIT_UID, AUDIT_FSUID, AUDIT_COMPARE_UID_TO_FSUID },
                { AUDIT_UID, AUDIT_SUID, AUDIT_COMPARE_UID_TO_SUID },
                { AUDIT_LOGINUID, AUDIT_FSUID, AUDIT_COMPARE_AUID_TO_FSUID },
                { AUDIT_LOGINUID, AUDIT_SUID, AUDIT_COMPARE_AUID_TO_SUID },
                { AUDIT_LOGINUID, AUDIT_EUID, AUDIT_COMPARE_AUID_TO_EUID },
                { AUDIT_EUID, AUDIT_SUID, AUDIT_COMPARE_EUID_TO_SUID },
                { AUDIT_EUID, AUDIT_FSUID, AUDIT_COMPARE_EUID_TO_FSUID },
                { AUDIT_SUID, AUDIT_FSUID, AUDIT_COMPARE_SUID_TO_FSUID },
                { AUDIT_GID, AUDIT_EGID, AUDIT_COMPARE_GID_TO_EGID },
                { AUDIT_GID, AUDIT_FSGID, AUDIT_COMPARE_GID_TO_FSGID },
                { AUDIT_GID, AUDIT_SGID, AUDIT_COMPARE_GID_TO_SGID },
                { AUDIT_EGID, AUDIT_FSGID, AUDIT_COMPARE_EGID_TO_FSGID },
                { AUDIT_EGID, AUDIT_SGID, AUDIT_COMPARE_EGID_TO_SGID },
                { AUDIT_SGID, AUDIT_FSGID, AUDIT_COMPARE_SGID_TO_FSGID },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if ((t[i].a == f1 && t[i].b == f2) || (t[i].a == f2 && t[i].b == f1))
                        return t[i].code;
        return -1;
}

/* -C field OP field */
static int opt_compare(linectx *c, builder *b, const token *opt, const token *arg) {
        struct audit_rule_data *d = b->d;
        _cleanup_free_ char *pair = strdup(arg->s);
        char *v, *p, sbuf[80];
        uint32_t op;
        int f1, f2, code;
        size_t n;
        const char *const *names = ak_field_names(&n);

        if (!pair)
                return -1;
        if (b->cmd == CMD_NONE) {
                ERR(c, opt->col, "-C needs a rule (-a, -A or -d) before it");
                return -1;
        }
        if ((p = strstr(pair, "!="))) {
                *p = '\0';
                v = p + 2;
                op = AUDIT_NOT_EQUAL;
        } else if ((p = strchr(pair, '='))) {
                *p = '\0';
                v = p + 1;
                op = AUDIT_EQUAL;
        } else {
                ERR(c, arg->col, "'%s' must be FIELD=FIELD or FIELD!=FIELD", arg->s);
                return -1;
        }
        if (!pair[0] || !*v) {
                ERR(c, arg->col, "'%s' must name two fields, like uid!=auid", arg->s);
                return -1;
        }
        if ((f1 = ak_field_from_name(pair)) < 0) {
                ERR(c, arg->col, "unknown field '%s'%s", pair, suggest(pair, names, n, sbuf, sizeof(sbuf)));
                return -1;
        }
        if ((f2 = ak_field_from_name(v)) < 0) {
                ERR(c, arg->col + (unsigned) (v - pair), "unknown field '%s'%s", v, suggest(v, names, n, sbuf, sizeof(sbuf)));
                return -1;
        }
        if (b->list != AUDIT_FILTER_EXIT) {
                ERR(c, opt->col, "-C can only be used on the exit list");
                return -1;
        }
        code = compare_code(f1, f2);
        if (code < 0) {
                ERR(c, arg->col, "fields '%s' and '%s' cannot be compared (compare uids with uids, gids with gids)", pair, v);
                return -1;
        }
        if (d->field_count >= AUDIT_MAX_FIELDS - 1) {
                ERR(c, arg->col, "too many fields: a rule holds at most %d besides its key", AUDIT_MAX_FIELDS - 1);
                return -1;
        }
        d->fields[d->field_count] = AUDIT_FIELD_COMPARE;
        d->fieldflags[d->field_count] = op;
        d->values[d->field_count] = (uint32_t) code;
        d->field_count++;
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
                        mask_all(d);
                else {
                        if (b->list == AUDIT_FILTER_URING_EXIT)
                                nr = ak_uringop_from_name(name);
                        else {
                                nr = ak_syscall_from_name(b->elf, name);
                                if (nr < 0 && (nr = ak4_syscall_from_name(b->elf, name)) >= 0) {
                                        sensitive(c, "syscall '%s': auditctl 4.0.2 knows the name, auditctl 3.0.9 does not (it refuses the line)", name);
                                        if (c->compat < AK_COMPAT_4)
                                                nr = -1;
                                }
                        }
                        if (nr < 0) {
                                uint32_t u;
                                if (parse_num(name, 0, &u) == 0)
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

static int key_add(linectx *c, builder *b, const char *k, unsigned col) {
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

/* ------------------------------------------------------------------------------------------ */
/* lines */

/* Split as auditctl does: on single spaces, with "\ " and "\\" escapes. Tokens are NUL-terminated
 * copies in `store`. */
static size_t tokenize(const char *line, size_t len, char *store, token *toks, size_t max) {
        size_t n = 0, i = 0;
        char *w = store;

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

/* Parse one line's tokens (auditctl's getopt loop). Status settings take effect here; a rule is
 * left in b for the caller. Returns 0, or -1 when the line has an error (already reported). */
static int parse_tokens(linectx *c, token *t, size_t n, builder *b, command *cmd) {
        static const char with_arg[] = "CefrbaAdSFmRwWkpq";
        static const char no_arg[] = "hicslDvt";
        char sbuf[80];

        /* auditctl splits on spaces only: a tab would end up inside a word */
        for (size_t i = 0; i < n; i++) {
                const char *tab = strchr(t[i].s, '\t');
                if (tab) {
                        ERR(c, t[i].col + (unsigned) (tab - t[i].s), "tab character in '%s': separate options with spaces", t[i].s);
                        return -1;
                }
        }

        /* -D and -D -k KEY are whole-line forms. */
        if (streq(t[0].s, "-D")) {
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

        for (size_t i = 0; i < n; i++) {
                token *opt = &t[i];
                const char *s = opt->s;

                if (s[0] == '-' && s[1] == '-' && s[2]) {
                        const char *eq = strchr(s + 2, '=');
                        size_t len = eq ? (size_t) (eq - s - 2) : strlen(s + 2);
                        const longopt *lo = find_longopt(c, opt, s + 2, len);
                        token arg = {};

                        if (!lo)
                                return -1;
                        if (lo->has_arg) {
                                if (eq)
                                        arg = (token) { .s = (char *) eq + 1, .col = opt->col + (unsigned) (eq + 1 - s) };
                                else if (i + 1 < n)
                                        arg = t[++i];
                                else {
                                        ERR(c, opt->col, "option '--%s' needs an argument", lo->name);
                                        return -1;
                                }
                        } else if (eq) {
                                ERR(c, opt->col, "option '--%s' takes no argument", lo->name);
                                return -1;
                        }
                        switch (lo->id) {
                        case LO_LOGINUID_IMMUTABLE:
                                if (c->rs)
                                        c->rs->loginuid_immutable = 1, c->rs->n_status_settings++;
                                break;
                        case LO_BWT:
                                /* The kernel's limit is 10 minutes in jiffies: 600000 at HZ=1000. */
                                if (opt_status_number(c, opt, &arg, "backlog_wait_time", AUDIT_STATUS_BACKLOG_WAIT_TIME, 600000) < 0)
                                        return -1;
                                break;
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
                        continue;
                }
                if (s[0] != '-' || s[1] == '\0' || (s[1] == '-' && s[2] == '\0')) {
                        if (s[0] == '#')
                                ERR(c, opt->col, "comments must be on a line of their own ('%s')", s);
                        else if (b->cmd == CMD_NONE || i == 0)
                                ERR(c, opt->col, "unexpected argument '%s': an option (like -a, -w, -b) must come first", s);
                        else
                                ERR(c, opt->col, "unexpected argument '%s' (an option's value containing a space must escape it as '\\ ')", s);
                        return -1;
                }

                /* A cluster of short options: "-i", "-c", "-kfoo", "-Sopen". */
                for (const char *p = s + 1; *p; p++) {
                        token arg = {};
                        char o = *p;

                        if (strchr(no_arg, o)) {
                                switch (o) {
                                case 'c': case 'i': case 'v':
                                        break;
                                case 's': case 'l':
                                        WARN(c, opt->col, "-%c only prints; it is ignored in a rules file", o);
                                        break;
                                case 'D':
                                        ERR(c, opt->col, "-D must stand alone on its line (or as -D -k KEY)");
                                        return -1;
                                default:
                                        ERR(c, opt->col, "-%c is not a configuration command", o);
                                        return -1;
                                }
                                continue;
                        }
                        if (!strchr(with_arg, o)) {
                                /* every one-letter option is one edit away: suggest only the other case */
                                char other = islower((unsigned char) o) ? (char) toupper((unsigned char) o) : (char) tolower((unsigned char) o);
                                if (strchr(with_arg, other) || strchr(no_arg, other))
                                        snprintf(sbuf, sizeof(sbuf), ", did you mean '-%c'?", other);
                                else
                                        sbuf[0] = '\0';
                                ERR(c, opt->col + (unsigned) (p - s) - 1, "unknown option '-%c'%s", o, sbuf);
                                return -1;
                        }
                        if (p[1])
                                arg = (token) { .s = (char *) p + 1, .col = opt->col + (unsigned) (p + 1 - s) };
                        else if (i + 1 < n)
                                arg = t[++i];
                        else {
                                ERR(c, opt->col, "option '-%c' needs an argument", o);
                                return -1;
                        }

                        switch (o) {
                        case 'a':
                                if (opt_rule(c, b, CMD_ADD, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'A':
                                if (opt_rule(c, b, CMD_PREPEND, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'd':
                                if (opt_rule(c, b, CMD_DEL, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'w':
                        case 'W':
                                if (b->cmd != CMD_NONE) {
                                        ERR(c, opt->col, "-%c cannot be combined with -a, -A, -d or another watch", o);
                                        return -1;
                                }
                                if (opt_watch(c, b, o == 'w' ? CMD_ADD : CMD_DEL, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'p':
                                if (opt_perm(c, b, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'k':
                                if (!(b->syscall_added || b->perm_added || b->exe_added || b->fs_added) ||
                                    b->cmd == CMD_NONE) {
                                        ERR(c, opt->col, "a key (-k) needs a syscall (-S), a watch (-w, -F path=, -F dir=), -F perm=, -F exe= or -F fstype= before it");
                                        return -1;
                                }
                                if (key_add(c, b, arg.s, arg.col) < 0)
                                        return -1;
                                break;
                        case 'S':
                                if (opt_syscall(c, b, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'F':
                                if (opt_field(c, b, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'C':
                                if (opt_compare(c, b, opt, &arg) < 0)
                                        return -1;
                                break;
                        case 'e':
                        case 'f':
                                if (!streq(arg.s, "0") && !streq(arg.s, "1") && !streq(arg.s, "2")) {
                                        ERR(c, arg.col, "-%c takes 0, 1 or 2, not '%s'", o, arg.s);
                                        return -1;
                                }
                                if (c->rs) {
                                        uint32_t v = (uint32_t) (arg.s[0] - '0');
                                        if (o == 'e') {
                                                c->rs->lock = v == 2;
                                                status_set(c->rs, AUDIT_STATUS_ENABLED, v == 2 ? 1 : v);
                                        } else
                                                status_set(c->rs, AUDIT_STATUS_FAILURE, v);
                                }
                                break;
                        case 'b':
                                if (opt_status_number(c, opt, &arg, "backlog limit (-b)", AUDIT_STATUS_BACKLOG_LIMIT, UINT32_MAX) < 0)
                                        return -1;
                                break;
                        case 'r':
                                if (opt_status_number(c, opt, &arg, "rate limit (-r)", AUDIT_STATUS_RATE_LIMIT, UINT32_MAX) < 0)
                                        return -1;
                                break;
                        default: /* m R q */
                                ERR(c, opt->col, "-%c is not a configuration command", o);
                                return -1;
                        }
                        break; /* the argument ended the cluster */
                }
        }

        if (b->cmd == CMD_NONE) {
                if (b->syscall_added || b->d->field_count || b->key[0]) {
                        ERR(c, t[0].col, "no list given: add -a LIST,ACTION (for example -a always,exit)");
                        return -1;
                }
                return 0;
        }

        /* The key goes last, as auditctl puts it. */
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
                mask_all(b->d);
        b->d->flags = (uint32_t) b->list;
        b->d->action = (uint32_t) b->action;
        cmd->rule = 1;
        return 0;
}

static int builder_take_rule(builder *b, linectx *c, ak_rule *ret) {
        ak_rule r = {};

        r.size = sizeof(struct audit_rule_data) + b->d->buflen;
        r.data = TAKE_PTR(b->d);
        r.line = c->line;
        ak_rule_normalize(&r); /* the desired state is held in the kernel's stored form */
        if (c->file) {
                r.file = strdup(c->file);
                if (!r.file) {
                        free(r.data);
                        return -ENOMEM;
                }
        }
        *ret = r;
        return 0;
}

static int rule_from_text_at(const char *text, int level, ak_rule *ret, char **ret_message, unsigned *ret_column,
                             int *ret_sensitive, char *why, size_t why_size);

/* A note for `check`: FILE:LINE:1 and the text. */
static void note_add(linectx *c, char *msg) {
        ak_ruleset *rs = c->rs;
        ak_diag *d;

        msg = printable(msg);
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

/* The line took a branch where the levels differ: compile it at the other level too. Where the
 * outcome differs, a note says how, and the other encoding is kept for diff (a kernel loaded by
 * the other level's auditctl holds it). `here` is this level's rule, or NULL if refused here. */
static void compat_compare(linectx *c, const char *line, size_t len, const ak_rule *here) {
        int other = c->compat >= AK_COMPAT_4 ? AK_COMPAT_3 : AK_COMPAT_4;
        _cleanup_free_ char *text = strndup(line, len), *msg = NULL;
        ak_rule there = {};
        compat_alt *a;
        int r, s2 = 0;
        char why2[sizeof(c->why)];

        if (!text)
                return;
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
                note_add(c, strdup_printf("at compat level %d (%s) this line is refused: %s", other,
                                          ak_compat_reference(other), c->why));
        else if (!here)
                note_add(c, strdup_printf("at compat level %d (%s) this line is accepted: %s", other,
                                          ak_compat_reference(other), c->why));
        else
                note_add(c, strdup_printf("means something else at compat level %d (%s): %s", other,
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

/* Parse one line and run it against the simulated kernel. */
static int run_line(linectx *c, sim *sm, char *line, size_t len) {
        _cleanup_free_ char *store = NULL;
        _cleanup_free_ token *toks = NULL;
        size_t n, i = 0, max;
        builder b;
        command cmd = {};
        int r = 0;

        while (i < len && line[i] == ' ')
                i++;
        if (i == len)
                return 0;
        if (line[i] == '#')
                return 0;
        if (c->rs)
                c->rs->priv->lines_run = 1;
        if (memchr(line, '\0', len)) {
                ERR(c, (unsigned) ((char *) memchr(line, '\0', len) - line) + 1, "NUL byte in line");
                return 0;
        }
        if (len > LINE_MAX_BYTES) {
                ERR(c, LINE_MAX_BYTES + 1, "line is longer than %d bytes", LINE_MAX_BYTES);
                return 0;
        }

        max = len / 2 + 2;
        store = malloc(len + max + 1);
        toks = calloc(max, sizeof(token));
        if (!store || !toks)
                return -ENOMEM;
        n = tokenize(line, len, store, toks, max);
        if (n == 0)
                return 0;

        if (builder_init(&b) < 0)
                return -ENOMEM;
        if (parse_tokens(c, toks, n, &b, &cmd) < 0 || c->failed) {
                perm_why_finish(c, &b);
                if (c->sensitive && c->rs)
                        compat_compare(c, line, len, NULL);
                goto out;
        }

        if (sm && cmd.delete_all) {
                c->rs->n_rule_lines++;
                sim_delete_all(sm, cmd.delete_key);
        }
        if (sm && cmd.rule) {
                const ak_rule *o;
                ak_rule rule;

                c->rs->n_rule_lines++;
                if (c->rs->lock && !c->rs->priv->lock_warned) {
                        WARN(c, b.rule_col, "rule after -e 2: auditkeep locks only after every rule is in force (auditctl -R would refuse this rule)");
                        c->rs->priv->lock_warned = 1;
                }
                perm_why_finish(c, &b);
                r = builder_take_rule(&b, c, &rule);
                if (r < 0)
                        goto out;
                if (c->sensitive)
                        compat_compare(c, line, len, &rule);
                if (ak_rule_list(&rule) == AUDIT_FILTER_URING_EXIT && c->compat < AK_COMPAT_4)
                        note_add(c, strdup("auditctl 3.0.9 has no io_uring list and refuses this line; auditkeep compiles it "
                                           "as auditctl 4.0.2 does at both compat levels"));
                o = sim_find(sm, &rule);
                switch (b.cmd) {
                case CMD_ADD:
                        if (o) {
                                WARN(c, b.rule_col, "duplicate rule, already declared at %s:%u; the kernel keeps one copy",
                                     o->file ? o->file : "?", o->line);
                                ak_rule_done(&rule);
                                break;
                        }
                        /* fallthrough */
                case CMD_PREPEND:
                        r = sim_add(sm, &rule, b.cmd == CMD_PREPEND);
                        if (r < 0) {
                                ak_rule_done(&rule);
                                goto out;
                        }
                        break;
                case CMD_DEL:
                        if (!o)
                                ERR(c, b.rule_col, "no such rule to delete (no earlier line adds exactly this rule)");
                        else
                                sim_delete(sm, o);
                        ak_rule_done(&rule);
                        break;
                }
        }
out:
        builder_done(&b);
        return r;
}

/* ------------------------------------------------------------------------------------------ */
/* the ruleset */

int ak_ruleset_new(ak_ruleset **ret) {
        ak_ruleset *rs = calloc(1, sizeof(*rs));

        if (!rs)
                return -ENOMEM;
        rs->priv = calloc(1, sizeof(*rs->priv));
        if (!rs->priv) {
                free(rs);
                return -ENOMEM;
        }
        rs->compat = AK_COMPAT_LATEST;
        rs->compat_origin = AK_COMPAT_ORIGIN_DEFAULT;
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
                                           printable(strdup_printf("unknown auditkeep directive '%s' (known: compat=3, compat=4)", v)));
                        continue;
                }
                level = ak_compat_parse(v + 7);
                if (level < 0) {
                        (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 0,
                                           printable(strdup_printf("compat level '%s' must be 3 or 4", v + 7)));
                        continue;
                }
                where = strdup_printf("%s:%u", l->file, l->line);
                if (!where)
                        return -ENOMEM;
                if (rs->compat_origin == AK_COMPAT_ORIGIN_COMMAND_LINE) {
                        if (level != rs->compat)
                                (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 1,
                                                   strdup_printf("compat=%d ignored: the command line says --compat=%d", level, rs->compat));
                        continue;
                }
                if (rs->compat_origin == AK_COMPAT_ORIGIN_RULES) {
                        if (level != rs->compat)
                                (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 0,
                                                   printable(strdup_printf("compat=%d contradicts compat=%d of %s; the first is kept",
                                                                           level, rs->compat, rs->compat_detail)));
                        continue;
                }
                if (rs->priv->lines_run && level != rs->compat) {
                        (void) ak_diag_add(rs, l->file, l->line, (unsigned) start + 1, 0,
                                           strdup_printf("compat=%d comes after rules already compiled at level %d: "
                                                         "put it in the first source", level, rs->compat));
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
                r = run_line(&c, &rs->priv->sim, ls->v[i].text, ls->v[i].len);
                if (r < 0)
                        return r;
        }
        return ruleset_flatten(rs);
}

int ak_ruleset_add_source(ak_ruleset *rs, const char *path) {
        lineset ls = {};
        char *p;
        int r;

        if (GROW(rs->sources, rs->priv->sources_allocated, rs->n_sources + 1) < 0 || !(p = strdup(path)))
                return -ENOMEM;
        rs->sources[rs->n_sources++] = p;

        r = ak_read_source(rs, path, &ls);
        if (r > 0)
                r = run_lines(rs, &ls);
        lineset_done(&ls);
        return r;
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

int ak_rule_from_text(const char *text, ak_rule *ret, char **ret_message, unsigned *ret_column) {
        return rule_from_text_at(text, AK_COMPAT_LATEST, ret, ret_message, ret_column, NULL, NULL, 0);
}

int ak_rule_from_text_compat(const char *text, int level, ak_rule *ret, char **ret_message, unsigned *ret_column) {
        if (level != AK_COMPAT_3 && level != AK_COMPAT_4)
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
        size_t len, n, max;
        int r = -EINVAL;

        if (!copy)
                return -ENOMEM;
        len = strlen(copy);
        while (len > 0 && (copy[len - 1] == '\n' || copy[len - 1] == '\r'))
                copy[--len] = '\0';
        max = len / 2 + 2;
        store = malloc(len + max + 1);
        toks = calloc(max, sizeof(token));
        if (!store || !toks)
                return -ENOMEM;
        n = tokenize(copy, len, store, toks, max);
        if (builder_init(&b) < 0)
                return -ENOMEM;
        if (n == 0)
                lerr(&c, 1, 0, "empty rule");
        else if (parse_tokens(&c, toks, n, &b, &cmd) == 0 && !c.failed) {
                if (!cmd.rule)
                        lerr(&c, 1, 0, "not a rule (-a, -A, -d, -w or -W)");
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

/* ------------------------------------------------------------------------------------------ */
/* compatibility levels */

void ak_ruleset_set_compat(ak_ruleset *rs, int level, ak_compat_origin origin, const char *detail) {
        if (!rs || (level != AK_COMPAT_3 && level != AK_COMPAT_4))
                return;
        rs->compat = level;
        rs->compat_origin = origin;
        free(rs->compat_detail);
        rs->compat_detail = detail ? strdup(detail) : NULL;
}

const char *ak_ruleset_compat_describe(const ak_ruleset *rs, char *buf, size_t size) {
        const char *d = rs->compat_detail && *rs->compat_detail ? rs->compat_detail : NULL;

        switch (rs->compat_origin) {
        case AK_COMPAT_ORIGIN_HOST:
                snprintf(buf, size, "%d (%s meaning), from the installed %s", rs->compat, ak_compat_reference(rs->compat),
                         d ? d : "auditctl");
                break;
        case AK_COMPAT_ORIGIN_RULES:
                snprintf(buf, size, "%d (%s meaning), from compat=%d in %s", rs->compat, ak_compat_reference(rs->compat),
                         rs->compat, d ? d : "the rules");
                break;
        case AK_COMPAT_ORIGIN_COMMAND_LINE:
                snprintf(buf, size, "%d (%s meaning), from --compat=%d", rs->compat, ak_compat_reference(rs->compat),
                         rs->compat);
                break;
        default:
                snprintf(buf, size, "%d (%s meaning), the most recent level%s%s%s", rs->compat,
                         ak_compat_reference(rs->compat), d ? " (" : "", d ? d : "", d ? ")" : "");
                break;
        }
        return buf;
}

char *ak_ruleset_compat_explain(const ak_ruleset *rs, const ak_rule *r) {
        for (size_t i = 0; rs && r && i < rs->priv->n_alts; i++) {
                const compat_alt *a = &rs->priv->alts[i];

                if (ak_rule_equal(&a->other, r))
                        return strdup_printf("%s:%u as %s encodes it (compat level %d), not as compat level %d (%s) does: %s",
                                             a->file, a->line, ak_compat_reference(a->level), a->level, rs->compat,
                                             ak_compat_reference(rs->compat), a->why);
        }
        return NULL;
}
