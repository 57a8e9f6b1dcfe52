/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepd: keep the kernel's audit configuration equal to the rules, and say who changed it. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "compat-host.h"
#include "constants.h"
#include "journal-ids.h"
#include "keeping.h"
#include "log.h"
#include "manager.h"
#include "util.h"

static void help(void) {
        printf("Usage: auditkeepd [OPTIONS]\n\n"
               "Keep the kernel's audit configuration equal to audit.rules files: apply them at start,\n"
               "repair drift as soon as audit records or the poll reveal it, and report who caused it.\n\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n"
               "     --rules=PATH         A rules file, or a directory of *.rules files (repeatable;\n"
               "                          default " DEFAULT_RULES_DIR "/, else " DEFAULT_RULES_FILE ")\n"
               "     --mode=MODE          'enforce' (default): repair drift; 'monitor': only report it\n"
               "     --foreign=POLICY     'remove' (default) or 'keep' rules that are not declared; they\n"
               "                          are kept anyway while the rules have errors, declare no rule,\n"
               "                          or (default sources) this host loads its rules another way\n"
               "     --allow-empty        Rules that declare no rule remove the kernel's rules too\n"
               "     --allow-foreign='key=NAME [list=L,...] [action=A,...] [broad=yes]'\n"
               "                          Keep the rules another agent adds with key NAME where it puts\n"
               "                          them (repeatable; as '# auditkeep: allow-foreign' in the rules);\n"
               "                          never and exclude-list rules only with action=never, list=exclude\n"
               "     --poll-interval=SEC  Verify at least this often (default 10)\n"
               "     --auditd-conf=FILE   The auditd.conf to check and watch (default " DEFAULT_AUDITD_CONF ";\n"
               "                          'none' for none); it is never changed\n"
               "     --metrics=FILE       Write the state there for Prometheus (node_exporter's textfile\n"
               "                          collector) whenever it changes; skipped while its directory\n"
               "                          does not exist\n"
               "     --audit-trail=no     Do not send USYS_CONFIG records of drift and repairs\n"
               "     --keeping-marker=FILE\n"
               "                          Write the pid there once the first sync in enforce mode has ended\n"
               "                          (default $RUNTIME_DIRECTORY/" KEEPING_MARKER_NAME ", none outside a unit): Debian's\n"
               "                          augenrules gate skips augenrules only while it is there\n"
               "     --compat=3|4|4.1     Compile the rules as auditctl 3.0.9 (3), 4.0.2 (4) or 4.1.2\n"
               "                          (4.1) does (default: as the installed auditctl, else 4.1)\n"
#ifdef AK_TEST_HOOKS
               "     --control-fd=FD      For tests: speak the audit protocol over this socket\n"
               "     --monitor-fd=FD      For tests: read audit records from this socket ('none':\n"
               "                          read none, every poll lists the rules)\n"
               "     --root=DIR           For tests: the default sources and the units that load rules\n"
               "                          are looked for under DIR instead of /\n"
               "This is auditkeepd-test, the daemon with the test hooks (also $AUDITKEEP_AUDITCTL);\n"
               "it is not installed.\n"
#endif
               "\n"
               "Signals: SIGHUP re-reads the rules (kept only if they parse without error);\n"
               "SIGTERM and SIGINT stop the daemon and leave the kernel as it is.\n");
}

/* --NAME=WORD, WORD one of two: 0 for the first, 1 for the second, or -EINVAL (reported). */
static int parse_choice(const char *name, const char *arg, const char *first, const char *second) {
        if (streq(arg, first))
                return 0;
        if (streq(arg, second))
                return 1;
        fprintf(stderr, "auditkeepd: --%s takes '%s' or '%s', not '%s'\n", name, first, second, arg);
        return -EINVAL;
}

static int parse_poll_interval(const char *arg, uint64_t *ret_usec) {
        char *end;
        double sec;

        errno = 0;
        sec = strtod(arg, &end);
        if (errno || *end || sec < 0.1 || sec > 86400) {
                fprintf(stderr, "auditkeepd: --poll-interval takes seconds from 0.1 to 86400, not '%s'\n", arg);
                return -EINVAL;
        }
        *ret_usec = (uint64_t) (sec * 1e6);
        return 0;
}

#ifdef AK_TEST_HOOKS
/* --control-fd, --monitor-fd: a descriptor the test left open for us (never 0-2). Only in
 * auditkeepd-test: the installed daemon talks to the kernel and nothing else. */
static int parse_test_fd(const char *name, const char *arg, int *ret) {
        uint32_t fd;

        if (safe_atou32_base0(arg, &fd) < 0 || fd < 3 || fd > INT32_MAX) {
                fprintf(stderr, "auditkeepd: --%s takes an open file descriptor number, not '%s'\n", name, arg);
                return -EINVAL;
        }
        *ret = (int) fd;
        return 0;
}
#endif

static int set_string(char **p, const char *arg) {
        char *s = strdup(arg);

        if (!s)
                return -ENOMEM;
        free(*p);
        *p = s;
        return 0;
}

/* --allow-foreign: checked now (ak_ruleset_allow_foreign() on a scratch ruleset), applied to every
 * ruleset the daemon loads (manager_load()). */
static int add_allow(Manager *m, size_t *allocated, const char *arg) {
        _cleanup_free_ char *message = NULL;
        ak_ruleset *scratch = NULL;
        unsigned col = 0;
        int r;

        r = ak_ruleset_new(&scratch);
        if (r < 0)
                return r;
        r = ak_ruleset_allow_foreign(scratch, arg, NULL, &message, &col);
        ak_ruleset_free(scratch);
        if (r == -EINVAL) {
                fprintf(stderr, "auditkeepd: --allow-foreign='%s': at byte %u: %s\n", arg, col, message ? message : "invalid");
                return r;
        }
        if (r < 0)
                return r;
        if (GROW(m->allow_args, *allocated, m->n_allow_args + 1) < 0 || !(m->allow_args[m->n_allow_args] = strdup(arg)))
                return -ENOMEM;
        m->n_allow_args++;
        return 0;
}

static int add_source(Manager *m, size_t *allocated, const char *arg) {
        if (GROW(m->sources, *allocated, m->n_sources + 1) < 0 || !(m->sources[m->n_sources] = strdup(arg)))
                return -ENOMEM;
        m->n_sources++;
        return 0;
}

/* 1 to run, 0 to exit with success (--help, --version), or -errno (reported). */
static int parse_argv(Manager *m, int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_RULES, ARG_MODE, ARG_FOREIGN, ARG_POLL, ARG_CONTROL_FD, ARG_MONITOR_FD, ARG_AUDITD_CONF,
               ARG_METRICS, ARG_AUDIT_TRAIL, ARG_COMPAT, ARG_ALLOW_EMPTY, ARG_ALLOW_FOREIGN, ARG_KEEPING_MARKER, ARG_ROOT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "rules", required_argument, NULL, ARG_RULES },
                { "mode", required_argument, NULL, ARG_MODE },
                { "foreign", required_argument, NULL, ARG_FOREIGN },
                { "poll-interval", required_argument, NULL, ARG_POLL },
#ifdef AK_TEST_HOOKS
                { "control-fd", required_argument, NULL, ARG_CONTROL_FD },
                { "monitor-fd", required_argument, NULL, ARG_MONITOR_FD },
#endif
                { "auditd-conf", required_argument, NULL, ARG_AUDITD_CONF },
                { "metrics", required_argument, NULL, ARG_METRICS },
                { "audit-trail", required_argument, NULL, ARG_AUDIT_TRAIL },
                { "compat", required_argument, NULL, ARG_COMPAT },
                { "allow-empty", no_argument, NULL, ARG_ALLOW_EMPTY },
                { "allow-foreign", required_argument, NULL, ARG_ALLOW_FOREIGN },
                { "keeping-marker", required_argument, NULL, ARG_KEEPING_MARKER },
#ifdef AK_TEST_HOOKS
                { "root", required_argument, NULL, ARG_ROOT },
#endif
                {}
        };
        size_t allocated = 0, allow_allocated = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("auditkeepd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_RULES:
                        r = add_source(m, &allocated, optarg);
                        break;
                case ARG_MODE:
                        r = parse_choice("mode", optarg, "enforce", "monitor");
                        m->mode = r == 1 ? MODE_MONITOR : MODE_ENFORCE;
                        break;
                case ARG_FOREIGN:
                        r = parse_choice("foreign", optarg, "remove", "keep");
                        m->foreign = r == 1 ? AK_FOREIGN_KEEP : AK_FOREIGN_REMOVE;
                        break;
                case ARG_ALLOW_EMPTY:
                        m->allow_empty = 1;
                        r = 0;
                        break;
                case ARG_ALLOW_FOREIGN:
                        r = add_allow(m, &allow_allocated, optarg);
                        break;
                case ARG_POLL:
                        r = parse_poll_interval(optarg, &m->poll_usec);
                        break;
#ifdef AK_TEST_HOOKS
                case ARG_ROOT:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "auditkeepd: --root takes an absolute directory name, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        r = set_string(&m->root, optarg);
                        break;
                case ARG_CONTROL_FD:
                        r = parse_test_fd("control-fd", optarg, &m->control_fd);
                        break;
                case ARG_MONITOR_FD:
                        if (streq(optarg, "none")) {
                                m->no_records = 1;
                                r = 0;
                        } else
                                r = parse_test_fd("monitor-fd", optarg, &m->monitor_fd);
                        break;
#endif
                case ARG_COMPAT:
                        m->compat_arg = ak_compat_parse(optarg);
                        r = 0;
                        if (m->compat_arg < 0) {
                                fprintf(stderr, "auditkeepd: --compat takes 3 (auditctl 3.0.9), 4 (auditctl 4.0.2) or 4.1 (auditctl 4.1.2), not '%s'\n", optarg);
                                r = -EINVAL;
                        }
                        break;
                case ARG_AUDITD_CONF:
                        r = set_string(&m->auditd_conf_path, optarg);
                        break;
                case ARG_METRICS:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "auditkeepd: --metrics takes an absolute file name, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        r = set_string(&m->metrics_path, optarg);
                        break;
                case ARG_KEEPING_MARKER:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "auditkeepd: --keeping-marker takes an absolute file name, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        r = keeping_set_path(m, optarg);
                        break;
                case ARG_AUDIT_TRAIL:
                        r = parse_choice("audit-trail", optarg, "yes", "no");
                        m->audit_trail = r == 0;
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                fprintf(stderr, "auditkeepd: unexpected argument '%s' (see --help)\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char **argv) {
        Manager *m = NULL;
        int r;

        log_setup();
        /* Freed memory stays ours until the idle poll hands it back (malloc_trim, poll.c): by
         * default glibc gives the top of the heap back at every large free and maps big blocks
         * apart, so each check's listing and plan started on fresh pages and paid their faults
         * (tens per check; in a guest each fault is expensive) on the way to a repair. */
        (void) mallopt(M_TRIM_THRESHOLD, 64 << 20);
        (void) mallopt(M_MMAP_THRESHOLD, 32 << 20);
#ifdef AK_TEST_HOOKS
        compat_host_allow_env();
#endif
        r = manager_new(&m);
        if (r < 0) {
                fprintf(stderr, "auditkeepd: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = parse_argv(m, argc, argv);
        if (r <= 0) {
                manager_free(m);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        r = manager_start(m);
        if (r >= 0)
                r = sd_event_loop(m->event);
        manager_stop(m);        /* an incident under way is reported while the daemon is still there */
        (void) sd_notify(0, "STOPPING=1");
        if (r >= 0 && !m->exit_status)
                log_fields(LOG_INFO, 0, AK_MID_STOPPED, NULL, "auditkeepd stopped; the kernel keeps its configuration");
        keeping_done(m);
        if (m->exit_status)
                r = m->exit_status;
        else
                r = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        manager_free(m);
        return r;
}
