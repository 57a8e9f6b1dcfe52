/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "util.h"

void jw_put_string(FILE *f, const char *s) {
        size_t n = strlen(s);

        assert(f);
        putc('"', f);
        for (size_t i = 0, len; i < n; i += len) {
                uint32_t cp;

                switch (text_char(s + i, n - i, &len, &cp)) {
                case TEXT_SHOWN:
                        if (cp == '"' || cp == '\\')
                                putc('\\', f);
                        fwrite(s + i, 1, len, f);
                        break;
                case TEXT_HIDDEN:
                        /* controls, invisible characters and noncharacters; those beyond the
                         * Basic Multilingual Plane (the tag characters, U+1FFFE ... U+10FFFF) as a
                         * surrogate pair, as JSON writes them */
                        if (cp > 0xffff)
                                fprintf(f, "\\u%04" PRIx32 "\\u%04" PRIx32, 0xd800 + ((cp - 0x10000) >> 10),
                                        0xdc00 + ((cp - 0x10000) & 0x3ff));
                        else
                                fprintf(f, "\\u%04" PRIx32, cp);
                        break;
                case TEXT_INVALID:
                        fprintf(f, "\\u%04" PRIx32, 0xdc00 + cp);
                        break;
                }
        }
        putc('"', f);
}

void jw_init(json_writer *j, FILE *f) {
        assert(j);
        assert(f);
        *j = (json_writer) { .f = f };
}

/* Before a value: the comma that separates it from the one before, unless it follows its key. */
static void before_value(json_writer *j) {
        if (j->after_key) {
                j->after_key = 0;
                return;
        }
        if (j->has_items[j->depth])
                putc(',', j->f);
        j->has_items[j->depth] = 1;
}

static void open_container(json_writer *j, char c) {
        before_value(j);
        assert(j->depth < JSON_DEPTH_MAX);
        putc(c, j->f);
        j->has_items[++j->depth] = 0;
}

static void close_container(json_writer *j, char c) {
        assert(j->depth > 0 && !j->after_key);
        j->depth--;
        putc(c, j->f);
}

void jw_object_begin(json_writer *j) {
        open_container(j, '{');
}

void jw_object_end(json_writer *j) {
        close_container(j, '}');
}

void jw_array_begin(json_writer *j) {
        open_container(j, '[');
}

void jw_array_end(json_writer *j) {
        close_container(j, ']');
}

void jw_key(json_writer *j, const char *key) {
        assert(key);
        assert(j->depth > 0 && !j->after_key);
        before_value(j);
        jw_put_string(j->f, key);
        putc(':', j->f);
        j->after_key = 1;
}

void jw_string(json_writer *j, const char *s) {
        assert(s);
        before_value(j);
        jw_put_string(j->f, s);
}

void jw_uint(json_writer *j, uint64_t v) {
        before_value(j);
        fprintf(j->f, "%" PRIu64, v);
}

void jw_bool(json_writer *j, int v) {
        before_value(j);
        fputs(v ? "true" : "false", j->f);
}

void jw_null(json_writer *j) {
        before_value(j);
        fputs("null", j->f);
}

void jw_end(json_writer *j) {
        assert(j->depth == 0 && !j->after_key);
        putc('\n', j->f);
}
