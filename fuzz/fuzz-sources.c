/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the sources reader (lib/sources.c) on a small tree of files that the input
 * describes, created under a temporary directory: rules files with their modes, contents and
 * sizes, symlinks (into another directory, to a device, dangling, looping, to a directory),
 * FIFOs and directories, named in any order, then read as a directory source or as one file named
 * explicitly, as auditkeepd and `auditkeepctl check` read them.
 *
 * Ownership: files belong to whoever runs the target (no root needed). Trust is modelled the way
 * the library lets a caller choose it (ak_ruleset_set_trust): the trusted owner is either the
 * effective uid (files and directories are trusted by owner, the modes decide) or another uid
 * (nothing is trusted by owner), with errors or with warnings only.
 *
 * Checks: only allocation may fail; errors are never more than diagnostics; every diagnostic
 * formats, names the source or a file under it, and holds no raw control byte; when no one's
 * files are trusted and distrust is an error, nothing at all is read; with warnings only, who the
 * trusted owner is changes no rule (distrust never keeps a file out in warn mode).
 *
 * Input: byte 0 flags: bit 0 warnings only; bit 1 trust another uid; bit 2 name the first entry
 * as the source instead of the directory; bits 3-4 the directory's mode, bits 5-6 the other
 * directory's (0755, 0775, 0757, 01777). Then entries, each: a kind byte (bits 0-2 type: regular
 * file, symlink to a file in the other directory, symlink to another entry's name, FIFO,
 * directory, symlink to /dev/null, symlink to itself, symlink to the other directory; bits 3-5 the
 * mode: 0644 0664 0666 0600 0000 0444 0640 0622; bit 6 the file grows (sparse) past the reader's
 * 64 MiB limit), a name byte (low 5 bits a number, high 3 bits a pattern: "N-a.rules", "N.rules",
 * "aN.rules", ".N.rules" (hidden), "N.rule" (skipped), "N-b.rules", "N.rules.bak",
 * "xN-M.rules"), a little-endian u16 length and that many bytes of content (the file's text, or
 * the other entry's name byte for a symlink). A name already made is skipped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditkeep/ak-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BIG_SIZE ((off_t) (64 << 20) + 1)       /* lib/sources.c's FILE_MAX_BYTES + 1 */
#define MAX_ENTRIES 24

static char base[64];

static void remove_tree(const char *path) {
        DIR *d = opendir(path);
        struct dirent *de;

        if (d) {
                while ((de = readdir(d))) {
                        char p[512];
                        struct stat st;

                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                continue;
                        snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
                        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
                                (void) chmod(p, 0700);
                                remove_tree(p);
                        } else
                                (void) unlink(p);
                }
                closedir(d);
        }
        (void) rmdir(path);
}

static void cleanup(void) {
        if (base[0])
                remove_tree(base);
}

static void entry_name(uint8_t b, char *buf, size_t size) {
        unsigned n = b & 0x1f;
        static const char *const fmt[] = {
                "%u-a.rules", "%u.rules", "a%u.rules", ".%u.rules", "%u.rule", "%u-b.rules", "%u.rules.bak",
        };

        if (b >> 5 == 7)
                snprintf(buf, size, "x%u-%u.rules", n, n * 7 % 32);
        else
                snprintf(buf, size, fmt[b >> 5], n);
}

static int write_file(const char *path, const uint8_t *text, size_t len, mode_t mode, int big) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        if (fd < 0)
                return -1;
        if (len > 0 && write(fd, text, len) != (ssize_t) len)
                abort();
        if (big && ftruncate(fd, BIG_SIZE) < 0)
                abort();
        if (fchmod(fd, mode) < 0)
                abort();
        close(fd);
        return 0;
}

/* Read the tree as auditkeepd would with this trust; NULL only on allocation failure. */
static ak_ruleset *read_tree(const char *source, uid_t owner, int warn) {
        ak_ruleset *rs = NULL;

        if (ak_ruleset_new(&rs) < 0)
                abort();
        ak_ruleset_set_trust(rs, owner, warn);
        if (ak_ruleset_add_source(rs, source) < 0)
                abort();        /* only allocation failure may fail */
        return rs;
}

static void check_diags(const ak_ruleset *rs, const char *tree) {
        size_t tl = strlen(tree);

        if (rs->n_errors > rs->n_diags)
                abort();
        for (size_t i = 0; i < rs->n_diags; i++) {
                char *s = ak_diag_format(&rs->diags[i]);

                if (!s)
                        abort();
                if (!rs->diags[i].file || strncmp(rs->diags[i].file, tree, tl) != 0) {
                        fprintf(stderr, "diagnostic names no file of the tree: %s\n", s);
                        abort();
                }
                for (const char *p = s; *p; p++)
                        if ((unsigned char) *p < 0x20 || (unsigned char) *p == 0x7f) {
                                fprintf(stderr, "raw control byte in a diagnostic: %s\n", s);
                                abort();
                        }
                free(s);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const mode_t dir_modes[] = { 0755, 0775, 0757, 01777 };
        static const mode_t file_modes[] = { 0644, 0664, 0666, 0600, 0000, 0444, 0640, 0622 };
        char tree[128], other[128], source[256] = "", made[MAX_ENTRIES][32];
        size_t n_made = 0, i = 1;
        uid_t self = geteuid();
        ak_ruleset *rs, *a, *b;
        uint8_t flags;

        if (size < 1 || size > 256 * 1024)
                return 0;
        if (!base[0]) {
                const char *tmp = getenv("TMPDIR");
                snprintf(base, sizeof(base), "%s/ak-fuzz-sources.XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
                if (!mkdtemp(base))
                        abort();
                atexit(cleanup);
        }
        flags = data[0];
        snprintf(tree, sizeof(tree), "%s/t", base);
        snprintf(other, sizeof(other), "%s/o", base);
        if (mkdir(tree, 0755) < 0 || mkdir(other, 0755) < 0)
                abort();

        while (i + 4 <= size && n_made < MAX_ENTRIES) {
                uint8_t kind = data[i], nb = data[i + 1];
                size_t len = (size_t) data[i + 2] | (size_t) data[i + 3] << 8;
                const uint8_t *text = data + i + 4;
                char name[32], path[256], target[256];
                mode_t mode = file_modes[(kind >> 3) & 7];
                int dup = 0;

                i += 4;
                if (len > size - i)
                        len = size - i;
                i += len;
                entry_name(nb, name, sizeof(name));
                for (size_t k = 0; k < n_made; k++)
                        dup |= strcmp(made[k], name) == 0;
                if (dup)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", tree, name);
                switch (kind & 7) {
                case 0:
                        if (write_file(path, text, len, mode, kind & 0x40) < 0)
                                abort();
                        break;
                case 1:
                        snprintf(target, sizeof(target), "%s/%s", other, name);
                        if (write_file(target, text, len, mode, kind & 0x40) < 0 || symlink(target, path) < 0)
                                abort();
                        break;
                case 2: {
                        char to[32];
                        entry_name(len > 0 ? text[0] : 0, to, sizeof(to));
                        if (symlink(to, path) < 0)
                                abort();
                        break;
                }
                case 3:
                        if (mkfifo(path, mode) < 0)
                                abort();
                        break;
                case 4:
                        if (mkdir(path, 0755) < 0)
                                abort();
                        break;
                case 5:
                        if (symlink("/dev/null", path) < 0)
                                abort();
                        break;
                case 6:
                        if (symlink(name, path) < 0)
                                abort();
                        break;
                case 7:
                        if (symlink(other, path) < 0)
                                abort();
                        break;
                }
                snprintf(made[n_made++], sizeof(made[0]), "%s", name);
        }
        if (chmod(tree, dir_modes[(flags >> 3) & 3]) < 0 || chmod(other, dir_modes[(flags >> 5) & 3]) < 0)
                abort();
        if ((flags & 4) && n_made > 0)
                snprintf(source, sizeof(source), "%s/%s", tree, made[0]);
        else
                snprintf(source, sizeof(source), "%s", tree);

        rs = read_tree(source, flags & 2 ? self + 1 : self, flags & 1);
        check_diags(rs, base);
        for (size_t k = 0; k < rs->n_rules; k++)
                free(ak_rule_format(&rs->rules[k]));
        if ((flags & 3) == 2 && (rs->n_rules > 0 || rs->n_rule_lines > 0 || rs->n_status_settings > 0)) {
                fprintf(stderr, "no file is trusted, yet %zu rule lines and %zu settings were read\n",
                        rs->n_rule_lines, rs->n_status_settings);
                abort();
        }
        ak_ruleset_free(rs);

        /* warn mode: the trusted owner changes the warnings, never what is read */
        a = read_tree(source, self, 1);
        b = read_tree(source, self + 1, 1);
        check_diags(a, base);
        check_diags(b, base);
        if (a->n_rules != b->n_rules || a->n_rule_lines != b->n_rule_lines ||
            a->n_status_settings != b->n_status_settings) {
                fprintf(stderr, "warn mode: %zu/%zu rules read as owner, %zu/%zu as another uid\n",
                        a->n_rules, a->n_rule_lines, b->n_rules, b->n_rule_lines);
                abort();
        }
        for (size_t k = 0; k < a->n_rules; k++)
                if (!ak_rule_equal(&a->rules[k], &b->rules[k]))
                        abort();
        ak_ruleset_free(a);
        ak_ruleset_free(b);

        remove_tree(tree);
        remove_tree(other);
        return 0;
}
