# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the cli/ tests: $ctl, a temporary directory $tmp removed at exit, check NAME STATUS
# (0: ok) counting into $n and $fail, and finish, which prints the count and sets the exit status.
set -uo pipefail
ctl=${AK_BUILDDIR:?}/tools/auditkeepctl
fail=0 n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name, condition
        n=$((n + 1))
        if [ "$2" = 0 ]; then echo "ok $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}

finish() {
        echo "$((n - fail)) passed, $fail failed"
        [ "$fail" = 0 ]
}
