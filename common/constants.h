/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon, the client and the library must agree on, defined once: the names on the system
 * bus (dbus/org.auditkeep1.xml and .conf spell the same) and the files read when none is given. */
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
