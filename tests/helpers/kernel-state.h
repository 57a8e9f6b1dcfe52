/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Real-kernel test fixtures: take the shared lock, save the kernel's audit state, put it back. */
#pragma once

#include "auditkeep/ak-kernel.h"

/* 1 when this process may configure the real kernel (root, CAP_AUDIT_CONTROL, initial
 * namespaces, NETLINK_AUDIT answers and the kernel is not locked). */
int kstate_usable(void);
/* Take /tmp/auditkeep-kernel.lock (blocks) and snapshot the state. Aborts the test on failure. */
void kstate_save(ak_kstate *saved);
/* Make the kernel equal `saved` again: rules, and the settable status fields (never enabled=2,
 * never failure=2, never the pid). Returns 0 or -errno. */
int kstate_restore(const ak_kstate *saved);
/* Empty the rule lists (one DEL per rule). */
int kstate_clear_rules(void);
/* Run a shell command; returns its exit status (or -1). */
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Snapshot now. */
int kstate_query(ak_kstate *ret);
/* Two snapshots have byte-identical rule lists. On a difference, print both to stderr. */
int kstate_rules_equal(const ak_kstate *a, const ak_kstate *b);
/* The status fields a rules file sets (enabled, failure, rate and backlog limits, backlog wait
 * time) are equal. On a difference, print both to stderr. */
int kstate_settings_equal(const ak_kstate *a, const ak_kstate *b);
