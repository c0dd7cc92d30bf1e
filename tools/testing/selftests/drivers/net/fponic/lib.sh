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
# Modules come from MODDIR in the test VM; where it has no such file (a kernel tree's kselftest
# run) they are loaded with modprobe.
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

# mod_insert NAME: insert module NAME.
mod_insert() {
	if [ -f "$MODDIR/$1.ko" ]; then insmod "$MODDIR/$1.ko"; else modprobe "$1"; fi
}

# The device's netdev names, and helpers to create devices through configfs.
fponic_load() {
	grep -q '^fponic ' /proc/modules || mod_insert fponic
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

# No IPv6 autoconfiguration chatter: counters must only move for the tests' own traffic.
ipv6_off() {
	for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do
		[ -f "$f" ] && echo 1 > "$f"
	done
	return 0
}
ipv6_off

# fponic's frame tool (tools/fpkt): in the VM at /sbin/fpkt, elsewhere FPKT=<path>.
FPKT=${FPKT:-/sbin/fpkt}

# ns_new NAME: a network namespace with lo up and IPv6 off.
ns_new() {
	$IP netns add "$1" || return 1
	$IP -n "$1" link set lo up
	$IP netns exec "$1" sh -c '
		for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do
			[ -f $f ] && echo 1 > $f
		done; true'
}

# ns_move DEV NS [ADDR/LEN]: move DEV into NS, address it, bring it up.
ns_move() {
	$IP link set "$1" netns "$2" || return 1
	[ -n "${3:-}" ] && { $IP -n "$2" addr add "$3" dev "$1" || return 1; }
	$IP -n "$2" link set "$1" up
}

# nstat NS DEV FIELD: a counter of DEV in NS ("-" for the initial namespace).
nstat() {
	if [ "$1" = - ]; then
		cat "/sys/class/net/$2/statistics/$3"
	else
		$IP netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
	fi
}

# nsx NS CMD...: run CMD in NS ("-" for the initial namespace).
nsx() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then "$@"; else $IP netns exec "$ns" "$@"; fi
}

# sniff_ready NS DEV: waits until a packet socket is bound to DEV in NS ("-" for the initial
# namespace), as `fpkt sniff` DEV makes once it listens; fails after 10 s. Use it instead of a
# fixed sleep between starting a sniffer in the background and sending.
sniff_ready() {
	local idx i=0
	idx=$(nsx "$1" cat "/sys/class/net/$2/ifindex") || return 1
	while [ $i -lt 200 ]; do
		nsx "$1" cat /proc/net/packet | awk -v i="$idx" 'NR > 1 && $5 == i { f = 1 } END { exit !f }' &&
			return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# mac_of NS DEV
mac_of() {
	nsx "$1" cat "/sys/class/net/$2/address"
}

# drops NAME REASON: a drop counter of device NAME.
drops() {
	sed -n "s/^$2 //p" "$CFG/$1/drops"
}

load_bridge() {
	grep -q '^bridge ' /proc/modules && return 0
	for m in llc stp bridge; do
		grep -q "^$m " /proc/modules || mod_insert $m || return 1
	done
}

# remote_two_uplinks DEV ADDR: namespace "remote" with bridge brr (address ADDR) and, for uplinks
# p0 and p1 of DEV, a veth pair wN/rN: wN is the uplink's wire, rN a port of brr.
remote_two_uplinks() {
	local i
	ns_new remote
	$IP -n remote link add brr type bridge
	$IP -n remote link set brr up
	$IP -n remote addr add "$2" dev brr
	for i in 0 1; do
		$IP link add w$i type veth peer name r$i
		$IP link set r$i netns remote
		$IP -n remote link set r$i master brr
		$IP -n remote link set r$i up
		$IP link set w$i up
		$IP link set "$1p$i" up
		echo "$i w$i" > "$CFG/$1/wires"
	done
	sleep 1
}

cleanup_netns() {
	local n
	for n in $($IP netns list | cut -d' ' -f1); do $IP netns del "$n"; done
	return 0
}

done_testing() {
	echo "1..$__n"
	[ $__fail = 0 ]
}
