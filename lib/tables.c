/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Name <-> number tables of the audit rules language. The facts (names and numbers) are those of
 * libaudit 3.0.9 (Debian 12's auditd): fieldtab, msg_typetab, errtab, ftypetab and fstypetab of
 * lib/lookup_table.c, checked against the installed library name by name. io_uring ops follow audit-userspace master (3.0.9 has none). Machines, arch
 * values and syscall names are in syscalls.c.
 *
 * All name lookups ignore ASCII case, because libaudit's generated tables compare with
 * strcasecmp (audit_name_to_field("AUID") == 9, audit_name_to_syscall("OPENAT", x86_64) == 257).
 *
 * Each name table gets a hash index on first use (find_name); syscalls.c hashes its names the
 * same way (ak_name_hash_ci). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <linux/audit.h>

#include "macro.h"
#include "tables.h"

struct name_num {
        int num;
        const char *name;
};

/* A name table's hash index, built on first use and then never changed nor freed: slots hold
 * entry index + 1 (0: empty), open addressing, the first entry of equal names only. */
struct name_index {
        const struct name_num *table;
        size_t mask;
        uint32_t slot[];
};

#define NAME_INDEXES 16
static struct name_index *name_indexes[NAME_INDEXES];

static struct name_index *name_index_build(const struct name_num *t, size_t n) {
        size_t size = 16;
        struct name_index *x;

        while (size < 2 * n)
                size *= 2;
        x = calloc(1, sizeof(*x) + size * sizeof(x->slot[0]));
        if (!x)
                return NULL;
        x->table = t;
        x->mask = size - 1;
        for (size_t i = 0; i < n; i++) {
                size_t k = ak_name_hash_ci(t[i].name) & x->mask;
                int dup = 0;

                for (; x->slot[k]; k = (k + 1) & x->mask)
                        if (strcasecmp(t[x->slot[k] - 1].name, t[i].name) == 0) {
                                dup = 1;        /* an earlier entry wins, as in a linear scan */
                                break;
                        }
                if (!dup)
                        x->slot[k] = (uint32_t) i + 1;
        }
        return x;
}

static const struct name_index *name_index_get(const struct name_num *t, size_t n) {
        for (size_t i = 0; i < NAME_INDEXES; i++) {
                struct name_index *x = __atomic_load_n(&name_indexes[i], __ATOMIC_ACQUIRE), *expected = NULL;

                if (x && x->table == t)
                        return x;
                if (x)
                        continue;
                x = name_index_build(t, n);
                if (!x)
                        return NULL;
                if (__atomic_compare_exchange_n(&name_indexes[i], &expected, x, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                        return x;
                free(x);
                if (expected->table == t)
                        return expected;
        }
        return NULL;    /* more tables than slots: callers scan */
}

/* First entry whose name matches, ignoring case (libaudit's s2i), by the table's hash index. */
static const struct name_num *find_name(const struct name_num *t, size_t n, const char *name) {
        const struct name_index *x;

        if (!name)
                return NULL;
        x = name_index_get(t, n);
        if (!x) {
                for (size_t i = 0; i < n; i++)
                        if (strcasecmp(t[i].name, name) == 0)
                                return &t[i];
                return NULL;
        }
        for (size_t k = ak_name_hash_ci(name) & x->mask; x->slot[k]; k = (k + 1) & x->mask)
                if (strcasecmp(t[x->slot[k] - 1].name, name) == 0)
                        return &t[x->slot[k] - 1];
        return NULL;
}

/* First entry with that number: the canonical name comes first in each table (libaudit's i2s). */
static const char *find_num(const struct name_num *t, size_t n, int num) {
        for (size_t i = 0; i < n; i++)
                if (t[i].num == num)
                        return t[i].name;
        return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Fields (fieldtab). */

/* Each field once: the name table and the list of names (for suggestions) are made from it. */
#define FIELDS(X) \
        X(AUDIT_PID, "pid") \
        X(AUDIT_UID, "uid") \
        X(AUDIT_EUID, "euid") \
        X(AUDIT_SUID, "suid") \
        X(AUDIT_FSUID, "fsuid") \
        X(AUDIT_GID, "gid") \
        X(AUDIT_EGID, "egid") \
        X(AUDIT_SGID, "sgid") \
        X(AUDIT_FSGID, "fsgid") \
        X(AUDIT_LOGINUID, "auid") \
        X(AUDIT_LOGINUID, "loginuid") \
        X(AUDIT_PERS, "pers") \
        X(AUDIT_ARCH, "arch") \
        X(AUDIT_MSGTYPE, "msgtype") \
        X(AUDIT_SUBJ_USER, "subj_user") \
        X(AUDIT_SUBJ_ROLE, "subj_role") \
        X(AUDIT_SUBJ_TYPE, "subj_type") \
        X(AUDIT_SUBJ_SEN, "subj_sen") \
        X(AUDIT_SUBJ_CLR, "subj_clr") \
        X(AUDIT_PPID, "ppid") \
        X(AUDIT_OBJ_USER, "obj_user") \
        X(AUDIT_OBJ_ROLE, "obj_role") \
        X(AUDIT_OBJ_TYPE, "obj_type") \
        X(AUDIT_OBJ_LEV_LOW, "obj_lev_low") \
        X(AUDIT_OBJ_LEV_HIGH, "obj_lev_high") \
        X(AUDIT_SESSIONID, "sessionid") \
        X(AUDIT_FSTYPE, "fstype") \
        X(AUDIT_DEVMAJOR, "devmajor") \
        X(AUDIT_DEVMINOR, "devminor") \
        X(AUDIT_INODE, "inode") \
        X(AUDIT_EXIT, "exit") \
        X(AUDIT_SUCCESS, "success") \
        X(AUDIT_WATCH, "path") \
        X(AUDIT_PERM, "perm") \
        X(AUDIT_DIR, "dir") \
        X(AUDIT_FILETYPE, "filetype") \
        X(AUDIT_OBJ_UID, "obj_uid") \
        X(AUDIT_OBJ_GID, "obj_gid") \
        X(AUDIT_FIELD_COMPARE, "field_compare") \
        X(AUDIT_EXE, "exe") \
        X(AUDIT_SADDR_FAM, "saddr_fam") \
        X(AUDIT_ARG0, "a0") \
        X(AUDIT_ARG1, "a1") \
        X(AUDIT_ARG2, "a2") \
        X(AUDIT_ARG3, "a3") \
        X(AUDIT_FILTERKEY, "key")

#define FIELD_ENTRY(num, name) { num, name },
#define FIELD_NAME(num, name) name,
static const struct name_num field_table[] = { FIELDS(FIELD_ENTRY) };
static const char *const field_names[] = { FIELDS(FIELD_NAME) };
#undef FIELD_ENTRY
#undef FIELD_NAME

int ak_field_from_name(const char *name) {
        const struct name_num *e = find_name(field_table, ELEMENTSOF(field_table), name);
        return e ? e->num : -1;
}

const char *ak_field_to_name(uint32_t field) {
        if (field > INT32_MAX)
                return NULL;
        return find_num(field_table, ELEMENTSOF(field_table), (int) field);
}

const char *const *ak_field_names(size_t *ret_n) {
        if (ret_n)
                *ret_n = ELEMENTSOF(field_names);
        return field_names;
}

/* ------------------------------------------------------------------------------------------ */
/* Message types (msg_typetab of 3.0.9, with the AppArmor block Debian builds in). */

static const struct name_num msgtype_table[] = {
        { 1005, "USER" },
        { 1006, "LOGIN" },
        { 1100, "USER_AUTH" },
        { 1101, "USER_ACCT" },
        { 1102, "USER_MGMT" },
        { 1103, "CRED_ACQ" },
        { 1104, "CRED_DISP" },
        { 1105, "USER_START" },
        { 1106, "USER_END" },
        { 1107, "USER_AVC" },
        { 1108, "USER_CHAUTHTOK" },
        { 1109, "USER_ERR" },
        { 1110, "CRED_REFR" },
        { 1111, "USYS_CONFIG" },
        { 1112, "USER_LOGIN" },
        { 1113, "USER_LOGOUT" },
        { 1114, "ADD_USER" },
        { 1115, "DEL_USER" },
        { 1116, "ADD_GROUP" },
        { 1117, "DEL_GROUP" },
        { 1118, "DAC_CHECK" },
        { 1119, "CHGRP_ID" },
        { 1120, "TEST" },
        { 1121, "TRUSTED_APP" },
        { 1122, "USER_SELINUX_ERR" },
        { 1123, "USER_CMD" },
        { 1124, "USER_TTY" },
        { 1125, "CHUSER_ID" },
        { 1126, "GRP_AUTH" },
        { 1127, "SYSTEM_BOOT" },
        { 1128, "SYSTEM_SHUTDOWN" },
        { 1129, "SYSTEM_RUNLEVEL" },
        { 1130, "SERVICE_START" },
        { 1131, "SERVICE_STOP" },
        { 1132, "GRP_MGMT" },
        { 1133, "GRP_CHAUTHTOK" },
        { 1134, "MAC_CHECK" },
        { 1135, "ACCT_LOCK" },
        { 1136, "ACCT_UNLOCK" },
        { 1137, "USER_DEVICE" },
        { 1138, "SOFTWARE_UPDATE" },
        { 1200, "DAEMON_START" },
        { 1201, "DAEMON_END" },
        { 1202, "DAEMON_ABORT" },
        { 1203, "DAEMON_CONFIG" },
        { 1205, "DAEMON_ROTATE" },
        { 1206, "DAEMON_RESUME" },
        { 1207, "DAEMON_ACCEPT" },
        { 1208, "DAEMON_CLOSE" },
        { 1209, "DAEMON_ERR" },
        { 1300, "SYSCALL" },
        { 1302, "PATH" },
        { 1303, "IPC" },
        { 1304, "SOCKETCALL" },
        { 1305, "CONFIG_CHANGE" },
        { 1306, "SOCKADDR" },
        { 1307, "CWD" },
        { 1309, "EXECVE" },
        { 1311, "IPC_SET_PERM" },
        { 1312, "MQ_OPEN" },
        { 1313, "MQ_SENDRECV" },
        { 1314, "MQ_NOTIFY" },
        { 1315, "MQ_GETSETATTR" },
        { 1316, "KERNEL_OTHER" },
        { 1317, "FD_PAIR" },
        { 1318, "OBJ_PID" },
        { 1319, "TTY" },
        { 1320, "EOE" },
        { 1321, "BPRM_FCAPS" },
        { 1322, "CAPSET" },
        { 1323, "MMAP" },
        { 1324, "NETFILTER_PKT" },
        { 1325, "NETFILTER_CFG" },
        { 1326, "SECCOMP" },
        { 1327, "PROCTITLE" },
        { 1328, "FEATURE_CHANGE" },
        { 1330, "KERN_MODULE" },
        { 1331, "FANOTIFY" },
        { 1332, "TIME_INJOFFSET" },
        { 1333, "TIME_ADJNTPVAL" },
        { 1334, "BPF" },
        { 1335, "EVENT_LISTENER" },
        { 1336, "URINGOP" },
        { 1337, "OPENAT2" },
        { 1400, "AVC" },
        { 1401, "SELINUX_ERR" },
        { 1402, "AVC_PATH" },
        { 1403, "MAC_POLICY_LOAD" },
        { 1404, "MAC_STATUS" },
        { 1405, "MAC_CONFIG_CHANGE" },
        { 1406, "MAC_UNLBL_ALLOW" },
        { 1407, "MAC_CIPSOV4_ADD" },
        { 1408, "MAC_CIPSOV4_DEL" },
        { 1409, "MAC_MAP_ADD" },
        { 1410, "MAC_MAP_DEL" },
        { 1411, "MAC_IPSEC_ADDSA" },
        { 1412, "MAC_IPSEC_DELSA" },
        { 1413, "MAC_IPSEC_ADDSPD" },
        { 1414, "MAC_IPSEC_DELSPD" },
        { 1415, "MAC_IPSEC_EVENT" },
        { 1416, "MAC_UNLBL_STCADD" },
        { 1417, "MAC_UNLBL_STCDEL" },
        { 1418, "MAC_CALIPSO_ADD" },
        { 1419, "MAC_CALIPSO_DEL" },
        { 1500, "APPARMOR" },
        { 1501, "APPARMOR_AUDIT" },
        { 1502, "APPARMOR_ALLOWED" },
        { 1503, "APPARMOR_DENIED" },
        { 1504, "APPARMOR_HINT" },
        { 1505, "APPARMOR_STATUS" },
        { 1506, "APPARMOR_ERROR" },
        { 1507, "APPARMOR_KILL" },
        { 1700, "ANOM_PROMISCUOUS" },
        { 1701, "ANOM_ABEND" },
        { 1702, "ANOM_LINK" },
        { 1703, "ANOM_CREAT" },
        { 1800, "INTEGRITY_DATA" },
        { 1801, "INTEGRITY_METADATA" },
        { 1802, "INTEGRITY_STATUS" },
        { 1803, "INTEGRITY_HASH" },
        { 1804, "INTEGRITY_PCR" },
        { 1805, "INTEGRITY_RULE" },
        { 1806, "INTEGRITY_EVM_XATTR" },
        { 1807, "INTEGRITY_POLICY_RULE" },
        { 2000, "KERNEL" },
        { 2100, "ANOM_LOGIN_FAILURES" },
        { 2101, "ANOM_LOGIN_TIME" },
        { 2102, "ANOM_LOGIN_SESSIONS" },
        { 2103, "ANOM_LOGIN_ACCT" },
        { 2104, "ANOM_LOGIN_LOCATION" },
        { 2105, "ANOM_MAX_DAC" },
        { 2106, "ANOM_MAX_MAC" },
        { 2107, "ANOM_AMTU_FAIL" },
        { 2108, "ANOM_RBAC_FAIL" },
        { 2109, "ANOM_RBAC_INTEGRITY_FAIL" },
        { 2110, "ANOM_CRYPTO_FAIL" },
        { 2111, "ANOM_ACCESS_FS" },
        { 2112, "ANOM_EXEC" },
        { 2113, "ANOM_MK_EXEC" },
        { 2114, "ANOM_ADD_ACCT" },
        { 2115, "ANOM_DEL_ACCT" },
        { 2116, "ANOM_MOD_ACCT" },
        { 2117, "ANOM_ROOT_TRANS" },
        { 2118, "ANOM_LOGIN_SERVICE" },
        { 2119, "ANOM_LOGIN_ROOT" },
        { 2120, "ANOM_ORIGIN_FAILURES" },
        { 2121, "ANOM_SESSION" },
        { 2200, "RESP_ANOMALY" },
        { 2201, "RESP_ALERT" },
        { 2202, "RESP_KILL_PROC" },
        { 2203, "RESP_TERM_ACCESS" },
        { 2204, "RESP_ACCT_REMOTE" },
        { 2205, "RESP_ACCT_LOCK_TIMED" },
        { 2206, "RESP_ACCT_UNLOCK_TIMED" },
        { 2207, "RESP_ACCT_LOCK" },
        { 2208, "RESP_TERM_LOCK" },
        { 2209, "RESP_SEBOOL" },
        { 2210, "RESP_EXEC" },
        { 2211, "RESP_SINGLE" },
        { 2212, "RESP_HALT" },
        { 2213, "RESP_ORIGIN_BLOCK" },
        { 2214, "RESP_ORIGIN_BLOCK_TIMED" },
        { 2215, "RESP_ORIGIN_UNBLOCK_TIMED" },
        { 2300, "USER_ROLE_CHANGE" },
        { 2301, "ROLE_ASSIGN" },
        { 2302, "ROLE_REMOVE" },
        { 2303, "LABEL_OVERRIDE" },
        { 2304, "LABEL_LEVEL_CHANGE" },
        { 2305, "USER_LABELED_EXPORT" },
        { 2306, "USER_UNLABELED_EXPORT" },
        { 2307, "DEV_ALLOC" },
        { 2308, "DEV_DEALLOC" },
        { 2309, "FS_RELABEL" },
        { 2310, "USER_MAC_POLICY_LOAD" },
        { 2311, "ROLE_MODIFY" },
        { 2312, "USER_MAC_CONFIG_CHANGE" },
        { 2313, "USER_MAC_STATUS" },
        { 2400, "CRYPTO_TEST_USER" },
        { 2401, "CRYPTO_PARAM_CHANGE_USER" },
        { 2402, "CRYPTO_LOGIN" },
        { 2403, "CRYPTO_LOGOUT" },
        { 2404, "CRYPTO_KEY_USER" },
        { 2405, "CRYPTO_FAILURE_USER" },
        { 2406, "CRYPTO_REPLAY_USER" },
        { 2407, "CRYPTO_SESSION" },
        { 2408, "CRYPTO_IKE_SA" },
        { 2409, "CRYPTO_IPSEC_SA" },
        { 2500, "VIRT_CONTROL" },
        { 2501, "VIRT_RESOURCE" },
        { 2502, "VIRT_MACHINE_ID" },
        { 2503, "VIRT_INTEGRITY_CHECK" },
        { 2504, "VIRT_CREATE" },
        { 2505, "VIRT_DESTROY" },
        { 2506, "VIRT_MIGRATE_IN" },
        { 2507, "VIRT_MIGRATE_OUT" },
};

int ak_msgtype_from_name(const char *name) {
        const struct name_num *e = find_name(msgtype_table, ELEMENTSOF(msgtype_table), name);
        const char *end;
        char buf[8] = {};
        size_t len;
        long v;

        if (e)
                return e->num;
        if (!name || strncmp(name, "UNKNOWN[", 8) != 0)
                return -1;

        /* libaudit: "UNKNOWN[n]" gives strtol() of at most 7 characters up to ']'; auditctl
         * then requires a result > 0. */
        end = strchr(name + 8, ']');
        if (!end)
                return -1;
        len = (size_t) (end - (name + 8));
        if (len > 7)
                len = 7;
        memcpy(buf, name + 8, len);
        v = strtol(buf, NULL, 10);
        return v > 0 ? (int) v : -1;
}

const char *ak_msgtype_to_name(int type) {
        return find_num(msgtype_table, ELEMENTSOF(msgtype_table), type);
}

/* ------------------------------------------------------------------------------------------ */
/* errno names (errtab). */

static const struct name_num errno_table[] = {
        { 1, "EPERM" },
        { 2, "ENOENT" },
        { 3, "ESRCH" },
        { 4, "EINTR" },
        { 5, "EIO" },
        { 6, "ENXIO" },
        { 7, "E2BIG" },
        { 8, "ENOEXEC" },
        { 9, "EBADF" },
        { 10, "ECHILD" },
        { 11, "EAGAIN" },
        { 12, "ENOMEM" },
        { 13, "EACCES" },
        { 14, "EFAULT" },
        { 15, "ENOTBLK" },
        { 16, "EBUSY" },
        { 17, "EEXIST" },
        { 18, "EXDEV" },
        { 19, "ENODEV" },
        { 20, "ENOTDIR" },
        { 21, "EISDIR" },
        { 22, "EINVAL" },
        { 23, "ENFILE" },
        { 24, "EMFILE" },
        { 25, "ENOTTY" },
        { 26, "ETXTBSY" },
        { 27, "EFBIG" },
        { 28, "ENOSPC" },
        { 29, "ESPIPE" },
        { 30, "EROFS" },
        { 31, "EMLINK" },
        { 32, "EPIPE" },
        { 33, "EDOM" },
        { 34, "ERANGE" },
        { 35, "EDEADLK" },
        { 36, "ENAMETOOLONG" },
        { 37, "ENOLCK" },
        { 38, "ENOSYS" },
        { 39, "ENOTEMPTY" },
        { 40, "ELOOP" },
        { 42, "ENOMSG" },
        { 43, "EIDRM" },
        { 44, "ECHRNG" },
        { 45, "EL2NSYNC" },
        { 46, "EL3HLT" },
        { 47, "EL3RST" },
        { 48, "ELNRNG" },
        { 49, "EUNATCH" },
        { 50, "ENOCSI" },
        { 51, "EL2HLT" },
        { 52, "EBADE" },
        { 53, "EBADR" },
        { 54, "EXFULL" },
        { 55, "ENOANO" },
        { 56, "EBADRQC" },
        { 57, "EBADSLT" },
        { 59, "EBFONT" },
        { 60, "ENOSTR" },
        { 61, "ENODATA" },
        { 62, "ETIME" },
        { 63, "ENOSR" },
        { 64, "ENONET" },
        { 65, "ENOPKG" },
        { 66, "EREMOTE" },
        { 67, "ENOLINK" },
        { 68, "EADV" },
        { 69, "ESRMNT" },
        { 70, "ECOMM" },
        { 71, "EPROTO" },
        { 72, "EMULTIHOP" },
        { 73, "EDOTDOT" },
        { 74, "EBADMSG" },
        { 75, "EOVERFLOW" },
        { 76, "ENOTUNIQ" },
        { 77, "EBADFD" },
        { 78, "EREMCHG" },
        { 79, "ELIBACC" },
        { 80, "ELIBBAD" },
        { 81, "ELIBSCN" },
        { 82, "ELIBMAX" },
        { 83, "ELIBEXEC" },
        { 84, "EILSEQ" },
        { 85, "ERESTART" },
        { 86, "ESTRPIPE" },
        { 87, "EUSERS" },
        { 88, "ENOTSOCK" },
        { 89, "EDESTADDRREQ" },
        { 90, "EMSGSIZE" },
        { 91, "EPROTOTYPE" },
        { 92, "ENOPROTOOPT" },
        { 93, "EPROTONOSUPPORT" },
        { 94, "ESOCKTNOSUPPORT" },
        { 95, "EOPNOTSUPP" },
        { 96, "EPFNOSUPPORT" },
        { 97, "EAFNOSUPPORT" },
        { 98, "EADDRINUSE" },
        { 99, "EADDRNOTAVAIL" },
        { 100, "ENETDOWN" },
        { 101, "ENETUNREACH" },
        { 102, "ENETRESET" },
        { 103, "ECONNABORTED" },
        { 104, "ECONNRESET" },
        { 105, "ENOBUFS" },
        { 106, "EISCONN" },
        { 107, "ENOTCONN" },
        { 108, "ESHUTDOWN" },
        { 109, "ETOOMANYREFS" },
        { 110, "ETIMEDOUT" },
        { 111, "ECONNREFUSED" },
        { 112, "EHOSTDOWN" },
        { 113, "EHOSTUNREACH" },
        { 114, "EALREADY" },
        { 115, "EINPROGRESS" },
        { 116, "ESTALE" },
        { 117, "EUCLEAN" },
        { 118, "ENOTNAM" },
        { 119, "ENAVAIL" },
        { 120, "EISNAM" },
        { 121, "EREMOTEIO" },
        { 122, "EDQUOT" },
        { 123, "ENOMEDIUM" },
        { 124, "EMEDIUMTYPE" },
        { 125, "ECANCELED" },
        { 126, "ENOKEY" },
        { 127, "EKEYEXPIRED" },
        { 128, "EKEYREVOKED" },
        { 129, "EKEYREJECTED" },
        { 130, "EOWNERDEAD" },
        { 131, "ENOTRECOVERABLE" },
        { 132, "ERFKILL" },
        { 133, "EHWPOISON" },
        /* Second names of 11 and 35; the canonical ones above come first. */
        { 11, "EWOULDBLOCK" },
        { 35, "EDEADLOCK" },
};

int ak_errno_from_name(const char *name) {
        const struct name_num *e = find_name(errno_table, ELEMENTSOF(errno_table), name);
        return e ? e->num : -1;
}

const char *ak_errno_to_name(int err) {
        if (err <= 0)
                return NULL;
        return find_num(errno_table, ELEMENTSOF(errno_table), err);
}

/* ------------------------------------------------------------------------------------------ */
/* filetype= (ftypetab) and fstype= (fstypetab of 3.0.9; master adds cgroup and cgroup2). */

static const struct name_num ftype_table[] = {
        { S_IFREG,  "file" },
        { S_IFDIR,  "dir" },
        { S_IFSOCK, "socket" },
        { S_IFLNK,  "link" },
        { S_IFCHR,  "character" },
        { S_IFBLK,  "block" },
        { S_IFIFO,  "fifo" },
};

int ak_ftype_from_name(const char *name) {
        const struct name_num *e = find_name(ftype_table, ELEMENTSOF(ftype_table), name);
        return e ? e->num : -1;
}

const char *ak_ftype_to_name(uint32_t mode) {
        if (mode > INT32_MAX)
                return NULL;
        return find_num(ftype_table, ELEMENTSOF(ftype_table), (int) mode);
}

static const struct {
        uint32_t magic;
        const char *name;
} fstype_table[] = {
        { 0x74726163, "tracefs" },   /* TRACEFS_MAGIC */
        { 0x64626720, "debugfs" },   /* DEBUGFS_MAGIC */
};

int64_t ak_fstype_from_name(const char *name) {
        if (!name)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(fstype_table); i++)
                if (strcasecmp(fstype_table[i].name, name) == 0)
                        return fstype_table[i].magic;
        return -1;
}

const char *ak_fstype_to_name(uint32_t magic) {
        for (size_t i = 0; i < ELEMENTSOF(fstype_table); i++)
                if (fstype_table[i].magic == magic)
                        return fstype_table[i].name;
        return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* io_uring ops: lib/uringop_table.h of audit-userspace master, the auditable IORING_OP_*s. */

static const struct name_num uringop_table[] = {
        { 9,  "sendmsg" },
        { 10, "recvmsg" },
        { 13, "accept" },
        { 16, "connect" },
        { 17, "fallocate" },
        { 18, "openat" },
        { 19, "close" },
        { 28, "openat2" },
        { 34, "shutdown" },
        { 35, "renameat" },
        { 36, "unlinkat" },
        { 37, "mkdirat" },
        { 38, "symlinkat" },
        { 39, "linkat" },
        { 40, "msg_ring" },
        { 41, "fsetxattr" },
        { 42, "setxattr" },
        { 43, "fgetxattr" },
        { 44, "getxattr" },
        { 46, "uring_cmd" },
        { 48, "sendmsg_zc" },
        { 50, "waitid" },
        { 51, "futex_wait" },
        { 52, "futex_wake" },
        { 53, "futex_waitv" },
        { 54, "fixed_fd_install" },
        { 55, "ftruncate" },
        { 56, "bind" },
        { 57, "listen" },
};

int ak_uringop_from_name(const char *name) {
        const struct name_num *e = find_name(uringop_table, ELEMENTSOF(uringop_table), name);
        return e ? e->num : -1;
}

const char *ak_uringop_to_name(int op) {
        return find_num(uringop_table, ELEMENTSOF(uringop_table), op);
}

int ak_uringop_count(void) {
        int last = 0;

        for (size_t i = 0; i < ELEMENTSOF(uringop_table); i++)
                if (uringop_table[i].num + 1 > last)
                        last = uringop_table[i].num + 1;
        return last;
}

/* ------------------------------------------------------------------------------------------ */
/* "Did you mean" */

unsigned ak_edit_distance(const char *a, const char *b, unsigned max) {
        unsigned small[2][64];
        unsigned *prev, *cur, *heap = NULL, result;
        size_t la, lb;

        if (!a || !b)
                return max + 1;
        la = strlen(a);
        lb = strlen(b);
        if ((la > lb ? la - lb : lb - la) > max)
                return max + 1;

        /* Two rows over b. */
        if (lb + 1 <= ELEMENTSOF(small[0])) {
                prev = small[0];
                cur = small[1];
        } else {
                heap = malloc(2 * (lb + 1) * sizeof(unsigned));
                if (!heap)
                        return max + 1;
                prev = heap;
                cur = heap + lb + 1;
        }

        for (size_t j = 0; j <= lb; j++)
                prev[j] = (unsigned) j;

        for (size_t i = 1; i <= la; i++) {
                unsigned row_min;

                cur[0] = (unsigned) i;
                row_min = cur[0];
                for (size_t j = 1; j <= lb; j++) {
                        unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;
                        unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
                        unsigned v = del < ins ? del : ins;

                        cur[j] = v < sub ? v : sub;
                        if (cur[j] < row_min)
                                row_min = cur[j];
                }
                if (row_min > max) {
                        free(heap);
                        return max + 1;
                }
                unsigned *tmp = prev;
                prev = cur;
                cur = tmp;
        }

        result = prev[lb];
        free(heap);
        return result > max ? max + 1 : result;
}

const char *ak_closest_word(const char *s, const char *const *words, size_t n) {
        const char *best = NULL;
        unsigned best_d = 3;   /* suggest within distance <= 2 */
        size_t len;

        if (!s || !words)
                return NULL;
        len = strlen(s);
        for (size_t i = 0; i < n; i++) {
                unsigned d;

                if (!words[i])
                        continue;
                d = ak_edit_distance(s, words[i], 2);
                /* Strictly smaller: on ties the earlier word wins. And never a distance as large
                 * as the word itself ("ab" is not a typo of "cd"). */
                if (d < best_d && d < len) {
                        best = words[i];
                        best_d = d;
                }
        }
        return best;
}

const char *ak_syscall_closest(uint32_t arch, const char *name, int uring) {
        const char *words[1024];
        size_t n = 0;
        int count = uring ? ak_uringop_count() : (int) ELEMENTSOF(words);

        for (int nr = 0; nr < count && n < ELEMENTSOF(words); nr++) {
                const char *w = uring ? ak_uringop_to_name(nr) : ak_syscall_to_name(arch, nr);
                if (w)
                        words[n++] = w;
        }
        return ak_closest_word(name, words, n);
}
