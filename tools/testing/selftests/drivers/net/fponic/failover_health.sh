#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `uplink` devlink health reporter (report, dump, diagnose, recover), the failover event log
# in debugfs, and the data path's own failover: packets bypass a dead uplink even when the
# control plane's move failed.
#
#   ns a: sw0v0 10.7.0.1 --[sw0 legacy: p0 -- w0 = r0, p1 -- w1 = r1]-- brr (ns remote) 10.7.0.100
. "$(dirname "$0")/lib.sh"

fponic_load
load_bridge
check "create sw0 with 2 uplinks" fponic_create sw0 2
echo 1 > "$CFG/sw0/num_vfs"
ns_new a
ns_move sw0v0 a 10.7.0.1/24
remote_two_uplinks sw0 10.7.0.100/24
DL=faux/fponic-sw0
DBG=/sys/kernel/debug/fponic-sw0
# devlink prints "name: value" pairs over several lines: flatten to "name value ...".
flat() { tr -s ':\n' '  '; }
show() { $DEVLINK health show $DL reporter uplink | flat; }
diag() { $DEVLINK health diagnose $DL reporter uplink | flat; }
vf0=$(sed -n 's/^\([0-9]*\) vf0 .*/\1/p' "$CFG/sw0/vpid_map")

check_match "reporter uplink exists" 'uplink' "$(show)"
check_match "healthy at start" 'state healthy error 0' "$(show)"
check_match "diagnose lists p0 up with its wire" 'uplink 0 up true wire w0' "$(diag)"
check_match "diagnose lists p1 up with its wire" 'uplink 1 up true wire w1' "$(diag)"
check "ping remote through p0" nsx a ping -c 2 -W 2 10.7.0.100

# A failover is reported, with a dump of the event; a long hold-down keeps VF0 away from home.
check "failback_delay_ms 60000" $DEVLINK dev param set $DL name failback_delay_ms value 60000 cmode runtime
$IP -n remote link set r0 down
sleep 1
check_match "VF0 failed over to p1" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
check_match "failover reported: error state, one error" 'state error error 1' "$(show)"
dump=$($DEVLINK health dump show $DL reporter uplink | flat)
check_match "dump: a failover event" 'kind failover' "$dump"
check_match "dump: p0 was down" 'uplinks_down 0 ' "$dump"
check_match "dump: VF0's VPID moved from p0 to p1" "vpid $vf0 from_uplink 0 to_uplink 1" "$dump"
check_match "dump: drops for the down wire counted" 'dropped_wire_down [0-9]' "$dump"
check_match "diagnose: p0 down" 'uplink 0 up false' "$(diag)"
check_match "diagnose: one failover" 'failovers 1' "$(diag)"
check_fail_msg "recover refused while the home uplink is down" 'home uplink is still down' \
	$DEVLINK health recover $DL reporter uplink
check_match "still failed over after the refused recover" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"

$IP -n remote link set r0 up
sleep 1
check_match "failback held down (60 s)" 'vf0 home p0 uplink p1' "$(cat "$CFG/sw0/failover")"
check_match "reporter still in error while held down" 'state error' "$(show)"
check "devlink health recover fails back now" $DEVLINK health recover $DL reporter uplink
check_match "VF0 back home after recover" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check_match "healthy after recover, recovery counted" 'state healthy error 1 recover 1' "$(show)"
check "ping through p0 after recover" nsx a ping -c 2 -W 2 10.7.0.100

# Without hold-down the failback heals the reporter by itself.
$DEVLINK dev param set $DL name failback_delay_ms value 0 cmode runtime
$IP -n remote link set r0 down
sleep 1
check_match "second failover reported" 'state error error 2' "$(show)"
$IP -n remote link set r0 up
sleep 1
check_match "failback makes the reporter healthy" 'state healthy error 2' "$(show)"
check "dump clear" $DEVLINK health dump clear $DL reporter uplink
check "auto_recover can be turned off" $DEVLINK health set $DL reporter uplink auto_recover false
check_match "auto_recover off reads back" 'auto_recover false' "$(show)"

log=$(cat $DBG/failover)
check_match "debugfs log: failover with timestamp, p0 down, VF0 moved" \
	"^[0-9]+ seq [0-9]+ failover down 0x1 dropped [0-9]+ moved [0-9]+:.* vpid $vf0 p0->p1" "$log"
check_match "debugfs log: failback" "^[0-9]+ seq [0-9]+ failback down 0x0 .* vpid $vf0 p1->p0" "$log"
check_eq "debugfs log: two failover events" 2 "$(echo "$log" | grep -c ' failover ')"
# The uplink's own virtual port fails back at once, VF0 after the hold-down or the recover.
check_eq "debugfs log: three failback events" 3 "$(echo "$log" | grep -c ' failback ')"
check_eq "debugfs log: no frame dropped for a down wire (the data path steered them)" 0 \
	"$(echo "$log" | grep -vc ' dropped 0 ')"

# The data path bypasses a dead uplink by itself: make the control plane's move fail, so VF0
# stays on p0 in the tables, and traffic still flows through p1.
steered0=$(sed -n 's/^steered //p' "$CFG/sw0/failover")
check "fail the next move off p0" sh -c "echo 1 > $DBG/p0/fail_next_remap"
$IP -n remote link set r0 down
sleep 1
check_match "move failed: VF0 still on p0 in the tables" 'vf0 home p0 uplink p0' "$(cat "$CFG/sw0/failover")"
check "ping remote anyway (data path steers to p1)" nsx a ping -c 3 -W 2 10.7.0.100
steered1=$(sed -n 's/^steered //p' "$CFG/sw0/failover")
check "steered packets counted ($steered0 -> $steered1)" test "$steered1" -ge $((steered0 + 3))
check "with failover off nothing is steered" sh -c "echo 0 > $CFG/sw0/failover"
check_fail "no connectivity with failover off and p0 down" nsx a ping -c 1 -W 1 10.7.0.100
echo 1 > "$CFG/sw0/failover"
$IP -n remote link set r0 up
sleep 1

check "cleanup" fponic_destroy_all
check_nomatch "reporter gone with the device" 'fponic-sw0' "$($DEVLINK health show 2>&1)"
$IP link del w0
$IP link del w1
cleanup_netns
done_testing
