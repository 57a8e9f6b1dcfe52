/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
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

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
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
        return len;
}

void strbuf_put_cescaped(strbuf *b, const char *s, size_t n) {
        const unsigned char *u = (const unsigned char *) s;

        for (size_t i = 0; i < n;) {
                size_t len = utf8_seq_len(u + i, n - i);

                if (len == 0 || u[i] < 0x20 || u[i] == 0x7f || u[i] == '\\') {
                        if (u[i] == '\\')
                                strbuf_puts(b, "\\\\");
                        else
                                strbuf_printf(b, "\\x%02x", u[i]);
                        i++;
                        continue;
                }
                strbuf_append(b, s + i, len);
                i += len;
        }
}

char *cescape(const char *s) {
        strbuf b = {};

        strbuf_put_cescaped(&b, s, strlen(s));
        strbuf_puts(&b, "");
        return strbuf_steal(&b);
}

int read_first_line(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");
        size_t n;

        if (size == 0)
                return -EINVAL;
        buf[0] = '\0';
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
                size_t len = utf8_seq_len(u + i, n - i);
                if (len == 0 || u[i] < 0x20 || u[i] == 0x7f)
                        return 0;
                i += len;
        }
        return 1;
}

void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}
