#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The journal catalog (systemd/auditkeepd.catalog) has an entry for every MESSAGE_ID the daemon
# logs (daemon/journal-ids.h), and journalctl compiles it (in a scratch root).
set -euo pipefail
src=${AK_SRCDIR:?}
if ! command -v journalctl >/dev/null; then
        echo "skipped: journalctl is not installed"
        exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/usr/lib/systemd/catalog"
cp "$src/systemd/auditkeepd.catalog" "$tmp/usr/lib/systemd/catalog/"
journalctl --root="$tmp" --update-catalog
journalctl --root="$tmp" --list-catalog > "$tmp/list"
status=0
for id in $(sed -n 's/^#define AK_MID_[A-Z_]* *"\([0-9a-f]\{32\}\)".*/\1/p' "$src/daemon/journal-ids.h"); do
        if ! grep -q "^$id auditkeep: " "$tmp/list"; then
                echo "MESSAGE_ID $id (daemon/journal-ids.h) has no catalog entry" >&2
                status=1
        fi
done
[ "$(grep -c '^#define AK_MID_' "$src/daemon/journal-ids.h")" -eq "$(wc -l < "$tmp/list")" ] ||
        { echo "the catalog and daemon/journal-ids.h differ in number" >&2; status=1; }
cat "$tmp/list"
exit $status
