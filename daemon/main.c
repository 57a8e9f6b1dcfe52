/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepd: keep the kernel's audit configuration equal to the rules, and say who changed it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "journal-ids.h"
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
               "                          default /etc/audit/rules.d/, else /etc/audit/audit.rules)\n"
               "     --mode=MODE          'enforce' (default): repair drift; 'monitor': only report it\n"
               "     --foreign=POLICY     'remove' (default) or 'keep' rules that are not declared\n"
               "     --poll-interval=SEC  Verify at least this often (default 10)\n"
               "     --auditd-conf=FILE   The auditd.conf to check and watch (default /etc/audit/auditd.conf;\n"
               "                          'none' for none); it is never changed\n"
               "     --metrics=FILE       Write the state there for Prometheus (node_exporter's textfile\n"
               "                          collector) whenever it changes; skipped while its directory\n"
               "                          does not exist\n"
               "     --audit-trail=no     Do not send USYS_CONFIG records of drift and repairs\n"
               "     --compat=3|4         Compile the rules as auditctl 3.0.9 (3) or 4.0.2 (4) does\n"
               "                          (default: as the installed auditctl, else 4)\n"
               "     --control-fd=FD      For tests: speak the audit protocol over this socket\n"
               "     --monitor-fd=FD      For tests: read audit records from this socket ('none':\n"
               "                          read none, every poll lists the rules)\n\n"
               "Signals: SIGHUP re-reads the rules (kept only if they parse without error);\n"
               "SIGTERM and SIGINT stop the daemon and leave the kernel as it is.\n");
}

static int parse_argv(Manager *m, int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_RULES, ARG_MODE, ARG_FOREIGN, ARG_POLL, ARG_CONTROL_FD, ARG_MONITOR_FD, ARG_AUDITD_CONF,
               ARG_METRICS, ARG_AUDIT_TRAIL, ARG_COMPAT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "rules", required_argument, NULL, ARG_RULES },
                { "mode", required_argument, NULL, ARG_MODE },
                { "foreign", required_argument, NULL, ARG_FOREIGN },
                { "poll-interval", required_argument, NULL, ARG_POLL },
                { "control-fd", required_argument, NULL, ARG_CONTROL_FD },
                { "monitor-fd", required_argument, NULL, ARG_MONITOR_FD },
                { "auditd-conf", required_argument, NULL, ARG_AUDITD_CONF },
                { "metrics", required_argument, NULL, ARG_METRICS },
                { "audit-trail", required_argument, NULL, ARG_AUDIT_TRAIL },
                { "compat", required_argument, NULL, ARG_COMPAT },
                {}
        };
        size_t allocated = 0;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("auditkeepd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_RULES:
                        if (GROW(m->sources, allocated, m->n_sources + 1) < 0 ||
                            !(m->sources[m->n_sources] = strdup(optarg)))
                                return -ENOMEM;
                        m->n_sources++;
                        break;
                case ARG_MODE:
                        if (streq(optarg, "enforce"))
                                m->mode = MODE_ENFORCE;
                        else if (streq(optarg, "monitor"))
                                m->mode = MODE_MONITOR;
                        else {
                                fprintf(stderr, "auditkeepd: --mode takes 'enforce' or 'monitor', not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_FOREIGN:
                        if (streq(optarg, "remove"))
                                m->foreign = AK_FOREIGN_REMOVE;
                        else if (streq(optarg, "keep"))
                                m->foreign = AK_FOREIGN_KEEP;
                        else {
                                fprintf(stderr, "auditkeepd: --foreign takes 'remove' or 'keep', not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_POLL: {
                        char *end;
                        double sec;
                        errno = 0;
                        sec = strtod(optarg, &end);
                        if (errno || *end || sec < 0.1 || sec > 86400) {
                                fprintf(stderr, "auditkeepd: --poll-interval takes seconds from 0.1 to 86400, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        m->poll_usec = (uint64_t) (sec * 1e6);
                        break;
                }
                case ARG_CONTROL_FD:
                case ARG_MONITOR_FD: {
                        uint32_t fd;
                        if (c == ARG_MONITOR_FD && streq(optarg, "none")) {
                                m->no_records = 1;
                                break;
                        }
                        if (safe_atou32_base0(optarg, &fd) < 0 || fd < 3 || fd > INT32_MAX) {
                                fprintf(stderr, "auditkeepd: --%s takes an open file descriptor number, not '%s'\n",
                                        c == ARG_CONTROL_FD ? "control-fd" : "monitor-fd", optarg);
                                return -EINVAL;
                        }
                        if (c == ARG_CONTROL_FD)
                                m->control_fd = (int) fd;
                        else
                                m->monitor_fd = (int) fd;
                        break;
                }
                case ARG_COMPAT:
                        m->compat_arg = ak_compat_parse(optarg);
                        if (m->compat_arg < 0) {
                                fprintf(stderr, "auditkeepd: --compat takes 3 (auditctl 3.0.9) or 4 (auditctl 4.0.2), not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_AUDITD_CONF:
                        free(m->auditd_conf_path);
                        m->auditd_conf_path = strdup(optarg);
                        if (!m->auditd_conf_path)
                                return -ENOMEM;
                        break;
                case ARG_METRICS:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "auditkeepd: --metrics takes an absolute file name, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        free(m->metrics_path);
                        m->metrics_path = strdup(optarg);
                        if (!m->metrics_path)
                                return -ENOMEM;
                        break;
                case ARG_AUDIT_TRAIL:
                        if (streq(optarg, "yes"))
                                m->audit_trail = 1;
                        else if (streq(optarg, "no"))
                                m->audit_trail = 0;
                        else {
                                fprintf(stderr, "auditkeepd: --audit-trail takes 'yes' or 'no', not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
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
        (void) sd_notify(0, "STOPPING=1");
        if (r >= 0 && !m->exit_status)
                log_fields(LOG_INFO, 0, AK_MID_STOPPED, NULL, "auditkeepd stopped; the kernel keeps its configuration");
        if (m->exit_status)
                r = m->exit_status;
        else
                r = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        manager_free(m);
        return r;
}
