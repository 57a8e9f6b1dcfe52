/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: arbitrary bytes as auditd.conf through ak_auditd_conf_check_text(), with a fake
 * system (every path a root-owned directory or script, a fixed file system), so that each input
 * is deterministic. Every diagnostic must format, carry a line within the input and no raw
 * control byte (they go to terminals and the journal). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-auditd-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_stat(const char *path, struct stat *ret, void *userdata) {
        size_t n = strlen(path);

        if (n > 3 && strcmp(path + n - 3, ".sh") == 0)
                *ret = (struct stat) { .st_mode = S_IFREG | (path[1] == 'x' ? 0777 : 0750), .st_uid = path[1] == 'u' };
        else if (n > 4 && strcmp(path + n - 4, ".log") == 0)
                return -ENOENT;
        else
                *ret = (struct stat) { .st_mode = S_IFDIR | (path[1] == 't' ? 01777 : 0755) };
        return 0;
}

static int fake_statvfs(const char *path, struct statvfs *ret, void *userdata) {
        if (path[1] == 'n')
                return -EACCES;
        *ret = (struct statvfs) { .f_frsize = 4096, .f_bsize = 4096, .f_blocks = 262144, .f_bavail = 1000 };
        return 0;
}

static int fake_group(const char *name, unsigned *ret_gid, void *userdata) {
        *ret_gid = (unsigned) strlen(name);
        return name[0] != 'x';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const ak_auditd_conf_ops ops = { fake_stat, fake_statvfs, fake_group, NULL };
        char *copy = malloc(size ? size : 1);   /* exact size: ASan sees any overrun */
        ak_auditd_conf *c = NULL;
        size_t lines = 1;

        if (!copy)
                abort();
        memcpy(copy, data, size);
        for (size_t i = 0; i < size; i++)
                lines += copy[i] == '\n';
        if (ak_auditd_conf_check_text("auditd.conf", copy, size, &ops, &c) < 0)
                abort();        /* only allocation failure may fail */
        if (c->n_errors > c->n_diags)
                abort();
        for (size_t i = 0; i < c->n_diags; i++) {
                char *s = ak_diag_format(&c->diags[i]);
                if (!s || c->diags[i].line > lines)
                        abort();
                for (const char *p = s; *p; p++)
                        if ((unsigned char) *p < 0x20 || (unsigned char) *p == 0x7f)
                                abort();
                free(s);
        }
        ak_auditd_conf_free(c);
        free(copy);
        return 0;
}
