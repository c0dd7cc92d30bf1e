# SPDX-License-Identifier: GPL-2.0
#
# Helpers for fponic's VM selftests (kselftest style, TAP output). Source from a test script:
#
#   . "$(dirname "$0")/lib.sh"
#   check "uplink p0 exists" test -d /sys/class/net/sw0p0
#   check_eq "num_uplinks default" 2 "$(cat $CFG/sw0/num_uplinks)"
#   done_testing
#
# Uses only stock tools by full path: iproute2's ip/tc/devlink (busybox has its own ip and tc).

IP=/sbin/ip
TC=/sbin/tc
DEVLINK=/sbin/devlink
CFG=/sys/kernel/config/fponic
MODDIR=${MODDIR:-/fponic/modules}

__n=0
__fail=0
echo "TAP version 13"

__result() { # ok|not_ok desc [diag...]
	__n=$((__n + 1))
	if [ "$1" = ok ]; then
		echo "ok $__n - $2"
	else
		__fail=$((__fail + 1))
		echo "not ok $__n - $2"
		shift 2
		[ $# -gt 0 ] && printf '#   %s\n' "$@"
	fi
}

# check DESC CMD...: passes if CMD exits 0.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then __result ok "$desc"; else __result not_ok "$desc" "command: $*" "output: $out"; fi
}

# check_fail DESC CMD...: passes if CMD exits non-zero.
check_fail() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then __result not_ok "$desc" "command unexpectedly succeeded: $*" "output: $out"; else __result ok "$desc"; fi
}

# check_fail_msg DESC PATTERN CMD...: CMD fails and its output matches PATTERN (grep -E).
check_fail_msg() {
	local desc=$1 pat=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		__result not_ok "$desc" "command unexpectedly succeeded: $*"
	elif printf '%s' "$out" | grep -qE -- "$pat"; then
		__result ok "$desc"
	else
		__result not_ok "$desc" "wanted error matching: $pat" "got: $out"
	fi
}

# check_eq DESC WANT GOT
check_eq() {
	if [ "$2" = "$3" ]; then __result ok "$1"; else __result not_ok "$1" "want: $2" "got:  $3"; fi
}

# check_match DESC PATTERN TEXT: TEXT matches the extended regex PATTERN.
check_match() {
	if printf '%s' "$3" | grep -qE -- "$2"; then __result ok "$1"; else __result not_ok "$1" "want match: $2" "got: $3"; fi
}

# check_nomatch DESC PATTERN TEXT
check_nomatch() {
	if printf '%s' "$3" | grep -qE -- "$2"; then __result not_ok "$1" "unwanted match: $2" "got: $3"; else __result ok "$1"; fi
}

# The device's netdev names, and helpers to create devices through configfs.
fponic_load() {
	grep -q '^fponic ' /proc/modules || insmod "$MODDIR/fponic.ko"
}

# fponic_create NAME [UPLINKS]: mkdir, set num_uplinks, enable.
fponic_create() {
	mkdir "$CFG/$1" || return 1
	[ -n "${2:-}" ] && { echo "$2" > "$CFG/$1/num_uplinks" || return 1; }
	echo 1 > "$CFG/$1/enable"
}

fponic_destroy_all() {
	local d
	for d in "$CFG"/*/; do
		[ -d "$d" ] && rmdir "$d"
	done
	return 0
}

# link_stat DEV FIELD: a counter from sysfs statistics.
link_stat() {
	cat "/sys/class/net/$1/statistics/$2"
}

done_testing() {
	echo "1..$__n"
	[ $__fail = 0 ]
}
