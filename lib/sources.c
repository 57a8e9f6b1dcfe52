/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the sources: a file, or a directory's *.rules files in the order augenrules uses
 * (natural sort; the last -D, -b and -f moved to the top, the last -e to the end), as lines for
 * the parser. Problems with a file are diagnostics, never fatal. */
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

static int read_file(ak_ruleset *rs, const char *path, lineset *ls) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        const char *file;
        struct stat st;
        size_t len = 0, cap;

        file = ak_ruleset_remember_file(rs, path);
        if (!file)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("cannot open: %s", strerror(errno)));
        if (fstat(fd, &st) < 0)
                return ak_diag_add(rs, file, 0, 0, 0, strdup_printf("cannot stat: %s", strerror(errno)));
        if (!S_ISREG(st.st_mode))
                return ak_diag_add(rs, file, 0, 0, 0, strdup("not a regular file"));
        if (st.st_mode & S_IWOTH)
                return ak_diag_add(rs, file, 0, 0, 0, strdup("file is world-writable; auditctl refuses it and so does auditkeep"));
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
        DIR *dir;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, allocated = 0;
        int r = 0;
        lineset sub = {};

        dir = opendir(path);
        if (!dir)
                return ak_diag_add(rs, path, 0, 0, 0, strdup_printf("cannot open directory: %s", strerror(errno)));
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
        qsort(names, n, sizeof(char *), natural_cmp);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = strdup_printf("%s%s%s", path,
                                                        path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
                if (!p) {
                        r = -ENOMEM;
                        goto out;
                }
                r = read_file(rs, p, &sub);
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
        r = S_ISDIR(st.st_mode) ? read_dir(rs, path, ls) : read_file(rs, path, ls);
        return r < 0 ? r : 1;
}

int ak_ruleset_add_default_sources(ak_ruleset *rs) {
        struct stat st;

        return ak_ruleset_add_source(rs, stat(DEFAULT_RULES_DIR, &st) == 0 ? DEFAULT_RULES_DIR : DEFAULT_RULES_FILE);
}
