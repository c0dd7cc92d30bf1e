#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `ethtool -K <rep> hw-tc-offload off` as netdevsim and mlx5 honour it: while it is off, rules
# on the representor are refused with tc's extack message (skip_sw rules fail, others stay in
# software only); turning it off is refused while the representor has offloaded rules.
. "$(dirname "$0")/lib.sh"

REP=sw0pf0vf0
ETHTOOL=/sbin/ethtool
K=5
X=02:00:00:00:00:42

fponic_load
check "create sw0" fponic_create sw0 1
check "1 VF" sh -c "echo 1 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a
ns_move sw0v0 a
$IP link set $REP up
fx=$($FPKT build dst=$X src=$(mac_of a sw0v0) eth=88b5)

hw_tc() {
	$ETHTOOL -k "$1" | sed -n 's/^hw-tc-offload: \([a-z]*\).*/\1/p'
}
drop_rule() { # [skip_sw]
	$TC filter add dev $REP ingress protocol all prio 1 flower $1 dst_mac $X action drop
}

check "ingress qdisc" $TC qdisc add dev $REP ingress
check "hw-tc-offload off" $ETHTOOL -K $REP hw-tc-offload off
check_eq "it is off" off "$(hw_tc $REP)"
check_fail_msg "skip_sw rule refused" 'TC offload is disabled on net device' drop_rule skip_sw
check_eq "no filter" "" "$($TC filter show dev $REP ingress)"
check_match "nothing offloaded" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "a rule without skip_sw is accepted" drop_rule
check_match "in software only" 'not_in_hw' "$($TC filter show dev $REP ingress)"
check_match "still nothing offloaded" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "delete it" $TC filter del dev $REP ingress prio 1

check "hw-tc-offload on" $ETHTOOL -K $REP hw-tc-offload on
check "skip_sw rule accepted" drop_rule skip_sw
check_match "in hardware" 'in_hw in_hw_count 1' "$($TC filter show dev $REP ingress)"
$ETHTOOL -K $REP hw-tc-offload off > /dev/null 2>&1
check_eq "turning it off with a rule offloaded fails: still on" on "$(hw_tc $REP)"
check_match "the failure is logged" "$REP: active offloaded tc filters" "$(dmesg | tail -5)"
nsx a $FPKT send sw0v0 "$fx" $K
check_match "the rule still acts" "\"hw_packets\":$K," "$($TC -s -j filter show dev $REP ingress)"
check "delete it" $TC filter del dev $REP ingress prio 1
# The failed change left the wanted features off (the core keeps them): asking for off again
# would change nothing. Ask for on (what it is), then off.
$ETHTOOL -K $REP hw-tc-offload on
check "now it can be turned off" $ETHTOOL -K $REP hw-tc-offload off
check_eq "it is off" off "$(hw_tc $REP)"

# A block bound while the feature is off refuses rules too, and the state goes with the netdev:
# a new representor of the same port starts with offload on.
check "unbind" $TC qdisc del dev $REP ingress
check "bind again, offload still off" $TC qdisc add dev $REP ingress
check_fail_msg "skip_sw rule refused" 'TC offload is disabled on net device' drop_rule skip_sw
$TC qdisc del dev $REP ingress
check "remove and recreate the VF (new representor)" \
	sh -c "echo 0 > $CFG/sw0/num_vfs && echo 1 > $CFG/sw0/num_vfs"
check_eq "the new representor has it on" on "$(hw_tc $REP)"
$IP link set $REP up
check "ingress qdisc" $TC qdisc add dev $REP ingress
check "skip_sw rule accepted on the new representor" drop_rule skip_sw
check_match "in hardware" 'in_hw in_hw_count 1' "$($TC filter show dev $REP ingress)"

check "remove the qdisc" $TC qdisc del dev $REP ingress
sleep 0.5
check_match "flow table empty" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
