/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The facts in the Prometheus text exposition format (see ak-metrics.h), each as its row of
 * AK_FACTS says. Names follow the Prometheus conventions: a auditkeep_ prefix, _total for
 * counters, _seconds for times, base units; the kernel's own values under auditkeep_kernel_. */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "auditkeep/ak-metrics.h"
#include "macro.h"
#include "util.h"

static void header(strbuf *b, const ak_fact *d, const char *type) {
        strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", d->metric, d->help, d->metric, type);
}

/* A label value: \, " and newline escaped, as the format asks. */
static void label(strbuf *b, const char *s) {
        for (; s && *s; s++) {
                if (*s == '\\' || *s == '"')
                        strbuf_printf(b, "\\%c", *s);
                else if (*s == '\n')
                        strbuf_puts(b, "\\n");
                else
                        strbuf_append(b, s, 1);
        }
}

static int same_family(const ak_fact *a, const ak_fact *b) {
        return a->metric_kind == b->metric_kind && a->metric && b->metric && streq(a->metric, b->metric);
}

/* Whether table row i continues the family of row i - 1 (the samples of a LABEL family). */
static int continues_family(size_t i) {
        return i > 0 && same_family(&ak_facts_table[i - 1], &ak_facts_table[i]);
}

/* Whether an INFO row's sample was written with an earlier row of its name. */
static int info_written(size_t i) {
        for (size_t j = 0; j < i; j++)
                if (same_family(&ak_facts_table[j], &ak_facts_table[i]))
                        return 1;
        return 0;
}

/* The one sample of an INFO family: every INFO row of its name, from row i on, as labels. */
static void info(strbuf *b, const ak_facts *f, size_t i) {
        const ak_fact *first = &ak_facts_table[i];
        const char *sep = "";

        strbuf_printf(b, "%s{", first->metric);
        for (size_t j = i; j < ak_facts_count; j++) {
                if (!same_family(first, &ak_facts_table[j]))
                        continue;
                strbuf_printf(b, "%s%s=\"", sep, ak_facts_table[j].label);
                label(b, ak_fact_string(f, &ak_facts_table[j]));
                strbuf_puts(b, "\"");
                sep = ",";
        }
        strbuf_puts(b, "} 1\n");
}

static void metric(strbuf *b, const ak_facts *f, size_t i) {
        const ak_fact *d = &ak_facts_table[i];
        uint64_t v = ak_fact_number(f, d);

        switch (d->metric_kind) {
        case AK_METRIC_NONE:
                break;
        case AK_METRIC_GAUGE:
        case AK_METRIC_COUNTER:
                header(b, d, d->metric_kind == AK_METRIC_COUNTER ? "counter" : "gauge");
                strbuf_printf(b, "%s %" PRIu64 "\n", d->metric, v);
                break;
        case AK_METRIC_SECONDS:
        case AK_METRIC_SECONDS_TOTAL:
                header(b, d, d->metric_kind == AK_METRIC_SECONDS_TOTAL ? "counter" : "gauge");
                strbuf_printf(b, "%s %" PRIu64 ".%06" PRIu64 "\n", d->metric, v / 1000000u, v % 1000000u);
                break;
        case AK_METRIC_INFO:
                if (info_written(i))
                        break;          /* a label of the sample its first row wrote */
                header(b, d, "gauge");
                info(b, f, i);
                break;
        case AK_METRIC_LABEL:
                if (!continues_family(i))
                        header(b, d, "gauge");
                strbuf_printf(b, "%s{%s} %" PRIu64 "\n", d->metric, d->label, v);
                break;
        case AK_METRIC_ONE_OF:
                header(b, d, "gauge");
                for (size_t j = 0; d->values && d->values[j]; j++)
                        strbuf_printf(b, "%s{%s=\"%s\"} %d\n", d->metric, d->label, d->values[j],
                                      streq(ak_fact_string(f, d), d->values[j]));
                break;
        }
}

char *ak_metrics_format(const ak_facts *f) {
        strbuf b = {};

        assert(f);
        for (size_t i = 0; i < ak_facts_count; i++)
                metric(&b, f, i);
        return strbuf_steal(&b);
}
