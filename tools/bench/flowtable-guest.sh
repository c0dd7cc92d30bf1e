#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/bench/flowtable.sh (after guest-lib.sh). Prints "RESULT <name> <value>" lines.
#
# The host routes between VF0 (namespace a, 10.0.0.1) and VF1 (namespace b, 10.0.0.2) through
# their representors, with static routes and neighbours; pktgen sends one UDP flow (64-byte
# packets) from VF0 to the gateway's MAC. Measured in turn, with an nftables flowtable over the
# two representors:
#   offload  flags offload: the switch forwards the flow (fponic's flowtable offload);
#   sw       no offload: nf_flow_table's software fast path on the representors;
#   classic  no flowtable: the host's forwarding path.
N=${N:-100000}

for m in llc stp bridge pktgen; do insmod /fponic/modules/$m.ko 2>/dev/null; done
insmod /fponic/modules/fponic.ko
setup_routed sw0 a b
g0=$(cat /sys/class/net/sw0pf0vf0/address)
# run MODE: pps of the flow with MODE's table.
run() {
	case $1 in
	offload) ft_flow sw0 a "flags offload;" ;;
	sw) ft_flow sw0 a "" ;;
	classic) ft_flow sw0 a none ;;
	esac
	pktgen a sw0v0 "$g0" b sw0v1
}
ratio() { awk -v a=$1 -v b=$2 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }'; }
# A B C C B A: each ratio within a pair measured back to back.
for r in 1 2 3; do
	o1=$(run offload); s1=$(run sw); c1=$(run classic)
	c2=$(run classic); s2=$(run sw); o2=$(run offload)
	for v in "pps_ft_offload $o1 $o2" "pps_ft_sw $s1 $s2" "pps_classic $c1 $c2"; do
		set -- $v; echo "RESULT $1 $2"; echo "RESULT $1 $3"
	done
	echo "RESULT pair_offload_sw $(ratio $o1 $s1)"; echo "RESULT pair_offload_sw $(ratio $o2 $s2)"
	echo "RESULT pair_offload_classic $(ratio $o1 $c1)"; echo "RESULT pair_offload_classic $(ratio $o2 $c2)"
done
