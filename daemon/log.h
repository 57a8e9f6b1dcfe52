/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging: the journal with structured fields when running under it, stderr otherwise. */
#pragma once

#include <syslog.h>

#include "macro.h"

void log_setup(void);
/* Set the minimum priority printed (LOG_DEBUG .. LOG_ERR). */
void log_set_max_level(int level);
int log_to_journal(void);

/* A message with an optional MESSAGE_ID (NULL for none) and extra journal fields given as a
 * NULL-terminated list of "FIELD=value" strings. Returns -err when err < 0, else 0, so that
 * `return log_msg(...)` propagates an error. */
int log_fields(int priority, int err, const char *message_id, const char *const *fields, const char *fmt, ...)
        _printf_(5, 6);

#define log_full(prio, err, mid, ...) log_fields((prio), (err), (mid), NULL, __VA_ARGS__)
#define log_debug(...) log_full(LOG_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_error_errno(err, ...) log_full(LOG_ERR, (err), NULL, __VA_ARGS__)
#define log_warning_errno(err, ...) log_full(LOG_WARNING, (err), NULL, __VA_ARGS__)
