/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libgen.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

int safe_atou32_base0(const char *s, uint32_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 0);
        if (errno != 0)
                return -errno;
        if (*end != '\0')
                return -EINVAL;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0)
                return -errno;
        if (*end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int grow_array(void **p, size_t *allocated, size_t need, size_t size) {
        size_t n;
        void *q;

        if (need <= *allocated)
                return 0;
        n = *allocated ? *allocated * 2 : 8;
        while (n < need)
                n *= 2;
        if (n > SIZE_MAX / size)
                return -ENOMEM;
        q = realloc(*p, n * size);
        if (!q)
                return -ENOMEM;
        memset((char *) q + *allocated * size, 0, (n - *allocated) * size);
        *p = q;
        *allocated = n;
        return 0;
}

char *strdup_vprintf(const char *fmt, va_list ap) {
        char *s;

        if (vasprintf(&s, fmt, ap) < 0)
                return NULL;
        return s;
}

char *strdup_printf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = strdup_vprintf(fmt, ap);
        va_end(ap);
        return s;
}

void strbuf_append(strbuf *b, const char *s, size_t n) {
        if (b->oom)
                return;
        if (grow_array((void **) &b->s, &b->allocated, b->len + n + 1, 1) < 0) {
                b->oom = 1;
                return;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

void strbuf_puts(strbuf *b, const char *s) {
        strbuf_append(b, s, strlen(s));
}

void strbuf_printf(strbuf *b, const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!s) {
                b->oom = 1;
                return;
        }
        strbuf_puts(b, s);
        free(s);
}

char *strbuf_steal(strbuf *b) {
        char *s = NULL;

        if (!b->oom)
                s = b->s ? b->s : strdup("");
        else
                free(b->s);
        *b = (strbuf) {};
        return s;
}

void strbuf_done(strbuf *b) {
        free(b->s);
        *b = (strbuf) {};
}

uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code point, or 0: no
 * overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret) {
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        *ret = cp;
        return len;
}

/* Whether a valid character is shown as it is. Not shown: C0 and C1 controls, DEL, and the
 * invisible characters that reorder or break the text around them on a terminal or in a viewer
 * (bidirectional marks, embeddings, overrides and isolates; line and paragraph separators) or
 * that cannot be seen at all (zero-width spaces and joiners, word joiner, byte order mark, soft
 * hyphen, the Mongolian vowel separator, the Hangul fillers, the tag characters), with which a
 * name could make a log line read differently from what it says ("audit\u200bctl" is not
 * auditctl). Nor the noncharacters (U+FDD0..U+FDEF, and U+xFFFE and U+xFFFF in every plane):
 * sd-bus refuses a string holding one as invalid UTF-8, and one such key in a rule made the whole
 * ListRules reply fail (fuzz-bus, F7). */
static int cp_shown(uint32_t cp) {
        return !(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad || cp == 0x061c || cp == 0x115f ||
                 cp == 0x1160 || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
                 (cp >= 0x2060 && cp <= 0x2069) || cp == 0x3164 || cp == 0xfeff || cp == 0xffa0 ||
                 (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe || (cp >= 0xe0000 && cp <= 0xe007f));
}

text_kind text_char(const char *s, size_t n, size_t *ret_len, uint32_t *ret_cp) {
        const unsigned char *u = (const unsigned char *) s;
        uint32_t cp;
        size_t len = utf8_decode(u, n, &cp);

        if (len == 0) {
                *ret_len = 1;
                *ret_cp = u[0];
                return TEXT_INVALID;
        }
        *ret_len = len;
        *ret_cp = cp;
        return cp_shown(cp) ? TEXT_SHOWN : TEXT_HIDDEN;
}

/* Length of the character at s when it can be shown as it is, else 0. */
static size_t shown_len(const unsigned char *s, size_t n) {
        size_t len;
        uint32_t cp;

        return text_char((const char *) s, n, &len, &cp) == TEXT_SHOWN ? len : 0;
}

/* One character: a valid UTF-8 sequence, or else a single byte. */
static size_t char_len(const unsigned char *s, size_t n) {
        size_t len;
        uint32_t cp;

        (void) text_char((const char *) s, n, &len, &cp);
        return len;
}

/* What a field value must not hold as it is, besides what cescape() escapes: the separator
 * between fields, the one between a name and its value, and quotes, and the characters a person
 * reads as those (the other spaces of Unicode, fullwidth and small equals signs and quotes). */
static int field_special(uint32_t cp) {
        return cp == ' ' || cp == '=' || cp == '"' || cp == '\'' || cp == 0xa0 || cp == 0x1680 ||
               (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0x207c ||
               cp == 0x208c || cp == 0xfe66 || cp == 0xff1d || cp == 0xff02 || cp == 0xff07;
}

static void put_bytes_escaped(strbuf *b, const unsigned char *u, size_t n) {
        for (size_t i = 0; i < n; i++)
                strbuf_printf(b, "\\x%02x", u[i]);
}

static void put_escaped(strbuf *b, const char *s, size_t n, int field) {
        const unsigned char *u = (const unsigned char *) s;

        for (size_t i = 0, len; i < n; i += len) {
                uint32_t cp;
                text_kind k = text_char(s + i, n - i, &len, &cp);

                if (k != TEXT_SHOWN || (field && field_special(cp)))
                        put_bytes_escaped(b, u + i, len);
                else if (cp == '\\')
                        strbuf_puts(b, "\\\\");
                else
                        strbuf_append(b, s + i, len);
        }
}

void strbuf_put_cescaped(strbuf *b, const char *s, size_t n) {
        put_escaped(b, s, n, 0);
}

char *cescape(const char *s) {
        strbuf b = {};

        strbuf_put_cescaped(&b, s, strlen(s));
        strbuf_puts(&b, "");
        return strbuf_steal(&b);
}

static char *escape_max(const char *s, size_t max, int field) {
        const unsigned char *u = (const unsigned char *) s;
        size_t n = strlen(s), room = max > 3 ? max - 3 : 0, cut = 0;
        strbuf b = {};

        /* a character at a time, so that a cut never splits one or its escape; cut: the end of
         * the last one that leaves room for "..." */
        for (size_t i = 0, len; i < n && b.len <= max; i += len) {
                len = char_len(u + i, n - i);
                put_escaped(&b, s + i, len, field);
                if (b.len <= room)
                        cut = b.len;
        }
        if (b.len > max && !b.oom) {
                b.len = cut;
                strbuf_puts(&b, "...");
        }
        strbuf_puts(&b, "");
        return strbuf_steal(&b);
}

char *cescape_max(const char *s, size_t max) {
        return escape_max(s, max, 0);
}

char *cescape_field_max(const char *s, size_t max) {
        return escape_max(s, max, 1);
}

int read_first_line(const char *path, char *buf, size_t size) {
        FILE *f;
        size_t n;

        if (size == 0)
                return -EINVAL;
        buf[0] = '\0';
        f = fopen(path, "re");
        if (!f)
                return -errno;
        if (!fgets(buf, (int) size, f)) {
                fclose(f);
                return -ENODATA;
        }
        fclose(f);
        n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                buf[--n] = '\0';
        return (int) n;
}

int string_is_clean(const char *s) {
        const unsigned char *u = (const unsigned char *) s;
        size_t n = strlen(s);

        for (size_t i = 0; i < n;) {
                size_t len = shown_len(u + i, n - i);
                if (len == 0)
                        return 0;
                i += len;
        }
        return 1;
}

char *cescape_message(char *m) {
        const unsigned char *u = (const unsigned char *) m;
        strbuf b = {};
        size_t n;

        if (!m)
                return NULL;
        n = strlen(m);
        for (size_t i = 0, len; i < n; i += len) {
                uint32_t cp;

                if (text_char(m + i, n - i, &len, &cp) != TEXT_SHOWN)
                        put_bytes_escaped(&b, u + i, len);
                else
                        strbuf_append(&b, m + i, len);
        }
        strbuf_puts(&b, "");
        free(m);
        return strbuf_steal(&b);
}

int cmp_uint64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

int sorted_has_uint64(const uint64_t *set, size_t n, uint64_t v) {
        return n > 0 && bsearch(&v, set, n, sizeof(uint64_t), cmp_uint64);
}

void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

int write_file_atomic(const char *path, const char *text, mode_t mode) {
        _cleanup_free_ char *copy = strdup(path), *tmp = NULL;
        size_t len = strlen(text);
        const char *base;
        int fd, r = 0;

        if (!copy)
                return -ENOMEM;
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        tmp = strdup_printf("%s/.%s.XXXXXX", dirname(copy), base);
        if (!tmp)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len || fchmod(fd, mode) < 0)
                r = errno ? -errno : -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}
