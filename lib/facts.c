/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status facts (see ak-facts.h): the table made from the list, and the values read, compared,
 * copied and freed by it. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-facts.h"
#include "constants.h"
#include "macro.h"
#include "util.h"

#define AK_FACT_ROW(field, k, bus_name, json_key, fl, mkind, mname, mlabel, mhelp, mvalues) \
        { .bus = bus_name, .signature = AK_FACT_SIG_##k, .json = json_key, .kind = AK_FACT_##k, .flags = fl, \
          .offset = offsetof(ak_facts, field), .metric_kind = AK_METRIC_##mkind, .metric = mname, .label = mlabel, \
          .help = mhelp, .values = mvalues },

const ak_fact ak_facts_table[] = {
        AK_FACTS(AK_FACT_ROW)
};

const size_t ak_facts_count = ELEMENTSOF(ak_facts_table);

const ak_fact *ak_fact_by_bus_name(const char *name) {
        assert(name);
        for (size_t i = 0; i < ak_facts_count; i++)
                if (streq(ak_facts_table[i].bus, name))
                        return &ak_facts_table[i];
        return NULL;
}

#define AT(f, d, type) ((type *) ((char *) (f) + (d)->offset))
#define AT_CONST(f, d, type) ((type const *) ((const char *) (f) + (d)->offset))

uint64_t ak_fact_number(const ak_facts *f, const ak_fact *d) {
        switch (d->kind) {
        case AK_FACT_U32:
                return *AT_CONST(f, d, uint32_t);
        case AK_FACT_U64:
                return *AT_CONST(f, d, uint64_t);
        case AK_FACT_BOOL:
                return !!*AT_CONST(f, d, int);
        default:
                return 0;
        }
}

const char *ak_fact_string(const ak_facts *f, const ak_fact *d) {
        const char *s = d->kind == AK_FACT_STR ? *AT_CONST(f, d, char *) : NULL;

        return s ? s : "";
}

char *const *ak_fact_strv(const ak_facts *f, const ak_fact *d) {
        return d->kind == AK_FACT_STRV ? *AT_CONST(f, d, char **) : NULL;
}

void ak_fact_set_number(ak_facts *f, const ak_fact *d, uint64_t v) {
        switch (d->kind) {
        case AK_FACT_U32:
                *AT(f, d, uint32_t) = (uint32_t) v;
                break;
        case AK_FACT_U64:
                *AT(f, d, uint64_t) = v;
                break;
        case AK_FACT_BOOL:
                *AT(f, d, int) = !!v;
                break;
        default:
                break;
        }
}

void ak_fact_set_string(ak_facts *f, const ak_fact *d, char *owned) {
        if (d->kind != AK_FACT_STR) {
                free(owned);
                return;
        }
        free(*AT(f, d, char *));
        *AT(f, d, char *) = owned;
}

static void strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

void ak_fact_set_strv(ak_facts *f, const ak_fact *d, char **owned) {
        if (d->kind != AK_FACT_STRV) {
                strv_free(owned);
                return;
        }
        strv_free(*AT(f, d, char **));
        *AT(f, d, char **) = owned;
}

int ak_fact_is_set(const ak_facts *f, const ak_fact *d) {
        char *const *v;

        switch (d->kind) {
        case AK_FACT_STR:
                return ak_fact_string(f, d)[0] != 0;
        case AK_FACT_STRV:
                v = ak_fact_strv(f, d);
                return v && v[0];
        default:
                return ak_fact_number(f, d) != 0;
        }
}

int ak_fact_equal(const ak_facts *a, const ak_facts *b, const ak_fact *d) {
        char *const *x, *const *y;
        size_t i;

        switch (d->kind) {
        case AK_FACT_STR:
                return streq(ak_fact_string(a, d), ak_fact_string(b, d));
        case AK_FACT_STRV:
                x = ak_fact_strv(a, d);
                y = ak_fact_strv(b, d);
                for (i = 0; x && y && x[i] && y[i]; i++)
                        if (!streq(x[i], y[i]))
                                return 0;
                return !(x && x[i]) == !(y && y[i]);
        default:
                return ak_fact_number(a, d) == ak_fact_number(b, d);
        }
}

static char **strv_copy(char *const *v) {
        size_t n = 0;
        char **c;

        while (v && v[n])
                n++;
        c = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

int ak_facts_copy(ak_facts *dst, const ak_facts *src) {
        int r = 0;

        assert(dst && src && dst != src);
        ak_facts_done(dst);
        *dst = *src;
        /* the pointers are src's now: give dst copies of its own */
        for (size_t i = 0; i < ak_facts_count; i++) {
                const ak_fact *d = &ak_facts_table[i];

                if (d->kind == AK_FACT_STR) {
                        const char *s = *AT_CONST(src, d, char *);
                        *AT(dst, d, char *) = s ? strdup(s) : NULL;
                        if (s && !*AT(dst, d, char *))
                                r = -ENOMEM;
                } else if (d->kind == AK_FACT_STRV) {
                        char *const *v = *AT_CONST(src, d, char **);
                        *AT(dst, d, char **) = v ? strv_copy(v) : NULL;
                        if (v && !*AT(dst, d, char **))
                                r = -ENOMEM;
                }
        }
        return r;
}

void ak_facts_done(ak_facts *f) {
        if (!f)
                return;
        for (size_t i = 0; i < ak_facts_count; i++) {
                const ak_fact *d = &ak_facts_table[i];

                if (d->kind == AK_FACT_STR)
                        free(*AT(f, d, char *));
                else if (d->kind == AK_FACT_STRV)
                        strv_free(*AT(f, d, char **));
        }
        *f = (ak_facts) {};
}
