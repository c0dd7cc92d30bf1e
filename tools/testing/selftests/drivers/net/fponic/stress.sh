#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Churn under traffic: mode switches with VFs present, SF add/del, VF count changes, device
# removal. The VM runner fails the run on any kernel splat.
. "$(dirname "$0")/lib.sh"

fponic_load
check "create sw0" fponic_create sw0 2
check "4 VFs" sh -c "echo 4 > $CFG/sw0/num_vfs"
ns_new a; ns_new b; ns_new remote
ns_move sw0v0 a 10.3.0.1/24
ns_move sw0v1 b 10.3.0.2/24
$IP link add w0 type veth peer name r0
$IP link set r0 netns remote
$IP -n remote addr add 10.3.0.100/24 dev r0
$IP -n remote link set r0 up
$IP link set w0 up
$IP link set sw0p0 up
echo "0 w0" > "$CFG/sw0/wires"
check "baseline ping VF0 -> VF1" nsx a ping -c 2 -W 2 10.3.0.2

# Traffic for the whole test: frames VF0 -> VF1 and VF0 -> remote (unknown unicast: the wire),
# back to back.
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1); rmac=$(mac_of remote r0)
rx1=$(nstat b sw0v1 rx_packets); rxr=$(nstat remote r0 rx_packets)
nsx a $FPKT flood sw0v0 "$($FPKT frame "$m1" "$m0" 88b5 01)" 60 > /tmp/fl1 &
p1=$!
nsx a $FPKT flood sw0v0 "$($FPKT frame "$rmac" "$m0" 88b5 02)" 60 > /tmp/fl2 &
p2=$!
sleep 1

modes() {
	for i in $(seq 1 20); do
		$DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev || return 1
		[ -d /sys/class/net/sw0pf0vf3 ] || return 1
		$DEVLINK dev eswitch set faux/fponic-sw0 mode legacy || return 1
		[ ! -e /sys/class/net/sw0pf0vf3 ] || return 1
	done
}
check "20 switchdev/legacy round trips with 4 VFs under traffic" modes
check_match "mode legacy at the end" 'mode legacy' "$($DEVLINK dev eswitch show faux/fponic-sw0)"

$DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
sfs() {
	for i in $(seq 1 100); do
		$DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum $((i % 10)) > /dev/null || return 1
		$DEVLINK port del faux/fponic-sw0/$((0x2000 + i % 10)) || return 1
	done
}
check "100 SF port add/del under traffic" sfs
check_eq "no SF left" 0 "$($DEVLINK port show | grep -c pcisf)"
$DEVLINK dev eswitch set faux/fponic-sw0 mode legacy

check "traffic reached VF1 during the churn" test $(( $(nstat b sw0v1 rx_packets) - rx1 )) -gt 1000
check "traffic reached the wire during the churn" test $(( $(nstat remote r0 rx_packets) - rxr )) -gt 1000

# VF count churn on a second device, with traffic on the first.
check "second device" fponic_create sw1 1
vfs() {
	for i in $(seq 1 5); do
		echo 8 > "$CFG/sw1/num_vfs" || return 1
		[ "$(ls -d /sys/class/net/sw1v* | wc -l)" = 8 ] || return 1
		echo 0 > "$CFG/sw1/num_vfs" || return 1
		[ ! -e /sys/class/net/sw1v0 ] || return 1
	done
}
check "num_vfs 0 -> 8 -> 0 five times under traffic" vfs

# And on the device carrying the traffic: 4 -> 0 removes VF0/VF1 from under the pings.
check "num_vfs 4 -> 0 under traffic" sh -c "echo 0 > $CFG/sw0/num_vfs"
check "num_vfs 0 -> 8 under traffic" sh -c "echo 8 > $CFG/sw0/num_vfs"
# The floods run under `ip netns exec` in subshells: stop the processes themselves.
killall fpkt 2>/dev/null
wait $p1 $p2 2>/dev/null
check_match "VF netdevs recreated" sw0v7 "$(ls /sys/class/net)"

# Mode switch in switchdev with 8 VFs, then remove the device with VFs, reps and a wire.
check "switchdev with 8 VFs" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
check_eq "8 VF representors" 8 "$(ls -d /sys/class/net/sw0pf0vf* | wc -l)"
nsx remote $FPKT flood r0 "$($FPKT frame ff:ff:ff:ff:ff:ff "$rmac" 88b5 03)" 5 > /dev/null &
p3=$!
sleep 1
check "rmdir in switchdev with VFs, reps and wire, under traffic" rmdir "$CFG/sw0"
wait $p3 2>/dev/null
check "rmdir sw1" rmdir "$CFG/sw1"
check "rmmod" rmmod fponic
check_eq "no fponic netdev left" "" "$(ls /sys/class/net | grep '^sw' || true)"
check_eq "no devlink instance left" "" "$($DEVLINK dev show | grep fponic || true)"
$IP link del w0
cleanup_netns
done_testing
