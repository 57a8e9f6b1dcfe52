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
        [AUDIT_INODE] = { AK_VALUE_NUMBER, AK_FIELD_EQ_ONLY | AK_FIELD_OBJECT | AK_FIELD_UNSIGNED, EXIT_ONLY },
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
