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

#ifdef __cplusplus
}
#endif
