/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl: what its verbs share. auditkeepctl.c parses the one command line into the arg_*
 * variables below and dispatches through its verb table; the verbs live one group a file:
 * ctl-rules.c (check, apply, diff: rules files and the kernel, no daemon), ctl-daemon.c (rules,
 * resync, reload, and diff's question to the daemon) and ctl-status.c (status). */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "auditkeep/ak-analyze.h"
#include "auditkeep/ak-plan.h"
#include "ctl-sdbus.h"
#include "macro.h"

/* Exit statuses (auditkeepctl(8), EXIT STATUS). status: 0 in sync, 1 degraded (pending rules,
 * errors, refused changes), 3 not in sync (drifted, repairing, flapping, locked with
 * differences); every verb: 2 the kernel or the daemon cannot be reached, 4 permission denied. */
enum { EXIT_OK = 0, EXIT_PROBLEMS = 1, EXIT_UNREACHABLE = 2, EXIT_NOT_IN_SYNC = 3, EXIT_DENIED = 4 };
/* A usage error (an unknown command or option, an option the command does not take, a missing
 * or bad option value, too many or too few arguments): 2, as the LSB's "invalid or excess
 * argument(s)". */
enum { EXIT_USAGE = 2 };

/* The options, set once by main() before a verb runs; a verb sees only those its table entry in
 * auditkeepctl.c says it takes (any other is refused there). */
extern int arg_exact_order;
extern ak_foreign_policy arg_foreign;
extern int arg_allow_empty;             /* apply, diff: rules that declare no rule remove foreign ones too */
extern int arg_quiet;
extern int arg_json;
extern int arg_prometheus;
extern const char *arg_auditd_conf;     /* check: NULL = the default when it exists */
extern int arg_compat;                  /* --compat=3|4; 0: the host's auditctl, else the most recent */

/* A verb gets its arguments after the command's name, and the system bus when its table entry
 * says it needs the daemon (opened by main, which has then already said why it could not be);
 * NULL otherwise. It returns the exit status. */
int verb_check(int argc, char **argv, sd_bus *bus);
int verb_apply(int argc, char **argv, sd_bus *bus);
int verb_diff(int argc, char **argv, sd_bus *bus);
int verb_status(int argc, char **argv, sd_bus *bus);
int verb_rules(int argc, char **argv, sd_bus *bus);
int verb_resync(int argc, char **argv, sd_bus *bus);
int verb_reload(int argc, char **argv, sd_bus *bus);

/* ctl-foreign.c: check's lines on the foreign rules the rules allow (allow-foreign), with the
 * declared rules the allowed rules in the kernel can shadow (when run as root). */
typedef struct check_foreign {
        size_t allowed;         /* allowed foreign rules in the kernel */
        size_t shadows;         /* distinct declared rules they can shadow */
        size_t warnings;        /* written to stderr */
        int checked;            /* -errno when the kernel could not be read */
} check_foreign;
/* The warnings (stderr), before check's summary; then the lines (stdout) after it. */
void check_allowed_foreign_findings(const ak_ruleset *rs, check_foreign *ret);
void check_allowed_foreign(const ak_ruleset *rs, const check_foreign *f);
/* status: the foreign rules kept as allow-foreign says, and (root: ListForeignShadows) which
 * declared rules they can shadow. */
void status_allowed_foreign(sd_bus *bus, uint32_t allowed, uint32_t shadows);

/* ctl-daemon.c: talking to auditkeepd. */
DEFINE_TRIVIAL_CLEANUP_FUNC(sd_bus *, ctl_sdbus_flush_close_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(sd_bus_message *, ctl_sdbus_message_unref)
/* Say why a call to the daemon failed (e NULL: the bus itself), in words a person can act on.
 * Returns the exit status. */
int bus_failed(const char *what, const sd_bus_error *e, int r);
/* Connect to the system bus; on failure say why and return the negative errno. */
int bus_open(const char *what, sd_bus **ret);
/* diff without PATH: the daemon's view. 1 when the daemon answered (or refused), with the exit
 * status in *ret; 0 when it is not there to ask, and the diff is computed here. */
int daemon_diff(int *ret);

/* ctl-rules.c: what the kernel command line lacks for auditing before the rules load: notes (a
 * NULL-terminated strv, ak_strv_free; empty when nothing lacks; NULL when it cannot be read),
 * with the exact line to add (backlog: the limit to suggest, 0 for the default), the file read
 * ($AUDITKEEP_CMDLINE, else /proc/cmdline) and what it holds. */
char **cmdline_notes(uint32_t backlog, const char **ret_path, ak_cmdline_audit *ret);
