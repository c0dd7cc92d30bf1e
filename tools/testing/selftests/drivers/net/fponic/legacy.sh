#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Legacy (SR-IOV) mode: MAC switching between VFs, the PF netdev and the uplink wire, with real
# traffic and exact counters on every hop.
#
#   ns a: sw0v0 10.1.0.1    ns b: sw0v1 10.1.0.2    ns remote: r0 10.1.0.100 (far end of wire w0)
. "$(dirname "$0")/lib.sh"

fponic_load
check "create sw0" fponic_create sw0 2
check "2 VFs" sh -c "echo 2 > $CFG/sw0/num_vfs"
check "VF netdevs exist" test -d /sys/class/net/sw0v0 -a -d /sys/class/net/sw0v1
check_match "VF devlink ports are pcivf" 'faux/fponic-sw0/4097: type notset flavour pcivf controller 0 pfnum 0 vfnum 1' "$($DEVLINK port show)"
ns_new a; ns_new b; ns_new remote
# No IP addresses yet: nothing but the test frames moves the counters below.
check "VF0 into ns a" ns_move sw0v0 a
check "VF1 into ns b" ns_move sw0v1 b
check "wire veth" $IP link add w0 type veth peer name r0
$IP link set r0 netns remote
$IP -n remote link set r0 up
$IP link set w0 up
$IP link set sw0p0 up
check "bind wire" sh -c "echo '0 w0' > $CFG/sw0/wires"
check_eq "wires lists it" "p0 w0" "$(head -1 "$CFG/sw0/wires")"
check_match "uplink has carrier" 'LOWER_UP' "$($IP link show sw0p0)"

# Exact counters: K frames of an experimental ethertype VF0 -> VF1.
K=200
m0=$(mac_of a sw0v0)
m1=$(mac_of b sw0v1)
frame=$($FPKT frame "$m1" "$m0" 88b5 c0ffee)
tx0=$(nstat a sw0v0 tx_packets); rx1=$(nstat b sw0v1 rx_packets); rxr=$(nstat remote r0 rx_packets)
nsx b $FPKT sniff sw0v1 3000 > /tmp/sniff.b &
sn=$!
sniff_ready b sw0v1
check "send $K unicast frames VF0 -> VF1" nsx a $FPKT send sw0v0 "$frame" $K
wait $sn
check_eq "VF0 tx_packets +$K" $K $(( $(nstat a sw0v0 tx_packets) - tx0 ))
check_eq "VF1 rx_packets +$K" $K $(( $(nstat b sw0v1 rx_packets) - rx1 ))
check_eq "VF1 captured $K frames with the payload" $K "$(grep -c "^$frame" /tmp/sniff.b)"
check_eq "known unicast stays off the wire" 0 $(( $(nstat remote r0 rx_packets) - rxr ))

# Unknown unicast leaves through the wire; broadcast floods the domain.
unk=$($FPKT frame 02:99:99:99:99:99 "$m0" 88b5 beef)
rxr=$(nstat remote r0 rx_packets); rx1=$(nstat b sw0v1 rx_packets)
check "send $K unknown-unicast frames" nsx a $FPKT send sw0v0 "$unk" $K
check_eq "unknown unicast reaches the wire" $K $(( $(nstat remote r0 rx_packets) - rxr ))
check_eq "unknown unicast not flooded to VF1" 0 $(( $(nstat b sw0v1 rx_packets) - rx1 ))
bc=$($FPKT frame ff:ff:ff:ff:ff:ff "$m0" 88b5 b0b0)
rxr=$(nstat remote r0 rx_packets); rx1=$(nstat b sw0v1 rx_packets); rxp=$(nstat - sw0p0 rx_packets)
check "send $K broadcast frames" nsx a $FPKT send sw0v0 "$bc" $K
check_eq "broadcast reaches VF1" $K $(( $(nstat b sw0v1 rx_packets) - rx1 ))
check_eq "broadcast reaches the wire" $K $(( $(nstat remote r0 rx_packets) - rxr ))
check_eq "broadcast reaches the PF netdev" $K $(( $(nstat - sw0p0 rx_packets) - rxp ))

# From the wire: to VF1's MAC lands on VF1 only.
rmac=$(mac_of remote r0)
fw=$($FPKT frame "$m1" "$rmac" 88b5 f00d)
rx1=$(nstat b sw0v1 rx_packets); rx0=$(nstat a sw0v0 rx_packets)
check "send $K frames from the wire to VF1" nsx remote $FPKT send r0 "$fw" $K
check_eq "wire -> VF1 delivered" $K $(( $(nstat b sw0v1 rx_packets) - rx1 ))
check_eq "wire -> VF1 not seen by VF0" 0 $(( $(nstat a sw0v0 rx_packets) - rx0 ))

$IP -n a addr add 10.1.0.1/24 dev sw0v0
$IP -n b addr add 10.1.0.2/24 dev sw0v1
$IP -n remote addr add 10.1.0.100/24 dev r0
check "ping VF0 -> VF1" nsx a ping -c 3 -W 2 10.1.0.2
check "ping VF0 -> remote (through the wire)" nsx a ping -c 3 -W 2 10.1.0.100
check "ping remote -> VF1" nsx remote ping -c 3 -W 2 10.1.0.2

# TCP transfer VF0 -> VF1.
nsx b $FPKT tcp-sink 5001 20 > /tmp/tcp.b &
sk=$!
sleep 0.3
check "TCP 4 MB VF0 -> VF1" nsx a $FPKT tcp-send 10.1.0.2 5001 4000000
wait $sk
check_eq "TCP sink got every byte" 4000000 "$(cat /tmp/tcp.b)"

# TCP VF1 -> remote through the wire.
nsx remote $FPKT tcp-sink 5002 20 > /tmp/tcp.r &
sk=$!
sleep 0.3
check "TCP 4 MB VF1 -> remote" nsx b $FPKT tcp-send 10.1.0.100 5002 4000000
wait $sk
check_eq "remote sink got every byte" 4000000 "$(cat /tmp/tcp.r)"

# Port function state: inactive VF neither sends nor receives.
check "VF1 function inactive" $DEVLINK port function set faux/fponic-sw0/4097 state inactive
check_match "state reads back inactive" 'state inactive' "$($DEVLINK port show faux/fponic-sw0/4097)"
check_match "VF1 netdev lost carrier" 'NO-CARRIER' "$($IP -n b link show sw0v1)"
d0=$(drops sw0 func_inactive)
check_fail "ping to inactive VF1 fails" nsx a ping -c 2 -W 1 10.1.0.2
check "func_inactive drops counted" test "$(drops sw0 func_inactive)" -gt "$d0"
check "VF1 function active again" $DEVLINK port function set faux/fponic-sw0/4097 state active
check "ping VF1 works again" nsx a ping -c 2 -W 2 10.1.0.2

# Port function hw_addr: the VF netdev takes the new MAC and the switch follows it.
check "set VF1 hw_addr" $DEVLINK port function set faux/fponic-sw0/4097 hw_addr 02:aa:bb:cc:dd:01
check_eq "VF1 netdev has the new MAC" 02:aa:bb:cc:dd:01 "$(mac_of b sw0v1)"
nsx a $IP neigh flush dev sw0v0
check "ping VF1 at its new MAC" nsx a ping -c 2 -W 2 10.1.0.2
check_fail_msg "multicast hw_addr refused with extack" 'unicast' $DEVLINK port function set faux/fponic-sw0/4097 hw_addr 03:00:00:00:00:01
check_eq "MAC unchanged by the refused set" 02:aa:bb:cc:dd:01 "$(mac_of b sw0v1)"
check_fail_msg "physical port has no function" 'physical ports have no port function' $DEVLINK port function set faux/fponic-sw0/0 hw_addr 02:00:00:00:00:09

# The same through the PF, as with SR-IOV legacy drivers: ip link set <pf> vf N ...
check "ip link set sw0p0 vf 1 mac" $IP link set sw0p0 vf 1 mac 02:aa:bb:cc:dd:02
check_eq "VF1 netdev took the MAC" 02:aa:bb:cc:dd:02 "$(mac_of b sw0v1)"
check "ip link set sw0p0 vf 1 state disable" $IP link set sw0p0 vf 1 state disable
check_match "VF1 lost carrier" 'NO-CARRIER' "$($IP -n b link show sw0v1)"
check_match "devlink sees the function inactive" 'state inactive' "$($DEVLINK port show faux/fponic-sw0/4097)"
check "ip link set sw0p0 vf 1 state auto" $IP link set sw0p0 vf 1 state auto
nsx a $IP neigh flush dev sw0v0
check "ping VF1 after PF-side reconfiguration" nsx a ping -c 2 -W 2 10.1.0.2
check_fail "vf 9 does not exist" $IP link set sw0p0 vf 9 mac 02:aa:bb:cc:dd:09
check_fail "multicast VF MAC refused" $IP link set sw0p0 vf 1 mac 01:00:5e:00:00:01
check_fail "VF configuration only through the PF" $IP -n a link set sw0v0 vf 0 state disable

# sriov_numvfs semantics.
check_fail_msg "num_vfs 2 -> 3 refused with EBUSY" 'busy' sh -c "echo 3 > $CFG/sw0/num_vfs"
check_eq "still 2 VFs" 2 "$(cat "$CFG/sw0/num_vfs")"
check_fail_msg "num_vfs 65 refused" 'Invalid argument' sh -c "echo 65 > $CFG/sw0/num_vfs"
check "num_vfs 0" sh -c "echo 0 > $CFG/sw0/num_vfs"
check_eq "VF netdevs gone from the namespaces" "" "$($IP -n a link show | grep sw0v || true)"
check_nomatch "VF devlink ports gone" pcivf "$($DEVLINK port show)"

check "cleanup" fponic_destroy_all
check "wire veth survives device removal" test -d /sys/class/net/w0
$IP link del w0
cleanup_netns
done_testing
