/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The settable fields of struct audit_status, by their AUDIT_STATUS_* mask bit. */
#include "ak-kernel.h"

uint32_t ak_status_get(const struct audit_status *s, uint32_t bit) {
        switch (bit) {
        case AUDIT_STATUS_ENABLED: return s->enabled;
        case AUDIT_STATUS_FAILURE: return s->failure;
        case AUDIT_STATUS_RATE_LIMIT: return s->rate_limit;
        case AUDIT_STATUS_BACKLOG_LIMIT: return s->backlog_limit;
        case AUDIT_STATUS_BACKLOG_WAIT_TIME: return s->backlog_wait_time;
        default: return 0;
        }
}

const char *ak_status_name(uint32_t bit) {
        switch (bit) {
        case AUDIT_STATUS_ENABLED: return "enabled";
        case AUDIT_STATUS_FAILURE: return "failure";
        case AUDIT_STATUS_RATE_LIMIT: return "rate_limit";
        case AUDIT_STATUS_BACKLOG_LIMIT: return "backlog_limit";
        case AUDIT_STATUS_BACKLOG_WAIT_TIME: return "backlog_wait_time";
        default: return "?";
        }
}
