/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl: check rules offline, apply them to the kernel once, show the difference. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <time.h>

#include "auditkeep/ak-auditd-conf.h"
#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-metrics.h"
#include "auditkeep/ak-sync.h"
#include "auditkeep/ak-rules.h"
#include "compat-host.h"
#include "constants.h"
#include "ctl-sdbus.h"
#include "macro.h"
#include "util.h"

#define KERNEL_TIMEOUT_USEC (120u * 1000000u)  /* generous: a delete takes 0.05-0.4 ms here, far more on a loaded kernel */

enum { EXIT_OK = 0, EXIT_PROBLEMS = 1, EXIT_UNREACHABLE = 2 };

static void ak_ruleset_freep(ak_ruleset **p) { ak_ruleset_free(*p); }
static void ak_nl_freep(ak_nl **p) { ak_nl_free(*p); }

static int arg_exact_order = 0;
static ak_foreign_policy arg_foreign = AK_FOREIGN_REMOVE;
static int arg_quiet = 0;
static int arg_json = 0;
static int arg_prometheus = 0;
static const char *arg_auditd_conf = NULL;   /* check: NULL = the default when it exists */
static int arg_compat = 0;      /* --compat=3|4; 0: the host's auditctl, else the most recent */

typedef struct verb {
        const char *name;
        const char *args;
        const char *help;
        int (*run)(int argc, char **argv);
} verb;

static const verb *verbs_table(size_t *n);

static void help(void) {
        size_t n;
        const verb *v = verbs_table(&n);

        printf("Usage: auditkeepctl [OPTIONS] COMMAND [ARGS...]\n\n"
               "Keep the kernel's audit configuration equal to audit.rules files.\n\n"
               "Commands:\n");
        for (size_t i = 0; i < n; i++)
                printf("  %-8s %-22s %s\n", v[i].name, v[i].args, v[i].help);
        printf("\nOptions:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --exact-order       apply/diff: also restore order that only decides which key\n"
               "                         labels a record (may delete and re-add rules)\n"
               "     --foreign=POLICY    apply/diff: 'remove' (default) or 'keep' rules not declared\n"
               "  -q --quiet             apply: print only problems\n"
               "     --json              status, rules, diff, resync, reload: print JSON\n"
               "     --prometheus        status: print the Prometheus metrics (as auditkeepd --metrics writes them)\n"
               "     --auditd-conf=FILE  check: the auditd.conf to check (default %s\n"
               "                         when it exists; 'none' to skip it)\n"
               "     --compat=3|4        check/apply/diff: compile the rules as auditctl 3.0.9 (3) or\n"
               "                         4.0.2 (4) does (default: as the installed auditctl, else 4)\n\n"
               "PATH is a rules file or a directory of *.rules files (read as augenrules does).\n"
               "Without PATH: %s/, else %s.\n\n"
               "Exit status: 0 success or in sync, 1 errors in the rules (or auditd.conf), pending rules or a\n"
               "difference (diff), 2 the kernel cannot be reached.\n",
               DEFAULT_AUDITD_CONF, DEFAULT_RULES_DIR, DEFAULT_RULES_FILE);
}

/* Parsing, planning and the kernel's listing touch about 2.5 KiB of fresh heap per rule (some 25
 * bytes per byte of rules text). Where a page fault is expensive (a guest with shadow paging:
 * faults were a third of a 5000-rule check, bench/RESULTS.md), grow the heap once by what the
 * rules will need and ask for transparent huge pages on it: one fault per 2 MiB instead of per
 * 4 KiB. Only for files from about 150 rules up; THP in 'never' mode makes it a no-op. */
static void heap_reserve(int argc, char **argv) {
        const size_t huge = 2u << 20;
        size_t text = 0, bytes;
        uintptr_t start, end;
        void *p;

        for (int i = 0; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
                        text += (size_t) st.st_size;
        }
        if (text < (size_t) 16 * 1024)
                return;
        bytes = text * 25 + 2 * huge;   /* room to align to huge pages */
        if (bytes >= (size_t) 30 << 20)
                bytes = (size_t) 30 << 20;
        (void) mallopt(M_MMAP_THRESHOLD, 32 << 20);     /* glibc's maximum: bytes comes from the heap */
        (void) mallopt(M_TRIM_THRESHOLD, 64 << 20);
        p = malloc(bytes);
        if (!p)
                return;
        start = ((uintptr_t) p + huge - 1) & ~(uintptr_t) (huge - 1);
        end = ((uintptr_t) p + bytes) & ~(uintptr_t) (huge - 1);
        if (end > start)
                (void) madvise((void *) start, end - start, MADV_HUGEPAGE);
        free(p);        /* back to the heap's top, kept (trim threshold): the rules land there */
}

/* Read the sources (or the defaults) into a ruleset and print every diagnostic. */
static int load_rules(int argc, char **argv, ak_ruleset **ret) {
        ak_ruleset *rs;
        int r;

        heap_reserve(argc, argv);

        r = ak_ruleset_new(&rs);
        if (r < 0)
                return r;
        compat_host_setup(rs, arg_compat);
        if (argc == 0)
                r = ak_ruleset_add_default_sources(rs);
        else
                for (int i = 0; i < argc && r >= 0; i++)
                        r = ak_ruleset_add_source(rs, argv[i]);
        if (r < 0) {
                ak_ruleset_free(rs);
                return r;
        }
        for (size_t i = 0; i < rs->n_diags; i++) {
                _cleanup_free_ char *s = ak_diag_format(&rs->diags[i]);
                fprintf(stderr, "%s\n", s ? s : "(out of memory)");
        }
        *ret = rs;
        return 0;
}

/* check: auditd.conf's diagnostics in the rules' format, and a summary line. > 0 when it has errors. */
static int check_auditd_conf(void) {
        const char *path = arg_auditd_conf;
        ak_auditd_conf *c;
        struct stat st;
        size_t warnings;
        int r;

        if (path && streq(path, "none"))
                return 0;
        if (!path) {
                /* Debian ships it 0640 root in a 0750 directory: an unprivileged check of the
                 * rules is not an error, it says what it could not read */
                int e = 0;
                if (stat(DEFAULT_AUDITD_CONF, &st) < 0 || access(DEFAULT_AUDITD_CONF, R_OK) < 0)
                        e = errno;
                if (e != 0 && e != EACCES)
                        return 0;       /* no auditd.conf here: nothing to check */
                if (e == EACCES) {
                        printf("%s: not checked (%s; run as root, or give --auditd-conf=FILE)\n",
                               DEFAULT_AUDITD_CONF, strerror(EACCES));
                        return 0;
                }
                path = DEFAULT_AUDITD_CONF;
        }
        fflush(stdout);         /* the rules' summary first, then these diagnostics (stderr) */
        r = ak_auditd_conf_check_file(path, /* ops= */ NULL, &c);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s: %s\n", path, strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < c->n_diags; i++) {
                _cleanup_free_ char *s = ak_diag_format(&c->diags[i]);
                fprintf(stderr, "%s\n", s ? s : "(out of memory)");
        }
        warnings = c->n_diags - c->n_errors;
        printf("%s: %zu settings, %zu errors", path, c->n_lines, c->n_errors);
        if (warnings)
                printf(", %zu warnings", warnings);
        printf("\n");
        r = c->n_errors > 0;
        ak_auditd_conf_free(c);
        return r;
}

static int verb_check(int argc, char **argv) {
        ak_ruleset *rs;
        size_t warnings;
        char level[400];
        int r;

        r = load_rules(argc, argv, &rs);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s\n", strerror(-r));
                return EXIT_PROBLEMS;
        }
        /* lines whose meaning depends on the level: warnings here, for whoever moves the rules */
        for (size_t i = 0; i < rs->n_notes; i++) {
                _cleanup_free_ char *s = ak_diag_format(&rs->notes[i]);
                fprintf(stderr, "%s\n", s ? s : "(out of memory)");
        }
        fflush(stderr);
        warnings = rs->n_diags - rs->n_errors + rs->n_notes;
        printf("compat level %s\n", ak_ruleset_compat_describe(rs, level, sizeof(level)));
        printf("%zu rules, %zu status settings, %zu errors", rs->n_rules, rs->n_status_settings, rs->n_errors);
        if (warnings)
                printf(", %zu warnings", warnings);
        if (rs->n_notes)
                printf(" (%zu lines differ at compat level %d)", rs->n_notes, rs->compat == AK_COMPAT_3 ? 4 : 3);
        printf("\n");
        r = rs->n_errors ? EXIT_PROBLEMS : EXIT_OK;
        ak_ruleset_free(rs);
        if (check_auditd_conf() > 0)
                r = EXIT_PROBLEMS;
        return r;
}

static const char *kernel_error(int r) {
        switch (-r) {
        case EPROTONOSUPPORT:
                return "the kernel has no audit support (booted with audit=0, or built without CONFIG_AUDIT)";
        case EPERM:
        case EACCES:
                return "permission denied: run as root (CAP_AUDIT_CONTROL) in the initial PID namespace";
        case ECONNREFUSED:
                return "audit control is refused in this user namespace (containers cannot configure audit)";
        case ETIMEDOUT:
                return "the kernel did not answer in time";
        default:
                return strerror(-r);
        }
}

static void print_origin(FILE *f, const ak_rule *r) {
        if (r->file)
                fprintf(f, "  (%s:%u)", r->file, r->line);
}

static const ak_ruleset *print_rules; /* for print_op's explanations */

static void print_op(FILE *f, const ak_op *op, const struct audit_status *have, const char *prefix_err) {
        _cleanup_free_ char *text = ak_op_format(op, have, 0), *why = NULL;

        fputs(text ? text : "?", f);
        if (op->type == AK_OP_ADD_RULE || op->type == AK_OP_DEL_RULE)
                print_origin(f, op->rule);
        if (prefix_err && op->error)
                fprintf(f, ": %s%s", prefix_err, strerror(-op->error));
        fputc('\n', f);
        /* a rule the other level's auditctl loaded: say which line it is and why it differs */
        if (op->type == AK_OP_DEL_RULE && print_rules && (why = ak_ruleset_compat_explain(print_rules, op->rule)))
                fprintf(f, "    (%s)\n", why);
}

static void json_str(const char *s);

static int open_kernel(ak_nl **ret) {
        int r = ak_nl_open(ret);

        if (r < 0)
                fprintf(stderr, "auditkeepctl: cannot talk to the kernel's audit subsystem: %s\n", kernel_error(r));
        return r;
}

static int verb_diff_or_apply(int argc, char **argv, int apply) {
        _cleanup_(ak_ruleset_freep) ak_ruleset *rs = NULL;
        _cleanup_(ak_nl_freep) ak_nl *nl = NULL;
        ak_plan_opts opts = { .foreign = arg_foreign, .exact_order = arg_exact_order };
        ak_sync_report rep;
        const ak_plan *p;
        int r, ret;

        r = load_rules(argc, argv, &rs);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s\n", strerror(-r));
                return EXIT_PROBLEMS;
        }
        if (open_kernel(&nl) < 0)
                return EXIT_UNREACHABLE;
        r = ak_sync(nl, rs, &opts, !apply, KERNEL_TIMEOUT_USEC, &rep);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s\n", kernel_error(r));
                ak_sync_report_done(&rep);
                return EXIT_UNREACHABLE;
        }
        p = rep.plan;
        print_rules = rs;

        if (!apply && arg_json) {
                printf("[");
                for (size_t i = 0; i < p->n_ops; i++) {
                        _cleanup_free_ char *text = ak_op_format(&p->ops[i], &rep.before.status, 0);
                        printf("%s", i ? "," : "");
                        json_str(text ? text : "?");
                }
                printf("]\n");
                ret = p->in_sync ? EXIT_OK : EXIT_PROBLEMS;
                ak_sync_report_done(&rep);
                return ret;
        }
        if (!apply) {
                for (size_t i = 0; i < p->n_ops; i++)
                        print_op(stdout, &p->ops[i], &rep.before.status, NULL);
                if (p->locked)
                        printf("kernel is locked (enabled=2): nothing can change until reboot\n");
                if (p->n_keys_only)
                        printf("%zu rules out of file order, keys only (use --exact-order to restore)\n", p->n_keys_only);
                if (p->lock_withheld) {
                        char why[160];
                        printf("lock (-e 2) withheld: %s\n", ak_sync_lock_withheld_reason(&rep, rs, why, sizeof(why)));
                }
                ret = p->in_sync && !p->lock_withheld ? EXIT_OK : EXIT_PROBLEMS;
                if (p->in_sync && !arg_quiet)
                        printf("in sync: %zu rules\n", rs->n_rules);
                ak_sync_report_done(&rep);
                return ret;
        }

        if (!arg_quiet)
                for (size_t i = 0; i < p->n_ops; i++)
                        if (p->ops[i].error == 0)
                                print_op(stdout, &p->ops[i], &rep.before.status, NULL);
        for (size_t i = 0; i < rep.n_pending; i++) {
                _cleanup_free_ char *text = ak_rule_format(rep.pending[i].rule);
                fprintf(stderr, "pending: %s", text ? text : "?");
                print_origin(stderr, rep.pending[i].rule);
                fprintf(stderr, ": %s\n", strerror(-rep.pending[i].error));
        }
        for (size_t i = 0; i < rep.n_failed; i++)
                print_op(stderr, rep.failed[i], &rep.before.status, "failed: ");
        if (p->locked)
                fprintf(stderr, "kernel is locked (enabled=2): %s; a reboot is needed to change it\n",
                        p->in_sync ? "it matches the rules" : "it differs from the rules");
        if (rep.lock_withheld) {
                char why[160];
                fprintf(stderr, "lock (-e 2) withheld: %s\n", ak_sync_lock_withheld_reason(&rep, rs, why, sizeof(why)));
        }
        if (rep.reset_lost)
                printf("lost: %u\n", rep.lost_before);
        if (p->n_keys_only)
                printf("%zu rules out of file order, keys only (use --exact-order to restore)\n", p->n_keys_only);

        ret = (rs->n_errors || rep.n_pending || rep.n_failed || rep.lock_withheld || (p->locked && !p->in_sync))
                ? EXIT_PROBLEMS : EXIT_OK;
        if (!arg_quiet || ret != EXIT_OK)
                printf("%s: %zu rules desired, %zu added, %zu removed, %zu status changes, %zu pending, %zu errors%s\n",
                       ret == EXIT_OK ? "in sync" : "not in sync", rs->n_rules, rep.added, rep.removed, rep.set,
                       rep.n_pending, rs->n_errors + rep.n_failed, rep.lock_applied ? ", locked" : "");
        ak_sync_report_done(&rep);
        return ret;
}


/* ------------------------------------------------------------------------------------------ */
/* Talking to auditkeepd over the system bus */

static void bus_freep(sd_bus **b) { sd_bus_flush_close_unref(*b); }
static void msg_freep(sd_bus_message **m) { sd_bus_message_unref(*m); }

/* Say why a call to the daemon failed, in words a person can act on. Returns the exit status. */
static int bus_failed(const char *what, const sd_bus_error *e, int r) {
        if (e && e->name && (streq(e->name, SD_BUS_ERROR_SERVICE_UNKNOWN) || streq(e->name, SD_BUS_ERROR_NAME_HAS_NO_OWNER)))
                fprintf(stderr, "auditkeepd is not running; start it with systemctl start auditkeepd, or use auditkeepctl apply\n");
        else if (e && e->name && streq(e->name, SD_BUS_ERROR_ACCESS_DENIED))
                fprintf(stderr, "auditkeepctl %s: permission denied: only root may do this\n",
                        what);
        else if (e && e->name && (streq(e->name, SD_BUS_ERROR_NO_REPLY) || streq(e->name, SD_BUS_ERROR_TIMEOUT)))
                fprintf(stderr, "auditkeepctl %s: auditkeepd did not answer in time (%s)\n", what,
                        e->message ? e->message : e->name);
        else if (e && e->message)
                fprintf(stderr, "auditkeepctl %s: %s\n", what, e->message);
        else if (e && e->name)
                fprintf(stderr, "auditkeepctl %s: %s\n", what, e->name);
        else
                fprintf(stderr, "auditkeepctl %s: cannot reach the system bus (%s), so auditkeepd cannot be asked; "
                        "without the daemon, use auditkeepctl apply or diff PATH\n", what, strerror(-r));
        return EXIT_UNREACHABLE;
}

/* Connect to the system bus; on failure say why and return the negative errno. */
static int bus_open(const char *what, sd_bus **ret) {
        int r = sd_bus_open_system(ret);

        if (r < 0)
                (void) bus_failed(what, NULL, r);
        return r < 0 ? r : 0;
}

/* Write a JSON string. */
static void json_str(const char *s) {
        putchar('"');
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

typedef struct props {
        char state[64], mode[32], last_drift_by[512], compat[400];
        uint32_t compat_level;  /* 0: a daemon without the property */
        uint32_t enabled, failure, backlog_limit, backlog, lost, rate_limit, backlog_wait_time, audit_pid;
        uint32_t desired, loaded, pending, foreign, errors;
        int locked, in_sync;
        uint64_t drift_events, repairs, last_drift, last_sync;
        char **sources;
        size_t n_sources;
} props;

static int read_props(sd_bus *bus, props *p, sd_bus_error *err) {
        _cleanup_(msg_freep) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties", "GetAll", err, &reply, "s", BUS_IFACE);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *name, *sig;
                char type;

                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        break;
                r = sd_bus_message_peek_type(reply, &type, &sig);
                if (r < 0)
                        break;
                r = sd_bus_message_enter_container(reply, 'v', sig);
                if (r < 0)
                        break;
                if (streq(sig, "s")) {
                        const char *v;
                        r = sd_bus_message_read(reply, "s", &v);
                        if (r >= 0) {
                                if (streq(name, "State")) snprintf(p->state, sizeof(p->state), "%s", v);
                                else if (streq(name, "Mode")) snprintf(p->mode, sizeof(p->mode), "%s", v);
                                else if (streq(name, "LastDriftBy")) snprintf(p->last_drift_by, sizeof(p->last_drift_by), "%s", v);
                                else if (streq(name, "Compat")) snprintf(p->compat, sizeof(p->compat), "%s", v);
                        }
                } else if (streq(sig, "u")) {
                        uint32_t v;
                        static const struct { const char *n; size_t off; } map[] = {
                                { "Enabled", offsetof(props, enabled) }, { "Failure", offsetof(props, failure) },
                                { "BacklogLimit", offsetof(props, backlog_limit) }, { "Backlog", offsetof(props, backlog) },
                                { "Lost", offsetof(props, lost) }, { "RateLimit", offsetof(props, rate_limit) },
                                { "BacklogWaitTime", offsetof(props, backlog_wait_time) }, { "AuditPid", offsetof(props, audit_pid) },
                                { "DesiredRules", offsetof(props, desired) }, { "LoadedRules", offsetof(props, loaded) },
                                { "PendingRules", offsetof(props, pending) }, { "ForeignRules", offsetof(props, foreign) },
                                { "ParseErrors", offsetof(props, errors) },
                                { "CompatLevel", offsetof(props, compat_level) },
                        };
                        r = sd_bus_message_read(reply, "u", &v);
                        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(map); i++)
                                if (streq(name, map[i].n))
                                        *(uint32_t *) ((char *) p + map[i].off) = v;
                } else if (streq(sig, "t")) {
                        uint64_t v;
                        r = sd_bus_message_read(reply, "t", &v);
                        if (r >= 0) {
                                if (streq(name, "DriftEvents")) p->drift_events = v;
                                else if (streq(name, "Repairs")) p->repairs = v;
                                else if (streq(name, "LastDriftUSec")) p->last_drift = v;
                                else if (streq(name, "LastSyncUSec")) p->last_sync = v;
                        }
                } else if (streq(sig, "b")) {
                        int v;
                        r = sd_bus_message_read(reply, "b", &v);
                        if (r >= 0 && streq(name, "Locked"))
                                p->locked = v;
                        else if (r >= 0 && streq(name, "InSync"))
                                p->in_sync = v;
                } else if (streq(sig, "as")) {
                        char **v = NULL;
                        r = sd_bus_message_read_strv(reply, &v);
                        if (r >= 0 && streq(name, "Sources")) {
                                p->sources = v;
                                for (p->n_sources = 0; v && v[p->n_sources]; p->n_sources++)
                                        ;
                        } else if (v) {
                                for (size_t i = 0; v[i]; i++)
                                        free(v[i]);
                                free(v);
                        }
                } else
                        r = sd_bus_message_skip(reply, sig);
                if (r < 0)
                        break;
                r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        return r < 0 ? r : 0;
}

static void props_done(props *p) {
        for (size_t i = 0; i < p->n_sources; i++)
                free(p->sources[i]);
        free(p->sources);
}

static const char *format_when(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000u), now = time(NULL);
        struct tm tm;
        char when[64];

        if (usec == 0)
                return "never";
        localtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        if (now >= t)
                snprintf(buf, size, "%s (%lds ago)", when, (long) (now - t));
        else
                snprintf(buf, size, "%s", when);
        return buf;
}

/* status: the daemon's last check of auditd.conf (AuditdConf, AuditdConfWarnings), read with
 * Properties.Get through sd_bus_call_method (the bus calls the rest of this file uses). A daemon
 * without these properties (older) prints nothing. */
static int get_property(sd_bus *bus, const char *name, const char *type, sd_bus_message **ret) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties", "Get", &err, &reply,
                               "ss", BUS_IFACE, name);
        sd_bus_error_free(&err);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'v', type);
        if (r < 0) {
                if (reply)
                        sd_bus_message_unref(reply);
                return r;
        }
        *ret = reply;
        return 0;
}

static void status_auditd_conf(sd_bus *bus) {
        sd_bus_message *path_reply = NULL, *reply = NULL;
        const char *conf = "", *file, *text;
        uint32_t line, column;
        size_t n = 0;
        int r;

        if (get_property(bus, "AuditdConf", "s", &path_reply) < 0)
                return;
        if (sd_bus_message_read(path_reply, "s", &conf) < 0)
                conf = "";
        r = get_property(bus, "AuditdConfWarnings", "a(suus)", &reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(suus)");
        if (arg_json) {
                printf(",\"auditd_conf\":");
                json_str(conf);
                printf(",\"auditd_conf_problems\":[");
        }
        while (r >= 0 && (r = sd_bus_message_read(reply, "(suus)", &file, &line, &column, &text)) > 0) {
                if (arg_json) {
                        printf("%s{\"file\":", n ? "," : "");
                        json_str(file);
                        printf(",\"line\":%" PRIu32 ",\"column\":%" PRIu32 ",\"message\":", line, column);
                        json_str(text);
                        printf("}");
                } else {
                        if (n == 0)
                                printf("auditd.conf: problems found (auditkeepd never edits the file):\n");
                        if (line)
                                printf("  %s:%" PRIu32 ":%" PRIu32 ": %s\n", file, line, column, text);
                        else
                                printf("  %s: %s\n", file, text);
                }
                n++;
        }
        if (arg_json)
                printf("]");
        else if (n == 0)
                printf("auditd.conf: %s\n", conf[0] ? "no problems" : "not checked");
        if (reply)
                sd_bus_message_unref(reply);
        sd_bus_message_unref(path_reply);
}

static int verb_status(int argc, char **argv) {
        _cleanup_(bus_freep) sd_bus *bus = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        props p = {};
        const char *term = getenv("TERM");
        /* colour only on a terminal that has it, and not when NO_COLOR asks for none */
        int r, tty = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && streq(term, "dumb"));
        const char *color = "", *reset = "";
        char w1[96], w2[96];

        if (bus_open("status", &bus) < 0)
                return EXIT_UNREACHABLE;
        r = read_props(bus, &p, &err);
        if (r < 0) {
                r = bus_failed("status", &err, r);
                sd_bus_error_free(&err);
                props_done(&p);
                return r;
        }
        if (arg_prometheus) {
                /* the same text the daemon's --metrics file holds, from the same function */
                ak_metrics v = {
                        .in_sync = p.in_sync, .locked = p.locked,
                        .rules_desired = p.desired, .rules_loaded = p.loaded, .rules_pending = p.pending,
                        .rules_foreign = p.foreign, .parse_errors = p.errors,
                        .drift_events = p.drift_events, .repairs = p.repairs,
                        .last_sync_usec = p.last_sync, .last_drift_usec = p.last_drift,
                        .enabled = p.enabled, .failure = p.failure, .backlog_limit = p.backlog_limit,
                        .backlog = p.backlog, .lost = p.lost, .backlog_wait_time = p.backlog_wait_time,
                        .state = p.state, .mode = p.mode,
                };
                _cleanup_free_ char *text = ak_metrics_format(&v);

                props_done(&p);
                if (!text)
                        return EXIT_UNREACHABLE;
                fputs(text, stdout);
                return EXIT_OK;
        }
        if (arg_json) {
                printf("{\"state\":"); json_str(p.state);
                printf(",\"mode\":"); json_str(p.mode);
                printf(",\"enabled\":%u,\"failure\":%u,\"backlog_limit\":%u,\"backlog\":%u,\"lost\":%u,"
                       "\"rate_limit\":%u,\"backlog_wait_time\":%u,\"audit_pid\":%u,\"locked\":%s,"
                       "\"desired_rules\":%u,\"loaded_rules\":%u,\"pending_rules\":%u,\"foreign_rules\":%u,"
                       "\"parse_errors\":%u,\"drift_events\":%" PRIu64 ",\"repairs\":%" PRIu64 ","
                       "\"last_drift_usec\":%" PRIu64 ",\"last_sync_usec\":%" PRIu64 ",\"last_drift_by\":",
                       p.enabled, p.failure, p.backlog_limit, p.backlog, p.lost, p.rate_limit, p.backlog_wait_time,
                       p.audit_pid, p.locked ? "true" : "false", p.desired, p.loaded, p.pending, p.foreign, p.errors,
                       p.drift_events, p.repairs, p.last_drift, p.last_sync);
                json_str(p.last_drift_by);
                if (p.compat_level) {
                        printf(",\"compat_level\":%u,\"compat\":", p.compat_level);
                        json_str(p.compat);
                }
                printf(",\"sources\":[");
                for (size_t i = 0; i < p.n_sources; i++) {
                        if (i)
                                putchar(',');
                        json_str(p.sources[i]);
                }
                printf("]");
                status_auditd_conf(bus);
                printf("}\n");
                props_done(&p);
                return EXIT_OK;
        }
        if (tty) {
                reset = "\033[0m";
                color = streq(p.state, "in-sync") ? "\033[32m" :
                        (streq(p.state, "degraded") || streq(p.state, "flapping") || streq(p.state, "locked")) ? "\033[31m" : "\033[33m";
        }
        printf("auditkeepd: %s%s%s, mode %s\n", color, p.state, reset, p.mode);
        printf("     rules: %u desired, %u loaded, %u pending, %u foreign, %u parse errors\n",
               p.desired, p.loaded, p.pending, p.foreign, p.errors);
        if (p.compat_level)
                printf("    compat: level %s\n", p.compat);
        printf("    kernel: enabled %u%s, failure %u, backlog %u/%u, lost %u, rate limit %u, backlog wait %u\n",
               p.enabled, p.locked ? " (locked until reboot)" : "", p.failure, p.backlog, p.backlog_limit, p.lost,
               p.rate_limit, p.backlog_wait_time);
        printf("     drift: %" PRIu64 " events, %" PRIu64 " repairs; last %s%s%s\n", p.drift_events, p.repairs,
               format_when(p.last_drift, w1, sizeof(w1)), p.last_drift_by[0] ? " by " : "", p.last_drift_by);
        printf(" last sync: %s\n", format_when(p.last_sync, w2, sizeof(w2)));
        printf("   sources:");
        for (size_t i = 0; i < p.n_sources; i++)
                printf(" %s", p.sources[i]);
        printf("\n");
        status_auditd_conf(bus);
        props_done(&p);
        return EXIT_OK;
}

static int verb_rules(int argc, char **argv) {
        _cleanup_(bus_freep) sd_bus *bus = NULL;
        _cleanup_(msg_freep) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        const char *text, *origin, *state;
        int r, first = 1;

        if (bus_open("rules", &bus) < 0)
                return EXIT_UNREACHABLE;
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "ListRules", &err, &reply, "");
        if (r < 0) {
                r = bus_failed("rules", &err, r);
                sd_bus_error_free(&err);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        if (arg_json)
                printf("[");
        else
                printf("%-8s %-40s %s\n", "STATE", "DECLARED", "RULE");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &text, &origin, &state)) > 0) {
                if (arg_json) {
                        printf("%s{\"rule\":", first ? "" : ",");
                        json_str(text);
                        printf(",\"declared\":");
                        json_str(origin);
                        printf(",\"state\":");
                        json_str(state);
                        printf("}");
                } else
                        printf("%-8s %-40s %s\n", state, origin[0] ? origin : "-", text);
                first = 0;
        }
        if (arg_json)
                printf("]\n");
        if (r < 0) {
                fprintf(stderr, "auditkeepctl rules: cannot read the daemon's answer: %s\n", strerror(-r));
                return EXIT_UNREACHABLE;
        }
        return EXIT_OK;
}

static int verb_resync_or_reload(const char *method, const char *what) {
        _cleanup_(bus_freep) sd_bus *bus = NULL;
        _cleanup_(msg_freep) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        uint32_t added, removed, changed;
        int r;

        if (bus_open(what, &bus) < 0)
                return EXIT_UNREACHABLE;
        (void) sd_bus_set_method_call_timeout(bus, 300u * 1000000u);
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, method, &err, &reply, "");
        if (r < 0) {
                /* the rules or the kernel said no to some of them: 1; no answer, locked, monitor mode: 2 */
                int ret = err.name && (streq(err.name, BUS_ERROR_RULES_INVALID) ||
                                       streq(err.name, BUS_ERROR_REFUSED)) ? EXIT_PROBLEMS : EXIT_UNREACHABLE;
                bus_failed(what, &err, r);
                sd_bus_error_free(&err);
                return ret;
        }
        r = sd_bus_message_read(reply, "uuu", &added, &removed, &changed);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl %s: cannot read the daemon's answer: %s\n", what, strerror(-r));
                return EXIT_UNREACHABLE;
        }
        if (arg_json)
                printf("{\"added\":%u,\"removed\":%u,\"changed\":%u}\n", added, removed, changed);
        else
                printf("%s: %u added, %u removed, %u status changes\n", what, added, removed, changed);
        return EXIT_OK;
}

static int verb_resync(int argc, char **argv) {
        return verb_resync_or_reload(arg_exact_order ? "ResyncExactOrder" : "Resync", "resync");
}

static int verb_reload(int argc, char **argv) {
        return verb_resync_or_reload("Reload", "reload");
}

/* diff without PATH asks the daemon; when it is not running (or with PATH, or --exact-order, which
 * the daemon's view does not apply), compute locally. Returns 1 when the daemon answered (or
 * refused), with the exit status in *ret. */
static int daemon_diff(int *ret) {
        _cleanup_(bus_freep) sd_bus *bus = NULL;
        _cleanup_(msg_freep) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        const char *line;
        int r, n = 0;

        if (arg_exact_order)
                return 0;
        if (sd_bus_open_system(&bus) < 0)
                return 0;
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "Diff", &err, &reply, "");
        if (r < 0) {
                int absent = err.name && (streq(err.name, SD_BUS_ERROR_SERVICE_UNKNOWN) || streq(err.name, SD_BUS_ERROR_NAME_HAS_NO_OWNER));
                if (!absent)
                        *ret = bus_failed("diff", &err, r);
                sd_bus_error_free(&err);
                return !absent;
        }
        r = sd_bus_message_enter_container(reply, 'a', "s");
        if (arg_json)
                printf("[");
        while (r >= 0 && (r = sd_bus_message_read(reply, "s", &line)) > 0) {
                if (arg_json) {
                        printf("%s", n ? "," : "");
                        json_str(line);
                } else
                        printf("%s\n", line);
                n++;
        }
        if (arg_json)
                printf("]\n");
        if (r < 0) {
                fprintf(stderr, "auditkeepctl diff: cannot read the daemon's answer: %s\n", strerror(-r));
                *ret = EXIT_UNREACHABLE;
                return 1;
        }
        if (n == 0 && !arg_json && !arg_quiet)
                printf("in sync (as auditkeepd sees it)\n");
        *ret = n ? EXIT_PROBLEMS : EXIT_OK;
        return 1;
}

static int verb_apply(int argc, char **argv) {
        return verb_diff_or_apply(argc, argv, 1);
}

static int verb_diff(int argc, char **argv) {
        int ret;

        if (argc == 0 && daemon_diff(&ret))
                return ret;
        return verb_diff_or_apply(argc, argv, 0);
}

static const verb verbs[] = {
        { "check", "[PATH...]", "Parse rules and auditd.conf offline; print every error and a summary", verb_check },
        { "apply", "[PATH...]", "Make the kernel equal the rules once, with the fewest changes", verb_apply },
        { "diff", "[PATH...]", "Show what differs from the rules (the daemon's, or PATH's)", verb_diff },
        { "status", "", "Show the daemon's state, the kernel's settings and the last drift", verb_status },
        { "rules", "", "List each rule with its state and where it is declared", verb_rules },
        { "resync", "", "Ask the daemon to verify and repair now", verb_resync },
        { "reload", "", "Ask the daemon to re-read its rules (kept only if they parse cleanly)", verb_reload },
};

static const verb *verbs_table(size_t *n) {
        *n = ELEMENTSOF(verbs);
        return verbs;
}

/* One option parser for the whole command line: getopt_long permutes, so options may stand
 * before or after the command and its paths, and "--foreign keep" reads as "--foreign=keep". */
int main(int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_EXACT_ORDER, ARG_FOREIGN, ARG_JSON, ARG_AUDITD_CONF, ARG_PROMETHEUS, ARG_COMPAT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "exact-order", no_argument, NULL, ARG_EXACT_ORDER },
                { "foreign", required_argument, NULL, ARG_FOREIGN },
                { "quiet", no_argument, NULL, 'q' },
                { "json", no_argument, NULL, ARG_JSON },
                { "prometheus", no_argument, NULL, ARG_PROMETHEUS },
                { "auditd-conf", required_argument, NULL, ARG_AUDITD_CONF },
                { "compat", required_argument, NULL, ARG_COMPAT },
                {}
        };
        const verb *v = NULL;
        int c, want_help = 0;

        opterr = 0;     /* our own messages */
        while ((c = getopt_long(argc, argv, ":hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        want_help = 1;
                        break;
                case ARG_VERSION:
                        printf("auditkeepctl %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                case ARG_EXACT_ORDER:
                        arg_exact_order = 1;
                        break;
                case ARG_FOREIGN:
                        if (streq(optarg, "remove"))
                                arg_foreign = AK_FOREIGN_REMOVE;
                        else if (streq(optarg, "keep"))
                                arg_foreign = AK_FOREIGN_KEEP;
                        else {
                                fprintf(stderr, "auditkeepctl: --foreign takes 'remove' or 'keep', not '%s'\n", optarg);
                                return EXIT_PROBLEMS;
                        }
                        break;
                case 'q':
                        arg_quiet = 1;
                        break;
                case ARG_JSON:
                        arg_json = 1;
                        break;
                case ARG_PROMETHEUS:
                        arg_prometheus = 1;
                        break;
                case ARG_AUDITD_CONF:
                        arg_auditd_conf = optarg;
                        break;
                case ARG_COMPAT:
                        arg_compat = ak_compat_parse(optarg);
                        if (arg_compat < 0) {
                                fprintf(stderr, "auditkeepctl: --compat takes 3 (auditctl 3.0.9) or 4 (auditctl 4.0.2), not '%s'\n", optarg);
                                return EXIT_PROBLEMS;
                        }
                        break;
                case ':':
                        fprintf(stderr, "auditkeepctl: option '%s' needs a value (see --help)\n", argv[optind - 1]);
                        return EXIT_PROBLEMS;
                default:
                        if (optopt)
                                fprintf(stderr, "auditkeepctl: unknown option '-%c' (see --help)\n", optopt);
                        else
                                fprintf(stderr, "auditkeepctl: unknown option '%s' (see --help)\n", argv[optind - 1]);
                        return EXIT_PROBLEMS;
                }

        if (optind < argc) {
                for (size_t i = 0; i < ELEMENTSOF(verbs) && !v; i++)
                        if (streq(argv[optind], verbs[i].name))
                                v = &verbs[i];
                if (!v) {
                        fprintf(stderr, "auditkeepctl: unknown command '%s' (see --help)\n", argv[optind]);
                        return EXIT_PROBLEMS;
                }
        }
        if (want_help && v) {
                printf("Usage: auditkeepctl %s %s\n  %s\n", v->name, v->args, v->help);
                return EXIT_OK;
        }
        if (want_help || !v) {
                help();
                return want_help ? EXIT_OK : EXIT_PROBLEMS;
        }
        return v->run(argc - optind - 1, argv + optind + 1);
}
