#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Transparent uplink failover: a VF keeps talking to the far side when its uplink's wire fails,
# with its MAC and IP unchanged, through the surviving uplink; the far-side bridge relearns its
# MAC from the announcement; failback when the home uplink returns.
#
#   ns a: sw0v0 10.6.0.1 --[sw0 legacy: p0 -- w0 = r0, p1 -- w1 = r1]-- brr (ns remote) 10.6.0.100
. "$(dirname "$0")/lib.sh"
BRIDGE=/sbin/bridge

fponic_load
load_bridge
check "create sw0 with 2 uplinks" fponic_create sw0 2
echo 1 > "$CFG/sw0/num_vfs"
ns_new a
ns_move sw0v0 a 10.6.0.1/24
remote_two_uplinks sw0 10.6.0.100/24
m=$(mac_of a sw0v0)
fdb_port() { $BRIDGE -n remote fdb show br brr | sed -n "s/^$m dev \([a-z0-9]*\) .*/\1/p" | head -1; }

check_match "failover is on by default" '^enabled 1' "$(cat "$CFG/sw0/failover")"
check_match "VF0 served by its home p0" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check "ping remote through p0" nsx a ping -c 2 -W 2 10.6.0.100
check_eq "remote bridge learned VF0 behind r0" r0 "$(fdb_port)"

# Continuous traffic while p0's far end goes down; what arrives on r1 is captured.
nsx remote $FPKT sniff r1 4000 > /tmp/sn.r1 &
sp=$!
sniff_ready remote r1
nsx a ping -c 40 -i 0.1 -W 1 10.6.0.100 > /tmp/ping.fo 2>&1 &
pp=$!
sleep 1
check "cut p0 (far end down)" $IP -n remote link set r0 down
sleep 1
check_match "p0 lost carrier" 'NO-CARRIER' "$($IP link show sw0p0)"
check_match "VF0 now served by p1" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
check_match "failover counted" '^failovers 1$' "$(cat "$CFG/sw0/failover")"
check_match "announcement sent" '^announces [1-9]' "$(cat "$CFG/sw0/failover")"
check_eq "remote bridge relearned VF0 behind r1 at once" r1 "$(fdb_port)"
check_eq "VF0 kept its MAC" "$m" "$(mac_of a sw0v0)"
check "ping remote through p1" nsx a ping -c 2 -W 2 10.6.0.100
wait $pp $sp
# A broadcast RARP reverse request (Ethernet/IPv4) from VF0's MAC, with VF0's MAC as sender and
# target hardware address and no protocol addresses, zero-padded to 60 bytes.
mh=${m//:/}
rarp=ffffffffffff${mh}80350001080006040003${mh}00000000${mh}00000000000000000000000000000000000000000000
check "the announcement reached r1: VF0's RARP frame" grep -q "^$rarp\$" /tmp/sn.r1
lost=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' /tmp/ping.fo)
check "traffic continued across the failover (loss ${lost}% <= 10%)" test "${lost:-100}" -le 10

check "p0 back" $IP -n remote link set r0 up
sleep 1
check_match "failback to p0" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check_match "failback counted" '^failbacks 1$' "$(cat "$CFG/sw0/failover")"
check_eq "remote bridge relearned VF0 behind r0" r0 "$(fdb_port)"
check "ping after failback" nsx a ping -c 2 -W 2 10.6.0.100

# Both down: nowhere to go, the VF waits on its home; one comes back: it moves there.
$IP -n remote link set r0 down
$IP -n remote link set r1 down
sleep 1
check_fail "no connectivity with both uplinks down" nsx a ping -c 1 -W 1 10.6.0.100
$IP -n remote link set r1 up
sleep 1
check_match "VF0 on p1 when only p1 is up" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
check "ping through p1" nsx a ping -c 2 -W 2 10.6.0.100
$IP -n remote link set r0 up
sleep 1

# Admin down of the wire itself, and flapping.
check "wire w0 admin down" $IP link set w0 down
sleep 0.5
check_match "VF0 moved on wire admin down" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
$IP link set w0 up
flap() {
	for i in $(seq 1 10); do
		$IP -n remote link set r0 down; $IP -n remote link set r0 up
	done
}
check "10 flaps of p0" flap
sleep 1
check_match "home again after flapping" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check "ping after flapping" nsx a ping -c 2 -W 2 10.6.0.100

# No frame reaches the wrong VF across a failover: VF1 lives on p1; frames from the far side
# addressed to VF0 must only ever reach VF0, before, during and after VF0 moves to p1.
echo 0 > "$CFG/sw0/num_vfs"
echo 2 > "$CFG/sw0/num_vfs"
ns_new b
ns_move sw0v0 a 10.6.0.1/24
ns_move sw0v1 b
echo "home vf1 1" > "$CFG/sw0/failover"
m=$(mac_of a sw0v0)
rmac=$(nsx remote cat /sys/class/net/brr/address)
nsx b $FPKT sniff sw0v1 8000 > /tmp/sn.wrong &
sw=$!
nsx a $FPKT sniff sw0v0 8000 > /tmp/sn.right &
sr=$!
sniff_ready b sw0v1; sniff_ready a sw0v0
nsx remote $FPKT flood brr "$($FPKT frame "$m" "$rmac" 88b5 77)" 6 > /dev/null &
fl=$!
sleep 2
$IP -n remote link set r0 down
sleep 2
$IP -n remote link set r0 up
wait $fl $sw $sr
check_eq "VF1 never received a frame addressed to VF0" 0 "$(grep -c "^${m//:/}" /tmp/sn.wrong)"
check "VF0 received them before and after the move" test "$(grep -c "^${m//:/}" /tmp/sn.right)" -gt 100
nsx a ping -c 1 -W 2 10.6.0.100 > /dev/null 2>&1

# Failback hold-down (devlink runtime parameter).
check "failback_delay_ms 1500" $DEVLINK dev param set faux/fponic-sw0 name failback_delay_ms value 1500 cmode runtime
check_match "hold-down reads back" '^holddown_ms 1500$' "$(cat "$CFG/sw0/failover")"
$IP -n remote link set r0 down
sleep 0.5
check_match "failover is not delayed" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
$IP -n remote link set r0 up
sleep 0.3
check_match "failback held down right after p0 returns" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
for i in 1 2 3; do $IP -n remote link set r0 down; sleep 0.2; $IP -n remote link set r0 up; sleep 0.2; done
check_match "still held down while p0 flaps" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
sleep 2.5
check_match "failback once p0 stayed up for the hold-down" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check "ping after the delayed failback" nsx a ping -c 2 -W 2 10.6.0.100
check_fail_msg "hold-down above 600 s refused" 'at most 600000' $DEVLINK dev param set faux/fponic-sw0 name failback_delay_ms value 700000 cmode runtime
$DEVLINK dev param set faux/fponic-sw0 name failback_delay_ms value 0 cmode runtime

# Deterministic fault injection through debugfs.
DBG=/sys/kernel/debug/fponic-sw0
check "debugfs knob: p0 carrier down" sh -c "echo 1 > $DBG/p0/carrier_down"
check_match "p0 lost carrier (injected)" 'NO-CARRIER' "$($IP link show sw0p0)"
check_match "VF0 moved to p1 on the injected fault" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
check "ping through p1" nsx a ping -c 2 -W 2 10.6.0.100
check "debugfs knob: p0 carrier back" sh -c "echo 0 > $DBG/p0/carrier_down"
check_match "failback after the injected fault" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check "debugfs knob: fail the next move off p0" sh -c "echo 1 > $DBG/p0/fail_next_remap"
$IP -n remote link set r0 down
sleep 0.5
check_match "failed move: VF0 stays on p0" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check_match "failed move counted" '^failed_moves 1$' "$(cat "$CFG/sw0/failover")"
$IP -n remote link set r1 down; $IP -n remote link set r1 up
sleep 0.5
check_match "next change retries the move" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
$IP -n remote link set r0 up
sleep 0.5
check "debugfs knob: drop every 2nd frame out of p0" sh -c "echo 2 > $DBG/p0/drop_every"
d0=$(drops sw0 fault_injected)
nsx a ping -c 10 -i 0.1 -W 1 10.6.0.100 > /dev/null 2>&1
check "injected drops counted" test $(( $(drops sw0 fault_injected) - d0 )) -ge 5
echo 0 > $DBG/p0/drop_every
check_fail_msg "bad knob value refused" 'Invalid argument' sh -c "echo 7 > $DBG/p0/carrier_down"

# Policy: a new home; failover off.
check "home vf0 on p1" sh -c "echo 'home vf0 1' > $CFG/sw0/failover"
check_match "VF0 served by p1" 'vf0 home p1 uplink p1' "$(cat "$CFG/sw0/failover")"
check "failover off" sh -c "echo 0 > $CFG/sw0/failover"
$IP -n remote link set r1 down
sleep 0.5
check_match "with failover off VF0 stays on its home" 'vf0 home p1 uplink p1' "$(cat "$CFG/sw0/failover")"
check_fail "and loses connectivity" nsx a ping -c 1 -W 1 10.6.0.100
check "failover on again moves it" sh -c "echo 1 > $CFG/sw0/failover"
check_match "VF0 on p0" 'vf0 home p1 uplink p0' "$(cat "$CFG/sw0/failover")"
check "ping through p0" nsx a ping -c 2 -W 2 10.6.0.100
# The same policy through devlink runtime parameters.
check_match "devlink param failover shows true" 'value true' "$($DEVLINK dev param show faux/fponic-sw0 name failover)"
check "devlink param failover false" $DEVLINK dev param set faux/fponic-sw0 name failover value false cmode runtime
check_match "configfs sees failover off" '^enabled 0' "$(cat "$CFG/sw0/failover")"
check "devlink param failover true" $DEVLINK dev param set faux/fponic-sw0 name failover value true cmode runtime
check "devlink param failover_group 3" $DEVLINK dev param set faux/fponic-sw0 name failover_group value 3 cmode runtime
check_match "group reads back" '^group 0x3' "$(cat "$CFG/sw0/failover")"
check_fail_msg "empty group refused with extack" 'non-empty mask' $DEVLINK dev param set faux/fponic-sw0 name failover_group value 0 cmode runtime
check_fail_msg "bad failover input refused" 'Invalid argument' sh -c "echo 'home vf9 1' > $CFG/sw0/failover || echo 'home vf0 7' > $CFG/sw0/failover"
check_fail_msg "bad failover command refused" 'Invalid argument' sh -c "echo maybe > $CFG/sw0/failover"

check "cleanup" fponic_destroy_all
$IP link del w0
$IP link del w1
cleanup_netns
done_testing
