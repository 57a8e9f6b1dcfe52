/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: the status facts (ak-facts.h) in the Prometheus text exposition format (version
 * 0.0.4), for node_exporter's textfile collector and `auditkeepctl status --prometheus`. Pure. */
#pragma once

#include "auditkeep/ak-facts.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The text, with HELP and TYPE lines, newline-terminated, the metrics in the order of AK_FACTS;
 * malloc'd, NULL on OOM. */
char *ak_metrics_format(const ak_facts *f);
/* The same, of the facts that are known only: sent holds a flag (0 or 1) per row of
 * ak_facts_table (ak_facts_count of them), 0 for a fact an older daemon did not send, whose
 * metric (or label, or sample of a family) is then left out rather than written as 0. sent NULL:
 * every fact is known. */
char *ak_metrics_format_sent(const ak_facts *f, const int *sent);

#ifdef __cplusplus
}
#endif
