/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rule fields of the audit.rules language in one table, for both directions: the lists a
 * field may stand on, the operators it takes and the kind of value it holds, which says how `-F`
 * reads the value (parse-field.c) and how ak_rule_format() writes it back (format.c), so that the
 * two cannot drift apart. The names stay with the other name tables (tables.c). Private to lib/. */
#pragma once

#include <stdint.h>

/* What a field's value is. A field the table does not list holds a plain number. */
typedef enum ak_value_kind {
        AK_VALUE_NUMBER = 0,    /* unsigned number (pid, ppid, pers, dev*, inode, success) */
        AK_VALUE_ARG,           /* a syscall argument: any 32 bits, "-1" too; written in hex */
        AK_VALUE_SESSION,       /* a session id: a number, "-1" or "unset" */
        AK_VALUE_FAMILY,        /* an address family, below AF_MAX */
        AK_VALUE_BOOL,          /* 0 or 1 (loginuid_set) */
        AK_VALUE_UID,           /* a user: number, "-1", "unset" or name */
        AK_VALUE_GID,           /* a group: number or name */
        AK_VALUE_ERRNO,         /* exit: number, or errno name with an optional '-' */
        AK_VALUE_MSGTYPE,       /* message type: number or name */
        AK_VALUE_STRING,        /* text in the rule's buffer (SELinux labels) */
        AK_VALUE_PATH,          /* an absolute path in the rule's buffer (path, dir, exe) */
        AK_VALUE_KEY,           /* the key: only by -k or -F key= */
        AK_VALUE_ARCH,          /* AUDIT_ARCH_*: name or ELF value */
        AK_VALUE_PERM,          /* AUDIT_PERM_* as letters r w x a */
        AK_VALUE_FTYPE,         /* S_IF* file type by name */
        AK_VALUE_FSTYPE,        /* file system magic: name or number */
        AK_VALUE_COMPARE,       /* AUDIT_COMPARE_*: a number to -F, a pair of fields to -C */
        _AK_VALUE_MAX,
} ak_value_kind;

enum {
        AK_FIELD_EQ_ONLY = 1 << 0,      /* = and != only (else also < > <= >=) */
        AK_FIELD_BITOPS = 1 << 1,       /* also & and &= */
        AK_FIELD_EXCLUDE = 1 << 2,      /* auditctl 3.0.9 takes it on the exclude list */
        AK_FIELD_OBJECT = 1 << 3,       /* names the watched object: one such field a rule */
        AK_FIELD_UNSIGNED = 1 << 4,     /* a gid without a name written unsigned (plain numbers always are) */
};

typedef struct ak_field_spec {
        uint8_t kind;           /* ak_value_kind */
        uint8_t flags;          /* AK_FIELD_* */
        uint8_t lists;          /* AK_LIST_BIT()s: the lists -F takes it on; 0: any list */
        const char *lists_text; /* how messages name them, if not "exit list" */
} ak_field_spec;

#define AK_LIST_BIT(l) (1u << (l))

/* The spec of a field number; a plain number on any list for fields the table lacks. */
const ak_field_spec *ak_field_spec_of(uint32_t field);

/* -C: the fields of an AUDIT_COMPARE_* value (-1 for none), and the value comparing two fields in
 * either order ("uid=auid" and "auid=uid" are AUDIT_COMPARE_UID_TO_AUID; -1 for none). */
int ak_compare_fields(uint32_t code, uint32_t *ret_left, uint32_t *ret_right);
int ak_compare_code(uint32_t f1, uint32_t f2);
