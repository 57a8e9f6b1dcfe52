/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compatibility level of this host (see ak_ruleset_set_compat). Not in the library: it runs
 * a program. */
#pragma once

#include <stddef.h>

#include "auditkeep/ak-rules.h"

/* $AUDITKEEP_AUDITCTL names the auditctl to ask instead of the installed one, once this was
 * called: by auditkeepctl (the caller's own environment, for the caller's own process) and by the
 * daemon built for the tests (auditkeepd-test). auditkeepd itself never calls it: the environment
 * does not choose a program that the daemon runs as root. */
void compat_host_allow_env(void);

/* The level of the installed auditctl: `auditctl -v` of /usr/sbin/auditctl, else /sbin/auditctl
 * (or $AUDITKEEP_AUDITCTL alone, when allowed), read by ak_compat_from_version(). Returns the level
 * with `detail` = "auditctl version 4.0.2 (/usr/sbin/auditctl)", or -errno with `detail` saying
 * why there is none: no auditctl installed, not root (auditctl refuses everyone else, even -v),
 * it failed, or printed no version. */
int compat_host_level(char *detail, size_t size);

/* `auditctl -v` of the installed auditctl, kept here by root for as long as that file is the
 * same (device, inode, size, times): a fork and an exec less at every start. */
#define COMPAT_VERSION_CACHE "/run/auditkeep/auditctl-version"

/* The first line `path -v` prints, from `cache` (NULL: none) when it was read from this very file,
 * else by running it (and then kept in `cache`). 0, or -errno. */
int compat_host_version(const char *path, const char *cache, char *out, size_t size);

/* Set rs's level: command_line_level (> 0) if given, else the host's, else the most recent. */
void compat_host_setup(ak_ruleset *rs, int command_line_level);
