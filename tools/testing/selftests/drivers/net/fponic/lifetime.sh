#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Lifetimes and teardown under traffic: packets queued for a port outlive their sender; a sender
# stopped by a full port is woken when that port goes down; inactive functions neither send nor
# receive, rules included; a wire stacked on a port (a loop) is refused; VPID remaps survive a
# reload and never point at a destroyed port; failover floods reach functions of a dead uplink.
#
# A lagging receiver is made with threaded NAPI kept off its CPU by a SCHED_FIFO busy loop. Use
# after free shows as a KASAN report on the debug kernel (the VM runner fails on it); on every
# kernel the packets' fate is checked.
. "$(dirname "$0")/lib.sh"

# A lagging receiver: its threaded NAPI instance pinned to the last CPU, where a SCHED_FIFO busy
# loop runs with RT throttling off, so nothing else runs there until the loop ends; the test's
# own commands run on CPU 0.
LAST=$(($(nproc) - 1))

# napi_pin NS DEV: threaded NAPI for DEV, its threads (napi/DEV-ID) bound to the last CPU and
# in SCHED_IDLE: when the busy loop ends, the kernel's own per-CPU work there goes first.
napi_pin() {
	nsx "$1" sh -c "echo 1 > /sys/class/net/$2/threaded" || return 1
	n=0
	for d in /proc/[0-9]*; do
		read -r c < "$d/comm" 2>/dev/null || continue
		case $c in "napi/$2-"*)
			taskset -p $((1 << LAST)) "${d#/proc/}" > /dev/null &&
				$FPKT idle "${d#/proc/}" && n=$((n + 1)) ;;
		esac
	done
	[ $n -gt 0 ]
}

# stall SECONDS: the last CPU runs nothing but a busy loop for SECONDS (in the background).
stall() {
	rt=$(cat /proc/sys/kernel/sched_rt_runtime_us)
	echo -1 > /proc/sys/kernel/sched_rt_runtime_us
	taskset $((1 << LAST)) $FPKT rthog "$1" &
	hog=$!
	sleep 0.3
}
stall_end() {
	wait $hog
	echo "$rt" > /proc/sys/kernel/sched_rt_runtime_us
}

# on0 CMD...: run CMD on CPU 0.
on0() {
	taskset 1 "$@"
}

fponic_load

# The test runs on CPU 0 while the last CPU is stalled (sections 1 and 2).
taskset -p 1 $$ > /dev/null

# -- 1. A packet queued for the PF outlives the wire that sent it ----------------------------------
check "create sw0 (1 uplink)" fponic_create sw0 1
ns_new remote
$IP link add w0 type veth peer name r0
$IP link set r0 netns remote
$IP -n remote link set r0 up
$IP link set w0 up
$IP link set sw0p0 up
echo "0 w0" > "$CFG/sw0/wires"
rmac=$(mac_of remote r0)
check "PF NAPI threaded, on the last CPU" napi_pin - sw0p0
N=1000
# Unknown unicast from the wire goes to the PF netdev (legacy).
f=$($FPKT frame 02:77:77:77:77:77 "$rmac" 88b5 01)
on0 $FPKT sniff sw0p0 45000 $N 30000 > /tmp/lt.pf &
sn=$!
sniff_ready - sw0p0
stall 6
on0 $IP netns exec remote $FPKT send r0 "$f" $N
got=$(wc -l < /tmp/lt.pf)
check "wire deleted while frames from it wait in the PF ring" on0 $IP link del w0
stall_end
wait $sn
echo "# frames delivered before the wire went: $got of $N"
check "frames were still queued when their sender went away" test "$got" -lt $N
check_eq "every frame reached the PF netdev" $N "$(wc -l < /tmp/lt.pf)"
check_nomatch "no KASAN report" 'KASAN' "$(dmesg)"
check "rmdir sw0" rmdir "$CFG/sw0"
cleanup_netns

# -- 2. A sender stopped by a full port is woken when that port goes down ---------------------------
check "create sw0 (1 uplink)" fponic_create sw0 1
echo 3 > "$CFG/sw0/num_vfs"
ns_new a; ns_new b; ns_new c
ns_move sw0v0 a 10.9.0.1/24
ns_move sw0v1 b 10.9.0.2/24
ns_move sw0v2 c 10.9.0.3/24
check "baseline ping VF0 -> VF2" nsx a ping -c 1 -W 2 10.9.0.3
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1)
check "VF1 NAPI threaded, on the last CPU" napi_pin b sw0v1
f=$($FPKT frame "$m1" "$m0" 88b5 02)
stall 5
# Fills VF1's ring (1024 frames), then VF0's queue stops.
on0 $IP netns exec a $FPKT flood sw0v0 "$f" 2 > /dev/null
check "VF1 goes down with a full ring" on0 $IP -n b link set sw0v1 down
stall_end
check "VF0 transmits again: ping VF0 -> VF2" nsx a ping -c 2 -W 2 10.9.0.3
check "rmdir sw0" rmdir "$CFG/sw0"
cleanup_netns

taskset -p $(((1 << (LAST + 1)) - 1)) $$ > /dev/null

# -- 3. Inactive functions neither receive nor send, offloaded rules included -----------------------
check "create sw0 (1 uplink)" fponic_create sw0 1
echo 2 > "$CFG/sw0/num_vfs"
$DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b
ns_move sw0v0 a; ns_move sw0v1 b
for d in sw0pf0vf0 sw0pf0vf1; do $IP link set $d up; done
$TC qdisc add dev sw0pf0vf0 ingress
check "skip_sw redirect VF0 -> VF1" $TC filter add dev sw0pf0vf0 ingress protocol all prio 1 \
	flower skip_sw action mirred egress redirect dev sw0pf0vf1
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1)
f=$($FPKT frame "$m1" "$m0" 88b5 03)
K=20
rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$f" $K
check_eq "active: the rule carries VF0's frames to VF1" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
check "VF1 inactive" $DEVLINK port function set faux/fponic-sw0/4097 state inactive
rx=$(nstat b sw0v1 rx_packets); d0=$(drops sw0 func_inactive)
tx=$(nstat a sw0v0 tx_packets); txd=$(nstat a sw0v0 tx_dropped)
nsx a $FPKT send sw0v0 "$f" $K
check_eq "inactive VF1 receives nothing the rule redirects" 0 $(( $(nstat b sw0v1 rx_packets) - rx ))
check_eq "counted as func_inactive" $K $(( $(drops sw0 func_inactive) - d0 ))
check_eq "the sender counts them as tx_dropped" $K $(( $(nstat a sw0v0 tx_dropped) - txd ))
check_eq "and not as transmitted" 0 $(( $(nstat a sw0v0 tx_packets) - tx ))
check "VF1 active again" $DEVLINK port function set faux/fponic-sw0/4097 state active
# The core transmits through the qdisc until linkwatch deactivates it (up to a second after the
# carrier went): ping through it at once, with a static neighbour (no ARP needed).
$IP -n a addr add 10.9.1.1/24 dev sw0v0
$IP -n b addr add 10.9.1.2/24 dev sw0v1
$IP -n a neigh add 10.9.1.2 lladdr "$m1" dev sw0v0 nud permanent
rx=$(nstat b sw0v1 rx_packets)
check "VF0 inactive, then pings at once" sh -c "$DEVLINK port function set faux/fponic-sw0/4096 state inactive &&
	{ $IP netns exec a ping -c 5 -i 0.02 -W 1 10.9.1.2 > /dev/null; true; }"
check_eq "inactive VF0 sends nothing through the rule" 0 $(( $(nstat b sw0v1 rx_packets) - rx ))
$DEVLINK port function set faux/fponic-sw0/4096 state active
rx=$(nstat b sw0v1 rx_packets)
check "ip link set vf 1 state disable" $IP link set sw0p0 vf 1 state disable
nsx a $FPKT send sw0v0 "$f" $K
check_eq "VF1 disabled through the PF receives nothing" 0 $(( $(nstat b sw0v1 rx_packets) - rx ))
$IP link set sw0p0 vf 1 state enable

# -- 4. A wire stacked on a port of the switch would be a loop: refused -----------------------------
$IP -n a link add link sw0v0 name v0.5 type vlan id 5
$IP -n a link set v0.5 netns 1
check_fail_msg "a VLAN device on a VF refused as a wire" 'symbolic links|loop' sh -c "echo '0 v0.5' > $CFG/sw0/wires"
check_match "no wire bound" '^p0 -$' "$(cat $CFG/sw0/wires)"
$IP link del v0.5
check "rmdir sw0" rmdir "$CFG/sw0"
cleanup_netns

# -- 5. VPID remaps: an uplink's survives a reload; none points at a destroyed port -----------------
check "create sw0 (2 uplinks)" fponic_create sw0 2
echo 1 > "$CFG/sw0/num_vfs"
check "remap p0 -> p1" sh -c "echo 'p0 p1' > $CFG/sw0/vpid_map"
check "devlink dev reload" $DEVLINK dev reload faux/fponic-sw0
check_match "the uplink remap survived the reload" '^0 p0 -> p1$' "$(cat $CFG/sw0/vpid_map)"
$DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
check "add SF 3" $DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum 3
check "remap vf0 -> sf3" sh -c "echo 'vf0 sf3' > $CFG/sw0/vpid_map"
check "delete SF 3" $DEVLINK port del faux/fponic-sw0/$((0x2003))
check_match "vf0's VPID no longer resolves to the destroyed SF" '^4096 vf0 -> unresolved$' "$(cat $CFG/sw0/vpid_map)"
check "add SF 3 again" $DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum 3
check_match "and not to its successor" '^4096 vf0 -> unresolved$' "$(cat $CFG/sw0/vpid_map)"
check "rmdir sw0" rmdir "$CFG/sw0"

# -- 6. Floods from the surviving wire reach functions of a dead uplink at once ---------------------
load_bridge
check "create sw0 (2 uplinks)" fponic_create sw0 2
echo 1 > "$CFG/sw0/num_vfs"
ns_new a
ns_move sw0v0 a
remote_two_uplinks sw0 10.8.0.100/24
DBG=/sys/kernel/debug/fponic-sw0
echo 1 > $DBG/p0/fail_next_remap
echo 1 > $DBG/p0/carrier_down
sleep 0.5
check_match "the control plane's move failed: VF0 still served by p0" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
rmac=$(mac_of remote r1)
nsx a $FPKT sniff sw0v0 3000 $K > /tmp/lt.fl &
sn=$!
sniff_ready a sw0v0
nsx remote $FPKT send r1 "$($FPKT frame ff:ff:ff:ff:ff:ff "$rmac" 88b5 04)" $K
wait $sn
check_eq "broadcast from the surviving wire reached VF0" $K "$(grep -c "^ffffffffffff${rmac//:/}88b5" /tmp/lt.fl)"
echo 0 > $DBG/p0/carrier_down
check "cleanup" fponic_destroy_all
for i in 0 1; do $IP link del w$i 2>/dev/null; done
cleanup_netns
done_testing
