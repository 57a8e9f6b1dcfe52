/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon, the client and the library must agree on, defined once: the names on the system
 * bus (dbus/org.auditkeep1.xml and .conf spell the same), the files read when none is given, and
 * the kernel's id for "unset". */
#pragma once

#define BUS_NAME "org.auditkeep1"
#define BUS_PATH "/org/auditkeep1"
#define BUS_IFACE "org.auditkeep1.Manager"

/* The errors of Resync, ResyncExactOrder and Reload. */
#define BUS_ERROR_BUSY "org.auditkeep1.Error.Busy"
#define BUS_ERROR_RULES_INVALID "org.auditkeep1.Error.RulesInvalid"
#define BUS_ERROR_KERNEL "org.auditkeep1.Error.Kernel"
#define BUS_ERROR_REFUSED "org.auditkeep1.Error.Refused"
#define BUS_ERROR_LOCKED "org.auditkeep1.Error.Locked"
#define BUS_ERROR_MONITOR_MODE "org.auditkeep1.Error.MonitorMode"
#define BUS_ERROR_NOT_READY "org.auditkeep1.Error.NotReady"

/* Without a source on the command line: the directory augenrules reads when it exists, else the
 * file it writes (ak_ruleset_add_default_sources). */
#define DEFAULT_RULES_DIR "/etc/audit/rules.d"
#define DEFAULT_RULES_FILE "/etc/audit/audit.rules"
#define DEFAULT_AUDITD_CONF "/etc/audit/auditd.conf"

/* The id the kernel uses for "none": a process without a login uid (auid, what `-F auid=unset`
 * and "-1" mean), without a session (ses), or a caller whose uid is not known. Audit records
 * print it as a number, hence the text form too. */
#define AK_ID_UNSET 4294967295u
#define AK_ID_UNSET_TEXT "4294967295"
