/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl: check rules offline, apply them to the kernel once, show the difference. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ak-kernel.h"
#include "ak-plan.h"
#include "ak-rules.h"
#include "macro.h"
#include "util.h"

#define DEFAULT_RULES_DIR "/etc/audit/rules.d"
#define DEFAULT_RULES_FILE "/etc/audit/audit.rules"
#define KERNEL_TIMEOUT_USEC (120u * 1000000u)  /* deletes take 12.5 ms each: 5000 take a minute */

enum { EXIT_OK = 0, EXIT_PROBLEMS = 1, EXIT_UNREACHABLE = 2 };

static void ak_ruleset_freep(ak_ruleset **p) { ak_ruleset_free(*p); }
static void ak_nl_freep(ak_nl **p) { ak_nl_free(*p); }

static int arg_exact_order = 0;
static ak_foreign_policy arg_foreign = AK_FOREIGN_REMOVE;
static int arg_quiet = 0;

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
               "  -q --quiet             apply: print only problems\n\n"
               "PATH is a rules file or a directory of *.rules files (read as augenrules does).\n"
               "Without PATH: %s/, else %s.\n\n"
               "Exit status: 0 success or in sync, 1 errors in the rules, pending rules or a\n"
               "difference (diff), 2 the kernel cannot be reached.\n",
               DEFAULT_RULES_DIR, DEFAULT_RULES_FILE);
}

/* Read the sources (or the defaults) into a ruleset and print every diagnostic. */
static int load_rules(int argc, char **argv, ak_ruleset **ret) {
        ak_ruleset *rs;
        int r;

        r = ak_ruleset_new(&rs);
        if (r < 0)
                return r;
        if (argc == 0) {
                struct stat st;
                r = ak_ruleset_add_source(rs, stat(DEFAULT_RULES_DIR, &st) == 0 ? DEFAULT_RULES_DIR : DEFAULT_RULES_FILE);
        } else
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

static int verb_check(int argc, char **argv) {
        ak_ruleset *rs;
        size_t warnings;
        int r;

        r = load_rules(argc, argv, &rs);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl: %s\n", strerror(-r));
                return EXIT_PROBLEMS;
        }
        warnings = rs->n_diags - rs->n_errors;
        printf("%zu rules, %zu status settings, %zu errors", rs->n_rules, rs->n_status_settings, rs->n_errors);
        if (warnings)
                printf(", %zu warnings", warnings);
        printf("\n");
        r = rs->n_errors ? EXIT_PROBLEMS : EXIT_OK;
        ak_ruleset_free(rs);
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

static const char *status_name(uint32_t bit) {
        switch (bit) {
        case AUDIT_STATUS_ENABLED: return "enabled";
        case AUDIT_STATUS_FAILURE: return "failure";
        case AUDIT_STATUS_RATE_LIMIT: return "rate_limit";
        case AUDIT_STATUS_BACKLOG_LIMIT: return "backlog_limit";
        case AUDIT_STATUS_BACKLOG_WAIT_TIME: return "backlog_wait_time";
        default: return "?";
        }
}

static uint32_t status_value(const struct audit_status *s, uint32_t bit) {
        switch (bit) {
        case AUDIT_STATUS_ENABLED: return s->enabled;
        case AUDIT_STATUS_FAILURE: return s->failure;
        case AUDIT_STATUS_RATE_LIMIT: return s->rate_limit;
        case AUDIT_STATUS_BACKLOG_LIMIT: return s->backlog_limit;
        case AUDIT_STATUS_BACKLOG_WAIT_TIME: return s->backlog_wait_time;
        default: return 0;
        }
}

static void print_origin(FILE *f, const ak_rule *r) {
        if (r->file)
                fprintf(f, "  (%s:%u)", r->file, r->line);
}

/* One line per planned operation, in auditctl syntax. */
static void print_op(FILE *f, const ak_op *op, const struct audit_status *have, const char *prefix_err) {
        _cleanup_free_ char *text = NULL;

        switch (op->type) {
        case AK_OP_ADD_RULE:
        case AK_OP_DEL_RULE:
                text = ak_rule_format(op->rule);
                fprintf(f, "%c %s", op->type == AK_OP_ADD_RULE ? '+' : '-', text ? text : "?");
                print_origin(f, op->rule);
                break;
        case AK_OP_SET:
                fprintf(f, "~ %s %u -> %u", status_name(op->mask), status_value(have, op->mask), op->value);
                break;
        case AK_OP_RESET_LOST:
                fprintf(f, "~ reset lost counter (now %u)", have->lost);
                break;
        case AK_OP_SET_FEATURE:
                fprintf(f, "~ loginuid immutable (cannot be undone until reboot)");
                break;
        }
        if (prefix_err && op->error)
                fprintf(f, ": %s%s", prefix_err, strerror(-op->error));
        fputc('\n', f);
}

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

        if (!apply) {
                for (size_t i = 0; i < p->n_ops; i++)
                        print_op(stdout, &p->ops[i], &rep.before.status, NULL);
                if (p->locked)
                        printf("kernel is locked (enabled=2): nothing can change until reboot\n");
                if (p->n_keys_only)
                        printf("%zu rules out of file order, keys only (use --exact-order to restore)\n", p->n_keys_only);
                if (p->lock_withheld)
                        printf("lock (-e 2) withheld: the rules have errors\n");
                ret = p->in_sync ? EXIT_OK : EXIT_PROBLEMS;
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
        if (rep.lock_withheld)
                fprintf(stderr, "lock (-e 2) withheld: %s\n",
                        rs->n_errors ? "the rules have errors" : "not every rule is in force");
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

static int verb_apply(int argc, char **argv) {
        return verb_diff_or_apply(argc, argv, 1);
}

static int verb_diff(int argc, char **argv) {
        return verb_diff_or_apply(argc, argv, 0);
}

static const verb verbs[] = {
        { "check", "[PATH...]", "Parse rules offline; print every error and a summary", verb_check },
        { "apply", "[PATH...]", "Make the kernel equal the rules once, with the fewest changes", verb_apply },
        { "diff", "[PATH...]", "Show what apply would change, without changing anything", verb_diff },
};

static const verb *verbs_table(size_t *n) {
        *n = ELEMENTSOF(verbs);
        return verbs;
}

int main(int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_EXACT_ORDER, ARG_FOREIGN };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "exact-order", no_argument, NULL, ARG_EXACT_ORDER },
                { "foreign", required_argument, NULL, ARG_FOREIGN },
                { "quiet", no_argument, NULL, 'q' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "+hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
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
                default:
                        return EXIT_PROBLEMS;
                }

        if (optind >= argc) {
                help();
                return EXIT_PROBLEMS;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name)) {
                        /* options may also follow the command */
                        int vargc = argc - optind - 1, k = 0;
                        char **vargv = argv + optind + 1;
                        for (int j = 0; j < vargc; j++) {
                                if (streq(vargv[j], "--exact-order"))
                                        arg_exact_order = 1;
                                else if (streq(vargv[j], "--foreign=keep"))
                                        arg_foreign = AK_FOREIGN_KEEP;
                                else if (streq(vargv[j], "--foreign=remove"))
                                        arg_foreign = AK_FOREIGN_REMOVE;
                                else if (streq(vargv[j], "-q") || streq(vargv[j], "--quiet"))
                                        arg_quiet = 1;
                                else if (streq(vargv[j], "-h") || streq(vargv[j], "--help")) {
                                        printf("Usage: auditkeepctl %s %s\n  %s\n", verbs[i].name, verbs[i].args, verbs[i].help);
                                        return EXIT_OK;
                                } else if (vargv[j][0] == '-' && vargv[j][1]) {
                                        fprintf(stderr, "auditkeepctl: unknown option '%s' (see --help)\n", vargv[j]);
                                        return EXIT_PROBLEMS;
                                } else
                                        vargv[k++] = vargv[j];
                        }
                        return verbs[i].run(k, vargv);
                }
        fprintf(stderr, "auditkeepctl: unknown command '%s' (see --help)\n", argv[optind]);
        return EXIT_PROBLEMS;
}
