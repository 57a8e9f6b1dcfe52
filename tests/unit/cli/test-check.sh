#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `auditkeepctl check`: every example rules file of the auditd package passes (unless it names a
# user this machine lacks), and a deliberately broken file gets every bad line reported with its
# line and column, the good lines kept, a summary, and exit status 1.
. "$(dirname "$0")/check-lib.sh"
examples=/usr/share/doc/auditd/examples/rules

if [ -d "$examples" ]; then
        for f in "$examples"/*.rules; do
                for level in 3 4; do
                        out=$("$ctl" check --compat=$level --auditd-conf=none "$f" 2>&1); st=$?
                        if grep -q -- '^[^#]*-F uid=chrony' "$f" && ! getent passwd chrony >/dev/null; then
                                # auditctl refuses it too: "Unknown user: chrony"
                                printf '%s\n' "$out" | grep -q "unknown user 'chrony'"
                                check "$(basename "$f") reports the missing user (compat $level)" $(( $? || st != 1 ))
                        else
                                check "$(basename "$f") passes (compat $level)" $(( st != 0 ))
                        fi
                done
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
compat level 3 (auditctl 3.0.9 meaning), from --compat=3
2 rules, 1 status settings, 6 errors
EXPECTED
"$ctl" check --compat=3 --auditd-conf=none "$tmp/broken.rules" > "$tmp/out" 2>&1; st=$?
diff -u "$tmp/expected" "$tmp/out"
check "broken file: every error with line and column, summary" $?
check "broken file: exit status 1" $(( st != 1 ))

# auditd.conf (auditd.conf(5)): warnings keep exit 0, an error makes exit 1; both in the rules'
# FILE:LINE:COLUMN format, after the rules' summary.
printf -- '-b 8192\n' > "$tmp/ok.rules"
mkdir -p "$tmp/log"
cat > "$tmp/unsafe.conf" <<CONF
log_file = $tmp/log/audit.log
num_logs = 1
max_log_file_action = ROTATE
space_left = 2
space_left_action = SYSLOG
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = SUSPEND
disk_error_action = SUSPEND
CONF
cat > "$tmp/expected" <<EXPECTED
compat level 4 (auditctl 4.0.2 meaning), from --compat=4
0 rules, 1 status settings, 0 errors
$tmp/unsafe.conf:3:23: warning: max_log_file_action = rotate with num_logs 1: auditd does not rotate below 2 logs; set num_logs to 2 or more
$tmp/unsafe.conf:7:27: warning: admin_space_left_action is 'ignore': when the disk is nearly full auditd does nothing and records are lost silently; set it to suspend, single or halt (auditd.conf(5))
$tmp/unsafe.conf: 9 settings, 0 errors, 2 warnings
EXPECTED
"$ctl" check --compat=4 --auditd-conf="$tmp/unsafe.conf" "$tmp/ok.rules" > "$tmp/out" 2>&1; st=$?
diff -u "$tmp/expected" "$tmp/out"
check "auditd.conf warnings at their lines" $?
check "auditd.conf warnings: exit status 0" $(( st != 0 ))

printf 'space_left = 75\nspace_left_action = exec %s/missing.sh\nadmin_space_left = 50\nadmin_space_left_action = SUSPEND\n' "$tmp" > "$tmp/bad.conf"
printf 'disk_full_action = SUSPEND\ndisk_error_action = SUSPEND\nfreq=5\n' >> "$tmp/bad.conf"
cat > "$tmp/expected" <<EXPECTED
compat level 3 (auditctl 3.0.9 meaning), from --compat=3
0 rules, 1 status settings, 0 errors
$tmp/bad.conf:2:26: exec script '$tmp/missing.sh': No such file or directory; auditd refuses to start: install the script or change space_left_action
$tmp/bad.conf:7:5: '=' must stand alone between spaces; auditd refuses this line: write 'freq = ...'
$tmp/bad.conf: 7 settings, 2 errors
EXPECTED
"$ctl" check --compat=3 --auditd-conf="$tmp/bad.conf" "$tmp/ok.rules" > "$tmp/out" 2>&1; st=$?
diff -u "$tmp/expected" "$tmp/out"
check "auditd.conf errors at their lines" $?
check "auditd.conf errors: exit status 1" $(( st != 1 ))

# the file this machine has (Debian's default where auditd is installed): no error, no warning
if [ -f /etc/audit/auditd.conf ] && [ "$(id -u)" = 0 ]; then
        out=$("$ctl" check "$tmp/ok.rules" 2>&1); st=$?
        printf '%s\n' "$out" | grep -q '^/etc/audit/auditd.conf: [0-9]* settings, 0 errors$'
        check "the installed /etc/audit/auditd.conf passes by default ($out)" $(( $? || st != 0 ))
fi

# an unprivileged check of the rules, where the default auditd.conf cannot be read (Debian: 0640
# root): said, and not an error
if [ "$(id -u)" = 0 ] && [ -f /etc/audit/auditd.conf ] && command -v setpriv >/dev/null &&
   ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r /etc/audit/auditd.conf; then
        chmod 755 "$tmp"
        cp "$ctl" "$tmp/auditkeepctl-copy" && chmod 755 "$tmp/auditkeepctl-copy" && chmod 644 "$tmp/ok.rules"
        out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/auditkeepctl-copy" check "$tmp/ok.rules" 2>&1); st=$?
        printf '%s\n' "$out" | grep -qx '/etc/audit/auditd.conf: not checked (Permission denied; run as root, or give --auditd-conf=FILE)'
        check "unprivileged: the unreadable default auditd.conf is named, exit 0 ($out)" $(( $? || st != 0 ))
fi

# trust (issue #22): root is told exactly what auditkeepd refuses, as errors; an ordinary user
# drafting rules in files of its own is told the same as warnings
mkdir -m 700 "$tmp/trust"
printf -- '-w /etc/passwd -p wa -k t\n' > "$tmp/trust/gw.rules"
chmod 664 "$tmp/trust/gw.rules"
if [ "$(id -u)" = 0 ]; then
        cat > "$tmp/expected" <<EXPECTED
$tmp/trust/gw.rules: file is writable by its group (mode 0664); auditkeepd does not load it (augenrules would)
compat level 4 (auditctl 4.0.2 meaning), from --compat=4
0 rules, 0 status settings, 1 errors
EXPECTED
        "$ctl" check --compat=4 --auditd-conf=none "$tmp/trust/gw.rules" > "$tmp/out" 2>&1; st=$?
        diff -u "$tmp/expected" "$tmp/out"
        check "root: a group-writable rules file is an error, exit 1" $(( $? || st != 1 ))
        ln -s /dev/zero "$tmp/trust/zero.rules"
        out=$(timeout 10 "$ctl" check --compat=4 --auditd-conf=none "$tmp/trust/zero.rules" 2>&1); st=$?
        grep -qx "$tmp/trust/zero.rules: not a regular file but a character device (it leads to /dev/zero)" <<<"$out"
        check "root: a symlink to /dev/zero is refused, exit 1" $(( $? || st != 1 ))
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        chmod 755 "$tmp"
        mkdir -m 755 "$tmp/draft"
        printf -- '-w /etc/passwd -p wa -k t\n' > "$tmp/draft/10-mine.rules"
        chown -R 65534:65534 "$tmp/draft"
        cp "$ctl" "$tmp/auditkeepctl-copy2" && chmod 755 "$tmp/auditkeepctl-copy2"
        cat > "$tmp/expected" <<EXPECTED
$tmp/draft: warning: directory is owned by uid 65534, not by root; auditkeepd does not load any of its files (augenrules would)
$tmp/draft/10-mine.rules: warning: file is owned by uid 65534, not by root; auditkeepd does not load it (augenrules would)
compat level 4 (auditctl 4.0.2 meaning), from --compat=4
1 rules, 0 status settings, 0 errors, 2 warnings
EXPECTED
        setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/auditkeepctl-copy2" check --compat=4 --auditd-conf=none \
                "$tmp/draft" > "$tmp/out" 2>&1; st=$?
        diff -u "$tmp/expected" "$tmp/out"
        check "unprivileged: a draft of one's own is read, with warnings, exit 0" $(( $? || st != 0 ))
fi

# compatibility levels: a line auditctl 3.0.9 and 4.0.2 compile differently is a warning at both
# levels, naming the other; the level comes from --compat, a "# auditkeep: compat=N" line, the
# installed auditctl (as root: auditctl refuses everyone else) or, failing all, the latest
cat > "$tmp/moved.rules" <<'RULES'
-a always,exit -F arch=b64 -F perm=wa -k t1
-a always,exit -F arch=b64 -S openat -k same
RULES
# (the kernel's release is fixed: the gap warning names what the running kernel has)
export AUDITKEEP_KERNEL_RELEASE=6.18.44
cat > "$tmp/expected" <<EXPECTED
$tmp/moved.rules:1:36: warning: -F perm=wa with arch x86_64 at compat level 4 (auditctl 4.0.2) covers only the syscalls it lists: it leaves out fchmodat2, setxattrat, removexattrat, which this kernel (6.18) has in its attribute class, so the rule does not audit them; add -S fchmodat2,463,466 to the line, or use compat level 4.1 (auditctl 4.1.2), whose expansion has them
$tmp/moved.rules:1:1: warning: means something else at compat level 3 (auditctl 3.0.9): -F perm=wa with arch x86_64: auditctl 4.0.2 limits the rule to the 38 write and attribute syscalls of x86_64 (auditctl 4.1.2: 43); auditctl 3.0.9 leaves it on every syscall
$tmp/moved.rules:1:1: warning: means something else at compat level 4.1 (auditctl 4.1.2): -F perm=wa with arch x86_64: auditctl 4.0.2 limits the rule to the 38 write and attribute syscalls of x86_64 (auditctl 4.1.2: 43); auditctl 3.0.9 leaves it on every syscall
compat level 4 (auditctl 4.0.2 meaning), from --compat=4
2 rules, 0 status settings, 0 errors, 3 warnings (2 notes on lines that differ at another compat level)
EXPECTED
"$ctl" check --compat=4 --auditd-conf=none "$tmp/moved.rules" > "$tmp/out" 2>&1; st=$?
diff -u "$tmp/expected" "$tmp/out"
check "compat 4: the perm line's gap named (fchmodat2 ...), a warning naming levels 3 and 4.1, exit 0" $(( $? || st != 0 ))
out=$("$ctl" check --compat=4.1 --auditd-conf=none "$tmp/moved.rules" 2>&1); st=$?
grep -qx "compat level 4.1 (auditctl 4.1.2 meaning), from --compat=4.1" <<<"$out" &&
        grep -q "moved.rules:1:1: warning: means something else at compat level 4 (auditctl 4.0.2)" <<<"$out" &&
        ! grep -q "leaves out" <<<"$out"
check "compat 4.1: no gap, the perm line a warning naming level 4, exit 0" $(( $? || st != 0 ))
# (output first, then grep: with pipefail, grep -q leaving early would fail the pipe with SIGPIPE)
out=$("$ctl" check --compat=3 --auditd-conf=none "$tmp/moved.rules" 2>&1)
grep -q "moved.rules:1:1: warning: means something else at compat level 4 (auditctl 4.0.2)" <<<"$out"
check "compat 3: the perm line is a warning naming level 4" $?
"$ctl" check --compat=5 "$tmp/moved.rules" > "$tmp/out" 2>&1; st=$?
grep -qx "auditkeepctl: --compat takes 3 (auditctl 3.0.9), 4 (auditctl 4.0.2) or 4.1 (auditctl 4.1.2), not '5'" "$tmp/out"
check "--compat=5 is refused as a usage error (exit 2)" $(( $? || st != 2 ))
{ echo '# auditkeep: compat=3'; cat "$tmp/moved.rules"; } > "$tmp/pinned.rules"
out=$(AUDITKEEP_AUDITCTL=/nonexistent "$ctl" check --auditd-conf=none "$tmp/pinned.rules" 2>/dev/null)
grep -qx "compat level 3 (auditctl 3.0.9 meaning), from compat=3 in $tmp/pinned.rules:1" <<<"$out"
check "a compat=3 line in the rules sets the level" $?
out=$(AUDITKEEP_AUDITCTL=/nonexistent "$ctl" check --auditd-conf=none "$tmp/moved.rules" 2>/dev/null)
grep -qx "compat level 4.1 (auditctl 4.1.2 meaning), the most recent level (no auditctl installed)" <<<"$out"
check "no auditctl: the most recent level, said why" $?
if [ "$(id -u)" = 0 ]; then
        for v in 3.0.9:3:3.0.9 4.0.2:4:4.0.2 4.0.3:4:4.0.2 4.0.4:4.1:4.1.2 4.1.2:4.1:4.1.2; do
                IFS=: read -r v level ref <<<"$v"
                printf '#!/bin/sh\n[ "$1" = -v ] && echo "auditctl version %s"\n' "$v" > "$tmp/auditctl-$v"
                chmod 755 "$tmp/auditctl-$v"
                out=$(AUDITKEEP_AUDITCTL="$tmp/auditctl-$v" "$ctl" check --auditd-conf=none "$tmp/moved.rules" 2>&1)
                grep -qx "compat level $level (auditctl $ref meaning), from the installed auditctl version $v ($tmp/auditctl-$v)" <<<"$out" &&
                        ! grep -q "newer than any" <<<"$out"
                check "the installed auditctl $v sets level $level" $?
        done
        # newer than any level: the most recent, with a warning that says so
        printf '#!/bin/sh\n[ "$1" = -v ] && echo "auditctl version 4.2.1"\n' > "$tmp/auditctl-4.2.1"
        chmod 755 "$tmp/auditctl-4.2.1"
        out=$(AUDITKEEP_AUDITCTL="$tmp/auditctl-4.2.1" "$ctl" check --auditd-conf=none "$tmp/moved.rules" 2>&1); st=$?
        grep -qx "warning: compat level 4.1 (auditctl 4.1.2), the most recent level, stands in for the installed auditctl version 4.2.1 ($tmp/auditctl-4.2.1), newer than any level: lines that a newer auditctl compiles differently are not known here" <<<"$out" &&
                grep -qx "compat level 4.1 (auditctl 4.1.2 meaning), from the installed auditctl version 4.2.1 ($tmp/auditctl-4.2.1), newer than any level" <<<"$out"
        check "the installed auditctl 4.2.1 (newer than any level) sets level 4.1 with a warning, exit 0" $(( $? || st != 0 ))
fi

# the one escaping rule (common/util.h): the user's words are shown as they are when they are
# valid UTF-8 (bogusé, not bogus\xc3\xa9), and escaped when they are controls or not UTF-8
printf -- '-a always,exit -F arch=b64 -S bogus\xc3\xa9 -k x\n-a always,exit -F arch=b64 -S ev\x1b[2Jil -k x\n-a always,exit -F arch=b64 -S in\xffvalid -k x\n' > "$tmp/words.rules"
printf 'num_logs = 5\xc3\xa9\n' > "$tmp/words.conf"
cat > "$tmp/expected" <<EXPECTED
$tmp/words.rules:1:31: unknown syscall 'bogusé' for arch b64
$tmp/words.rules:2:31: unknown syscall 'ev\\x1b[2Jil' for arch b64
$tmp/words.rules:3:31: unknown syscall 'in\\xffvalid' for arch b64
EXPECTED
"$ctl" check --compat=4 --auditd-conf="$tmp/words.conf" "$tmp/words.rules" > /dev/null 2> "$tmp/out"; st=$?
grep "words.rules" "$tmp/out" | diff -u "$tmp/expected" -
check "check: valid UTF-8 in a message as it is, controls and invalid bytes escaped, exit 1" $(( $? || st != 1 ))
grep -q "words.conf:1:12: num_logs takes a number, not '5é'" "$tmp/out"
check "check: auditd.conf's messages follow the same rule" $?

finish
