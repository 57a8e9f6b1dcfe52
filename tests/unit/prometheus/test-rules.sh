#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The alerting rules (prometheus/auditkeep-alerts.yml) pass `promtool check rules`, and every alert
# passes its unit tests (`promtool test rules`, prometheus/auditkeep-alerts.test.yml): it fires for
# the host it is about after its `for:` time, with its annotations rendered as written there.
# promtool comes with Debian's prometheus package (scripts/setup installs it); without it the test
# is skipped, except in CI.
set -euo pipefail
src=${AK_SRCDIR:?}
if ! command -v promtool >/dev/null; then
        echo "promtool is not installed (Debian package prometheus; scripts/setup installs it)"
        [ -n "${CI:-}" ] && exit 1
        exit 77
fi
cd "$src/prometheus"
echo "==> promtool check rules"
promtool check rules auditkeep-alerts.yml
echo "==> promtool test rules"
promtool test rules auditkeep-alerts.test.yml
# every alert has a test that expects it to fire
for alert in $(sed -n 's/^ *- alert: //p' auditkeep-alerts.yml); do
        if ! grep -A1 "alertname: $alert\$" auditkeep-alerts.test.yml | grep -q 'exp_alerts:$'; then
                echo "no test expects $alert to fire" >&2
                exit 1
        fi
done
