#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: turn the KTAP results of KUnit suites whose name starts with PREFIX
# (/sys/kernel/debug/kunit/<suite>/results) into one TAP line per test case.
#
#   kunit-collect.sh PREFIX
# Exit status 1 if a suite is missing, a case failed, or no case ran.
prefix=$1
n=0
fail=0
found=0
echo "TAP version 13"
for d in /sys/kernel/debug/kunit/"$prefix"*; do
	[ -f "$d/results" ] || continue
	found=1
	suite=$(basename "$d")
	# Test case lines are indented; the suite's own summary line is not.
	while read -r status num rest; do
		case "$status $num" in
		"ok "[0-9]* | "not ok")
			;;
		*) continue ;;
		esac
		if [ "$status" = not ]; then
			name=$(echo "$rest" | sed 's/^[0-9]* *//')
			n=$((n + 1)); fail=$((fail + 1))
			echo "not ok $n - $suite.$name"
		else
			n=$((n + 1))
			case "$rest" in
			*"# SKIP"*) echo "not ok $n - $suite.$rest (skipped)"; fail=$((fail + 1)) ;;
			*) echo "ok $n - $suite.$rest" ;;
			esac
		fi
	done <<EOT
$(grep -E '^[[:space:]]+(not )?ok [0-9]+ ' "$d/results")
EOT
done
if [ $found = 0 ]; then
	n=$((n + 1)); fail=$((fail + 1))
	echo "not ok $n - no KUnit suite named $prefix* (is CONFIG_KUNIT=y?)"
elif [ $n = 0 ]; then
	n=$((n + 1)); fail=$((fail + 1))
	echo "not ok $n - KUnit suites $prefix* ran no test case"
fi
echo "1..$n"
[ $fail = 0 ]
