/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One small JSON writer (auditkeepctl's --json output): values streamed to a FILE, commas and
 * nesting kept by the writer, strings escaped by the one rule of util.h. Valid UTF-8 is written
 * as it is; what text_char() does not show is a \uXXXX escape, which a JSON reader turns back
 * into the same character; a byte that is not UTF-8 is written as the lone surrogate \udcNN
 * (U+DC80..U+DCFF for the bytes 0x80..0xff), the lossless form of Python's "surrogateescape":
 * json.loads() keeps it, and .encode("utf-8", "surrogateescape") gives back the bytes. Why our
 * own writer and not json-c: HACKING.md, "JSON". */
#pragma once

#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 32

typedef struct json_writer {
        FILE *f;
        unsigned depth;
        int after_key;                          /* a key was written: its value comes next */
        int has_items[JSON_DEPTH_MAX + 1];      /* per open object or array: something written in it */
} json_writer;

void jw_init(json_writer *j, FILE *f);
void jw_object_begin(json_writer *j);
void jw_object_end(json_writer *j);
void jw_array_begin(json_writer *j);
void jw_array_end(json_writer *j);
/* In an object: the key of the next value. */
void jw_key(json_writer *j, const char *key);
void jw_string(json_writer *j, const char *s);
void jw_uint(json_writer *j, uint64_t v);
void jw_bool(json_writer *j, int v);
void jw_null(json_writer *j);
/* The end of the document: a newline. */
void jw_end(json_writer *j);

/* The bytes of s as a JSON string with its quotes, onto f. */
void jw_put_string(FILE *f, const char *s);

static inline void jw_kv_string(json_writer *j, const char *key, const char *s) {
        jw_key(j, key);
        jw_string(j, s);
}
static inline void jw_kv_uint(json_writer *j, const char *key, uint64_t v) {
        jw_key(j, key);
        jw_uint(j, v);
}
static inline void jw_kv_bool(json_writer *j, const char *key, int v) {
        jw_key(j, key);
        jw_bool(j, v);
}
