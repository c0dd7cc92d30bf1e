#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Rules of equal priority with different masks: software flower tries a classifier's masks in
# the order they entered its mask list (a mask leaves with its last filter and re-enters at the
# end), and the first match wins. Offloaded rules must pick the same winner, whatever order
# masks were created in for other priorities.
#
#   ns a: sw0v0   ns b: sw0v1   ns c: sw0v2   rules on the ingress of sw0pf0vf0.
. "$(dirname "$0")/lib.sh"

REP=sw0pf0vf0
K=10
X=02:00:00:00:00:42

fponic_load
check "create sw0" fponic_create sw0 1
check "3 VFs" sh -c "echo 3 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b; ns_new c
ns_move sw0v0 a; ns_move sw0v1 b; ns_move sw0v2 c
for d in sw0pf0vf0 sw0pf0vf1 sw0pf0vf2; do $IP link set $d up; done
m0=$(mac_of a sw0v0)
f=$($FPKT build dst=$X src=$m0 eth=88b5)

# to VF: which of VF1 and VF2 get the K frames.
to() {
	local r1 r2
	r1=$(nstat b sw0v1 rx_packets); r2=$(nstat c sw0v2 rx_packets)
	nsx a $FPKT send sw0v0 "$f" $K
	echo "vf1 $(($(nstat b sw0v1 rx_packets) - r1)) vf2 $(($(nstat c sw0v2 rx_packets) - r2))"
}
flt() { # PRIO HANDLE SELECTOR TARGET
	$TC filter add dev $REP ingress protocol all prio $1 handle $2 flower skip_sw $3 \
		action mirred egress redirect dev $4
}

$TC qdisc add dev $REP ingress
# The dst-MAC mask exists (prio 5) before the prio 1 classifier gets its masks: src MAC first.
check "prio 5: dst_mac -> VF1" flt 5 1 "dst_mac $X" sw0pf0vf1
check "prio 1: src_mac -> VF2 (first mask of prio 1)" flt 1 1 "src_mac $m0" sw0pf0vf2
check "prio 1: dst_mac -> VF1 (second mask of prio 1)" flt 1 2 "dst_mac $X" sw0pf0vf1
check_match "all in hardware" 'in_hw_count 1.*in_hw_count 1.*in_hw_count 1' "$($TC filter show dev $REP ingress | tr '\n' ' ')"
check_eq "the src_mac rule wins, as in software" "vf1 0 vf2 $K" "$(to)"

# The src-MAC mask leaves prio 1 and re-enters after the dst-MAC one.
$TC filter del dev $REP ingress prio 1 handle 1 flower
check "prio 1: src_mac -> VF2 again" flt 1 3 "src_mac $m0" sw0pf0vf2
check_eq "now the dst_mac rule wins, as in software" "vf1 $K vf2 0" "$(to)"

# The same rules in software only (skip_hw) on a veth: the reference.
$IP link add v0 type veth peer name v1
$IP link set v0 up; $IP link set v1 up
$TC qdisc add dev v1 ingress
sw() { # PRIO HANDLE SELECTOR
	$TC filter add dev v1 ingress protocol all prio $1 handle $2 flower skip_hw $3 action pass
}
sw 5 1 "dst_mac $X"; sw 1 1 "src_mac $m0"; sw 1 2 "dst_mac $X"
swhits() { # HANDLE: packets the prio 1 filter HANDLE passed
	$TC -s filter get dev v1 ingress protocol all pref 1 handle $1 flower |
		sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' | head -1
}
$FPKT send v0 "$f" $K
check_eq "software: the src_mac filter wins" "$K 0" "$(swhits 1) $(swhits 2)"
$TC filter del dev v1 ingress prio 1 handle 1 flower
sw 1 3 "src_mac $m0"
$FPKT send v0 "$f" $K
check_eq "software: then the dst_mac filter wins" "$K 0" "$(swhits 2) $(swhits 3)"
$IP link del v0

check "remove the qdisc" $TC qdisc del dev $REP ingress
sleep 0.5
check_match "flow table empty" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
