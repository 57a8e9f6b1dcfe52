/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditd.conf checker. The facts it relies on (from auditd.conf(5) and the behaviour of auditd
 * 3.0.9 and 4.0.2, which read the file identically):
 * - a line is split into words at spaces (not tabs); '#' as the first word makes a comment;
 *   a setting is exactly "KEY = VALUE" or, for the four disk actions, "KEY = exec PATH";
 * - a line of 159 bytes or more, and a last line without a newline, are skipped ("too long");
 * - keywords and values are case-insensitive; an unknown keyword, a missing '=' or value, an
 *   invalid value, or a failing cross-check makes auditd refuse the whole file;
 * - defaults when a key is absent: space_left_action, admin_space_left_action and
 *   disk_full_action 'ignore', disk_error_action 'syslog', space_left and admin_space_left 0,
 *   num_logs 0, max_log_file_action 'ignore', flush 'none', freq 0, log_group root. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditkeep/ak-auditd-conf.h"
#include "macro.h"
#include "tables.h"
#include "util.h"

#define MIB (1024ul * 1024ul)
#define AUDITD_LINE_MAX 159     /* auditd reads lines with fgets into 160 bytes */
#define SENDMAIL "/usr/lib/sendmail"

typedef enum kw_type {
        T_YESNO,
        T_ENUM,
        T_NUM,
        T_SPACE,        /* MiB or N% */
        T_ACTION,
        T_LOGFILE,
        T_GROUP,
        T_MAIL,
        T_STRING,
        T_DEPRECATED,
        T_PORTS,
} kw_type;

enum {
        K_LOCAL_EVENTS, K_WRITE_LOGS, K_LOG_FILE, K_LOG_FORMAT, K_LOG_GROUP, K_FLUSH, K_FREQ, K_NUM_LOGS,
        K_DISPATCHER, K_NAME_FORMAT, K_NAME, K_DISP_QOS, K_MAX_LOG_FILE, K_MAX_LOG_FILE_ACTION,
        K_SPACE_LEFT, K_SPACE_LEFT_ACTION, K_ACTION_MAIL_ACCT, K_VERIFY_EMAIL, K_ADMIN_SPACE_LEFT,
        K_ADMIN_SPACE_LEFT_ACTION, K_DISK_FULL_ACTION, K_DISK_ERROR_ACTION, K_PRIORITY_BOOST,
        K_TCP_LISTEN_PORT, K_TCP_LISTEN_QUEUE, K_TCP_MAX_PER_ADDR, K_USE_LIBWRAP, K_TCP_CLIENT_PORTS,
        K_TCP_CLIENT_MAX_IDLE, K_TRANSPORT, K_ENABLE_KRB5, K_KRB5_PRINCIPAL, K_KRB5_KEY_FILE,
        K_DISTRIBUTE_NETWORK, K_Q_DEPTH, K_OVERFLOW_ACTION, K_MAX_RESTARTS, K_PLUGIN_DIR,
        K_END_OF_EVENT_TIMEOUT, _K_MAX
};

static const char *const log_formats[] = { "raw", "nolog", "enriched", NULL };
static const char *const flushes[] = { "none", "incremental", "incremental_async", "data", "sync", NULL };
enum { F_NONE, F_INCREMENTAL, F_INCREMENTAL_ASYNC, F_DATA, F_SYNC };
static const char *const size_actions[] = { "ignore", "syslog", "suspend", "rotate", "keep_logs", NULL };
static const char *const name_formats[] = { "none", "hostname", "fqd", "numeric", "user", NULL };
static const char *const overflow_actions[] = { "ignore", "syslog", "suspend", "single", "halt", NULL };
static const char *const transports[] = { "tcp", "krb5", NULL };
static const char *const actions[] = { "ignore", "syslog", "rotate", "email", "exec", "suspend", "single", "halt", NULL };
enum { A_IGNORE, A_SYSLOG, A_ROTATE, A_EMAIL, A_EXEC, A_SUSPEND, A_SINGLE, A_HALT };

/* Every keyword auditd knows, with the kind of its value: the kind picks the value's checker
 * (value_checks[], below) and, for T_ENUM and T_NUM, the words or the range. */
typedef struct keyword {
        const char *name;
        kw_type type;
        const char *const *words;       /* T_ENUM */
        unsigned long min, max;         /* T_NUM */
} keyword;

static const keyword keywords[_K_MAX] = {
        [K_LOCAL_EVENTS] = { "local_events", T_YESNO },
        [K_WRITE_LOGS] = { "write_logs", T_YESNO },
        [K_LOG_FILE] = { "log_file", T_LOGFILE },
        [K_LOG_FORMAT] = { "log_format", T_ENUM, log_formats },
        [K_LOG_GROUP] = { "log_group", T_GROUP },
        [K_FLUSH] = { "flush", T_ENUM, flushes },
        [K_FREQ] = { "freq", T_NUM, NULL, 0, INT_MAX },
        [K_NUM_LOGS] = { "num_logs", T_NUM, NULL, 0, 999 },
        [K_DISPATCHER] = { "dispatcher", T_DEPRECATED },
        [K_NAME_FORMAT] = { "name_format", T_ENUM, name_formats },
        [K_NAME] = { "name", T_STRING },
        [K_DISP_QOS] = { "disp_qos", T_DEPRECATED },
        [K_MAX_LOG_FILE] = { "max_log_file", T_NUM, NULL, 0, ULONG_MAX },
        [K_MAX_LOG_FILE_ACTION] = { "max_log_file_action", T_ENUM, size_actions },
        [K_SPACE_LEFT] = { "space_left", T_SPACE },
        [K_SPACE_LEFT_ACTION] = { "space_left_action", T_ACTION },
        [K_ACTION_MAIL_ACCT] = { "action_mail_acct", T_MAIL },
        [K_VERIFY_EMAIL] = { "verify_email", T_YESNO },
        [K_ADMIN_SPACE_LEFT] = { "admin_space_left", T_SPACE },
        [K_ADMIN_SPACE_LEFT_ACTION] = { "admin_space_left_action", T_ACTION },
        [K_DISK_FULL_ACTION] = { "disk_full_action", T_ACTION },
        [K_DISK_ERROR_ACTION] = { "disk_error_action", T_ACTION },
        [K_PRIORITY_BOOST] = { "priority_boost", T_NUM, NULL, 0, INT_MAX },
        [K_TCP_LISTEN_PORT] = { "tcp_listen_port", T_NUM, NULL, 1, 65535 },
        [K_TCP_LISTEN_QUEUE] = { "tcp_listen_queue", T_NUM, NULL, 1, 65535 },
        [K_TCP_MAX_PER_ADDR] = { "tcp_max_per_addr", T_NUM, NULL, 1, 1024 },
        [K_USE_LIBWRAP] = { "use_libwrap", T_YESNO },
        [K_TCP_CLIENT_PORTS] = { "tcp_client_ports", T_PORTS },
        [K_TCP_CLIENT_MAX_IDLE] = { "tcp_client_max_idle", T_NUM, NULL, 0, INT_MAX },
        [K_TRANSPORT] = { "transport", T_ENUM, transports },
        [K_ENABLE_KRB5] = { "enable_krb5", T_YESNO },
        [K_KRB5_PRINCIPAL] = { "krb5_principal", T_STRING },
        [K_KRB5_KEY_FILE] = { "krb5_key_file", T_STRING },
        [K_DISTRIBUTE_NETWORK] = { "distribute_network", T_YESNO },
        [K_Q_DEPTH] = { "q_depth", T_NUM, NULL, 0, 99999 },
        [K_OVERFLOW_ACTION] = { "overflow_action", T_ENUM, overflow_actions },
        [K_MAX_RESTARTS] = { "max_restarts", T_NUM, NULL, 0, INT_MAX },
        [K_PLUGIN_DIR] = { "plugin_dir", T_STRING },
        [K_END_OF_EVENT_TIMEOUT] = { "end_of_event_timeout", T_NUM, NULL, 0, ULONG_MAX },
};

typedef struct setting {
        unsigned line, column;          /* of the value; 0 when absent */
        unsigned option_column;
        unsigned seen;                  /* line of the last occurrence, valid or not */
        unsigned long num;              /* T_NUM, T_SPACE value; T_ENUM/T_ACTION/T_YESNO index */
        int percent;                    /* T_SPACE */
        char *option;                   /* T_ACTION: the exec path */
} setting;

typedef struct ctx {
        ak_auditd_conf *c;
        const char *file;
        const ak_auditd_conf_ops *ops;
        setting s[_K_MAX];
        unsigned long gid;
        int oom;
} ctx;

/* ------------------------------------------------------------------------------------------ */

static int op_stat(ctx *x, const char *path, struct stat *st) {
        if (x->ops && x->ops->stat)
                return x->ops->stat(path, st, x->ops->userdata);
        return stat(path, st) < 0 ? -errno : 0;
}

static int op_statvfs(ctx *x, const char *path, struct statvfs *sv) {
        if (x->ops && x->ops->statvfs)
                return x->ops->statvfs(path, sv, x->ops->userdata);
        return statvfs(path, sv) < 0 ? -errno : 0;
}

static int op_lookup_group(ctx *x, const char *name, unsigned *gid) {
        struct group gr, *res = NULL;
        char buf[4096];

        if (x->ops && x->ops->lookup_group)
                return x->ops->lookup_group(name, gid, x->ops->userdata);
        if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || !res)
                return 0;
        *gid = res->gr_gid;
        return 1;
}

static void diag(ctx *x, unsigned line, unsigned column, int warning, const char *fmt, ...) _printf_(5, 6);
static void diag(ctx *x, unsigned line, unsigned column, int warning, const char *fmt, ...) {
        ak_auditd_conf *c = x->c;
        va_list ap;
        char *m;

        va_start(ap, fmt);
        m = strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!m || GROW(c->diags, c->diags_allocated, c->n_diags + 1) < 0) {
                free(m);
                x->oom = 1;
                return;
        }
        c->diags[c->n_diags] = (ak_diag) { .file = strdup(x->file), .line = line, .column = column,
                                           .message = m, .warning = warning };
        if (!c->diags[c->n_diags].file) {
                free(m);
                x->oom = 1;
                return;
        }
        c->n_diags++;
        if (!warning)
                c->n_errors++;
}

static int word_index(const char *const *words, const char *s) {
        for (int i = 0; words[i]; i++)
                if (strcasecmp(words[i], s) == 0)
                        return i;
        return -1;
}

static const char *words_list(const char *const *words, char *buf, size_t size) {
        size_t n = 0;

        buf[0] = 0;
        for (int i = 0; words[i]; i++)
                n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? ", " : "", words[i]);
        return buf;
}

/* All digits: 0 and *ret; -EINVAL for another character, -ERANGE for overflow (as strtoul). */
static int parse_digits(const char *s, int allow_percent, unsigned long *ret, int *ret_percent) {
        int percent = 0;

        for (const char *p = s; *p; p++) {
                if (*p == '%' && allow_percent)
                        percent = 1;
                else if (!isdigit((unsigned char) *p))
                        return -EINVAL;
        }
        errno = 0;
        *ret = strtoul(s, NULL, 10);
        if (errno)
                return -errno;
        if (ret_percent)
                *ret_percent = percent;
        return 0;
}

static char *dirname_of(const char *path) {
        const char *slash = strrchr(path, '/');

        if (!slash)
                return strdup(".");
        while (slash > path && slash[-1] == '/')
                slash--;
        if (slash == path)
                return strdup("/");
        return strndup(path, slash - path);
}

/* ------------------------------------------------------------------------------------------ */

/* auditd's own test of an exec script (it refuses the file otherwise), then ours: every directory
 * above it must be root's and not writable by others, or someone else can replace the script. */
static void check_exec(ctx *x, int k, const char *path, unsigned line, unsigned column) {
        const char *key = keywords[k].name;
        _cleanup_free_ char *q = NULL, *dir = NULL;
        struct stat st;
        unsigned mode;
        int r;

        if (!path) {
                diag(x, line, column, 0, "'%s = exec' needs the script's path: '%s = exec /path/to/script'", key, key);
                return;
        }
        q = cescape(path);
        if (!q) {
                x->oom = 1;
                return;
        }
        if (path[0] != '/') {
                diag(x, line, column, 0, "exec script '%s' is not an absolute path; auditd refuses it: give the full path", q);
                return;
        }
        r = op_stat(x, path, &st);
        if (r < 0) {
                diag(x, line, column, 0, "exec script '%s': %s; auditd refuses to start: install the script or change %s",
                     q, strerror(-r), key);
                return;
        }
        if (!S_ISREG(st.st_mode)) {
                diag(x, line, column, 0, "exec script '%s' is not a regular file; auditd refuses it", q);
                return;
        }
        if (st.st_uid != 0) {
                diag(x, line, column, 0, "exec script '%s' is not owned by root; auditd refuses it: chown root '%s'", q, q);
                return;
        }
        mode = st.st_mode & 0777;
        if (mode != 0750 && mode != 0755 && mode != 0555 && mode != 0550) {
                diag(x, line, column, 0,
                     "exec script '%s' has mode %04o; auditd accepts only 0750, 0755, 0555 or 0550 "
                     "(executable, writable by root alone): chmod 0750 '%s'", q, mode, q);
                return;
        }
        dir = dirname_of(path);
        while (dir) {
                r = op_stat(x, dir, &st);
                if (r >= 0 && (st.st_uid != 0 || ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX)))) {
                        _cleanup_free_ char *qd = cescape(dir);
                        diag(x, line, column, 1,
                             "exec script '%s' can be replaced by a user other than root: its directory '%s' is %s; "
                             "move the script to a directory only root can write",
                             q, qd ? qd : "?", st.st_uid != 0 ? "not owned by root" : "writable by group or others");
                        return;
                }
                if (streq(dir, "/") || streq(dir, "."))
                        break;
                char *up = dirname_of(dir);
                free(dir);
                dir = up;
        }
        if (!dir)
                x->oom = 1;
}

static int valid_mail(const char *s) {
        const char *at, *dot;
        size_t len = strlen(s);

        if (len < 2)
                return 0;
        for (const char *p = s; *p; p++)
                if (!(isalnum((unsigned char) *p) || *p == '@' || *p == '.' || *p == '-' || *p == '_'))
                        return 0;
        at = strchr(s, '@');
        if (at) {
                dot = strrchr(s, '.');
                if (!dot || at > dot)
                        return 0;
        }
        return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* One checker per kind of value. Each gets the value as the line gives it, stores what it read in
 * v->s, and returns 0 when auditd would take it, -1 when auditd refuses it (reported). */

typedef struct value {
        int k;                          /* the keyword */
        setting *s;
        const char *text, *quoted;      /* the value word, and as messages print it */
        unsigned line, column;
        unsigned key_column;
        const char *extra;              /* the word after the value (an exec script), or NULL */
        unsigned extra_column;
} value;

typedef int (*value_check_fn)(ctx *x, const value *v);

static int check_yesno(ctx *x, const value *v) {
        int idx = strcasecmp(v->text, "yes") == 0 ? 1 : strcasecmp(v->text, "no") == 0 ? 0 : -1;

        if (idx < 0) {
                diag(x, v->line, v->column, 0, "%s takes 'yes' or 'no', not '%s'; auditd refuses this",
                     keywords[v->k].name, v->quoted);
                return -1;
        }
        v->s->num = (unsigned long) idx;
        return 0;
}

static int check_enum(ctx *x, const value *v) {
        const keyword *kw = &keywords[v->k];
        int idx = word_index(kw->words, v->text);
        char list[160];

        if (idx < 0) {
                diag(x, v->line, v->column, 0, "%s takes one of %s, not '%s'; auditd refuses this", kw->name,
                     words_list(kw->words, list, sizeof(list)), v->quoted);
                return -1;
        }
        v->s->num = (unsigned long) idx;
        if (v->k == K_LOG_FORMAT && idx == 1)
                diag(x, v->line, v->column, 1, "log_format = nolog is deprecated and turns write_logs off: no audit log is written; "
                     "use write_logs = no if that is meant");
        return 0;
}

static int check_num(ctx *x, const value *v) {
        const keyword *kw = &keywords[v->k];
        unsigned long num;
        int r;

        r = parse_digits(v->text, 0, &num, NULL);
        if (r == -EINVAL) {
                diag(x, v->line, v->column, 0, "%s takes a number, not '%s'; auditd refuses this", kw->name, v->quoted);
                return -1;
        }
        if (r < 0 || num > kw->max || num < kw->min) {
                diag(x, v->line, v->column, 0, "%s must be between %lu and %lu, not %s; auditd refuses this",
                     kw->name, kw->min, kw->max, v->quoted);
                return -1;
        }
        v->s->num = num;
        if (v->k == K_Q_DEPTH && num < 512)
                diag(x, v->line, v->column, 1, "q_depth %lu is below 512: auditd's dispatcher may drop events in a burst; "
                     "raise it (default 2000)", num);
        return 0;
}

/* MiB, or N% of the log's file system. */
static int check_space(ctx *x, const value *v) {
        const char *name = keywords[v->k].name;
        unsigned long num;
        int percent = 0, r;

        r = parse_digits(v->text, 1, &num, &percent);
        if (r == -EINVAL) {
                diag(x, v->line, v->column, 0, "%s takes a size in MiB or a percentage like 25%%, not '%s'; auditd refuses this",
                     name, v->quoted);
                return -1;
        }
        if (r < 0) {
                diag(x, v->line, v->column, 0, "%s '%s' is out of range; auditd refuses this", name, v->quoted);
                return -1;
        }
        if (percent && num > 99) {
                diag(x, v->line, v->column, 0, "%s percentage %lu%% is out of range 1-99; auditd refuses this", name, num);
                return -1;
        }
        if (percent && num == 0)
                diag(x, v->line, v->column, 1, "%s = 0%% is read as 0 MiB: the action fires only on an already full disk; "
                     "use a percentage in 1-99", name);
        v->s->num = num;
        v->s->percent = percent;
        return 0;
}

/* The disk actions: one of actions[], "exec" with its script. */
static int check_action(ctx *x, const value *v) {
        const char *name = keywords[v->k].name;
        int idx = word_index(actions, v->text);
        char list[160];

        if (idx < 0) {
                diag(x, v->line, v->column, 0, "%s takes one of %s, not '%s'; auditd refuses this", name,
                     v->k == K_DISK_ERROR_ACTION ? "ignore, syslog, exec, suspend, single, halt" :
                     v->k == K_DISK_FULL_ACTION ? "ignore, syslog, rotate, exec, suspend, single, halt" :
                     words_list(actions, list, sizeof(list)), v->quoted);
                return -1;
        }
        if ((idx == A_EMAIL && (v->k == K_DISK_FULL_ACTION || v->k == K_DISK_ERROR_ACTION)) ||
            (idx == A_ROTATE && v->k == K_DISK_ERROR_ACTION)) {
                diag(x, v->line, v->column, 0, "%s cannot be '%s'; auditd refuses this", name, v->quoted);
                return -1;
        }
        if (idx == A_EXEC) {
                size_t before = x->c->n_errors;

                check_exec(x, v->k, v->extra, v->line, v->extra ? v->extra_column : v->column + (unsigned) strlen(v->text));
                if (x->c->n_errors != before || !v->extra)
                        return -1;
                free(v->s->option);
                v->s->option = strdup(v->extra);
                if (!v->s->option)
                        x->oom = 1;
        } else if (v->extra) {
                /* auditd accepts and ignores the word after a non-exec action */
                _cleanup_free_ char *q = cescape(v->extra);
                diag(x, v->line, v->extra_column, 1, "auditd ignores '%s': only exec takes a script path", q ? q : "?");
        }
        if (idx == A_EMAIL) {
                struct stat st;

                if (op_stat(x, SENDMAIL, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                        diag(x, v->line, v->column, 1, "%s = email, but %s is not an executable file: the mail is never "
                             "sent; install a mail transfer agent or choose another action", name, SENDMAIL);
        }
        v->s->num = (unsigned long) idx;
        v->s->option_column = v->extra ? v->extra_column : 0;
        return 0;
}

static int check_logfile(ctx *x, const value *v) {
        _cleanup_free_ char *dir = dirname_of(v->text);
        struct stat st;
        int r;

        if (!dir) {
                x->oom = 1;
                return -1;
        }
        if (strlen(dir) < 4) {
                diag(x, v->line, v->column, 0, "log_file '%s' is in a directory whose name is shorter than '/var'; auditd refuses it",
                     v->quoted);
                return -1;
        }
        r = op_stat(x, dir, &st);
        if (r >= 0 && !S_ISDIR(st.st_mode))
                r = -ENOTDIR;
        if (r < 0) {
                diag(x, v->line, v->column, 0, "log_file's directory: %s; auditd refuses to start: create it or fix log_file",
                     strerror(-r));
                return -1;
        }
        r = op_stat(x, v->text, &st);
        if (r >= 0 && !S_ISREG(st.st_mode)) {
                diag(x, v->line, v->column, 0, "log_file '%s' is not a regular file; auditd refuses it", v->quoted);
                return -1;
        }
        if (r >= 0 && st.st_uid != 0) {
                diag(x, v->line, v->column, 0, "log_file '%s' is not owned by root; auditd refuses it", v->quoted);
                return -1;
        }
        free(x->c->log_file);
        x->c->log_file = strdup(v->text);
        if (!x->c->log_file)
                x->oom = 1;
        return 0;
}

static int check_group(ctx *x, const value *v) {
        unsigned gid;

        if (isdigit((unsigned char) v->text[0])) {
                errno = 0;
                x->gid = strtoul(v->text, NULL, 10);
                if (errno) {
                        diag(x, v->line, v->column, 0, "log_group '%s' is out of range; auditd refuses this", v->quoted);
                        return -1;
                }
        } else if (op_lookup_group(x, v->text, &gid) > 0)
                x->gid = gid;
        else {
                diag(x, v->line, v->column, 0, "log_group '%s' is not a known group; auditd refuses this", v->quoted);
                return -1;
        }
        return 0;
}

static int check_mail(ctx *x, const value *v) {
        const setting *verify = &x->s[K_VERIFY_EMAIL];

        if ((verify->line == 0 || verify->num == 1) && !valid_mail(v->text)) {
                diag(x, v->line, v->column, 0, "action_mail_acct '%s' is not a valid address (letters, digits, '@', '.', '-', '_', "
                     "a '.' after '@'); auditd refuses this", v->quoted);
                return -1;
        }
        return 0;
}

static int check_string(ctx *x, const value *v) {
        return 0;
}

static int check_deprecated(ctx *x, const value *v) {
        diag(x, v->line, v->key_column, 1, "%s is deprecated and ignored by auditd 3.0 and later; remove it (plugins are "
             "configured in plugin_dir)", keywords[v->k].name);
        return 0;
}

/* A port or a range of ports, "1024-65535". */
static int check_ports(ctx *x, const value *v) {
        const char *s = v->text, *dash = strchr(s, '-');
        unsigned long a, b;
        char *e1, *e2;
        int ok;

        if (!isdigit((unsigned char) s[0]))
                ok = 0;
        else {
                errno = 0;
                a = strtoul(s, &e1, 10);
                b = a;
                if (dash && e1 == dash && isdigit((unsigned char) dash[1])) {
                        b = strtoul(dash + 1, &e2, 10);
                        ok = *e2 == 0;
                } else
                        ok = *e1 == 0;
                ok = ok && !errno && a <= 65535 && b <= 65535 && a <= b;
        }
        if (!ok) {
                diag(x, v->line, v->column, 0, "tcp_client_ports takes a port or a range like 1024-65535, not '%s'; auditd refuses this",
                     v->quoted);
                return -1;
        }
        return 0;
}

static const value_check_fn value_checks[] = {
        [T_YESNO] = check_yesno,
        [T_ENUM] = check_enum,
        [T_NUM] = check_num,
        [T_SPACE] = check_space,
        [T_ACTION] = check_action,
        [T_LOGFILE] = check_logfile,
        [T_GROUP] = check_group,
        [T_MAIL] = check_mail,
        [T_STRING] = check_string,
        [T_DEPRECATED] = check_deprecated,
        [T_PORTS] = check_ports,
};

/* ------------------------------------------------------------------------------------------ */
/* The line around the value. */

/* A line's words, split at spaces only: a tab is part of a word, as in auditd. Columns from 1. */
typedef struct words {
        char *w[5];
        unsigned col[5];
        size_t n;
} words;

static void split_words(char *buf, words *ret) {
        char *p = buf;

        ret->n = 0;
        while (*p && ret->n < ELEMENTSOF(ret->w)) {
                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                ret->w[ret->n] = p;
                ret->col[ret->n] = (unsigned) (p - buf) + 1;
                ret->n++;
                while (*p && *p != ' ')
                        p++;
                if (*p)
                        *p++ = 0;
        }
}

/* "KEY = VALUE": tabs, a misplaced '=', a missing value. 0, or -1 when reported. */
static int check_form(ctx *x, const words *t, unsigned line) {
        for (size_t i = 0; i < t->n && i < 2; i++) {
                const char *tab = strchr(t->w[i], '\t');
                if (tab) {
                        diag(x, line, t->col[i] + (unsigned) (tab - t->w[i]), 0,
                             "a tab does not separate words for auditd (only spaces do); auditd refuses this line: "
                             "replace the tab with a space");
                        return -1;
                }
        }
        if (t->n == 1 || !streq(t->w[1], "=")) {
                const char *key = t->w[0], *eq = strchr(key, '=');
                _cleanup_free_ char *q = eq ? strndup(key, (size_t) (eq - key)) : NULL, *qq = NULL;
                qq = cescape(q ? q : key);
                free(q);
                q = TAKE_PTR(qq);
                if (eq || (t->n > 1 && t->w[1][0] == '='))
                        diag(x, line, t->n > 1 && !eq ? t->col[1] : t->col[0] + (unsigned) (eq - key), 0,
                             "'=' must stand alone between spaces; auditd refuses this line: write '%s = ...'",
                             q ? q : "?");
                else
                        diag(x, line, t->n > 1 ? t->col[1] : t->col[0] + (unsigned) strlen(key), 0,
                             "expected 'KEY = VALUE' after '%s'; auditd refuses this line", q ? q : "?");
                return -1;
        }
        if (t->n == 2) {
                diag(x, line, t->col[1] + 1, 0, "missing value after '='; auditd refuses this line");
                return -1;
        }
        return 0;
}

/* The keyword's index, or -1 when unknown (reported, with the closest name). */
static int find_keyword(ctx *x, const char *word, unsigned line, unsigned column) {
        const char *names[_K_MAX], *w;
        _cleanup_free_ char *q = NULL;
        char lower[64];
        size_t i;

        for (int k = 0; k < _K_MAX; k++)
                if (strcasecmp(keywords[k].name, word) == 0)
                        return k;

        q = cescape(word);
        for (i = 0; i < _K_MAX; i++)
                names[i] = keywords[i].name;
        for (i = 0; word[i] && i < sizeof(lower) - 1; i++)
                lower[i] = (char) tolower((unsigned char) word[i]);
        lower[i] = 0;
        w = ak_closest_word(lower, names, _K_MAX);
        diag(x, line, column, 0, "unknown keyword '%s'%s%s%s; auditd (3.0.9 and 4.0.2) refuses the file",
             q ? q : "?", w ? " (did you mean '" : "", w ? w : "", w ? "'?)" : "");
        return -1;
}

/* Words past the value: one only after an action (the exec script), and that takes no more. */
static int check_extra_words(ctx *x, int k, const words *t, unsigned line) {
        if (t->n >= 4 && keywords[k].type != T_ACTION) {
                _cleanup_free_ char *q = cescape(t->w[3]);
                diag(x, line, t->col[3], 0, "'%s' takes one value, '%s' is one word too many; auditd refuses this line",
                     keywords[k].name, q ? q : "?");
                return -1;
        }
        if (t->n >= 5) {
                _cleanup_free_ char *q = cescape(t->w[4]);
                diag(x, line, t->col[4], 1, "auditd ignores '%s' and what follows: an exec script takes no arguments",
                     q ? q : "?");
        }
        return 0;
}

/* One "KEY = VALUE [OPTION]" line: its form, its keyword, then its value by the keyword's kind. */
static void check_line(ctx *x, char *buf, unsigned line) {
        _cleanup_free_ char *qv = NULL;
        words t;
        value v;
        int k;

        split_words(buf, &t);
        if (t.n == 0 || t.w[0][0] == '#')
                return;
        x->c->n_lines++;
        if (check_form(x, &t, line) < 0)
                return;
        k = find_keyword(x, t.w[0], line, t.col[0]);
        if (k < 0)
                return;
        x->s[k].seen = line;
        if (check_extra_words(x, k, &t, line) < 0)
                return;

        qv = cescape(t.w[2]);
        if (!qv) {
                x->oom = 1;
                return;
        }
        v = (value) {
                .k = k,
                .s = &x->s[k],
                .text = t.w[2],
                .quoted = qv,
                .line = line,
                .column = t.col[2],
                .key_column = t.col[0],
                .extra = t.n >= 4 ? t.w[3] : NULL,
                .extra_column = t.n >= 4 ? t.col[3] : 0,
        };
        if (value_checks[keywords[k].type](x, &v) < 0)
                return;
        x->s[k].line = line;
        x->s[k].column = t.col[2];
}

/* The key's last line was refused (and reported): checks that need its value say nothing more. */
static int refused(const ctx *x, int k) {
        return x->s[k].seen && x->s[k].seen != x->s[k].line;
}

/* The checks across keys, after the whole file. */
static void check_all(ctx *x) {
        ak_auditd_conf *c = x->c;
        setting *sl = &x->s[K_SPACE_LEFT], *asl = &x->s[K_ADMIN_SPACE_LEFT];
        _cleanup_free_ char *dir = NULL, *qdir = NULL;
        struct statvfs sv;
        int have_fs = 0, r;
        unsigned long frsize = 0;

        /* auditd's sanity check: refuses the file */
        int spaces_known = !refused(x, K_SPACE_LEFT) && !refused(x, K_ADMIN_SPACE_LEFT);

        if (spaces_known && !sl->percent && !asl->percent && sl->num <= asl->num) {
                setting *at = sl->line ? sl : asl;
                diag(x, at->line, at->column, 0,
                     "space_left (%lu MiB) must be larger than admin_space_left (%lu MiB); auditd refuses the file: "
                     "raise space_left", sl->num, asl->num);
        }
        if (!refused(x, K_FREQ) && x->s[K_FLUSH].line && (x->s[K_FLUSH].num == F_INCREMENTAL || x->s[K_FLUSH].num == F_INCREMENTAL_ASYNC) &&
            x->s[K_FREQ].num == 0) {
                setting *at = x->s[K_FREQ].line ? &x->s[K_FREQ] : &x->s[K_FLUSH];
                diag(x, at->line, at->column, 0, "flush = %s needs freq above 0; auditd refuses the file: set freq (e.g. 50)",
                     flushes[x->s[K_FLUSH].num]);
        }
        if (x->s[K_FLUSH].num > F_INCREMENTAL_ASYNC && x->s[K_FREQ].num != 0)
                diag(x, x->s[K_FREQ].line, x->s[K_FREQ].column, 1, "freq is ignored unless flush is incremental or "
                     "incremental_async; remove it");
        dir = dirname_of(c->log_file);
        if (!dir) {
                x->oom = 1;
                return;
        }
        if (x->gid != 0 && streq(dir, "/var/log") && !refused(x, K_LOG_FILE))
                diag(x, x->s[K_LOG_GROUP].line, x->s[K_LOG_GROUP].column, 0,
                     "log_file is directly in /var/log and log_group is not root: auditd refuses to change a system "
                     "directory's group; put log_file in its own directory");

        /* warnings: the trail's safety */
        static const int action_keys[] = { K_SPACE_LEFT_ACTION, K_ADMIN_SPACE_LEFT_ACTION, K_DISK_FULL_ACTION, K_DISK_ERROR_ACTION };
        static const char *const action_when[] = {
                "the disk runs low", "the disk is nearly full", "the disk is full", "writing the log fails" };
        for (size_t i = 0; i < ELEMENTSOF(action_keys); i++) {
                int k = action_keys[i];
                setting *s = &x->s[k];
                int deflt = k == K_DISK_ERROR_ACTION ? A_SYSLOG : A_IGNORE;
                int a = s->line ? (int) s->num : deflt;
                if (a != A_IGNORE || (!s->line && s->seen))
                        continue;       /* a refused line is reported already */
                diag(x, s->line, s->column, 1,
                     "%s is %s: when %s auditd does nothing and records are lost silently; set it to %s "
                     "(auditd.conf(5))", keywords[k].name, s->line ? "'ignore'" : "not set and defaults to 'ignore'",
                     action_when[i], k == K_SPACE_LEFT_ACTION ? "email, exec or syslog" :
                     k == K_DISK_ERROR_ACTION ? "syslog, single or halt" : "suspend, single or halt");
        }
        if (x->s[K_MAX_LOG_FILE_ACTION].line && x->s[K_MAX_LOG_FILE_ACTION].num == 3 /* rotate */ &&
            x->s[K_NUM_LOGS].num < 2 && !refused(x, K_NUM_LOGS))
                diag(x, x->s[K_MAX_LOG_FILE_ACTION].line, x->s[K_MAX_LOG_FILE_ACTION].column, 1,
                     "max_log_file_action = rotate with num_logs %lu: auditd does not rotate below 2 logs; "
                     "set num_logs to 2 or more", x->s[K_NUM_LOGS].num);

        /* the log's file system: resolve percentages as auditd does at start, and compare with the
         * free space there now */
        qdir = cescape(dir);
        r = op_statvfs(x, dir, &sv);
        if (r >= 0) {
                frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
                have_fs = 1;
                c->free_mib = (unsigned long) ((unsigned long long) sv.f_bavail * frsize / MIB);
        } else if (sl->percent || asl->percent)
                diag(x, sl->percent ? sl->line : asl->line, sl->percent ? sl->column : asl->column, 1,
                     "cannot measure the file system of '%s' (%s), so the percentage cannot be checked", qdir ? qdir : "?",
                     strerror(-r));
        c->space_left_mib = sl->num;
        c->admin_space_left_mib = asl->num;
        if (have_fs) {
                if (sl->percent)
                        c->space_left_mib = (unsigned long) ((unsigned long long) (sv.f_blocks * (sl->num / 100.0)) * frsize / MIB);
                if (asl->percent)
                        c->admin_space_left_mib = (unsigned long) ((unsigned long long) (sv.f_blocks * (asl->num / 100.0)) * frsize / MIB);
        }
        if (spaces_known && (sl->percent || asl->percent) && have_fs && c->space_left_mib <= c->admin_space_left_mib)
                diag(x, sl->line ? sl->line : asl->line, sl->line ? sl->column : asl->column, 1,
                     "space_left (%lu MiB) is not above admin_space_left (%lu MiB) on the file system of '%s': "
                     "the first warning never comes before the last-chance action; raise space_left",
                     c->space_left_mib, c->admin_space_left_mib, qdir ? qdir : "?");
        if (have_fs) {
                if (sl->line && c->space_left_mib >= c->free_mib)
                        diag(x, sl->line, sl->column, 1,
                             "space_left (%lu MiB) is at or above the free space on the file system of '%s' (%lu MiB): "
                             "space_left_action fires as soon as auditd starts; free space or lower space_left",
                             c->space_left_mib, qdir ? qdir : "?", c->free_mib);
                if (asl->line && c->admin_space_left_mib >= c->free_mib)
                        diag(x, asl->line, asl->column, 1,
                             "admin_space_left (%lu MiB) is at or above the free space on the file system of '%s' (%lu MiB): "
                             "admin_space_left_action fires as soon as auditd starts; free space or lower admin_space_left",
                             c->admin_space_left_mib, qdir ? qdir : "?", c->free_mib);
        }
}

static int diag_cmp(const void *a, const void *b);

static int check_text(ak_auditd_conf *c, const char *name, const char *text, size_t len, const ak_auditd_conf_ops *ops) {
        ctx x = { .c = c, .file = name ? name : "", .ops = ops };
        unsigned line = 0;
        size_t pos = 0;

        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t l = nl ? (size_t) (nl - (text + pos)) : len - pos;
                size_t visible = strnlen(text + pos, l);   /* auditd reads a C string: a NUL ends it */

                line++;
                if (l >= AUDITD_LINE_MAX)
                        diag(&x, line, AUDITD_LINE_MAX, 1, "line is %zu bytes long; auditd skips lines of %d bytes or more, "
                             "so this setting is lost: shorten it", l, AUDITD_LINE_MAX);
                else if (!nl)
                        diag(&x, line, (unsigned) l + 1, 1, "the last line has no newline; auditd skips it, so this setting "
                             "is lost: end the file with a newline");
                else {
                        char buf[AUDITD_LINE_MAX + 1];
                        memcpy(buf, text + pos, visible);
                        buf[visible] = 0;
                        check_line(&x, buf, line);
                }
                if (x.oom)
                        break;
                pos += l + (nl ? 1 : 0);
        }
        /* auditd runs its cross-checks only when the file has lines */
        if (!x.oom && line > 0)
                check_all(&x);
        for (int k = 0; k < _K_MAX; k++)
                free(x.s[k].option);
        /* in line order, the file's own problems last (qsort is not stable: ties keep the
         * order of the cross-checks above only by column, which is enough for one line) */
        if (c->n_diags > 1)
                qsort(c->diags, c->n_diags, sizeof(c->diags[0]), diag_cmp);
        return x.oom ? -ENOMEM : 0;
}

static int diag_cmp(const void *a, const void *b) {
        const ak_diag *x = a, *y = b;
        unsigned lx = x->line ? x->line : UINT_MAX, ly = y->line ? y->line : UINT_MAX;

        if (lx != ly)
                return lx < ly ? -1 : 1;
        if (x->column != y->column)
                return x->column < y->column ? -1 : 1;
        return x < y ? -1 : x > y;
}

static int conf_new(ak_auditd_conf **ret) {
        ak_auditd_conf *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->log_file = strdup("/var/log/audit/audit.log");
        if (!c->log_file) {
                free(c);
                return -ENOMEM;
        }
        c->free_mib = ULONG_MAX;
        *ret = c;
        return 0;
}

int ak_auditd_conf_check_text(const char *name, const char *text, size_t len, const ak_auditd_conf_ops *ops,
                              ak_auditd_conf **ret) {
        ak_auditd_conf *c;
        int r;

        assert(name);
        assert(text || len == 0);
        assert(ret);

        r = conf_new(&c);
        if (r < 0)
                return r;
        r = check_text(c, name, text, len, ops);
        if (r < 0) {
                ak_auditd_conf_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int ak_auditd_conf_check_file(const char *path, const ak_auditd_conf_ops *ops, ak_auditd_conf **ret) {
        ak_auditd_conf *c;
        ctx x;
        struct stat st;
        strbuf b = {};
        char chunk[4096];
        _cleanup_close_ int fd = -1;
        FILE *f;
        int r, ok = 0;

        assert(path);
        assert(ret);

        r = conf_new(&c);
        if (r < 0)
                return r;
        x = (ctx) { .c = c, .file = path, .ops = ops };
        /* auditd's checks of the file itself, on the descriptor that is read: auditd opens it
         * with O_NOFOLLOW, so a symlink is refused; O_NONBLOCK, so that a FIFO put in its place
         * cannot block the reader (the daemon's event loop) */
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ELOOP)
                        diag(&x, 0, 0, 0, "is a symbolic link; auditd refuses it (it opens the file with O_NOFOLLOW): "
                             "put the file itself there");
                else
                        diag(&x, 0, 0, 0, "cannot read: %s", strerror(errno));
                goto done;
        }
        if (fstat(fd, &st) < 0)
                diag(&x, 0, 0, 0, "cannot read: %s", strerror(errno));
        else if (!S_ISREG(st.st_mode))
                diag(&x, 0, 0, 0, "not a regular file; auditd refuses it");
        else if (st.st_uid != 0)
                diag(&x, 0, 0, 0, "not owned by root; auditd refuses it: chown root");
        else if (st.st_mode & S_IWOTH)
                diag(&x, 0, 0, 0, "writable by everyone; auditd refuses it: chmod o-w");
        else
                ok = 1;
        if (x.oom || !ok)
                goto done;
        f = fdopen(fd, "re");
        if (!f) {
                diag(&x, 0, 0, 0, "cannot open: %s", strerror(errno));
                goto done;
        }
        fd = -1;        /* f owns it */
        for (;;) {
                size_t n = fread(chunk, 1, sizeof(chunk), f);
                if (n == 0)
                        break;
                strbuf_append(&b, chunk, n);
                if (b.len > 1024 * 1024) {
                        diag(&x, 0, 0, 1, "larger than 1 MiB; only the first MiB is checked");
                        break;
                }
        }
        if (ferror(f))
                diag(&x, 0, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        fclose(f);
        if (b.oom) {
                x.oom = 1;
                goto done;
        }
        if (!x.oom && check_text(c, path, b.s ? b.s : "", b.len, ops) < 0)
                x.oom = 1;
done:
        strbuf_done(&b);
        if (x.oom) {
                ak_auditd_conf_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

ak_auditd_conf *ak_auditd_conf_free(ak_auditd_conf *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_diags; i++) {
                free(c->diags[i].file);
                free(c->diags[i].message);
        }
        free(c->diags);
        free(c->log_file);
        free(c);
        return NULL;
}
