#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Options belong to verbs (issue #25 item 6): each command takes the options its table entry in
# tools/auditkeepctl.c names; any other is an error naming the option and the command, exit 2,
# before anything runs. What the code takes, what `auditkeepctl VERB --help` and `--help` list,
# and what man/auditkeepctl.8 shows on the command's line are the same, and are what this file
# expects.
. "$(dirname "$0")/check-lib.sh"
man=${AK_SRCDIR:?}/man/auditkeepctl.8

declare -A expected=(
        [check]="--auditd-conf --compat"
        [apply]="--allow-empty --compat --exact-order --foreign --quiet"
        [diff]="--allow-empty --compat --exact-order --foreign --json --quiet"
        [status]="--json --prometheus"
        [rules]="--json"
        [resync]="--exact-order --json"
        [reload]="--json"
)
all_options="--exact-order --foreign=keep --allow-empty --quiet --json --prometheus --auditd-conf=none --compat=4"

sorted() { tr ' ' '\n' | grep . | sort -u | tr '\n' ' ' | sed 's/ $//'; }

for verb in check apply diff status rules resync reload; do
        # what the code takes: "VERB OPTION --help" prints the help (taken) or refuses the option
        taken=""
        for opt in $all_options; do
                name=${opt%%=*}
                out=$("$ctl" "$verb" "$opt" --help 2>&1); st=$?
                if [ "$st" = 0 ] && grep -q "^Usage: auditkeepctl $verb " <<<"$out"; then
                        taken="$taken $name"
                elif [ "$st" = 2 ] && [ "$out" = "auditkeepctl $verb: $name is not an option of $verb (see auditkeepctl $verb --help)" ]; then
                        :
                else
                        check "$verb $opt: taken (help, exit 0) or refused by name (exit 2); got exit $st: $out" 1
                fi
        done
        taken=$(sorted <<<"$taken")
        [ "$taken" = "${expected[$verb]}" ]
        check "$verb takes exactly: ${expected[$verb]} (code: $taken)" $?

        helped=$("$ctl" "$verb" --help | sed -n '/^Options:/,$p' | grep -oE -- '^ +(-q )?--[a-z-]+' | grep -o -- '--[a-z-]*' |
                grep -v -- '--help' | sorted)
        [ "$helped" = "${expected[$verb]}" ]
        check "auditkeepctl $verb --help lists: ${expected[$verb]} (help: $helped)" $?

        listed=$("$ctl" --help | sed -n "/^  $verb /{n;p}" | grep -o -- '--[a-z-]*' | sorted)
        [ "$listed" = "${expected[$verb]}" ]
        check "auditkeepctl --help lists for $verb: ${expected[$verb]} (help: $listed)" $?

        in_man=$(grep "^\.B $verb " "$man" | sed 's/\\-/-/g; s/\\f[BIR]//g' | grep -o -- '--[a-z-]*' | sorted)
        [ "$in_man" = "${expected[$verb]}" ]
        check "auditkeepctl(8) shows for $verb: ${expected[$verb]} (man: $in_man)" $?
done

# a refused option stops the command before it does anything, wherever the option stands
printf '%s\n' '-w /etc/passwd -p wa -k identity' > "$tmp/r.rules"
"$ctl" apply --json "$tmp/r.rules" > "$tmp/out" 2> "$tmp/err"; st=$?
[ "$st" = 2 ] && [ ! -s "$tmp/out" ] &&
        [ "$(cat "$tmp/err")" = "auditkeepctl apply: --json is not an option of apply (see auditkeepctl apply --help)" ]
ok=$?   # before the message: its $(cat ...) would set $? to cat's status
check "apply --json: refused by name, exit 2, nothing done (got $st: $(cat "$tmp/err"))" $ok
"$ctl" --json -q check "$tmp/r.rules" > "$tmp/out" 2> "$tmp/err"; st=$?
cat > "$tmp/expected" <<'EXPECTED'
auditkeepctl check: --json is not an option of check (see auditkeepctl check --help)
auditkeepctl check: --quiet is not an option of check (see auditkeepctl check --help)
EXPECTED
[ "$st" = 2 ] && [ ! -s "$tmp/out" ] && diff -u "$tmp/expected" "$tmp/err"
check "--json -q check: both named (before the command too), exit 2" $?
"$ctl" status --exact-order --exact-order > /dev/null 2> "$tmp/err"; st=$?
[ "$st" = 2 ] && [ "$(wc -l < "$tmp/err")" = 1 ]
check "status --exact-order twice: named once, exit 2" $?
# every usage error exits 2, and says what was wrong
usage_case() {  # DESCRIPTION EXPECTED-MESSAGE ARGS...
        local what=$1 msg=$2; shift 2
        "$ctl" "$@" > "$tmp/out" 2> "$tmp/err"; st=$?
        [ "$st" = 2 ] && [ ! -s "$tmp/out" ] && [ "$(cat "$tmp/err")" = "$msg" ]
        local ok=$?     # before the message: its $(cat ...) would set $? to cat's status
        check "$what: exit 2 (got $st: $(cat "$tmp/err"))" $ok
}
usage_case "an unknown option" "auditkeepctl: unknown option '--bogus' (see --help)" check --bogus "$tmp/r.rules"
usage_case "an unknown command" "auditkeepctl: unknown command 'bogus' (see --help)" bogus
usage_case "a missing value" "auditkeepctl: option '--compat' needs a value (see --help)" check --compat
usage_case "a bad --foreign value" "auditkeepctl: --foreign takes 'remove' or 'keep', not 'x'" diff --foreign=x
usage_case "too many arguments" "auditkeepctl status: takes no arguments (see --help)" status extra
usage_case "no command" "$("$ctl" --help)"
# --help asked for: the help on stdout, exit 0; its exit status names every usage error as the man page does
"$ctl" --help > "$tmp/out" 2> "$tmp/err"; st=$?
[ "$st" = 0 ] && [ ! -s "$tmp/err" ] && grep -q '^Usage: auditkeepctl COMMAND' "$tmp/out"
ok=$?
check "--help: on stdout, exit 0 (got $st)" $ok
tr '\n' ' ' < "$tmp/out" | grep -q 'usage error (an unknown command or option, an option the command does not take, a missing or bad option value, the wrong number of arguments)'
check "--help: exit 2 lists every usage error" $?
# the options a command takes still work
"$ctl" check --compat=4 --auditd-conf=none "$tmp/r.rules" > /dev/null 2>&1
check "check --compat=4 --auditd-conf=none: runs, exit 0" $?
"$ctl" --compat=4 check --auditd-conf=none "$tmp/r.rules" > /dev/null 2>&1
check "--compat=4 before check: runs, exit 0" $?

finish
