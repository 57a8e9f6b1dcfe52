/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl: check rules offline, apply them to the kernel once, show the difference, and ask
 * auditkeepd. This file is the command line: the one option parser, the verb table and the
 * dispatch; the verbs are in ctl-rules.c, ctl-daemon.c and ctl-status.c (see ctl.h). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "auditkeep/ak-rules.h"
#include "constants.h"
#include "ctl.h"
#include "macro.h"

int arg_exact_order = 0;
ak_foreign_policy arg_foreign = AK_FOREIGN_REMOVE;
int arg_quiet = 0;
int arg_json = 0;
int arg_prometheus = 0;
const char *arg_auditd_conf = NULL;
int arg_compat = 0;

typedef struct verb {
        const char *name;
        int (*run)(int argc, char **argv, sd_bus *bus);
        int needs_bus;          /* main opens the system bus first (and loads libsystemd for it) */
        int min_args, max_args; /* after the name; max_args INT_MAX: any number */
        const char *args;       /* for the help: the arguments */
        const char *help;
} verb;

#define ANY INT_MAX
static const verb verbs[] = {
        { "check",  verb_check,  0, 0, ANY, "[PATH...]", "Parse rules and auditd.conf offline; print every error and a summary" },
        { "apply",  verb_apply,  0, 0, ANY, "[PATH...]", "Make the kernel equal the rules once, with the fewest changes" },
        /* diff asks the daemon itself, only without PATH and only when it is there */
        { "diff",   verb_diff,   0, 0, ANY, "[PATH...]", "Show what differs from the rules (the daemon's, or PATH's)" },
        { "status", verb_status, 1, 0, 0,   "",          "Show the daemon's state, the kernel's settings and the last drift" },
        { "rules",  verb_rules,  1, 0, 0,   "",          "List each rule with its state and where it is declared" },
        { "resync", verb_resync, 1, 0, 0,   "",          "Ask the daemon to verify and repair now" },
        { "reload", verb_reload, 1, 0, 0,   "",          "Ask the daemon to re-read its rules (kept only if they parse cleanly)" },
};
#undef ANY

static void help(void) {
        printf("Usage: auditkeepctl [OPTIONS] COMMAND [ARGS...]\n\n"
               "Keep the kernel's audit configuration equal to audit.rules files.\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-8s %-22s %s\n", verbs[i].name, verbs[i].args, verbs[i].help);
        printf("\nOptions:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --exact-order       apply/diff/resync: also restore order that only decides which key\n"
               "                         labels a record (may delete and re-add rules)\n"
               "     --foreign=POLICY    apply/diff: 'remove' (default) or 'keep' rules not declared\n"
               "  -q --quiet             apply/diff: print only problems\n"
               "     --json              status, rules, diff, resync, reload: print JSON\n"
               "     --prometheus        status: print the Prometheus metrics (as auditkeepd --metrics writes them)\n"
               "     --auditd-conf=FILE  check: the auditd.conf to check (default %s\n"
               "                         when it exists; 'none' to skip it)\n"
               "     --compat=3|4|4.1    check/apply/diff: compile the rules as auditctl 3.0.9 (3), 4.0.2 (4)\n"
               "                         or 4.1.2 (4.1) does (default: as the installed auditctl, else 4.1)\n\n"
               "PATH is a rules file or a directory of *.rules files (read as augenrules does).\n"
               "Without PATH: %s/, else %s.\n\n"
               "Exit status: 0 success or in sync, 1 errors in the rules (or auditd.conf), pending rules or a\n"
               "difference (diff), or the daemon degraded (status), 2 the kernel or the daemon cannot be\n"
               "reached, 3 the daemon not in sync (status: drifted, repairing, flapping, locked with\n"
               "differences), 4 permission denied.\n",
               DEFAULT_AUDITD_CONF, DEFAULT_RULES_DIR, DEFAULT_RULES_FILE);
}

/* Run the verb: its arguments counted, the bus opened when it needs the daemon. */
static int dispatch(const verb *v, int argc, char **argv) {
        _cleanup_(bus_freep) sd_bus *bus = NULL;

        if (argc < v->min_args) {
                fprintf(stderr, "auditkeepctl %s: needs at least %d arguments (see --help)\n", v->name, v->min_args);
                return EXIT_PROBLEMS;
        }
        if (argc > v->max_args) {
                if (v->max_args == 0)
                        fprintf(stderr, "auditkeepctl %s: takes no arguments (see --help)\n", v->name);
                else
                        fprintf(stderr, "auditkeepctl %s: takes at most %d arguments (see --help)\n", v->name, v->max_args);
                return EXIT_PROBLEMS;
        }
        if (v->needs_bus && bus_open(v->name, &bus) < 0)
                return EXIT_UNREACHABLE;
        return v->run(argc, argv, bus);
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
                                fprintf(stderr, "auditkeepctl: --compat takes 3 (auditctl 3.0.9), 4 (auditctl 4.0.2) or 4.1 (auditctl 4.1.2), not '%s'\n", optarg);
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
        return dispatch(v, argc - optind - 1, argv + optind + 1);
}
