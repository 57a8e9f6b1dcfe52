#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The unit passes `systemd-analyze verify` (with its man pages found) and `systemd-analyze security`
# rates it 2.0 or lower.
set -euo pipefail
src=${AK_SRCDIR:?} build=${AK_BUILDDIR:?}
if ! command -v systemd-analyze >/dev/null; then
        echo "skipped: systemd-analyze is not installed"
        exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|@sbindir@|$build/daemon|" "$src/systemd/auditkeepd.service.in" > "$tmp/auditkeepd.service"
mkdir -p "$tmp/man/man8"
cp "$src/man/"*.8 "$tmp/man/man8/"

echo "==> systemd-analyze verify"
MANPATH="$tmp/man" systemd-analyze verify "$tmp/auditkeepd.service"

echo "==> systemd-analyze security"
out=$(systemd-analyze security --offline=true "$tmp/auditkeepd.service" 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for auditkeepd.service: \([0-9.]*\).*/\1/p')
echo "exposure: ${score:-?}"
if [ -z "$score" ]; then
        printf '%s\n' "$out"
        exit 1
fi
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { printf '%s\n' "$out" | grep '✗' ; echo "exposure $score > 2.0"; exit 1; }
echo "ok"
