/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: check auditd.conf(5) the way auditd 3.0.9 / 4.0.2 reads it, and warn where it is unsafe. */
#pragma once

#include <stddef.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "auditkeep/ak-rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the checker looks at the system. Every member may be NULL: then stat(2), statvfs(2) and
 * getgrnam(3) are used. Tests inject their own. Return 0 or -errno; lookup_group returns 1 when the
 * group exists (and its gid in *ret_gid), 0 when not. */
typedef struct ak_auditd_conf_ops {
        int (*stat)(const char *path, struct stat *ret, void *userdata);
        int (*statvfs)(const char *path, struct statvfs *ret, void *userdata);
        int (*lookup_group)(const char *name, unsigned *ret_gid, void *userdata);
        void *userdata;
} ak_auditd_conf_ops;

/* The outcome of one check: diagnostics (errors: auditd would refuse to start or reload with this
 * file; warnings: it runs, but the audit trail is not safe), plus what auditd would use. */
typedef struct ak_auditd_conf {
        ak_diag *diags;
        size_t n_diags;
        size_t n_errors;
        size_t n_lines;                  /* lines read */
        /* effective values, defaults where the file is silent */
        char *log_file;
        unsigned long space_left_mib, admin_space_left_mib;   /* after resolving percentages */
        unsigned long free_mib;          /* free space measured (f_bavail), ULONG_MAX if unknown */
        /* private */
        size_t diags_allocated;
} ak_auditd_conf;

/* Read and check a file (its own ownership and mode too, as auditd does). Problems with the file
 * are diagnostics; the return value is negative only on allocation failure. */
int ak_auditd_conf_check_file(const char *path, const ak_auditd_conf_ops *ops, ak_auditd_conf **ret);
/* Check text as if it were the file `name` (no checks of the file itself). */
int ak_auditd_conf_check_text(const char *name, const char *text, size_t len, const ak_auditd_conf_ops *ops,
                              ak_auditd_conf **ret);
ak_auditd_conf *ak_auditd_conf_free(ak_auditd_conf *c);

#ifdef __cplusplus
}
#endif
