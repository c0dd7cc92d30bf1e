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
# Faults only where fail-nth puts them: fail-nth is checked before the probability, and a
# non-zero probability would fail every task's allocations (no fork, no insmod) until reset.
echo N > $FS/ignore-gfp-wait
echo 0 > $FS/verbose
echo 0 > $FS/probability
echo -1 > $FS/times
# At most this many fault points per operation: past it, every STRIDE-th point (on the debug kernel
# device creation with one uplink passes about 450 slab allocations).
MAX=${FAULT_MAX:-1000}

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

# points CMD...: how many fault points CMD passes (this shell's own redirections included).
points() {
	big=1000000
	echo $big > /proc/self/fail-nth
	"$@" 2>/dev/null
	read -r left < /proc/self/fail-nth
	echo 0 > /proc/self/fail-nth
	echo $((big - left))
}

fponic_load
check "mkdir sw0" mkdir "$CFG/sw0"
echo 1 > "$CFG/sw0/num_uplinks"
enable() { echo 1 > "$CFG/sw0/enable"; }
total=$(points enable)
echo 0 > "$CFG/sw0/enable"
stride=$(((total + MAX - 1) / MAX))
[ $stride -ge 1 ] || stride=1
echo "# enable passes $total fault points; failing every $stride-th"
n=1 injected=0 bad= done=0
while [ $n -le $((total + 1)) ]; do
	hit=$(fail_nth $n enable)
	if [ "$(cat "$CFG/sw0/enable")" = 1 ]; then
		[ "$hit" = 1 ] && injected=$((injected + 1))
		# The fault may have hit an allocation whose failure is tolerated: disable and go on,
		# unless the fault point was never reached (creation is complete).
		echo 0 > "$CFG/sw0/enable"
		[ "$hit" = 0 ] && { done=1; break; }
	else
		injected=$((injected + 1))
		# A failed enable leaves no netdev and no devlink instance behind.
		if [ -e /sys/class/net/sw0p0 ] || $DEVLINK dev show 2>/dev/null | grep -q fponic-sw0; then
			bad="$bad $n"
		fi
	fi
	# The last point is always tried; then one past it, where creation completes.
	if [ $n -lt $total ] && [ $((n + stride)) -gt $total ]; then
		n=$total
	else
		n=$((n + stride))
	fi
done
echo "# enable: $injected allocations failed, creation completes after $total fault points"
check "enable passes some fault points" test "$total" -gt 0
check_eq "enable completes once past the last fault point" 1 "$done"
check_eq "every failed enable unwound completely" "" "$bad"
check "enable works after all that" enable
check_match "sw0p0 exists" 'sw0p0' "$(ls /sys/class/net)"

# Entering switchdev mode: each allocation fails in turn; a failure leaves the device in legacy
# mode with no representor (the mode changed before a publish that could fail).
echo 2 > "$CFG/sw0/num_vfs"
# devlink is another process: the fault is set in the shell that execs it (fail-nth is per task
# and survives exec). Past the last fault point every switch succeeds: stop after 10 in a row.
n=1 bad= ok_run=0
while [ $n -le $MAX ] && [ $ok_run -lt 10 ]; do
	sh -c "echo $n > /proc/self/fail-nth; exec $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev" 2>/dev/null
	if $DEVLINK dev eswitch show faux/fponic-sw0 | grep -q 'mode switchdev'; then
		[ -e /sys/class/net/sw0pf0vf1 ] || bad="$bad $n"
		$DEVLINK dev eswitch set faux/fponic-sw0 mode legacy
		ok_run=$((ok_run + 1))
	else
		ok_run=0
		[ -e /sys/class/net/sw0pf0vf0 ] && bad="$bad $n"
	fi
	n=$((n + 1))
done
echo "# switchdev: $n fault points tried"
check "the mode switch completed under fault injection" test $ok_run -ge 10
check_eq "every failed switch left legacy mode and no representor" "" "$bad"
echo 0 > "$CFG/sw0/num_vfs"

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
