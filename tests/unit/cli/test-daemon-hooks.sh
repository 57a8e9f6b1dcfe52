#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The test hooks are out of the installed daemon (issue #22): auditkeepd refuses --control-fd and
# --monitor-fd (a socket handed over would stand in for the kernel) before it touches anything,
# and does not mention them; auditkeepd-test, which the tests run and nobody installs, has them.
# ($AUDITKEEP_AUDITCTL: tests/unit/test-compat-host.c.)
set -uo pipefail
build=${AK_BUILDDIR:?}
fail=0 n=0

check() { # name, condition
        n=$((n + 1))
        if [ "$2" = 0 ]; then echo "ok $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}

for opt in --control-fd=5 --monitor-fd=none; do
        out=$("$build/daemon/auditkeepd" "$opt" --rules=/nonexistent 2>&1); st=$?
        grep -q "unrecognized option '${opt%%=*}" <<<"$out"
        check "auditkeepd refuses $opt ($out)" $(( $? || st == 0 ))
done
out=$("$build/daemon/auditkeepd" --help 2>&1)
! grep -q -- "-fd=" <<<"$out"
check "auditkeepd --help names no test hook" $?
if [ -x "$build/daemon/auditkeepd-test" ]; then
        out=$("$build/daemon/auditkeepd-test" --help 2>&1)
        grep -q -- "--control-fd=FD" <<<"$out" && grep -q -- "--monitor-fd=FD" <<<"$out"
        check "auditkeepd-test --help names its hooks" $?
fi
if [ -f "$build/meson-info/intro-installed.json" ]; then
        ! grep -q "auditkeepd-test" "$build/meson-info/intro-installed.json"
        check "auditkeepd-test is not installed" $?
fi

echo "$((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
