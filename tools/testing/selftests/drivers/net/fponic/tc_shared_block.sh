#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A filter of a shared block acts on the traffic of every representor bound to the block, as
# in software: tc offloads it once per representor, replays the block's filters to a
# representor that binds later, and removes them from one that unbinds. Hardware counters are
# the sum over the representors, exactly.
#
#   ns a: sw0v0   ns b: sw0v1   ns c: sw0v2
#   block 7: ingress of sw0pf0vf0 and sw0pf0vf1, later sw0pf0vf2; one skip_sw drop filter.
. "$(dirname "$0")/lib.sh"

K=10
X=02:00:00:00:00:42

fponic_load
check "create sw0" fponic_create sw0 1
check "3 VFs" sh -c "echo 3 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b; ns_new c
ns_move sw0v0 a; ns_move sw0v1 b; ns_move sw0v2 c
for d in sw0pf0vf0 sw0pf0vf1 sw0pf0vf2; do $IP link set $d up; done
fa=$($FPKT build dst=$X src=$(mac_of a sw0v0) eth=88b5)
fb=$($FPKT build dst=$X src=$(mac_of b sw0v1) eth=88b5)
fc=$($FPKT build dst=$X src=$(mac_of c sw0v2) eth=88b5)

# hits: hardware packets of the block's filter (tc sums the representors' reports).
hits() {
	$TC -s -j filter show block 7 | grep -o '"hw_packets":[0-9]*' | head -1 | cut -d: -f2
}
# cpu_hit REP: packets REP received from its port (the slow path: no rule took them).
cpu_hit() {
	$IP -j stats show dev "$1" group offload subgroup cpu_hit | grep -o '"packets":[0-9]*' | head -1 | cut -d: -f2
}

check "VF0's representor binds block 7" $TC qdisc add dev sw0pf0vf0 ingress_block 7 ingress
check "VF1's representor binds block 7" $TC qdisc add dev sw0pf0vf1 ingress_block 7 ingress
check "skip_sw drop filter on block 7" \
	$TC filter add block 7 protocol all prio 1 flower skip_sw dst_mac $X action drop
check_match "offloaded for both representors" 'in_hw_count 2' "$($TC filter show block 7)"
check_match "two rules in the flow table" '^rules 2 ' "$(cat "$CFG/sw0/offload")"

ha=$(cpu_hit sw0pf0vf0); hb=$(cpu_hit sw0pf0vf1)
nsx a $FPKT send sw0v0 "$fa" $K
nsx b $FPKT send sw0v1 "$fb" $((2 * K))
check_eq "VF0's and VF1's frames both counted, exactly" $((3 * K)) "$(hits)"
check_eq "none of VF0's frames took the slow path" 0 $(($(cpu_hit sw0pf0vf0) - ha))
check_eq "none of VF1's frames took the slow path" 0 $(($(cpu_hit sw0pf0vf1) - hb))

check "VF2's representor binds block 7 (filters replayed)" \
	$TC qdisc add dev sw0pf0vf2 ingress_block 7 ingress
check_match "offloaded for three representors" 'in_hw_count 3' "$($TC filter show block 7)"
nsx a $FPKT send sw0v0 "$fa" $K
nsx c $FPKT send sw0v2 "$fc" $K
check_eq "VF0's and VF2's frames counted" $((5 * K)) "$(hits)"

check "VF1's representor unbinds" $TC qdisc del dev sw0pf0vf1 ingress
check_match "offloaded for two representors" 'in_hw_count 2' "$($TC filter show block 7)"
check_match "two rules in the flow table" '^rules 2 ' "$(cat "$CFG/sw0/offload")"
hb=$(cpu_hit sw0pf0vf1)
nsx a $FPKT send sw0v0 "$fa" $K
nsx b $FPKT send sw0v1 "$fb" $K
nsx c $FPKT send sw0v2 "$fc" $K
check_eq "VF0 and VF2 still matched, VF1 no more" $((7 * K)) "$(hits)"
check_eq "VF1's frames took the slow path" $K $(($(cpu_hit sw0pf0vf1) - hb))

check "delete the filter" $TC filter del block 7 prio 1
check_match "flow table empty" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
$TC qdisc del dev sw0pf0vf0 ingress
$TC qdisc del dev sw0pf0vf2 ingress
check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
