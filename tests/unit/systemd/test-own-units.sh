#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# debian/auditkeep-own-units (run by the package's postinst) over a scratch root: the package's
# drop-ins are masked for an administrator's own copy of auditd.service / audit-rules.service
# (or a drop-in of theirs that loads rules), the links it made are recorded and removed again
# when the administrator's unit is gone, an administrator's own mask or file is left alone, and
# what was found is said with what to do.
set -euo pipefail
src=${AK_SRCDIR:?}
tool=$src/debian/auditkeep-own-units
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export AUDITKEEP_GATE_ROOT=$tmp
etc=$tmp/etc/systemd/system
state=$tmp/var/lib/auditkeep/masked-drop-ins
mkdir -p "$etc"
failed=0

fail() {
        echo "FAIL $*"
        failed=$((failed + 1))
}

run() {
        out=$("$tool" 2>&1) || fail "exit $?: $out"
}

is_mask() {
        [ "$(readlink "$1" 2>/dev/null)" = /dev/null ]
}

# a host without any unit of its own: nothing said, nothing made
run
[ -z "$out" ] || fail "plain host: said '$out'"
if [ -e "$etc/auditd.service.d" ] || [ -e "$state" ]; then fail "plain host: made something"; fi
echo "ok plain host"

# auditd.service copied to load /etc/audit/audit.rules with auditctl -R (as its comments say)
sed -e 's|^ExecStartPost=-/sbin/augenrules --load|#&|' -e 's|^#\(ExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\)|\1|' \
        > "$etc/auditd.service" <<'UNIT'
[Service]
ExecStart=/sbin/auditd
ExecStartPost=-/sbin/augenrules --load
#ExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules
UNIT
run
is_mask "$etc/auditd.service.d/auditkeep.conf" || fail "own auditd.service: no mask"
[ ! -e "$etc/audit-rules.service.d" ] || fail "own auditd.service: audit-rules.service masked too"
[ "$(cat "$state")" = "$etc/auditd.service.d/auditkeep.conf" ] || fail "own auditd.service: recorded '$(cat "$state")'"
grep -q "is an administrator's own copy of auditd.service" <<<"$out" || fail "own auditd.service: not said: $out"
grep -q 'ExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules' <<<"$out" || fail "own auditd.service: its line not shown: $out"
grep -q -- '--rules=/etc/audit/audit.rules' <<<"$out" || fail "own auditd.service: no advice to point the daemon at the file: $out"
echo "ok own auditd.service: $(head -n 1 <<<"$out")"

# again (an upgrade): nothing more made or said twice
run
[ "$(wc -l < "$state")" = 1 ] || fail "second run: recorded $(wc -l < "$state") links"
[ -z "$out" ] || fail "second run: said '$out'"
echo "ok second run"

# the copy gone: the link removed, the package's drop-in applies again
rm "$etc/auditd.service"
run
if [ -e "$etc/auditd.service.d/auditkeep.conf" ] || [ -L "$etc/auditd.service.d/auditkeep.conf" ]; then fail "copy gone: mask stayed"; fi
[ ! -e "$etc/auditd.service.d" ] || fail "copy gone: the empty directory stayed"
[ ! -e "$state" ] || fail "copy gone: the record stayed: '$(cat "$state")'"
[ ! -e "${state%/*}" ] || fail "copy gone: the empty ${state%/*} stayed"
echo "ok copy gone: $out"

# Debian 13: audit-rules.service copied with ExecStart=auditctl -R FILE
printf '[Service]\nType=oneshot\nExecStart=/usr/sbin/auditctl -R /etc/audit/hand.rules\n' > "$etc/audit-rules.service"
run
is_mask "$etc/audit-rules.service.d/auditkeep.conf" || fail "own audit-rules.service: no mask"
grep -q -- '--rules=/etc/audit/hand.rules' <<<"$out" || fail "own audit-rules.service: advice without its file: $out"
rm "$etc/audit-rules.service"
run

# an administrator's drop-in that loads rules for the vendor unit
mkdir -p "$etc/auditd.service.d"
printf '[Service]\nExecStartPost=\nExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\n' > "$etc/auditd.service.d/local.conf"
run
is_mask "$etc/auditd.service.d/auditkeep.conf" || fail "own drop-in: no mask"
grep -q "local.conf changes how auditd.service loads the audit rules" <<<"$out" || fail "own drop-in: not said: $out"
rm "$etc/auditd.service.d/local.conf"
run
is_mask "$etc/auditd.service.d/auditkeep.conf" && fail "own drop-in gone: mask stayed"
echo "ok own drop-in"

# the administrator's own mask, or own file of that name: left alone, never recorded
printf '[Service]\nExecStart=/sbin/auditd\n' > "$etc/auditd.service"
mkdir -p "$etc/auditd.service.d"
ln -s /dev/null "$etc/auditd.service.d/auditkeep.conf"
rm -f "$state"
run
grep -q "masked already" <<<"$out" || fail "admin's mask: not said: $out"
[ ! -s "$state" ] || fail "admin's mask: recorded"
rm "$etc/auditd.service"
run
is_mask "$etc/auditd.service.d/auditkeep.conf" || fail "admin's mask: removed"
rm "$etc/auditd.service.d/auditkeep.conf"
echo "ok admin's own mask"

# a masked unit (a link to /dev/null) is not a copy; another unit of the administrator's that
# loads rules is reported only
rm -rf "$etc/auditd.service.d"
ln -s /dev/null "$etc/auditd.service"
printf '[Service]\nExecStart=/sbin/auditctl -R /etc/audit/site.rules\n' > "$etc/site-audit.service"
run
[ ! -e "$etc/auditd.service.d" ] || fail "masked unit taken for a copy"
grep -q "site-audit.service loads the audit rules itself" <<<"$out" || fail "other unit: not said: $out"
grep -q -- '--rules=/etc/audit/site.rules' <<<"$out" || fail "other unit: advice: $out"
echo "ok other unit reported"

[ "$failed" = 0 ] || { echo "$failed failed"; exit 1; }
echo "all passed"
