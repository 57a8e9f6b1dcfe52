/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who changed the audit configuration: the records of configuration changes, matched to the
 * process that made them, with the daemon's own changes told apart.
 *
 * A change announces itself with CONFIG_CHANGE (rules, status fields; no pid) or FEATURE_CHANGE
 * (names the process). The SYSCALL record with the same audit(…:SERIAL) stamp, when the kernel
 * writes one, names the process. Changes are kept, in arrival order, until a verification that
 * found drift takes them (attribution_take): those that arrived before that verification asked
 * the kernel are used up; later ones stay for the next verification, since the snapshot may not
 * show them yet.
 *
 * The daemon's own requests produce the same records. They are recognised two ways: a SYSCALL
 * record with the daemon's pid, and, because a process forked before auditing was enabled has no
 * audit context and so no SYSCALL record, by expectation: before sending operations the daemon
 * says what records they will produce (attribution_expect), and a record that matches one (same
 * op, list and key, or same status field and value, and the daemon's own auid and session) is
 * taken as the daemon's own and never becomes an attribution, unless the SYSCALL record of the
 * same stamp then names another process (one with the daemon's auid and session that made the
 * same change at the same moment). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auditkeep/ak-kernel.h"

#define ATTR_MAX_CHANGES 32
#define ATTR_EXE_MAX 256        /* escaped; a longer path ends in "..." */
#define ATTR_ID_MAX 16          /* escaped pid, auid, ses: 10 digits or "unset" fit */
#define ATTR_EXPECT_USEC (5u * 1000000u)        /* our records arrive within ms; forget after this */
#define ATTR_PROVISIONAL_USEC (2u * 1000000u)

typedef struct AttrChange {
        uint64_t serial;
        uint64_t seq;           /* arrival order */
        int named;              /* a record named the process */
        char who[400];          /* "pid=… comm=… exe=… auid=… ses=…", each value escaped as a field value
                                 * (cescape_field_max): 5 names + 16 + 64 + 256 + 16 + 16 fit */
} AttrChange;

typedef struct AttrExpect {
        uint16_t type;          /* AUDIT_CONFIG_CHANGE */
        char op[16];            /* add_rule, remove_rule, set */
        char what[300];         /* rules: the key ("" for none); set: the field name */
        uint32_t value;         /* rules: the list; set: the new value */
        uint64_t until;         /* CLOCK_MONOTONIC */
        int used;               /* a record matched it */
} AttrExpect;

/* A record taken as ours by expectation, until its stamp's SYSCALL record (if any) says whose it
 * is: one naming another process gives the expectation back and makes the record a change. Kept
 * for ATTR_PROVISIONAL_USEC (a stamp's SYSCALL record follows its CONFIG_CHANGE at once), sorted
 * by serial; as many as matched, so that a large sync cannot push one out. */
typedef struct AttrProvisional {
        uint64_t serial;
        uint64_t until;
        AttrExpect expect;
} AttrProvisional;

typedef struct Attribution {
        pid_t self_pid;
        char self_auid[16], self_ses[16];       /* from /proc/self; "" when unknown */
        AttrChange changes[ATTR_MAX_CHANGES];
        size_t n_changes;
        uint64_t seq;                           /* of the last change kept */
        uint64_t self_serials[16];              /* stamps known to be ours (ring) */
        size_t self_next;
        AttrExpect *expect;                     /* in the order the operations are sent */
        size_t n_expect, expect_allocated;
        size_t expect_first;                    /* all before it are used: records come in order */
        AttrProvisional *prov;                  /* sorted by serial */
        size_t n_prov, prov_allocated;
        uint64_t own_records;                   /* records recognised as our own, for tests */
} Attribution;

void attribution_init(Attribution *a, pid_t self_pid, const char *self_auid, const char *self_ses);
void attribution_done(Attribution *a);

/* The records these operations will produce are ours (called just before sending them). */
int attribution_expect(Attribution *a, const ak_op *ops, size_t n_ops, uint64_t now);

/* One record. Returns 1 when it announces a configuration change by someone else (the caller
 * verifies the kernel), 0 otherwise (our own change, or a record that only adds detail). */
int attribution_record(Attribution *a, const ak_record *rec, uint64_t now);

/* The current arrival mark: changes up to here are used up by attribution_take(a, mark). */
uint64_t attribution_mark(const Attribution *a);

/* Name who made the changes that arrived up to `upto`: the latest change whose process is known
 * (else the latest one), and how many others there were, as a phrase into buf; they are used
 * up. Returns 1, or 0 with "unknown (no audit record named the changer)" when there is none. */
int attribution_take(Attribution *a, uint64_t upto, char *buf, size_t size);
/* The same phrase, for the changes up to `upto`, without using them up. */
int attribution_describe(const Attribution *a, uint64_t upto, char *buf, size_t size);
/* The pid of the latest change in (after, upto] whose process a record named, into buf: 1, or 0
 * when none was named. */
int attribution_named_pid(const Attribution *a, uint64_t after, uint64_t upto, char *buf, size_t size);

/* Forget the changes that arrived up to `upto` (a check found the kernel as desired: they have
 * nothing left to explain). */
void attribution_forget(Attribution *a, uint64_t upto);

/* The changer phrase of attribution_take() as structured journal fields, AUDITKEEP_CHANGER_PID=
 * ... AUDITKEEP_CHANGER_SES=, each a malloc'ed string into ret (at most max; NULL on OOM).
 * Returns how many. The phrase's values are escaped so that none holds a space or an '=': it
 * splits into its fields exactly, and a name cannot fake one. */
size_t attribution_fields(const char *phrase, char **ret, size_t max);
