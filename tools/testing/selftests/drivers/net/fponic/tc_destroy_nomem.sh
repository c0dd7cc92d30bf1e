#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Removing an offloaded rule never leaves it executed, even when memory runs out on the way: tc
# forgets the rule whatever the driver answers, so a rule left in the flow table would keep
# acting, unreachable. Every slab allocation of `tc filter del` fails in turn (fail-nth), until
# one deletion runs without any fault; after each one the filter's frames must pass again.
#
# Needs fault injection (CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB): skipped without.
#
#   ns a: sw0v0   ns b: sw0v1   rules on the ingress of sw0pf0vf0: prio 10 redirect all to VF1,
#   prio 2 drop the frames to $X (the rule deleted under faults).
. "$(dirname "$0")/lib.sh"

FS=/sys/kernel/debug/failslab
if ! [ -e /proc/self/fail-nth ] || ! [ -d $FS ]; then
	echo "ok 1 - rule removal under allocation failures # SKIP no fail-nth/failslab in this kernel"
	echo "1..1"
	exit 0
fi

REP=sw0pf0vf0
K=3
X=02:00:00:00:00:42

fponic_load
check "create sw0" fponic_create sw0 1
check "2 VFs" sh -c "echo 2 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b
ns_move sw0v0 a; ns_move sw0v1 b
for d in sw0pf0vf0 sw0pf0vf1; do $IP link set $d up; done
m0=$(mac_of a sw0v0)
$TC qdisc add dev $REP ingress
check "catch-all skip_sw redirect VF0 -> VF1" \
	$TC filter add dev $REP ingress protocol all prio 10 flower skip_sw action mirred egress redirect dev sw0pf0vf1
fx=$($FPKT build dst=$X src=$m0 eth=88b5)

# passed: how many of K frames to $X reach VF1.
passed() {
	local rx
	rx=$(nstat b sw0v1 rx_packets)
	nsx a $FPKT send sw0v0 "$fx" $K
	echo $(($(nstat b sw0v1 rx_packets) - rx))
}

add_drop() {
	$TC filter add dev $REP ingress protocol all prio 2 flower skip_sw dst_mac $X action drop
}

check "drop rule" add_drop
check_eq "the drop rule drops" 0 "$(passed)"
check "delete it without faults" $TC filter del dev $REP ingress prio 2
check_eq "its frames pass again" $K "$(passed)"

# Faults only where fail-nth puts them; `times` counts down at each injected slab fault.
echo N > $FS/ignore-gfp-wait
echo 0 > $FS/verbose
echo 0 > $FS/probability
echo 1000000 > $FS/times

# del_at N: deletes the drop rule with the N-th fault point of the request failing; 0 if a fault
# was injected or the deletion failed, 1 if it ran to the end without one. fail-nth counts every
# fault point of a task from the moment it is set, so it is set on a `tc -b` that has started up,
# opened its netlink socket and waits for its command on a FIFO: the count covers the request
# (and tc's exit), not exec and start-up. 2 if tc was never seen waiting for its command.
FIFO=/tmp/tdn.fifo
del_at() {
	local t0 t1 rc pid i=0
	rm -f $FIFO
	mkfifo $FIFO
	$TC -b - < $FIFO > /dev/null 2>&1 &
	pid=$!
	exec 3> $FIFO
	until grep -q pipe_read /proc/$pid/wchan 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 500 ] || break
		sleep 0.02
	done
	t0=$(cat $FS/times)
	echo "$1" > /proc/$pid/fail-nth
	echo "filter del dev $REP ingress prio 2" >&3
	exec 3>&-
	wait $pid
	rc=$?
	t1=$(cat $FS/times)
	if [ $i -gt 500 ]; then
		echo 2
	elif [ "$t0" = "$t1" ] && [ $rc = 0 ]; then
		echo 1
	else
		echo 0
	fi
}

# Fault point 1, 2, 3, ... of the request fails in turn, until a deletion passes fewer points
# than the one set and runs without a fault. (Runs differ: a fault can change the path taken.)
n=1 tried=0 faults=0 bad=0 diag= done=0
while [ $n -le 1000 ]; do
	tried=$((tried + 1))
	add_drop || { bad=$((bad + 1)); diag="$diag n=$n: re-adding the rule failed;"; break; }
	r=$(del_at $n)
	[ "$r" = 2 ] && { bad=$((bad + 1)); diag="$diag n=$n: tc never waited for its command;"; break; }
	if [ "$r" = 1 ]; then
		done=1
		break
	fi
	faults=$((faults + 1))
	if [ -z "$($TC filter show dev $REP ingress prio 2)" ]; then
		# Gone from tc: it must be gone from the data path too.
		p=$(passed)
		[ "$p" = $K ] || { bad=$((bad + 1)); diag="$diag n=$n: $p of $K frames passed;"; }
	else
		# The deletion failed before reaching the driver: try again without faults.
		$TC filter del dev $REP ingress prio 2
	fi
	n=$((n + 1))
done
echo 1 > $FS/times
check_match "deletions ran under faults" '^[1-9]' "$faults"
check_eq "a deletion past the last fault point runs without one" 1 "$done"
echo "# $faults of $tried deletions ran under a fault${diag:+; $diag}"
check_eq "no deleted rule kept dropping" 0 "$bad"
check_match "flow table back to the redirect rule alone" '^rules 1 ' "$(cat "$CFG/sw0/offload")"
check_eq "frames to $X still pass" $K "$(passed)"
check "add the drop rule again" add_drop
check_eq "and it drops" 0 "$(passed)"

check "remove the qdisc" $TC qdisc del dev $REP ingress
sleep 0.5
check_match "flow table empty" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
