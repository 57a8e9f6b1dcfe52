/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl: check rules offline, apply them to the kernel once, show the difference, and ask
 * auditkeepd. This file is the command line: the verb table (with the options each verb takes),
 * the one option parser, the check of the options against the verb, and the dispatch; the verbs
 * are in ctl-rules.c, ctl-daemon.c and ctl-status.c (see ctl.h). */
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
int arg_allow_empty = 0;
int arg_quiet = 0;
int arg_json = 0;
int arg_prometheus = 0;
const char *arg_auditd_conf = NULL;
int arg_compat = 0;

/* The options. Each verb's table entry says which it takes (wireguard-tools keeps one table of
 * subcommands the same way); --help and --version are everyone's. */
enum {
        OPT_EXACT_ORDER = 1u << 0,
        OPT_FOREIGN = 1u << 1,
        OPT_QUIET = 1u << 2,
        OPT_JSON = 1u << 3,
        OPT_PROMETHEUS = 1u << 4,
        OPT_AUDITD_CONF = 1u << 5,
        OPT_COMPAT = 1u << 6,
        OPT_ALLOW_EMPTY = 1u << 7,
};

typedef struct option_doc {
        unsigned bit;
        const char *spelling;   /* as --help shows it */
        const char *help;
} option_doc;

static const option_doc option_docs[] = {
        { OPT_EXACT_ORDER, "    --exact-order", "Also restore order that only decides which key labels a record\n"
                                                "                          (may delete and re-add rules)" },
        { OPT_FOREIGN, "    --foreign=POLICY", "'remove' (default) or 'keep' rules not declared (kept\n"
                                               "                          anyway while the rules have errors or declare no rule)" },
        { OPT_ALLOW_EMPTY, "    --allow-empty", "Rules that declare no rule remove the kernel's rules too" },
        { OPT_QUIET, "-q --quiet", "Print only problems" },
        { OPT_JSON, "    --json", "Print JSON" },
        { OPT_PROMETHEUS, "    --prometheus", "Print the Prometheus metrics (as auditkeepd --metrics writes them)" },
        { OPT_AUDITD_CONF, "    --auditd-conf=FILE", "The auditd.conf to check (default " DEFAULT_AUDITD_CONF "\n"
                                                     "                          when it exists; 'none' to skip it)" },
        { OPT_COMPAT, "    --compat=3|4|4.1", "Compile the rules as auditctl 3.0.9 (3), 4.0.2 (4) or 4.1.2 (4.1)\n"
                                              "                          does (default: as the installed auditctl, else 4.1)" },
};

typedef struct verb {
        const char *name;
        int (*run)(int argc, char **argv, sd_bus *bus);
        int needs_bus;          /* main opens the system bus first (and loads libsystemd for it) */
        int min_args, max_args; /* after the name; max_args INT_MAX: any number */
        unsigned options;       /* OPT_*: the options it takes */
        const char *args;       /* for the help: the arguments */
        const char *help;
} verb;

#define ANY INT_MAX
static const verb verbs[] = {
        { "check",  verb_check,  0, 0, ANY, OPT_AUDITD_CONF | OPT_COMPAT, "[PATH...]",
          "Parse rules and auditd.conf offline: errors, dead rules, rule cost, summary" },
        { "apply",  verb_apply,  0, 0, ANY, OPT_EXACT_ORDER | OPT_FOREIGN | OPT_ALLOW_EMPTY | OPT_QUIET | OPT_COMPAT, "[PATH...]",
          "Make the kernel equal the rules once, with the fewest changes" },
        /* diff asks the daemon itself, only without PATH and only when it is there */
        { "diff",   verb_diff,   0, 0, ANY, OPT_EXACT_ORDER | OPT_FOREIGN | OPT_ALLOW_EMPTY | OPT_QUIET | OPT_JSON | OPT_COMPAT,
          "[PATH...]",
          "Show what differs from the rules (the daemon's, or PATH's)" },
        { "status", verb_status, 1, 0, 0,   OPT_JSON | OPT_PROMETHEUS, "",
          "Show the daemon's state, the kernel's settings and the last drift" },
        { "rules",  verb_rules,  1, 0, 0,   OPT_JSON, "",
          "List each rule with its state and where it is declared" },
        { "resync", verb_resync, 1, 0, 0,   OPT_EXACT_ORDER | OPT_JSON, "",
          "Ask the daemon to verify and repair now" },
        { "reload", verb_reload, 1, 0, 0,   OPT_JSON, "",
          "Ask the daemon to re-read its rules (kept only if they parse cleanly)" },
};
#undef ANY

/* The options a verb takes (all when options is ~0u), one a line with what they do. */
static void print_options(FILE *f, unsigned options) {
        for (size_t i = 0; i < ELEMENTSOF(option_docs); i++)
                if (options & option_docs[i].bit)
                        fprintf(f, "  %-23s %s\n", option_docs[i].spelling, option_docs[i].help);
}

/* The help: on stdout when asked for (--help), on stderr when it answers a usage error. */
static void help(FILE *f) {
        fprintf(f, "Usage: auditkeepctl COMMAND [OPTIONS] [ARGS...]\n\n"
               "Keep the kernel's audit configuration equal to audit.rules files.\n\n"
               "Commands, each with the options it takes (another option is an error):\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                fprintf(f, "  %-8s %-10s %s\n", verbs[i].name, verbs[i].args, verbs[i].help);
                if (!verbs[i].options)
                        continue;
                fprintf(f, "  %-8s %-10s", "", "");
                for (size_t k = 0; k < ELEMENTSOF(option_docs); k++)
                        if (verbs[i].options & option_docs[k].bit)
                                fprintf(f, " %s", option_docs[k].spelling + strspn(option_docs[k].spelling, " "));
                fprintf(f, "\n");
        }
        fprintf(f, "\nOptions:\n");
        print_options(f, ~0u);
        fprintf(f, "  %-23s %s\n  %-23s %s\n\n", "-h --help", "Show this help (after a command: that command's)",
               "    --version", "Show the version");
        fprintf(f, "PATH is a rules file or a directory of *.rules files (read as augenrules does).\n"
               "Without PATH: %s/, else %s.\n\n"
               "Exit status: 0 success or in sync, 1 errors in the rules (or auditd.conf), pending rules or a\n"
               "difference (diff), or the daemon degraded (status), 2 the kernel or the daemon cannot be\n"
               "reached, or a usage error (an unknown command or option, an option the command does not take,\n"
               "a missing or bad option value, the wrong number of arguments), 3 the daemon not in sync\n"
               "(status: drifted, repairing, flapping, locked with differences), 4 permission denied.\n",
               DEFAULT_RULES_DIR, DEFAULT_RULES_FILE);
}

static void verb_help(const verb *v) {
        printf("Usage: auditkeepctl %s [OPTIONS]%s%s\n  %s\n\nOptions:\n", v->name, v->args[0] ? " " : "", v->args, v->help);
        print_options(stdout, v->options);
        printf("  %-23s %s\n", "-h --help", "Show this help");
}

/* Run the verb: its arguments counted, the bus opened when it needs the daemon. */
static int dispatch(const verb *v, int argc, char **argv) {
        _cleanup_(ctl_sdbus_flush_close_unrefp) sd_bus *bus = NULL;

        if (argc < v->min_args) {
                fprintf(stderr, "auditkeepctl %s: needs at least %d arguments (see --help)\n", v->name, v->min_args);
                return EXIT_USAGE;
        }
        if (argc > v->max_args) {
                if (v->max_args == 0)
                        fprintf(stderr, "auditkeepctl %s: takes no arguments (see --help)\n", v->name);
                else
                        fprintf(stderr, "auditkeepctl %s: takes at most %d arguments (see --help)\n", v->name, v->max_args);
                return EXIT_USAGE;
        }
        if (v->needs_bus && bus_open(v->name, &bus) < 0)
                return EXIT_UNREACHABLE;
        return v->run(argc, argv, bus);
}

/* An option given on the command line: its OPT_* bit and how it was spelled, to be checked against
 * the verb's table once the verb is known (getopt_long permutes: an option may stand before the
 * command). */
typedef struct given {
        unsigned bit;
        const char *name;       /* the long name */
} given;

static const char *long_name(const struct option *o, int val) {
        for (; o->name; o++)
                if (o->val == val)
                        return o->name;
        return "?";
}

/* The options given that the verb does not take: each named, with the verb. Returns the exit
 * status: 0 when all are the verb's. */
static int check_options(const verb *v, const given *g, size_t n) {
        int ret = EXIT_OK;

        for (size_t i = 0; i < n; i++)
                if (!(v->options & g[i].bit)) {
                        fprintf(stderr, "auditkeepctl %s: --%s is not an option of %s (see auditkeepctl %s --help)\n",
                                v->name, g[i].name, v->name, v->name);
                        ret = EXIT_USAGE;
                }
        return ret;
}

/* One option parser for the whole command line: getopt_long permutes, so options may stand
 * before or after the command and its paths, and "--foreign keep" reads as "--foreign=keep".
 * Which options the command takes is checked after, from its table entry. */
int main(int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_EXACT_ORDER, ARG_FOREIGN, ARG_JSON, ARG_AUDITD_CONF, ARG_PROMETHEUS, ARG_COMPAT,
               ARG_ALLOW_EMPTY };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "exact-order", no_argument, NULL, ARG_EXACT_ORDER },
                { "foreign", required_argument, NULL, ARG_FOREIGN },
                { "allow-empty", no_argument, NULL, ARG_ALLOW_EMPTY },
                { "quiet", no_argument, NULL, 'q' },
                { "json", no_argument, NULL, ARG_JSON },
                { "prometheus", no_argument, NULL, ARG_PROMETHEUS },
                { "auditd-conf", required_argument, NULL, ARG_AUDITD_CONF },
                { "compat", required_argument, NULL, ARG_COMPAT },
                {}
        };
        given g[ELEMENTSOF(option_docs)];
        const verb *v = NULL;
        size_t n_given = 0;
        int c, want_help = 0, r;

        opterr = 0;     /* our own messages */
        while ((c = getopt_long(argc, argv, ":hq", options, NULL)) >= 0) {
                unsigned bit = 0;

                switch (c) {
                case 'h':
                        want_help = 1;
                        break;
                case ARG_VERSION:
                        printf("auditkeepctl %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                case ARG_EXACT_ORDER:
                        arg_exact_order = 1;
                        bit = OPT_EXACT_ORDER;
                        break;
                case ARG_FOREIGN:
                        if (streq(optarg, "remove"))
                                arg_foreign = AK_FOREIGN_REMOVE;
                        else if (streq(optarg, "keep"))
                                arg_foreign = AK_FOREIGN_KEEP;
                        else {
                                fprintf(stderr, "auditkeepctl: --foreign takes 'remove' or 'keep', not '%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        bit = OPT_FOREIGN;
                        break;
                case ARG_ALLOW_EMPTY:
                        arg_allow_empty = 1;
                        bit = OPT_ALLOW_EMPTY;
                        break;
                case 'q':
                        arg_quiet = 1;
                        bit = OPT_QUIET;
                        break;
                case ARG_JSON:
                        arg_json = 1;
                        bit = OPT_JSON;
                        break;
                case ARG_PROMETHEUS:
                        arg_prometheus = 1;
                        bit = OPT_PROMETHEUS;
                        break;
                case ARG_AUDITD_CONF:
                        arg_auditd_conf = optarg;
                        bit = OPT_AUDITD_CONF;
                        break;
                case ARG_COMPAT:
                        arg_compat = ak_compat_parse(optarg);
                        if (arg_compat < 0) {
                                fprintf(stderr, "auditkeepctl: --compat takes 3 (auditctl 3.0.9), 4 (auditctl 4.0.2) or 4.1 (auditctl 4.1.2), not '%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        bit = OPT_COMPAT;
                        break;
                case ':':
                        fprintf(stderr, "auditkeepctl: option '%s' needs a value (see --help)\n", argv[optind - 1]);
                        return EXIT_USAGE;
                default:
                        if (optopt)
                                fprintf(stderr, "auditkeepctl: unknown option '-%c' (see --help)\n", optopt);
                        else
                                fprintf(stderr, "auditkeepctl: unknown option '%s' (see --help)\n", argv[optind - 1]);
                        return EXIT_USAGE;
                }
                /* the same option twice is named once */
                for (size_t i = 0; bit && i < n_given; i++)
                        if (g[i].bit == bit)
                                bit = 0;
                if (bit)
                        g[n_given++] = (given) { bit, long_name(options, c) };
        }

        if (optind < argc) {
                for (size_t i = 0; i < ELEMENTSOF(verbs) && !v; i++)
                        if (streq(argv[optind], verbs[i].name))
                                v = &verbs[i];
                if (!v) {
                        fprintf(stderr, "auditkeepctl: unknown command '%s' (see --help)\n", argv[optind]);
                        return EXIT_USAGE;
                }
                r = check_options(v, g, n_given);
                if (r != EXIT_OK)
                        return r;
        }
        if (want_help && v) {
                verb_help(v);
                return EXIT_OK;
        }
        if (want_help) {
                help(stdout);
                return EXIT_OK;
        }
        if (!v) {
                help(stderr);
                return EXIT_USAGE;
        }
        return dispatch(v, argc - optind - 1, argv + optind + 1);
}
