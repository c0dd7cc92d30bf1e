#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# switchdev mode: representors, the slow path (function <-> representor, wire <-> uplink
# representor), vport counters and CPU_HIT stats, and full connectivity with a Linux bridge over
# the representors.
. "$(dirname "$0")/lib.sh"

fponic_load
load_bridge
check "create sw0" fponic_create sw0 2
check "2 VFs (created in legacy mode)" sh -c "echo 2 > $CFG/sw0/num_vfs"
check "switch to switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
check_match "mode reads back" 'mode switchdev' "$($DEVLINK dev eswitch show faux/fponic-sw0)"
check "representor sw0pf0vf0" test -d /sys/class/net/sw0pf0vf0
check_eq "representor phys_port_name" pf0vf1 "$(cat /sys/class/net/sw0pf0vf1/phys_port_name)"
sid=$(cat /sys/class/net/sw0p0/phys_switch_id)
check_eq "representors share the switch id" "$sid" "$(cat /sys/class/net/sw0pf0vf1/phys_switch_id)"
check_match "VF port linked to its representor" 'faux/fponic-sw0/4096: type eth netdev sw0pf0vf0 flavour pcivf' "$($DEVLINK port show)"

ns_new a; ns_new b; ns_new remote
ns_move sw0v0 a
ns_move sw0v1 b
$IP link add w0 type veth peer name r0
$IP link set r0 netns remote
$IP -n remote link set r0 up
$IP link set w0 up
echo "0 w0" > "$CFG/sw0/wires"
for d in sw0pf0vf0 sw0pf0vf1 sw0p0; do $IP link set $d up; done

K=100
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1); rmac=$(mac_of remote r0)

# VF -> its representor, even when addressed to another VF: no rule, slow path.
f=$($FPKT frame "$m1" "$m0" 88b5 0a0a)
$FPKT sniff sw0pf0vf0 3000 > /tmp/sn.rep0 &
sn=$!
rx1=$(nstat b sw0v1 rx_packets)
sniff_ready - sw0pf0vf0
check "VF0 sends $K frames" nsx a $FPKT send sw0v0 "$f" $K
wait $sn
check_eq "representor received them" $K "$(grep -c "^$f" /tmp/sn.rep0)"
check_eq "VF1 did not (no rule, no bridge)" 0 $(( $(nstat b sw0v1 rx_packets) - rx1 ))

# Representor -> its VF.
f=$($FPKT frame "$m0" 02:00:00:00:00:aa 88b5 0b0b)
nsx a $FPKT sniff sw0v0 3000 > /tmp/sn.vf0 &
sn=$!
sniff_ready a sw0v0
check "representor sends $K frames" $FPKT send sw0pf0vf0 "$f" $K
wait $sn
check_eq "VF0 received them" $K "$(grep -c "^$f" /tmp/sn.vf0)"

# Wire -> uplink representor, and back.
f=$($FPKT frame 02:00:00:00:00:bb "$rmac" 88b5 0c0c)
$FPKT sniff sw0p0 3000 > /tmp/sn.up &
sn=$!
sniff_ready - sw0p0
check "remote sends $K frames into the wire" nsx remote $FPKT send r0 "$f" $K
wait $sn
check_eq "uplink representor received them" $K "$(grep -c "^$f" /tmp/sn.up)"
f=$($FPKT frame "$rmac" 02:00:00:00:00:bb 88b5 0d0d)
nsx remote $FPKT sniff r0 3000 > /tmp/sn.r &
sn=$!
sniff_ready remote r0
check "uplink representor sends $K frames" $FPKT send sw0p0 "$f" $K
wait $sn
check_eq "they leave through the wire" $K "$(grep -c "^$f" /tmp/sn.r)"

# Representor counters are vport counters: exactly the VF's own, mirrored.
check_eq "rep rx_packets == VF tx_packets" "$(nstat a sw0v0 tx_packets)" "$(nstat - sw0pf0vf0 rx_packets)"
check_eq "rep tx_packets == VF rx_packets" "$(nstat a sw0v0 rx_packets)" "$(nstat - sw0pf0vf0 tx_packets)"
check_eq "rep rx_bytes == VF tx_bytes" "$(nstat a sw0v0 tx_bytes)" "$(nstat - sw0pf0vf0 rx_bytes)"
hit=$($IP -j stats show dev sw0pf0vf0 group offload subgroup cpu_hit)
check_match "CPU_HIT stats show the slow-path packets" '"rx":\{"bytes":[0-9]+,"packets":'$K "$hit"

# A Linux bridge over the representors and the uplink representor: full connectivity.
check "bridge over representors" sh -c "$IP link add br0 type bridge && $IP link set br0 up &&
	for d in sw0pf0vf0 sw0pf0vf1 sw0p0; do $IP link set \$d master br0 || exit 1; done"
$IP -n a addr add 10.1.0.1/24 dev sw0v0
$IP -n b addr add 10.1.0.2/24 dev sw0v1
$IP -n remote addr add 10.1.0.100/24 dev r0
check "ping VF0 -> VF1 through the bridge" nsx a ping -c 3 -W 2 10.1.0.2
check "ping VF0 -> remote through the bridge" nsx a ping -c 3 -W 2 10.1.0.100
nsx b $FPKT tcp-sink 5001 20 > /tmp/tcp.b &
sk=$!
sleep 0.3
check "TCP 4 MB VF0 -> VF1 through the slow path" nsx a $FPKT tcp-send 10.1.0.2 5001 4000000
wait $sk
check_eq "every byte arrived" 4000000 "$(cat /tmp/tcp.b)"
nsx remote $FPKT tcp-sink 5002 20 > /tmp/tcp.r &
sk=$!
sleep 0.3
check "TCP 4 MB VF1 -> remote" nsx b $FPKT tcp-send 10.1.0.100 5002 4000000
wait $sk
check_eq "every byte arrived at remote" 4000000 "$(cat /tmp/tcp.r)"
check_eq "rep rx_packets still mirrors VF tx_packets" "$(nstat a sw0v0 tx_packets)" "$(nstat - sw0pf0vf0 rx_packets)"

# SF ports in switchdev mode.
check "add SF port sfnum 7" $DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum 7
check "SF netdev sw0s7" test -d /sys/class/net/sw0s7
check_eq "SF representor phys_port_name" pf0sf7 "$(cat /sys/class/net/sw0pf0sf7/phys_port_name)"
check_match "SF port shown" 'faux/fponic-sw0/8199: type eth netdev sw0pf0sf7 flavour pcisf controller 0 pfnum 0 sfnum 7' "$($DEVLINK port show)"
check_fail_msg "duplicate sfnum refused" 'sfnum exists' $DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum 7
check_fail_msg "pcivf add refused" 'only pcisf' $DEVLINK port add faux/fponic-sw0 flavour pcivf pfnum 0
check_fail_msg "pfnum 1 refused" 'single PF' $DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 1 sfnum 8
check_fail_msg "sfnum 1000 refused" 'at most 999' $DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum 1000
check_eq "refusals left one SF" 1 "$($DEVLINK port show | grep -c 'flavour pcisf')"
check_fail_msg "VF ports cannot be deleted" 'num_vfs' $DEVLINK port del faux/fponic-sw0/4096
check "delete the SF port" $DEVLINK port del faux/fponic-sw0/8199
check_fail "SF netdev gone" test -e /sys/class/net/sw0s7
check_fail "SF representor gone" test -e /sys/class/net/sw0pf0sf7

# A rule on an uplink representor would outlive switchdev mode (the uplink netdev stays, as the
# PF): leaving switchdev is refused until it is deleted.
$TC qdisc add dev sw0p0 ingress
uprule="protocol ip prio 1 flower skip_sw dst_ip 10.9.9.9 action drop"
check "rule offloaded on the uplink representor" $TC filter add dev sw0p0 ingress $uprule
check_fail_msg "legacy refused while it exists" 'uplink representors' $DEVLINK dev eswitch set faux/fponic-sw0 mode legacy
check_match "still switchdev" 'mode switchdev' "$($DEVLINK dev eswitch show faux/fponic-sw0)"
check "representors kept" test -d /sys/class/net/sw0pf0vf0
check_match "the rule is still in hardware" 'in_hw' "$($TC filter show dev sw0p0 ingress)"
check "delete it" $TC filter del dev sw0p0 ingress prio 1
check "back to legacy" $DEVLINK dev eswitch set faux/fponic-sw0 mode legacy
check_fail_msg "no offload on the PF in legacy mode" 'switchdev mode' $TC filter add dev sw0p0 ingress $uprule
check "switchdev again" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
check "uplink representor takes rules again" $TC filter add dev sw0p0 ingress $uprule
check "delete it" $TC filter del dev sw0p0 ingress prio 1
$TC qdisc del dev sw0p0 ingress
check "back to legacy" $DEVLINK dev eswitch set faux/fponic-sw0 mode legacy
check_fail "representors gone in legacy mode" test -e /sys/class/net/sw0pf0vf0
check_match "VF ports unlinked" 'faux/fponic-sw0/4096: type notset' "$($DEVLINK port show)"
$IP link set sw0p0 nomaster
check "legacy ping VF0 -> VF1 with the VFs untouched" nsx a ping -c 3 -W 2 10.1.0.2

check "cleanup" fponic_destroy_all
$IP link del br0
$IP link del w0
cleanup_netns
done_testing
