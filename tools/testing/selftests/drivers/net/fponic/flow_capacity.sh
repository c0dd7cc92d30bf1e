#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Flow table capacity as the devlink driverinit parameter flow_table_size, applied by
# `devlink dev reload` (driver_reinit), which rebuilds the device as it was (mode, VFs, wires);
# a full table refuses the next rule with ENOSPC and an extack message.
. "$(dirname "$0")/lib.sh"

DL=faux/fponic-sw0
size() { $DEVLINK resource show $DL | sed -n 's/.*name flow_table size \([0-9]*\).*/\1/p'; }
occ() { $DEVLINK resource show $DL | sed -n 's/.*name flow_table .*occ \([0-9]*\).*/\1/p'; }
add_rule() { # N: drop frames to 02:dd:00:00:00:N
	$TC filter add dev sw0pf0vf0 ingress protocol all prio 1 handle "$1" flower skip_sw \
		dst_mac "02:dd:00:00:00:$(printf %02x "$1")" action drop
}

fponic_load
check "create sw0" fponic_create sw0 1
echo 2 > "$CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set $DL mode switchdev
$IP link add w0 type veth peer name r0
$IP link set w0 up; $IP link set r0 up
echo "0 w0" > "$CFG/sw0/wires"
$IP link set sw0p0 up

check_match "flow_table_size is a driverinit parameter, default 131072" 'cmode driverinit value 131072' \
	"$($DEVLINK dev param show $DL name flow_table_size | tr -s '\n ' '  ')"
check_eq "resource size 131072" 131072 "$(size)"
check_fail_msg "size 8 refused with extack" 'within 16..1048576' \
	$DEVLINK dev param set $DL name flow_table_size value 8 cmode driverinit
check_fail_msg "size 2000000 refused" 'within 16..1048576' \
	$DEVLINK dev param set $DL name flow_table_size value 2000000 cmode driverinit
check_fail "runtime cmode refused" $DEVLINK dev param set $DL name flow_table_size value 16 cmode runtime
check "size 16 (driverinit)" $DEVLINK dev param set $DL name flow_table_size value 16 cmode driverinit
check_eq "not applied before reload" 131072 "$(size)"
check_fail_msg "reload into another namespace refused" 'namespace' sh -c \
	"$IP netns add rl; $DEVLINK dev reload $DL netns rl; r=\$?; $IP netns del rl; exit \$r"
check "devlink dev reload" $DEVLINK dev reload $DL
check_eq "resource size 16 after reload" 16 "$(size)"
check_match "switchdev mode restored" 'mode switchdev' "$($DEVLINK dev eswitch show $DL)"
check "VF netdevs back" test -d /sys/class/net/sw0v1
check "representors back" test -d /sys/class/net/sw0pf0vf1
check_nomatch "uplink keeps its wire's carrier" 'NO-CARRIER' "$($IP link show sw0p0)"
check_match "wire still bound" '^p0 w0' "$(cat "$CFG/sw0/wires")"

$IP link set sw0pf0vf0 up
$TC qdisc add dev sw0pf0vf0 ingress
n=0
for i in $(seq 1 16); do add_rule "$i" && n=$((n + 1)); done
check_eq "16 rules fit" 16 "$n"
check_eq "occupancy 16" 16 "$(occ)"
check_fail_msg "17th rule refused: table full" 'flow table full' add_rule 17
check_eq "refused rule not added" 16 "$($TC filter show dev sw0pf0vf0 ingress | grep -c '^filter .*handle')"
check_eq "occupancy still 16" 16 "$(occ)"
check "delete one rule" $TC filter del dev sw0pf0vf0 ingress protocol all prio 1 handle 3 flower
check "then one fits again" add_rule 17

check "reload with rules offloaded" $DEVLINK dev reload $DL
check_eq "their representor went, so did they" 0 "$(occ)"
check "size back to 131072" $DEVLINK dev param set $DL name flow_table_size value 131072 cmode driverinit
check "reload" $DEVLINK dev reload $DL
check_eq "resource size 131072" 131072 "$(size)"
check_match "reloads counted" 'driver_reinit' "$($DEVLINK dev show $DL -s 2>&1)"

check "cleanup" fponic_destroy_all
$IP link del w0
done_testing
