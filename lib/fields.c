/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The field table (fields.h), as auditctl 3.0.9 and 4.0.2 read the fields (their differences are
 * in parse-field.c, where the table alone cannot say them). */
#include "auditkeep/ak-rules.h"
#include "fields.h"
#include "macro.h"

#define EXIT_ONLY AK_LIST_BIT(AUDIT_FILTER_EXIT)

static const ak_field_spec field_specs[] = {
        [AUDIT_PID] = { AK_VALUE_NUMBER, AK_FIELD_EXCLUDE },
        [AUDIT_UID] = { AK_VALUE_UID, AK_FIELD_EXCLUDE },
        [AUDIT_EUID ... AUDIT_FSUID] = { AK_VALUE_UID },                /* euid, suid, fsuid */
        [AUDIT_LOGINUID] = { AK_VALUE_UID, AK_FIELD_EXCLUDE },
        [AUDIT_OBJ_UID] = { AK_VALUE_UID },
        /* gids are written unsigned: a group name lookup would not read "-1" back */
        [AUDIT_GID] = { AK_VALUE_GID, AK_FIELD_EXCLUDE | AK_FIELD_UNSIGNED },
        [AUDIT_EGID ... AUDIT_FSGID] = { AK_VALUE_GID, AK_FIELD_UNSIGNED }, /* egid, sgid, fsgid */
        [AUDIT_OBJ_GID] = { AK_VALUE_GID, AK_FIELD_UNSIGNED },
        [AUDIT_PERS] = { AK_VALUE_NUMBER, AK_FIELD_BITOPS },
        [AUDIT_ARCH] = { AK_VALUE_ARCH, AK_FIELD_EQ_ONLY },
        [AUDIT_MSGTYPE] = { AK_VALUE_MSGTYPE, AK_FIELD_EXCLUDE,
                            AK_LIST_BIT(AUDIT_FILTER_EXCLUDE) | AK_LIST_BIT(AUDIT_FILTER_USER), "exclude and user lists" },
        [AUDIT_SUBJ_USER] = { AK_VALUE_STRING, AK_FIELD_EQ_ONLY | AK_FIELD_EXCLUDE },
        [AUDIT_SUBJ_ROLE] = { AK_VALUE_STRING, AK_FIELD_EQ_ONLY | AK_FIELD_EXCLUDE },
        [AUDIT_SUBJ_TYPE] = { AK_VALUE_STRING, AK_FIELD_EQ_ONLY | AK_FIELD_EXCLUDE },
        [AUDIT_SUBJ_SEN] = { AK_VALUE_STRING, AK_FIELD_EXCLUDE },
        [AUDIT_SUBJ_CLR] = { AK_VALUE_STRING, AK_FIELD_EXCLUDE },
        [AUDIT_PPID] = { AK_VALUE_NUMBER, 0, EXIT_ONLY },
        /* the object fields: the exit list only, so io_uring refuses them too */
        [AUDIT_OBJ_USER] = { AK_VALUE_STRING, AK_FIELD_EQ_ONLY, EXIT_ONLY },
        [AUDIT_OBJ_ROLE] = { AK_VALUE_STRING, AK_FIELD_EQ_ONLY, EXIT_ONLY },
        [AUDIT_OBJ_TYPE] = { AK_VALUE_STRING, AK_FIELD_EQ_ONLY, EXIT_ONLY },
        [AUDIT_OBJ_LEV_LOW] = { AK_VALUE_STRING, 0, EXIT_ONLY },
        [AUDIT_OBJ_LEV_HIGH] = { AK_VALUE_STRING, 0, EXIT_ONLY },
        [AUDIT_SESSIONID] = { AK_VALUE_SESSION, 0,
                              AK_LIST_BIT(AUDIT_FILTER_EXCLUDE) | AK_LIST_BIT(AUDIT_FILTER_USER) | EXIT_ONLY,
                              "exit, user and exclude lists" },
        [AUDIT_FSTYPE] = { AK_VALUE_FSTYPE, AK_FIELD_EQ_ONLY, AK_LIST_BIT(AUDIT_FILTER_FS), "filesystem list" },
        [AUDIT_DEVMAJOR] = { AK_VALUE_NUMBER, 0, EXIT_ONLY },
        [AUDIT_DEVMINOR] = { AK_VALUE_NUMBER, AK_FIELD_BITOPS, EXIT_ONLY },
        [AUDIT_INODE] = { AK_VALUE_NUMBER, AK_FIELD_EQ_ONLY | AK_FIELD_OBJECT, EXIT_ONLY },
        [AUDIT_EXIT] = { AK_VALUE_ERRNO, 0, EXIT_ONLY },
        [AUDIT_SUCCESS] = { AK_VALUE_NUMBER, 0, EXIT_ONLY },
        [AUDIT_WATCH] = { AK_VALUE_PATH, AK_FIELD_EQ_ONLY | AK_FIELD_OBJECT, EXIT_ONLY },
        [AUDIT_DIR] = { AK_VALUE_PATH, AK_FIELD_EQ_ONLY | AK_FIELD_OBJECT, EXIT_ONLY },
        /* auditctl 4.0.2 also takes perm on the exclude list; 3.0.9 refuses it there as it does
         * every field without AK_FIELD_EXCLUDE */
        [AUDIT_PERM] = { AK_VALUE_PERM, AK_FIELD_EQ_ONLY, EXIT_ONLY | AK_LIST_BIT(AUDIT_FILTER_EXCLUDE) },
        [AUDIT_FILETYPE] = { AK_VALUE_FTYPE, AK_FIELD_EQ_ONLY, EXIT_ONLY },
        [AUDIT_FIELD_COMPARE] = { AK_VALUE_COMPARE, AK_FIELD_EQ_ONLY },
        [AUDIT_EXE] = { AK_VALUE_PATH, AK_FIELD_EQ_ONLY | AK_FIELD_EXCLUDE },
        [AUDIT_SADDR_FAM] = { AK_VALUE_FAMILY },
        [AUDIT_ARG0 ... AUDIT_ARG3] = { AK_VALUE_ARG, AK_FIELD_BITOPS },  /* a0 .. a3 */
        [AUDIT_LOGINUID_SET] = { AK_VALUE_BOOL, AK_FIELD_EQ_ONLY },
        [AUDIT_FILTERKEY] = { AK_VALUE_KEY, AK_FIELD_EQ_ONLY },
};

const ak_field_spec *ak_field_spec_of(uint32_t field) {
        static const ak_field_spec number = {};

        return field < ELEMENTSOF(field_specs) ? &field_specs[field] : &number;
}

/* The two fields of each AUDIT_COMPARE_* value, left as auditctl -l writes it. No comparison has
 * pid (field 0) on its right: right == 0 marks a value that is none. */
static const struct { uint32_t left, right; } compare_pairs[] = {
        [AUDIT_COMPARE_UID_TO_OBJ_UID] = { AUDIT_UID, AUDIT_OBJ_UID },
        [AUDIT_COMPARE_GID_TO_OBJ_GID] = { AUDIT_GID, AUDIT_OBJ_GID },
        [AUDIT_COMPARE_EUID_TO_OBJ_UID] = { AUDIT_EUID, AUDIT_OBJ_UID },
        [AUDIT_COMPARE_EGID_TO_OBJ_GID] = { AUDIT_EGID, AUDIT_OBJ_GID },
        [AUDIT_COMPARE_AUID_TO_OBJ_UID] = { AUDIT_LOGINUID, AUDIT_OBJ_UID },
        [AUDIT_COMPARE_SUID_TO_OBJ_UID] = { AUDIT_SUID, AUDIT_OBJ_UID },
        [AUDIT_COMPARE_SGID_TO_OBJ_GID] = { AUDIT_SGID, AUDIT_OBJ_GID },
        [AUDIT_COMPARE_FSUID_TO_OBJ_UID] = { AUDIT_FSUID, AUDIT_OBJ_UID },
        [AUDIT_COMPARE_FSGID_TO_OBJ_GID] = { AUDIT_FSGID, AUDIT_OBJ_GID },
        [AUDIT_COMPARE_UID_TO_AUID] = { AUDIT_UID, AUDIT_LOGINUID },
        [AUDIT_COMPARE_UID_TO_EUID] = { AUDIT_UID, AUDIT_EUID },
        [AUDIT_COMPARE_UID_TO_FSUID] = { AUDIT_UID, AUDIT_FSUID },
        [AUDIT_COMPARE_UID_TO_SUID] = { AUDIT_UID, AUDIT_SUID },
        [AUDIT_COMPARE_AUID_TO_FSUID] = { AUDIT_LOGINUID, AUDIT_FSUID },
        [AUDIT_COMPARE_AUID_TO_SUID] = { AUDIT_LOGINUID, AUDIT_SUID },
        [AUDIT_COMPARE_AUID_TO_EUID] = { AUDIT_LOGINUID, AUDIT_EUID },
        [AUDIT_COMPARE_EUID_TO_SUID] = { AUDIT_EUID, AUDIT_SUID },
        [AUDIT_COMPARE_EUID_TO_FSUID] = { AUDIT_EUID, AUDIT_FSUID },
        [AUDIT_COMPARE_SUID_TO_FSUID] = { AUDIT_SUID, AUDIT_FSUID },
        [AUDIT_COMPARE_GID_TO_EGID] = { AUDIT_GID, AUDIT_EGID },
        [AUDIT_COMPARE_GID_TO_FSGID] = { AUDIT_GID, AUDIT_FSGID },
        [AUDIT_COMPARE_GID_TO_SGID] = { AUDIT_GID, AUDIT_SGID },
        [AUDIT_COMPARE_EGID_TO_FSGID] = { AUDIT_EGID, AUDIT_FSGID },
        [AUDIT_COMPARE_EGID_TO_SGID] = { AUDIT_EGID, AUDIT_SGID },
        [AUDIT_COMPARE_SGID_TO_FSGID] = { AUDIT_SGID, AUDIT_FSGID },
};

int ak_compare_fields(uint32_t code, uint32_t *ret_left, uint32_t *ret_right) {
        if (code >= ELEMENTSOF(compare_pairs) || compare_pairs[code].right == 0)
                return -1;
        *ret_left = compare_pairs[code].left;
        *ret_right = compare_pairs[code].right;
        return 0;
}

int ak_compare_code(uint32_t f1, uint32_t f2) {
        for (uint32_t code = 0; code < ELEMENTSOF(compare_pairs); code++) {
                uint32_t l = compare_pairs[code].left, r = compare_pairs[code].right;

                if (r != 0 && ((l == f1 && r == f2) || (l == f2 && r == f1)))
                        return (int) code;
        }
        return -1;
}
