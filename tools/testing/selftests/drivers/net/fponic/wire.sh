#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Uplink wires: binding, carrier tracking, bad input, and the wire going away under traffic.
. "$(dirname "$0")/lib.sh"

fponic_load
check "create sw0" fponic_create sw0 2
ns_new remote
$IP link add w0 type veth peer name r0
$IP link add w1 type veth peer name r1
$IP link set r0 netns remote
$IP link set r1 netns remote
$IP link set w0 up
$IP link set w1 up
$IP link set sw0p0 up
$IP link set sw0p1 up

check_fail_msg "unknown netdev refused" 'No such device' sh -c "echo '0 nosuchdev' > $CFG/sw0/wires"
check_fail_msg "bad syntax refused" 'Invalid argument' sh -c "echo 'w0' > $CFG/sw0/wires"
check_fail_msg "bad port refused" 'Invalid argument' sh -c "echo '5 w0' > $CFG/sw0/wires"
check_fail_msg "fponic port as wire refused" 'Invalid argument' sh -c "echo '0 sw0p1' > $CFG/sw0/wires"
check_eq "nothing bound by refused writes" "p0 -
p1 -" "$(cat "$CFG/sw0/wires")"
check_match "no carrier without a wire" 'NO-CARRIER' "$($IP link show sw0p0)"

check "bind w0 to p0" sh -c "echo '0 w0' > $CFG/sw0/wires"
check "bind w1 to p1 (pN syntax)" sh -c "echo 'p1 w1' > $CFG/sw0/wires"
check_fail_msg "w0 cannot be bound twice" 'busy' sh -c "echo '1 w0' > $CFG/sw0/wires"
check_fail_msg "p0 already has a wire" 'busy' sh -c "echo '0 w1' > $CFG/sw0/wires"
check_fail "far end down: no carrier yet" sh -c "$IP link show sw0p0 | grep -q LOWER_UP"
check "far end up" $IP -n remote link set r0 up
sleep 0.2
check_match "carrier follows the wire (up)" 'LOWER_UP' "$($IP link show sw0p0)"
check "wire admin down" $IP link set w0 down
sleep 0.2
check_match "carrier follows the wire (admin down)" 'NO-CARRIER' "$($IP link show sw0p0)"
$IP link set w0 up
sleep 0.2
check_match "carrier back" 'LOWER_UP' "$($IP link show sw0p0)"
check "far end down" $IP -n remote link set r0 down
sleep 0.2
check_match "carrier follows the far end (down)" 'NO-CARRIER' "$($IP link show sw0p0)"
$IP -n remote link set r0 up
sleep 0.2

check "unbind p1" sh -c "echo '1 -' > $CFG/sw0/wires"
check_eq "p1 unbound" "p1 -" "$(sed -n 2p "$CFG/sw0/wires")"
bridge_w1() {
	load_bridge && $IP link add brx type bridge && $IP link set w1 master brx && $IP link del brx
}
check "w1 usable by others after unbind (bridge port)" bridge_w1

# Wire unregistered under traffic: the uplink unbinds itself, nothing hangs.
$IP addr add 10.2.0.1/24 dev sw0p0
$IP -n remote addr add 10.2.0.2/24 dev r0
check "traffic over the wire" ping -c 2 -W 2 10.2.0.2
rmac=$(mac_of remote r0)
nsx remote $FPKT flood r0 "$($FPKT frame ff:ff:ff:ff:ff:ff "$rmac" 88b5 04)" 4 > /dev/null &
pf=$!
sleep 1
check "delete the wire under traffic" $IP link del w0
check_eq "p0 shows no wire" "p0 -" "$(sed -n 1p "$CFG/sw0/wires")"
check_match "no carrier after the wire vanished" 'NO-CARRIER' "$($IP link show sw0p0)"
wait $pf
check_match "wire going away was logged" 'wire of uplink 0 is going away' "$(dmesg)"

# Rebind a new wire and traffic flows again.
$IP link add w0 type veth peer name r0b
$IP link set r0b netns remote
$IP -n remote addr add 10.2.0.2/24 dev r0b
$IP -n remote link set r0b up
$IP link set w0 up
check "bind a new w0" sh -c "echo '0 w0' > $CFG/sw0/wires"
check "traffic over the new wire" ping -c 2 -W 2 10.2.0.2

# Device removal with bound wires under traffic.
nsx remote $FPKT flood r0b "$($FPKT frame ff:ff:ff:ff:ff:ff "$(mac_of remote r0b)" 88b5 05)" 4 > /dev/null &
pf=$!
sleep 1
check "rmdir with wires bound, under traffic" rmdir "$CFG/sw0"
wait $pf
check "w0 is free again" sh -c "$IP link add brx type bridge && $IP link set w0 master brx && $IP link del brx"
check "rmmod" rmmod fponic
$IP link del w0
$IP link del w1
cleanup_netns
done_testing
