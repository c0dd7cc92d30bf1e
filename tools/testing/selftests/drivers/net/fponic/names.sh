#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# devlink-derived names, switch id, MACs and devlink port attributes of uplinks.
. "$(dirname "$0")/lib.sh"

fponic_load
check "create sw0 with 3 uplinks" fponic_create sw0 3
check "create sw1 with 2 uplinks" fponic_create sw1 2

for p in 0 1 2; do
	check_eq "sw0p$p phys_port_name" "p$p" "$(cat /sys/class/net/sw0p$p/phys_port_name)"
done
sid0=$(cat /sys/class/net/sw0p0/phys_switch_id)
sid1=$(cat /sys/class/net/sw1p0/phys_switch_id)
check_match "switch id is 8 bytes" '^[0-9a-f]{16}$' "$sid0"
check_eq "sw0p1 shares the switch id" "$sid0" "$(cat /sys/class/net/sw0p1/phys_switch_id)"
check_eq "sw0p2 shares the switch id" "$sid0" "$(cat /sys/class/net/sw0p2/phys_switch_id)"
check_eq "sw1p1 shares sw1's switch id" "$sid1" "$(cat /sys/class/net/sw1p1/phys_switch_id)"
check "different devices, different switch ids" test "$sid0" != "$sid1"

check_match "ip -d link shows portname and switchid" "portname p1 switchid $sid0" "$($IP -d link show sw0p1)"
check_eq "MACs are unique" 5 "$(cat /sys/class/net/sw*/address | sort -u | wc -l)"
check_match "MACs are locally administered unicast" '^02:' "$(cat /sys/class/net/sw0p0/address)"

ports=$($DEVLINK port show)
check_match "devlink port 0" '^faux/fponic-sw0/0: type eth netdev sw0p0 flavour physical port 0 splittable false$' "$ports"
check_match "devlink port 2" '^faux/fponic-sw0/2: type eth netdev sw0p2 flavour physical port 2 splittable false$' "$ports"
check_match "devlink port of sw1" '^faux/fponic-sw1/1: type eth netdev sw1p1 flavour physical port 1' "$ports"
check_match "devlink port JSON" '"faux/fponic-sw0/1":\{"type":"eth","netdev":"sw0p1","flavour":"physical","port":1' "$($DEVLINK -j port show)"
check_match "devlink port show by netdev" 'faux/fponic-sw0/2:' "$($DEVLINK port show sw0p2)"

# A renamed netdev keeps its devlink identity.
check "rename sw0p0" $IP link set sw0p0 name uplink0
check_match "devlink follows the rename" 'faux/fponic-sw0/0: type eth netdev uplink0' "$($DEVLINK port show)"
check_eq "phys_port_name is unchanged" p0 "$(cat /sys/class/net/uplink0/phys_port_name)"

check "cleanup" fponic_destroy_all
done_testing
