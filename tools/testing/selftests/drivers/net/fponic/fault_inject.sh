#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every error path unwinds completely: device creation (`enable`) and wire binding fail at each
# allocation in turn (fault injection, `/proc/self/fail-nth` with failslab), and each failure
# leaves nothing behind, hangs nothing (the VM runner's timeout and hung-task detector catch a
# deadlock) and leaks nothing (kmemleak on the debug kernel). Needs a kernel with
# CONFIG_FAULT_INJECTION and CONFIG_FAILSLAB (the debug kernel); skipped elsewhere.
. "$(dirname "$0")/lib.sh"

FS=/sys/kernel/debug/failslab
if [ ! -w /proc/self/fail-nth ] || [ ! -d $FS ]; then
	echo "ok 1 - fault injection # SKIP kernel without CONFIG_FAULT_INJECTION/FAILSLAB"
	echo "1..1"
	exit 0
fi
echo N > $FS/ignore-gfp-wait
echo 0 > $FS/verbose
echo 100 > $FS/probability
echo -1 > $FS/times
MAX=${FAULT_MAX:-400}

# fail_nth N CMD...: runs CMD (a shell builtin write) with the N-th fault point of this shell
# failing; prints 1 if the fault was injected, 0 if CMD finished before reaching it.
fail_nth() {
	n=$1
	shift
	echo "$n" > /proc/self/fail-nth
	"$@" 2>/dev/null
	read -r left < /proc/self/fail-nth
	echo 0 > /proc/self/fail-nth
	[ "$left" = 0 ] && echo 1 || echo 0
}

fponic_load
check "mkdir sw0" mkdir "$CFG/sw0"
echo 1 > "$CFG/sw0/num_uplinks"
enable() { echo 1 > "$CFG/sw0/enable"; }
n=1 injected=0 bad=
while [ $n -le $MAX ]; do
	hit=$(fail_nth $n enable)
	if [ "$(cat "$CFG/sw0/enable")" = 1 ]; then
		[ "$hit" = 1 ] && injected=$((injected + 1))
		# The fault may have hit an allocation whose failure is tolerated: disable and go on,
		# unless the fault point was never reached (creation is complete).
		echo 0 > "$CFG/sw0/enable"
		[ "$hit" = 0 ] && break
	else
		injected=$((injected + 1))
		# A failed enable leaves no netdev and no devlink instance behind.
		if [ -e /sys/class/net/sw0p0 ] || $DEVLINK dev show 2>/dev/null | grep -q fponic-sw0; then
			bad="$bad $n"
		fi
	fi
	n=$((n + 1))
done
echo "# enable: $injected allocations failed in turn, creation completes after $((n - 1)) fault points"
check "enable reached completion under fault injection" test $n -le $MAX
check_eq "every failed enable unwound completely" "" "$bad"
check "enable works after all that" enable
check_match "sw0p0 exists" 'sw0p0' "$(ls /sys/class/net)"

# Binding a wire: each allocation fails in turn; RTNL is never taken twice (a deadlock would hang
# the VM), and a failed bind leaves the wire unbound and usable.
$IP link add w0 type veth peer name r0
$IP link set w0 up
bind() { echo "0 w0" > "$CFG/sw0/wires"; }
n=1 bad=
while [ $n -le $MAX ]; do
	hit=$(fail_nth $n bind)
	if grep -q '^p0 w0$' "$CFG/sw0/wires"; then
		[ "$hit" = 0 ] && break
	elif ! bind; then
		# The failed bind must have left the wire free: binding it again works.
		bad="$bad $n"
	fi
	echo "0 -" > "$CFG/sw0/wires"
	n=$((n + 1))
done
echo "# wire bind: completes after $((n - 1)) fault points"
check "wire bind reached completion under fault injection" test $n -le $MAX
check_eq "every failed bind left the wire free" "" "$bad"
check_match "the wire is bound at the end" '^p0 w0$' "$(cat "$CFG/sw0/wires")"

check "cleanup" fponic_destroy_all
$IP link del w0 2>/dev/null
done_testing
