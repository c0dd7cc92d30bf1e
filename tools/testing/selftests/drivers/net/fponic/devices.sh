#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Creating and destroying devices through configfs; several devices side by side.
. "$(dirname "$0")/lib.sh"

check "module loads" fponic_load
check "configfs subsystem present" test -d "$CFG"

check "mkdir creates a config directory" mkdir "$CFG/sw0"
check_eq "num_uplinks defaults to 2" 2 "$(cat "$CFG/sw0/num_uplinks")"
check_eq "a new device is disabled" 0 "$(cat "$CFG/sw0/enable")"
check_fail "no netdev before enable" test -e /sys/class/net/sw0p0
check "enable creates the device" sh -c "echo 1 > $CFG/sw0/enable"
check_eq "enable reads back 1" 1 "$(cat "$CFG/sw0/enable")"
check "uplink netdev sw0p0 exists" test -d /sys/class/net/sw0p0
check "uplink netdev sw0p1 exists" test -d /sys/class/net/sw0p1
check_fail "no third uplink" test -e /sys/class/net/sw0p2
check_match "devlink dev lists the instance" '^faux/fponic-sw0$' "$($DEVLINK dev show)"
check_match "info names the devlink handle" 'devlink faux/fponic-sw0' "$(cat "$CFG/sw0/info")"

check "a second device with 4 uplinks" fponic_create sw1 4
check_eq "second device has 4 uplink netdevs" 4 "$(ls -d /sys/class/net/sw1p* | wc -l)"
check_eq "devlink lists both instances" 2 "$($DEVLINK dev show | grep -c '^faux/fponic-sw')"
check_eq "6 devlink ports in total" 6 "$($DEVLINK port show | grep -c 'flavour physical')"

check "disable removes the netdevs" sh -c "echo 0 > $CFG/sw1/enable"
check_fail "sw1p0 gone after disable" test -e /sys/class/net/sw1p0
check_nomatch "sw1 devlink instance gone after disable" 'fponic-sw1' "$($DEVLINK dev show)"
check "re-enable recreates it" sh -c "echo 1 > $CFG/sw1/enable"
check "sw1p3 back after re-enable" test -d /sys/class/net/sw1p3

check "rmdir of an enabled device" rmdir "$CFG/sw0"
check_fail "sw0 netdevs gone after rmdir" test -e /sys/class/net/sw0p0
check_nomatch "sw0 devlink instance gone after rmdir" 'fponic-sw0' "$($DEVLINK dev show)"
check "sw1 unaffected by removing sw0" test -d /sys/class/net/sw1p0

# devlink registers an instance last, once nothing can fail any more: an enable that fails (a
# netdev name is taken) never shows user space an instance that then vanishes, and the enable
# that works announces the instance once, before its ports.
$DEVLINK monitor dev port > /tmp/dv.mon 2>&1 &
mon=$!
check "a device seen by devlink monitor" fponic_create m0 1
i=0
until grep -q 'fponic-m0' /tmp/dv.mon || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "take sw2p1's name" $IP link add sw2p1 type veth peer name blocker
check "configure sw2" mkdir "$CFG/sw2"
check_fail_msg "enable fails while sw2p1 is taken" 'exists' sh -c "echo 1 > $CFG/sw2/enable"
check "free the name" $IP link del sw2p1
check "enable sw2" sh -c "echo 1 > $CFG/sw2/enable"
i=0
until grep -q 'port,new.*fponic-sw2/' /tmp/dv.mon || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill $mon
wait $mon 2>/dev/null
sed -n '/fponic-sw2/s/^/# monitor: /p' /tmp/dv.mon | head -8
check_eq "sw2 appeared once and never went away" "dev,new" \
	"$(sed -n 's/^\[\([a-z]*,[a-z]*\)\] faux\/fponic-sw2:*$/\1/p' /tmp/dv.mon | tr '\n' ' ' | sed 's/ $//')"
check_match "user space heard of sw2 first, then of its ports" '^\[dev,new\]' \
	"$(grep 'fponic-sw2' /tmp/dv.mon | head -n 1)"
check "remove sw2 and m0" rmdir "$CFG/sw2" "$CFG/m0"

# Create/destroy churn: 20 rounds with different uplink counts.
churn() {
	for i in $(seq 1 20); do
		fponic_create c0 $((i % 8 + 1)) || return 1
		[ "$(ls -d /sys/class/net/c0p* | wc -l)" = $((i % 8 + 1)) ] || return 1
		rmdir "$CFG/c0" || return 1
		[ ! -e /sys/class/net/c0p0 ] || return 1
	done
}
check "20 rounds of create/destroy with 1..8 uplinks" churn

# Long listings are cut to one page, never refused.
check "64 VFs" sh -c "echo 64 > $CFG/sw1/num_vfs"
check "info of a device with 64 VFs reads" cat "$CFG/sw1/info"
check_match "info lists the 64th VF" 'func Vf\(63\) netdev sw1v63' "$(cat "$CFG/sw1/info")"
check "vpid_map of 64 VFs reads" cat "$CFG/sw1/vpid_map"
check "back to 0 VFs" sh -c "echo 0 > $CFG/sw1/num_vfs"

check "cleanup" fponic_destroy_all
check "module unloads after cleanup" rmmod fponic
check_eq "no fponic netdev left" "" "$(ls /sys/class/net | grep -E '^(sw|c0|m0)' || true)"
done_testing
