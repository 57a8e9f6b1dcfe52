/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libc-only helpers: safe number parsing, growing arrays, formatted strings. */
#pragma once

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Parse an unsigned 32-bit number the way strtoul(s, NULL, 0) reads it (0x hex, 0 octal), but
 * the whole string must be consumed and the value must fit: 0 or -EINVAL/-ERANGE. */
int safe_atou32_base0(const char *s, uint32_t *ret);
/* Decimal only, whole string. */
int safe_atou64(const char *s, uint64_t *ret);

/* Grow *p (element size `size`) so that it can hold `need` elements; keeps *allocated. */
int grow_array(void **p, size_t *allocated, size_t need, size_t size);
#define GROW(p, allocated, need) grow_array((void **) &(p), &(allocated), (need), sizeof(*(p)))

char *strdup_printf(const char *fmt, ...) _printf_(1, 2);
char *strdup_vprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* A growable string. */
typedef struct strbuf {
        char *s;
        size_t len, allocated;
        int oom;
} strbuf;
void strbuf_append(strbuf *b, const char *s, size_t n);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_printf(strbuf *b, const char *fmt, ...) _printf_(2, 3);
char *strbuf_steal(strbuf *b);   /* NULL on earlier OOM; resets b */
void strbuf_done(strbuf *b);

/* The one escaping rule for text from outside (a process name, a path, a key, a token of a
 * rules file) on its way to a terminal, the journal, D-Bus or JSON: valid UTF-8 is shown as it
 * is, except C0 and C1 controls, DEL, and the invisible characters that reorder text or cannot be
 * seen (bidirectional controls, line and paragraph separators, zero-width characters, byte order
 * mark, soft hyphen) and the noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF: D-Bus refuses
 * them); those and bytes that are not valid UTF-8 are escaped. text_char() is the
 * rule; the escapes are the writer's: \xNN per byte below (terminal, journal, D-Bus), \uXXXX in
 * JSON (json.h). */
typedef enum text_kind {
        TEXT_SHOWN,     /* valid UTF-8, shown as it is */
        TEXT_HIDDEN,    /* valid UTF-8, escaped: a control, an invisible character or a noncharacter */
        TEXT_INVALID,   /* one byte that does not start a valid UTF-8 sequence */
} text_kind;
/* The character at s (n > 0 bytes left): its kind, its length (1 for an invalid byte) and its
 * code point (the byte itself for an invalid one). */
text_kind text_char(const char *s, size_t n, size_t *ret_len, uint32_t *ret_cp);

/* The rule with \xNN escapes: what text_char() does not show becomes \xNN per byte, a
 * backslash becomes \\ (so the text reads back to the bytes); the result is always valid
 * UTF-8. */
void strbuf_put_cescaped(strbuf *b, const char *s, size_t n);
char *cescape(const char *s);   /* NULL on OOM */
/* The same, at most max bytes: longer text is cut between characters (never inside an escape)
 * and ends in "...". */
char *cescape_max(const char *s, size_t max);
/* A value in a line of NAME=VALUE fields separated by spaces ("pid=4242 comm=auditctl exe=...
 * auid=1000"), as cescape_max(), and also space, '=' and both quotes as \xNN, and the characters
 * a person reads as those (U+2000-200A and the other spaces, fullwidth and small '=', fullwidth
 * quotes): a value then holds neither a field boundary nor a name=, so no name can fake a field
 * after it, even for a reader (or a person) that looks for " auid=" anywhere in the line. */
char *cescape_field_max(const char *s, size_t max);
/* Nothing that cescape() would change but backslashes: safe as it is. */
int string_is_clean(const char *s);
/* A message that quotes text from outside (a log line, a diagnostic), by one rule whatever the
 * rest of the message holds: what text_char() does not show becomes \xNN per byte, and every other
 * character, a backslash too, stays as it is ("a\ b", a rules file's escaped space, is written so
 * in every message). A message is for a person and does not read back to its bytes: a token that
 * held the four characters "\x01" and one that held the byte 0x01 read the same. It cannot be
 * otherwise: a message is escaped whole after it is composed from parts some of which are already
 * escaped (a formatted rule, a file name), and the daemon's log escapes every message again, so
 * the rule must leave its own output as it is, and a rule that does cannot tell the two apart.
 * Where a name must read back (a file name in a diagnostic or an origin, a D-Bus field, JSON),
 * it is put in with cescape() or the JSON writer. Frees m; NULL on OOM or when m is NULL. */
char *cescape_message(char *m);

/* Free n strings and the array holding them. */
void strv_free_n(char **v, size_t n);
/* Write text to path through a hidden temporary file in its directory (".NAME.XXXXXX"), with
 * this mode, then rename: a reader sees the old file or the new one, whole. 0 or -errno. */
int write_file_atomic(const char *path, const char *text, mode_t mode);
/* qsort() order of uint64_t values, and whether a sorted array of n holds v (n may be 0 with a
 * NULL array). */
int cmp_uint64(const void *a, const void *b);
int sorted_has_uint64(const uint64_t *set, size_t n, uint64_t v);

/* The first line of a small file, without its newline: its length, or -errno. */
int read_first_line(const char *path, char *buf, size_t size);

uint64_t now_usec(void);   /* CLOCK_MONOTONIC */
