#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `auditkeepctl check`: every example rules file of the auditd package passes (unless it names a
# user this machine lacks), and a deliberately broken file gets every bad line reported with its
# line and column, the good lines kept, a summary, and exit status 1.
set -uo pipefail
ctl=${AK_BUILDDIR:?}/tools/auditkeepctl
examples=/usr/share/doc/auditd/examples/rules
fail=0 n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name, condition
        n=$((n + 1))
        if [ "$2" = 0 ]; then echo "ok $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}

if [ -d "$examples" ]; then
        for f in "$examples"/*.rules; do
                out=$("$ctl" check "$f" 2>&1); st=$?
                if grep -q -- '^[^#]*-F uid=chrony' "$f" && ! getent passwd chrony >/dev/null; then
                        # auditctl refuses it too: "Unknown user: chrony"
                        printf '%s\n' "$out" | grep -q "unknown user 'chrony'"
                        check "$(basename "$f") reports the missing user" $(( $? || st != 1 ))
                else
                        check "$(basename "$f") passes" $(( st != 0 ))
                fi
        done
fi

cat > "$tmp/broken.rules" <<'RULES'
## a deliberately broken file
-b 8192
-a always,exit -F arch=b64 -S openat -F auidd>=1000 -k x
-w /etc/passwd -p wa -k identity
-a alwayz,exit -S open
-w etc/shadow -p wa
-a always,exit -F arch=b64 -S opn -k y
-e 3
-a always,exit -F arch=b64 -S unlink -k ok
-a always,exit -S open -p wq -F path=/etc/hosts
RULES
cat > "$tmp/expected" <<EXPECTED
$tmp/broken.rules:3:41: unknown field 'auidd', did you mean 'auid'?
$tmp/broken.rules:5:4: unknown action 'alwayz', did you mean 'always'?
$tmp/broken.rules:6:4: watch path 'etc/shadow' must be absolute (start with '/')
$tmp/broken.rules:7:31: unknown syscall 'opn' for arch b64, did you mean 'open'?
$tmp/broken.rules:8:4: -e takes 0, 1 or 2, not '3'
$tmp/broken.rules:10:28: permission 'q' in 'wq' is not one of r, w, x, a
2 rules, 1 status settings, 6 errors
EXPECTED
"$ctl" check "$tmp/broken.rules" > "$tmp/out" 2>&1; st=$?
diff -u "$tmp/expected" "$tmp/out"
check "broken file: every error with line and column, summary" $?
check "broken file: exit status 1" $(( st != 1 ))

echo "$((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
