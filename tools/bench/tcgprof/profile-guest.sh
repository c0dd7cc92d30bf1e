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
