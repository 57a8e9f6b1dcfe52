#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# auditkeepctl starts without libsystemd: it is not linked (no DT_NEEDED), the offline commands
# never load it, and the bus commands load it on demand (dlopen) and still report an unreachable
# bus the way they did when it was linked. Nor is libseccomp linked, to auditkeepctl or to
# auditkeepd (built-in syscall tables).
set -uo pipefail
ctl=${AK_BUILDDIR:?}/tools/auditkeepctl
daemon=$AK_BUILDDIR/daemon/auditkeepd
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name, condition
        if [ "$2" = 0 ]; then echo "ok $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}
loads_systemd() { # command...: 0 when the dynamic loader opens libsystemd during the command
        LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -q 'calling init: .*libsystemd\.so'
}

printf '%s\n' '-w /etc/passwd -p wa -k identity' '-a always,exit -F arch=b64 -S openat -F auid>=1000 -k x' > "$tmp/r.rules"

readelf -d "$ctl" | grep -q 'NEEDED.*libsystemd'
check "auditkeepctl has no DT_NEEDED on libsystemd" $(( $? == 0 ))
# The syscall name tables are made at build time (lib/gen/syscall-table.c): nothing to load.
readelf -d "$ctl" | grep -q 'NEEDED.*libseccomp'
check "auditkeepctl has no DT_NEEDED on libseccomp" $(( $? == 0 ))
readelf -d "$daemon" | grep -q 'NEEDED.*libseccomp'
check "auditkeepd has no DT_NEEDED on libseccomp" $(( $? == 0 ))
for args in "--version" "--help" "check $tmp/r.rules"; do
        # shellcheck disable=SC2086
        loads_systemd "$ctl" $args
        check "auditkeepctl $args does not load libsystemd" $(( $? == 0 ))
done
# The loader itself must be able to see libsystemd for the positive case to mean anything.
out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/no-bus LD_DEBUG=libs "$ctl" status 2>&1); st=$?
printf '%s\n' "$out" | grep -q 'calling init: .*libsystemd\.so'
check "auditkeepctl status loads libsystemd" $?
printf '%s\n' "$out" | grep -q 'cannot reach the system bus'
check "auditkeepctl status without a bus says so" $?
check "auditkeepctl status without a bus exits 2" $(( st != 2 ))

[ "$fail" = 0 ] || { echo "$fail failed"; exit 1; }
