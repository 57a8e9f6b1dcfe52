/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the sources: a file, or a directory's *.rules files in the order augenrules uses
 * (natural sort; the last -D, -b and -f moved to the top, the last -e to the end), as lines for
 * the parser. Problems with a file are diagnostics, never fatal. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "constants.h"
#include "macro.h"
#include "parse-internal.h"
#include "util.h"

#define FILE_MAX_BYTES (64u << 20)      /* refuse absurd files instead of exhausting memory */

void lineset_done(lineset *ls) {
        for (size_t i = 0; i < ls->n_bufs; i++)
                free(ls->bufs[i]);
        free(ls->bufs);
        free(ls->v);
        *ls = (lineset) {};
}

const char *ak_ruleset_remember_file(ak_ruleset *rs, const char *path) {
        char *p;

        if (GROW(rs->files, rs->priv->files_allocated, rs->n_files + 1) < 0)
                return NULL;
        p = strdup(path);
        if (!p)
                return NULL;
        rs->files[rs->n_files++] = p;
        return p;
}

int lineset_add_text(lineset *ls, const char *file, char *buf, size_t len) {
        unsigned lineno = 0;
        size_t i = 0;

        if (GROW(ls->bufs, ls->bufs_allocated, ls->n_bufs + 1) < 0) {
                free(buf);
                return -ENOMEM;
        }
        ls->bufs[ls->n_bufs++] = buf;
        while (i < len) {
                char *nl = memchr(buf + i, '\n', len - i);
                size_t end = nl ? (size_t) (nl - buf) : len, l = end - i;

                lineno++;
                if (l > 0 && buf[i + l - 1] == '\r')
                        l--;
                if (GROW(ls->v, ls->allocated, ls->n + 1) < 0)
                        return -ENOMEM;
                ls->v[ls->n++] = (srcline) { .file = file, .line = lineno, .text = buf + i, .len = l };
                i = end + 1;
        }
        return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Trust. A privileged loader takes rules only from files that no one but the trusted owner (root,
 * for the daemon) can write: a regular file owned by that owner and writable by no group or
 * other, in a directory owned by that owner that no group or other can write (a sticky one, like
 * /tmp, is enough for a file named explicitly: others cannot replace its files there). The
 * symlinks on the way are followed, as augenrules and auditctl follow them, and the target is
 * what is checked, on the descriptor that is then read. augenrules cats any file: this is the one
 * place where auditkeep loads less than it would, on purpose. */

enum {
        READ_NAMED = 1 << 0,            /* named explicitly: a sticky directory is enough */
};

#define NOT_LOADED "auditkeepd does not load it (augenrules would)"

static const char *file_kind(mode_t m) {
        switch (m & S_IFMT) {
        case S_IFDIR:  return "a directory";
        case S_IFCHR:  return "a character device";
        case S_IFBLK:  return "a block device";
        case S_IFIFO:  return "a FIFO";
        case S_IFSOCK: return "a socket";
        case S_IFLNK:  return "a symbolic link";
        default:       return "a file of an unknown kind";
        }
}

static char *owner_name(uid_t uid) {
        return uid == 0 ? strdup("root") : strdup_printf("uid %u", (unsigned) uid);
}

/* Why a rules file or the directory holding it is not trusted (malloc'd), or NULL when it is
 * (*ret_oom on allocation failure): another owner than the trusted one, or one of `writable`
 * (S_IWGRP, S_IWOTH) set, unless `sticky_ok` and the sticky bit is (others cannot replace root's
 * file there). A file's type is checked before. */
static char *why_distrusted(const ak_ruleset *rs, const struct stat *st, mode_t writable, int sticky_ok, int *ret_oom) {
        _cleanup_free_ char *want = owner_name(rs->priv->trust_uid);
        char *m = NULL;

        *ret_oom = !want;
        if (!want)
                return NULL;
        if (st->st_uid != rs->priv->trust_uid)
                m = strdup_printf("owned by uid %u, not by %s", (unsigned) st->st_uid, want);
        else if ((st->st_mode & writable) && !(sticky_ok && (st->st_mode & S_ISVTX)))
                m = strdup_printf("writable by %s (mode %04o)", st->st_mode & writable & S_IWOTH ? "others" : "its group",
                                  (unsigned) (st->st_mode & 07777));
        else
                return NULL;
        *ret_oom = !m;
        return m;
}

/* A trust finding: an error that keeps the file out, or (ak_ruleset_set_trust(..., warn_only))
 * a warning. Returns 1 when the file is to be read anyway, 0 when not, -ENOMEM. */
static int distrust(ak_ruleset *rs, const char *file, char *why) {
        int r;

        if (!why)
                return -ENOMEM;
        r = ak_diag_add(rs, file, 0, 0, rs->priv->trust_warn, why);
        if (r < 0)
                return r;
        return rs->priv->trust_warn;
}

/* Read `name` in the directory dfd (stat *dst, path dir) into ls as `path`. `target` is where a
 * symlink led, or NULL. The last component is not followed again: it was resolved already. */
static int read_file_at(ak_ruleset *rs, const char *path, const char *target, int dfd, const struct stat *dst,
                        const char *dir, const char *name, unsigned flags, lineset *ls) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL, *via = NULL;
        const char *file;
        struct stat st;
        size_t len = 0, cap;
        int r, oom;
        char *why;

        file = ak_ruleset_remember_file(rs, path);
        if (!file)
                return -ENOMEM;
        via = target && !streq(target, path) ? strdup_printf(" (it leads to %s)", target) : strdup("");
        if (!via)
                return -ENOMEM;

        if (dst) {
                why = why_distrusted(rs, dst, S_IWGRP | S_IWOTH, flags & READ_NAMED, &oom);
                if (oom)
                        return -ENOMEM;
                if (why) {
                        _cleanup_free_ char *w = why;
                        r = distrust(rs, file, strdup_printf("its directory %s is %s; %s", dir, w, NOT_LOADED));
                        if (r <= 0)
                                return r;
                }
        }

        /* the type first, without opening: opening a device can have effects (a watchdog, a tape) */
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("cannot open%s: %s", via, strerror(errno)));
        if (!S_ISREG(st.st_mode))
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("not a regular file but %s%s", file_kind(st.st_mode), via));
        /* O_NONBLOCK: a FIFO swapped in since cannot block the open; the descriptor is what counts */
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("cannot open%s: %s", via, strerror(errno)));
        if (fstat(fd, &st) < 0)
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("cannot stat: %s", strerror(errno)));
        if (!S_ISREG(st.st_mode))
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("not a regular file but %s%s", file_kind(st.st_mode), via));
        if (st.st_mode & S_IWOTH)
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("file is world-writable%s; auditctl refuses it and so does auditkeep", via));
        why = why_distrusted(rs, &st, S_IWGRP, 0, &oom);
        if (oom)
                return -ENOMEM;
        if (why) {
                _cleanup_free_ char *w = why;
                r = distrust(rs, file, strdup_printf("file is %s%s; %s", w, via, NOT_LOADED));
                if (r <= 0)
                        return r;
        }
        if ((uint64_t) st.st_size > FILE_MAX_BYTES)
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("file is larger than %u MiB", FILE_MAX_BYTES >> 20));

        cap = (size_t) st.st_size + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (len + 1 >= cap) {
                        char *nb;
                        if (cap > FILE_MAX_BYTES)
                                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("file is larger than %u MiB", FILE_MAX_BYTES >> 20));
                        nb = realloc(buf, cap * 2);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap *= 2;
                }
                k = read(fd, buf + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("read error: %s", strerror(errno)));
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = '\0';
        return lineset_add_text(ls, file, TAKE_PTR(buf), len);
}

/* A file by path: every symlink resolved, then the target's directory and the target checked. */
static int read_file(ak_ruleset *rs, const char *path, unsigned flags, lineset *ls) {
        _cleanup_free_ char *target = NULL, *dir = NULL;
        _cleanup_close_ int dfd = -1;
        const char *name;
        struct stat dst, lst;
        char *slash;

        target = realpath(path, NULL);
        if (!target) {
                const char *file;

                if (errno == ENOMEM)
                        return -ENOMEM;
                file = ak_ruleset_remember_file(rs, path);
                if (!file)
                        return -ENOMEM;
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("cannot open: %s", strerror(errno)));
        }
        slash = strrchr(target, '/');
        dir = slash == target ? strdup("/") : strndup(target, (size_t) (slash - target));
        if (!dir)
                return -ENOMEM;
        name = slash[1] ? slash + 1 : ".";
        /* O_PATH: search permission is enough to check the directory and open the file in it */
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fstat(dfd, &dst) < 0) {
                const char *file = ak_ruleset_remember_file(rs, path);
                if (!file)
                        return -ENOMEM;
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("cannot open directory %s: %s", dir, strerror(errno)));
        }
        /* the target is named in messages only when a symlink led there */
        return read_file_at(rs, path, lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) ? target : NULL,
                            dfd, &dst, dir, name, flags, ls);
}

/* Natural ("version") order, as `ls -v` sorts rules.d. */
static int natural_cmp(const void *a, const void *b) {
        return strverscmp(*(const char *const *) a, *(const char *const *) b);
}

static int is_bare(const srcline *l, const char *opt) {
        /* "-D" exactly; "-b N", "-f N", "-e N" by their first token */
        size_t i = 0, ol = strlen(opt);

        while (i < l->len && l->text[i] == ' ')
                i++;
        if (l->len - i < ol || memcmp(l->text + i, opt, ol) != 0)
                return 0;
        if (streq(opt, "-D")) {
                size_t j = i + ol;
                while (j < l->len && l->text[j] == ' ')
                        j++;
                return j == l->len;
        }
        return l->len - i == ol || l->text[i + ol] == ' ';
}

/* augenrules: the last bare -D goes first, the last -b second, the last -f third, the last -e
 * last; everything else keeps its order. */
static int hoist(lineset *ls) {
        static const char *const front[] = { "-D", "-b", "-f" };
        ssize_t at[4] = { -1, -1, -1, -1 };
        _cleanup_free_ srcline *v = NULL;
        size_t n = 0;

        for (size_t i = 0; i < ls->n; i++) {
                for (size_t k = 0; k < ELEMENTSOF(front); k++)
                        if (is_bare(&ls->v[i], front[k]))
                                at[k] = (ssize_t) i;
                if (is_bare(&ls->v[i], "-e"))
                        at[3] = (ssize_t) i;
        }
        v = malloc(sizeof(srcline) * (ls->n + 1));
        if (!v)
                return -ENOMEM;
        for (size_t k = 0; k < 3; k++)
                if (at[k] >= 0)
                        v[n++] = ls->v[at[k]];
        for (size_t i = 0; i < ls->n; i++) {
                const srcline *l = &ls->v[i];
                size_t j = 0;
                int skip = 0;

                for (size_t k = 0; k < ELEMENTSOF(front); k++)
                        if (is_bare(l, front[k]) && (ssize_t) i != at[k])
                                skip = 1; /* an earlier -D/-b/-f: augenrules drops it */
                if (is_bare(l, "-e") && (ssize_t) i != at[3])
                        skip = 1;
                for (size_t k = 0; k < 4; k++)
                        if ((ssize_t) i == at[k])
                                skip = 1;
                while (j < l->len && l->text[j] == ' ')
                        j++;
                if (!skip)
                        v[n++] = *l;
        }
        if (at[3] >= 0)
                v[n++] = ls->v[at[3]];
        free(ls->v);
        ls->v = TAKE_PTR(v);
        ls->n = n;
        ls->allocated = n;
        return 0;
}

static int read_dir(ak_ruleset *rs, const char *path, lineset *ls) {
        DIR *dir = NULL;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, allocated = 0;
        int r = 0, fd, oom;
        lineset sub = {};
        struct stat dst;
        char *why;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return ak_diag_add(rs, path, 0, 0, 0, strdup_printf("cannot open directory: %s", strerror(errno)));
        if (fstat(fd, &dst) < 0) {
                r = ak_diag_add(rs, path, 0, 0, 0, strdup_printf("cannot stat directory: %s", strerror(errno)));
                (void) close(fd);
                return r;
        }
        dir = fdopendir(fd);
        if (!dir) {
                r = ak_diag_add(rs, path, 0, 0, 0, strdup_printf("cannot open directory: %s", strerror(errno)));
                (void) close(fd);
                return r;
        }
        /* the directory named as a source: said once for all its files; no sticky exception */
        why = why_distrusted(rs, &dst, S_IWGRP | S_IWOTH, 0, &oom);
        if (oom) {
                r = -ENOMEM;
                goto out;
        }
        if (why) {
                _cleanup_free_ char *w = why;
                r = distrust(rs, path, strdup_printf("directory is %s; auditkeepd does not load any of its files "
                                                     "(augenrules would)", w));
                if (r <= 0)
                        goto out;
        }
        while ((de = readdir(dir))) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l < 7 || strcmp(de->d_name + l - 6, ".rules") != 0)
                        continue;
                if (GROW(names, allocated, n + 1) < 0 || !(names[n] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        goto out;
                }
                n++;
        }
        /* none: names is NULL, which qsort must not be given even for 0 elements */
        if (n > 1)
                qsort(names, n, sizeof(char *), natural_cmp);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = strdup_printf("%s%s%s", path,
                                                        path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
                struct stat lst;

                if (!p) {
                        r = -ENOMEM;
                        goto out;
                }
                /* a symlink leads elsewhere: its target and the target's directory are checked;
                 * anything else is in this directory, checked above */
                if (fstatat(dirfd(dir), names[i], &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
                        r = read_file(rs, p, 0, &sub);
                else
                        r = read_file_at(rs, p, NULL, dirfd(dir), NULL, path, names[i], 0, &sub);
                if (r < 0)
                        goto out;
        }
        r = hoist(&sub);
        if (r < 0)
                goto out;
        /* move into ls */
        for (size_t i = 0; i < sub.n; i++) {
                if (GROW(ls->v, ls->allocated, ls->n + 1) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                ls->v[ls->n++] = sub.v[i];
        }
        for (size_t i = 0; i < sub.n_bufs; i++) {
                if (GROW(ls->bufs, ls->bufs_allocated, ls->n_bufs + 1) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                ls->bufs[ls->n_bufs++] = TAKE_PTR(sub.bufs[i]);
        }
out:
        if (dir)
                closedir(dir);
        strv_free_n(names, n);
        lineset_done(&sub);
        return r;
}


int ak_read_source(ak_ruleset *rs, const char *path, lineset *ls) {
        struct stat st;
        int r;

        if (stat(path, &st) < 0) {
                r = ak_diag_add(rs, path, 0, 0, 0, strdup_printf("cannot read: %s", strerror(errno)));
                return r < 0 ? r : 0;
        }
        r = S_ISDIR(st.st_mode) ? read_dir(rs, path, ls) : read_file(rs, path, READ_NAMED, ls);
        return r < 0 ? r : 1;
}

int ak_ruleset_add_default_sources(ak_ruleset *rs) {
        struct stat st;

        assert(rs);
        return ak_ruleset_add_source(rs, stat(DEFAULT_RULES_DIR, &st) == 0 ? DEFAULT_RULES_DIR : DEFAULT_RULES_FILE);
}
