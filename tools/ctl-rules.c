/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl's verbs that need no daemon: check (rules files and auditd.conf, offline), apply
 * (the kernel made equal to the rules once) and diff (what apply would change; without PATH the
 * daemon is asked first, ctl-daemon.c). */
#include <errno.h>
#include <glob.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditkeep/ak-analyze.h"
#include "auditkeep/ak-auditd-conf.h"
#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-rules.h"
#include "auditkeep/ak-sync.h"
#include "compat-host.h"
#include "constants.h"
#include "ctl.h"
#include "json.h"
#include "macro.h"
#include "util.h"

#define KERNEL_TIMEOUT_USEC (120u * 1000000u)  /* generous: a delete takes 0.05-0.4 ms here, far more on a loaded kernel */

DEFINE_TRIVIAL_CLEANUP_FUNC(ak_ruleset *, ak_ruleset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ak_nl *, ak_nl_free)

static void print_diags(const ak_diag *diags, size_t n) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *s = ak_diag_format(&diags[i]);
                fprintf(stderr, "%s\n", s ? s : "(out of memory)");
        }
}

/* Parsing, planning and the kernel's listing (read on this thread, sync_once) touch about 3.7
 * KiB of fresh heap per rule (some 37 bytes per byte of rules text). Where a page fault is
 * expensive (a guest with shadow paging: faults were a third of a 5000-rule check,
 * bench/RESULTS.md), grow the heap once by what the rules will need and ask for transparent huge
 * pages on it: one fault per 2 MiB instead of per 4 KiB. Only for files from about 150 rules up;
 * THP in 'never' mode makes it a no-op. Rule sets past 2 MiB of rules get the ruleset arena's own
 * huge chunks (lib/arena.c). */
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
        bytes = text * 37 + 2 * huge;   /* room to align to huge pages */
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

        r = ak_ruleset_new(&rs);
        if (r < 0)
                return r;
        /* $AUDITKEEP_AUDITCTL: the caller's environment picks the auditctl its own process runs */
        compat_host_allow_env();
        compat_host_setup(rs, arg_compat);
        /* root is told exactly what auditkeepd would refuse; an ordinary user drafting rules in
         * files of its own is told the same as warnings */
        ak_ruleset_set_trust(rs, /* owner= */ 0, /* warn_only= */ geteuid() != 0);
        if (argc == 0)
                r = ak_ruleset_add_default_sources(rs);
        else
                for (int i = 0; i < argc && r >= 0; i++)
                        r = ak_ruleset_add_source(rs, argv[i]);
        if (r < 0) {
                ak_ruleset_free(rs);
                return r;
        }
        print_diags(rs->diags, rs->n_diags);
        *ret = rs;
        return 0;
}

/* check: auditd.conf's diagnostics in the rules' format, and a summary line. > 0 when it has errors. */
static int check_auditd_conf(void) {
        const char *path = arg_auditd_conf;
        _cleanup_free_ char *shown = NULL;      /* the path, escaped */
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
        shown = cescape(path);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s: %s\n", shown ? shown : "?", strerror(-r));
                return 1;
        }
        print_diags(c->diags, c->n_diags);
        fflush(stderr);
        warnings = c->n_diags - c->n_errors;
        printf("%s: %zu settings, %zu errors", shown ? shown : "?", c->n_lines, c->n_errors);
        if (warnings)
                printf(", %zu warnings", warnings);
        printf("\n");
        r = c->n_errors > 0;
        ak_auditd_conf_free(c);
        return r;
}

/* The analysis' questions to this host's file system. */
static int path_exists(const char *path, void *userdata) {
        struct stat st;

        return lstat(path, &st) == 0;
}

static char **glob_paths(const char *pattern, void *userdata) {
        glob_t g = { 0 };
        char **v;

        if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
                globfree(&g);
                return NULL;
        }
        v = calloc(g.gl_pathc + 1, sizeof(char *));
        for (size_t i = 0; v && i < g.gl_pathc; i++)
                if (!(v[i] = strdup(g.gl_pathv[i]))) {
                        ak_strv_free(v);
                        v = NULL;
                }
        globfree(&g);
        return v;
}

/* The rules' cost (stdout) and their findings (stderr, as the parser's). */
static int check_analysis(const ak_ruleset *rs, ak_analysis *a) {
        uint32_t arches[4];
        ak_analyze_opts o = {
                .host_arches = arches,
                .n_host_arches = ak_host_arches(arches, ELEMENTSOF(arches)),
                .path_exists = path_exists,
                .glob = glob_paths,
        };
        int r = ak_analyze(rs, &o, a);

        if (r < 0)
                return r;
        print_diags(a->diags, a->n_diags);
        return 0;
}

static void print_cost(const ak_analysis *a) {
        char **lines;

        if (a->cost.exit_rules + a->cost.inode_rules == 0)
                return;
        lines = ak_cost_describe(&a->cost);
        for (char **l = lines; l && *l; l++)
                printf("cost: %s\n", *l);
        ak_strv_free(lines);
}

/* Auditing before the rules load: what the kernel command line lacks ($AUDITKEEP_CMDLINE names
 * another file than /proc/cmdline, for tests). */
char **cmdline_notes(uint32_t backlog, const char **ret_path, ak_cmdline_audit *ret) {
        const char *path = getenv("AUDITKEEP_CMDLINE");
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *in;

        if (!path || !*path)
                path = "/proc/cmdline";
        *ret_path = path;
        in = fopen(path, "re");
        if (!in)
                return NULL;
        if (getline(&text, &size, in) < 0) {    /* empty: nothing on the command line */
                free(text);
                text = strdup("");
        }
        fclose(in);
        if (!text)
                return NULL;
        ak_cmdline_audit_parse(text, ret);
        return ak_cmdline_audit_notes(ret, backlog);
}

static void print_cmdline_notes(uint32_t backlog) {
        const char *path;
        ak_cmdline_audit c;
        char **notes = cmdline_notes(backlog, &path, &c);
        _cleanup_free_ char *shown = cescape(path);

        for (char **l = notes; l && *l; l++)
                fprintf(stderr, "%s: note: %s\n", shown ? shown : "?", *l);
        ak_strv_free(notes);
}

int verb_check(int argc, char **argv, sd_bus *bus) {
        ak_ruleset *rs;
        ak_analysis an = { 0 };
        check_foreign foreign;
        size_t warnings, notes;
        char level[400];
        int r;

        /* thousands of diagnostics: one write per buffer, not per line (flushed before stdout's lines) */
        (void) setvbuf(stderr, NULL, _IOFBF, 1u << 16);
        heap_reserve(argc, argv);
        r = load_rules(argc, argv, &rs);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s\n", strerror(-r));
                return EXIT_PROBLEMS;
        }
        /* lines whose meaning depends on the level: warnings here, for whoever moves the rules */
        print_diags(rs->notes, rs->n_notes);
        r = check_analysis(rs, &an);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s\n", strerror(-r));
                ak_ruleset_free(rs);
                return EXIT_PROBLEMS;
        }
        print_cmdline_notes(rs->status.mask & AUDIT_STATUS_BACKLOG_LIMIT ? rs->status.backlog_limit : 0);
        check_allowed_foreign_findings(rs, &foreign);
        fflush(stderr);
        warnings = rs->n_diags - rs->n_errors + rs->n_notes + an.n_warnings + foreign.warnings;
        notes = an.n_diags - an.n_warnings;
        if (rs->compat_origin == AK_COMPAT_ORIGIN_HOST && ak_compat_version_newer(rs->compat_detail))
                fprintf(stderr, "warning: compat level %s (%s), the most recent level, stands in for the installed %s: "
                        "lines that a newer auditctl compiles differently are not known here\n",
                        ak_compat_name(rs->compat), ak_compat_reference(rs->compat), rs->compat_detail);
        fflush(stderr);
        printf("compat level %s\n", ak_ruleset_compat_describe(rs, level, sizeof(level)));
        printf("%zu rules, %zu status settings, %zu errors", rs->n_rules, rs->n_status_settings, rs->n_errors);
        if (warnings)
                printf(", %zu warnings", warnings);
        if (rs->n_notes)
                printf(" (%zu notes on lines that differ at another compat level)", rs->n_notes);
        if (notes)
                printf(", %zu notes", notes);
        printf("\n");
        check_allowed_foreign(rs, &foreign);
        print_cost(&an);
        ak_analysis_done(&an);
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
        if (r->file) {
                _cleanup_free_ char *file = cescape(r->file);  /* a name from the file system */

                fprintf(f, "  (%s:%u)", file ? file : "?", r->line);
        }
}

/* One planned operation, its origin in the rules, the kernel's error (after prefix_err), and for a
 * rule the other level's auditctl loaded, the line of the rules it encodes and why it differs.
 * format: ak_rule_format_flags()'s flags. */
static void print_op(FILE *f, const ak_ruleset *rs, const ak_op *op, const struct audit_status *have,
                     unsigned format, const char *prefix_err) {
        _cleanup_free_ char *text = ak_op_format(op, have, format), *why = NULL;

        fputs(text ? text : "?", f);
        if (op->type == AK_OP_ADD_RULE || op->type == AK_OP_DEL_RULE)
                print_origin(f, op->rule);
        if (prefix_err && op->error)
                fprintf(f, ": %s%s", prefix_err, strerror(-op->error));
        fputc('\n', f);
        if (op->type == AK_OP_DEL_RULE && (why = ak_ruleset_compat_explain(rs, op->rule)))
                fprintf(f, "    (%s)\n", why);
}

static void print_lock_withheld(FILE *f, const ak_sync_report *rep, const ak_ruleset *rs) {
        char why[160];

        fprintf(f, "lock (-e 2) withheld: %s\n", ak_sync_lock_withheld_reason(rep, rs, why, sizeof(why)));
}

static void print_keys_only(const ak_plan *p) {
        if (p->n_keys_only)
                printf("%zu rules out of file order, keys only (use --exact-order to restore)\n", p->n_keys_only);
}

/* The kernel's snapshot (GET + LIST), asked for on a thread of its own while the rules are
 * parsed: the kernel builds every answer and starts a thread for each of the two before the
 * request returns (a few ms on a loaded machine, as much as the parse of a thousand rules). The
 * answers wait in the socket (its buffer holds some 2000 rules; past that the kernel's thread waits
 * for room) and are read after the parse, in full batches: read during the parse, they came one
 * or two at a time, a wakeup each. Nothing is said or changed here: the caller reports the
 * errors, after the parse's. */
typedef struct snapshot {
        ak_nl *nl;
        ak_kstate have;
        int open_error;         /* of ak_nl_open() */
        int done;
        int error;              /* of the query */
} snapshot;

static void snapshot_done(ak_nl *nl, int error, void *userdata) {
        snapshot *s = userdata;

        s->done = 1;
        s->error = error;
}

static void *snapshot_ask(void *userdata) {
        snapshot *s = userdata;
        int r;

        s->open_error = ak_nl_open(&s->nl);
        if (s->open_error < 0)
                return NULL;
        r = ak_nl_query_async(s->nl, &s->have, KERNEL_TIMEOUT_USEC, snapshot_done, s);
        if (r < 0)
                snapshot_done(s->nl, r, s);
        return NULL;
}

static int snapshot_read(snapshot *s) {
        ak_nl_set_timeout(s->nl, KERNEL_TIMEOUT_USEC);  /* counted from now: the parse may have been slow */
        while (!s->done)
                (void) ak_nl_wait(s->nl);
        return s->error;
}

/* Why sync_once() kept the rules the kernel holds and the rules do not declare, whatever
 * --foreign says (ak_foreign_hold_of()). */
static ak_foreign_hold foreign_hold;

/* What apply and diff say about it, on stderr: how many were kept, why, and what to do. */
static void print_foreign_held(const ak_plan *p) {
        if (foreign_hold == AK_HOLD_NONE || p->n_foreign == 0 || arg_foreign == AK_FOREIGN_KEEP)
                return;
        fprintf(stderr, "foreign: %zu kept, none removed because %s\n", p->n_foreign,
                foreign_hold == AK_HOLD_ERRORS ? "the rules have errors: fix them (auditkeepctl check) and run again" :
                "the rules declare no rule: declare rules, or run again with --allow-empty");
}

/* Read the rules and make one sync (dry_run: plan only). EXIT_OK with *ret_rs and *rep filled;
 * otherwise the exit status, having said why. */
static int sync_once(int argc, char **argv, int dry_run, ak_ruleset **ret_rs, ak_sync_report *rep) {
        _cleanup_(ak_ruleset_freep) ak_ruleset *rs = NULL;
        _cleanup_(ak_nl_freep) ak_nl *nl = NULL;
        ak_plan_opts opts = { .foreign = arg_foreign, .exact_order = arg_exact_order };
        snapshot snap = {};
        pthread_t thread;
        int r, threaded;

        *rep = (ak_sync_report) {};
        heap_reserve(argc, argv);       /* before the thread: mallopt() is not thread-safe */
        threaded = pthread_create(&thread, NULL, snapshot_ask, &snap) == 0;
        r = load_rules(argc, argv, &rs);
        if (threaded)
                (void) pthread_join(thread, NULL);
        else if (r >= 0)
                (void) snapshot_ask(&snap);
        nl = snap.nl;
        if (r < 0) {
                ak_kstate_done(&snap.have);
                fprintf(stderr, "auditkeepctl: %s\n", strerror(-r));
                return EXIT_PROBLEMS;
        }
        if (snap.open_error < 0) {
                fprintf(stderr, "auditkeepctl: cannot talk to the kernel's audit subsystem: %s\n",
                        kernel_error(snap.open_error));
                return EXIT_UNREACHABLE;
        }
        foreign_hold = ak_foreign_hold_of(rs, arg_allow_empty);
        if (foreign_hold != AK_HOLD_NONE)
                opts.foreign = AK_FOREIGN_KEEP;
        r = snapshot_read(&snap);
        if (r >= 0)
                r = ak_sync_from(nl, rs, &snap.have, &opts, dry_run, KERNEL_TIMEOUT_USEC, rep);
        ak_kstate_done(&snap.have);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s\n", kernel_error(r));
                ak_sync_report_done(rep);
                return EXIT_UNREACHABLE;
        }
        *ret_rs = TAKE_PTR(rs);
        return EXIT_OK;
}

/* diff's exit status, whatever the output: 0 only when the rules have no error, the kernel holds
 * them and nothing (not even the lock) is withheld. */
static int diff_exit(const ak_ruleset *rs, const ak_plan *p) {
        return rs->n_errors == 0 && p->in_sync && !p->lock_withheld ? EXIT_OK : EXIT_PROBLEMS;
}

static int diff_json(const ak_ruleset *rs, const ak_sync_report *rep) {
        const ak_plan *p = rep->plan;

        json_writer j;

        jw_init(&j, stdout);
        jw_array_begin(&j);
        for (size_t i = 0; i < p->n_ops; i++) {
                _cleanup_free_ char *text = ak_op_format(&p->ops[i], &rep->before.status, 0);
                jw_string(&j, text ? text : "?");
        }
        jw_array_end(&j);
        jw_end(&j);
        print_foreign_held(p);
        return diff_exit(rs, p);
}

static int diff_text(const ak_ruleset *rs, const ak_sync_report *rep) {
        const ak_plan *p = rep->plan;

        for (size_t i = 0; i < p->n_ops; i++)
                print_op(stdout, rs, &p->ops[i], &rep->before.status, 0, NULL);
        if (p->locked)
                printf("kernel is locked (enabled=2): nothing can change until reboot\n");
        print_keys_only(p);
        if (p->lock_withheld)
                print_lock_withheld(stdout, rep, rs);
        print_foreign_held(p);
        if (p->in_sync && !arg_quiet)
                printf("%s: %zu rules\n", rs->n_errors ? "in sync with the rules that parse" : "in sync", rs->n_rules);
        return diff_exit(rs, p);
}

static int apply_report(const ak_ruleset *rs, const ak_sync_report *rep) {
        const ak_plan *p = rep->plan;
        int ret;

        /* What took, as auditctl -l writes it: a watch is `-w PATH` whether the kernel holds it as
         * path= or dir= (no stat of every watched path to tell which reads back; diff and the
         * refused changes below still tell) */
        if (!arg_quiet)
                for (size_t i = 0; i < p->n_ops; i++)
                        if (p->ops[i].error == 0)
                                print_op(stdout, rs, &p->ops[i], &rep->before.status, AK_FORMAT_NO_STAT, NULL);
        for (size_t i = 0; i < rep->n_pending; i++) {
                _cleanup_free_ char *text = ak_rule_format(rep->pending[i].rule);
                fprintf(stderr, "pending: %s", text ? text : "?");
                print_origin(stderr, rep->pending[i].rule);
                fprintf(stderr, ": %s\n", strerror(-rep->pending[i].error));
        }
        for (size_t i = 0; i < rep->n_failed; i++)
                print_op(stderr, rs, rep->failed[i], &rep->before.status, 0, "failed: ");
        if (p->locked)
                fprintf(stderr, "kernel is locked (enabled=2): %s; a reboot is needed to change it\n",
                        p->in_sync ? "it matches the rules" : "it differs from the rules");
        if (rep->lock_withheld)
                print_lock_withheld(stderr, rep, rs);
        if (rep->reset_lost)
                printf("lost: %u\n", rep->lost_before);
        print_keys_only(p);
        print_foreign_held(p);

        ret = (rs->n_errors || rep->n_pending || rep->n_failed || rep->lock_withheld || (p->locked && !p->in_sync))
                ? EXIT_PROBLEMS : EXIT_OK;
        if (!arg_quiet || ret != EXIT_OK)
                printf("%s: %zu rules desired, %zu added, %zu removed, %zu status changes, %zu pending, %zu errors%s\n",
                       ret == EXIT_OK ? "in sync" : "not in sync", rs->n_rules, rep->added, rep->removed, rep->set,
                       rep->n_pending, rs->n_errors + rep->n_failed, rep->lock_applied ? ", locked" : "");
        return ret;
}

int verb_apply(int argc, char **argv, sd_bus *bus) {
        _cleanup_(ak_ruleset_freep) ak_ruleset *rs = NULL;
        ak_sync_report rep;
        int r;

        r = sync_once(argc, argv, /* dry_run= */ 0, &rs, &rep);
        if (r != EXIT_OK)
                return r;
        r = apply_report(rs, &rep);
        ak_sync_report_done(&rep);
        return r;
}

int verb_diff(int argc, char **argv, sd_bus *bus) {
        _cleanup_(ak_ruleset_freep) ak_ruleset *rs = NULL;
        ak_sync_report rep;
        int r;

        if (argc == 0 && daemon_diff(&r))
                return r;
        r = sync_once(argc, argv, /* dry_run= */ 1, &rs, &rep);
        if (r != EXIT_OK)
                return r;
        r = arg_json ? diff_json(rs, &rep) : diff_text(rs, &rep);
        ak_sync_report_done(&rep);
        return r;
}
