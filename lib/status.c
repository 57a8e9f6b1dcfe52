/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The settable fields of struct audit_status, by their AUDIT_STATUS_* mask bit: one table for
 * reading them from the kernel's status and from the desired state, writing the desired state,
 * and their names as auditctl -s prints them and as CONFIG_CHANGE records spell them. */
#include <assert.h>
#include <stddef.h>

#include "auditkeep/ak-kernel.h"
#include "macro.h"
#include "rule-internal.h"

typedef struct status_field {
        uint32_t bit;
        const char *name;               /* auditctl -s */
        const char *record_name;        /* CONFIG_CHANGE op=set NAME=NEW old=OLD */
        size_t status_offset;           /* in struct audit_status */
        size_t want_offset;             /* in ak_status_want */
} status_field;

#define FIELD(b, n, f) { AUDIT_STATUS_##b, #f, n, offsetof(struct audit_status, f), offsetof(ak_status_want, f) }

/* In the kernel's processing order (audit_receive_msg, AUDIT_SET). */
static const status_field fields[] = {
        FIELD(ENABLED, "audit_enabled", enabled),
        FIELD(FAILURE, "audit_failure", failure),
        FIELD(RATE_LIMIT, "audit_rate_limit", rate_limit),
        FIELD(BACKLOG_LIMIT, "audit_backlog_limit", backlog_limit),
        FIELD(BACKLOG_WAIT_TIME, "audit_backlog_wait_time", backlog_wait_time),
};

static const status_field *find(uint32_t bit) {
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i].bit == bit)
                        return &fields[i];
        return NULL;
}

uint32_t ak_status_get(const struct audit_status *s, uint32_t bit) {
        const status_field *f = find(bit);

        assert(s);
        return f ? *(const uint32_t *) ((const char *) s + f->status_offset) : 0;
}

const char *ak_status_name(uint32_t bit) {
        const status_field *f = find(bit);
        return f ? f->name : "?";
}

const char *ak_status_record_name(uint32_t bit) {
        const status_field *f = find(bit);
        return f ? f->record_name : bit == AUDIT_STATUS_LOST ? "lost" : NULL;
}

uint32_t ak_status_settable(size_t i) {
        return i < ELEMENTSOF(fields) ? fields[i].bit : 0;
}

uint32_t ak_status_want_get(const ak_status_want *w, uint32_t bit) {
        const status_field *f = find(bit);

        assert(w);
        return f ? *(const uint32_t *) ((const char *) w + f->want_offset) : 0;
}

void ak_status_want_set(ak_status_want *w, uint32_t bit, uint32_t v) {
        const status_field *f = find(bit);

        assert(w);
        if (!f)
                return;
        *(uint32_t *) ((char *) w + f->want_offset) = v;
        w->mask |= bit;
}

void ak_status_set(struct audit_status *s, uint32_t bit, uint32_t v) {
        const status_field *f = find(bit);

        assert(s);
        if (!f)
                return;
        *(uint32_t *) ((char *) s + f->status_offset) = v;
        s->mask |= bit;
}
