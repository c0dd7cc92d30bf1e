#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/bench/tcgprof/profile.sh (after ../guest-lib.sh): the forwarding paths of
# the offload benchmark, each between two sync(2) calls, which the tcgprof plugin turns into one
# profile snapshot.
# Paths, in order: fponic VF->VF offloaded redirect, the same with GRO off on the receiving VF,
# a plain veth pair, veth + software flower + mirred, fponic legacy VF->VF switching, a routed
# flow of an nftables flowtable offloaded to fponic and in the software fast path,
# inserting RULES skip_sw rules into fponic, the same into netdevsim. Each prints a PROFILE line.
# With SCENARIO=ct instead: packets of an established UDP connection VF0 -> VF1 through OVS-style
# conntrack rules offloaded to fponic (the ct hit path: the switch finds the connection at `ct`
# and forwards the packet by the +trk+est rule), then the same rules in software (skip_hw) on
# two veth pairs (act_ct's software flow table).
# SCENARIO (see profile.sh) picks the actions of the offloaded rule.
N=${N:-200000}
RULES=${RULES:-20000}
case ${SCENARIO:-redirect} in
pedit_csum)
	ACTIONS="action pedit ex munge ip ttl set 7 pipe action csum ip and udp pipe"
	PKTGEN_FLAGS=UDPCSUM
	;;
*) ACTIONS= ;;
esac

for m in pktgen netdevsim; do insmod /fponic/modules/$m.ko 2>/dev/null; done
insmod /fponic/modules/fponic.ko
PKTGEN_MARK=sync
profile() { # NAME pktgen-args...
	name=$1
	shift
	echo "PROFILE $name pps $(pktgen "$@")"
}

if [ "${SCENARIO:-}" = ct ]; then
	setup_fponic sw0 a b switchdev
	ct_rules - sw0pf0vf0 sw0pf0vf1 5
	ct_rules - sw0pf0vf1 sw0pf0vf0 5
	ct_frames $(mac a sw0v0) $(mac b sw0v1)
	# Until the switch forwards the connection's packets by its +trk+est rule and holds both
	# of its directions.
	ready() { ct_hw_est a sw0v0 $udp_o sw0pf0vf0 && [ "$(ct_conns sw0)" = 2 ]; }
	ct_udp_establish a sw0v0 b sw0v1 ready || exit 1
	e0=$(tc_hw sw0pf0vf0 1 2)
	profile ct a sw0v0 $(mac b sw0v1) b sw0v1
	echo "# the switch's +trk+est rule forwarded $(($(tc_hw sw0pf0vf0 1 2) - e0)) of $N packets"
	ns x; ns y; ns v
	$IP link add vx0 netns x type veth peer name vy0 netns v
	$IP link add vx1 netns y type veth peer name vy1 netns v
	for l in "x vx0" "y vx1" "v vy0" "v vy1"; do set -- $l; $IP -n $1 link set $2 up; done
	ct_rules v vy0 vy1 5 skip_hw
	ct_rules v vy1 vy0 5 skip_hw
	ct_frames $(mac x vx0) $(mac y vx1)
	ct_udp_establish x vx0 y vx1 ct_offloaded v 'dport=9 ' OFFLOAD ASSURED || exit 1
	profile ct_veth x vx0 $(mac y vx1) y vx1
	echo KALLSYMS-BEGIN
	grep -i ' t ' /proc/kallsyms
	echo KALLSYMS-END
	exit 0
fi

setup_fponic sw0 a b switchdev
$TC filter add dev sw0pf0vf0 ingress protocol all prio 1 flower skip_sw dst_mac $(mac b sw0v1) $ACTIONS action mirred egress redirect dev sw0pf0vf1
setup_fponic sw1 c d legacy
$IP link set sw1p0 up
setup_baselines

profile offload a sw0v0 $(mac b sw0v1) b sw0v1
# veth leaves GRO off unless asked; the same on the receiving VF.
$IP netns exec b /sbin/ethtool -K sw0v1 gro off
profile offload_nogro a sw0v0 $(mac b sw0v1) b sw0v1
profile veth p va $(mac q vb) q vb
profile swflower x vx0 $(mac y vx1) y vx1
profile legacy c sw1v0 $(mac d sw1v1) d sw1v1
# A routed UDP flow VF0 -> VF1 of an nftables flowtable: offloaded (the switch forwards it),
# then in nf_flow_table's software fast path on the representors.
setup_routed sw2 e f
ft_flow sw2 e "flags offload;"
profile ft_offload e sw2v0 $(cat /sys/class/net/sw2pf0vf0/address) f sw2v1
ft_flow sw2 e ""
profile ft_sw e sw2v0 $(cat /sys/class/net/sw2pf0vf0/address) f sw2v1
nft delete table inet bench
echo "1 1" > /sys/bus/netdevsim/new_device
sleep 1
NSIM=$(ls /sys/bus/netdevsim/devices/netdevsim1/net/ | head -1)
/sbin/ethtool -K $NSIM hw-tc-offload on
$IP link set $NSIM up
insert() { # DEV NAME
	awk -v n=$RULES -v d=$1 'BEGIN { for (i = 0; i < n; i++)
		printf "filter add dev %s ingress protocol all prio 1 handle %d flower skip_sw dst_mac 02:bb:%02x:%02x:%02x:00 action drop\n",
			d, i + 1, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' > /tmp/ins
	$TC qdisc add dev $1 ingress 2>/dev/null
	sync
	t0=$(awk '{printf "%d", $1 * 1000}' /proc/uptime)
	$TC -b /tmp/ins
	t1=$(awk '{printf "%d", $1 * 1000}' /proc/uptime)
	sync
	echo "PROFILE $2 rules/s $(( RULES * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1) ))"
}
insert sw0pf0vf2 insert_fponic
insert $NSIM insert_netdevsim
echo KALLSYMS-BEGIN
grep -i ' t ' /proc/kallsyms
echo KALLSYMS-END
