#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Differential test: the same random flower rules offloaded to fponic (skip_sw on a VF
# representor) and run by software tc (skip_hw on a veth), the same random frames through both;
# every frame must end at the same place (dropped, or received by the same one of three
# receivers) with the same bytes (VLAN push and pedit rewrites included). The frames include
# non-linear ones (headers outside the skb's linear part), IPv4 and IPv6 fragments, IPv6 with
# destination options chains past the flow dissector's header limit, QinQ and triple tags.
#
#   fponic:   ns a sw0v0 -> [rules on sw0pf0vf0] -> sw0v1 (ns b) | sw0v2 (ns c) | sw0v3 (ns d)
#   software: ns sa s0 -> t0 [rules on t0 ingress] -> t1 -> s1 (ns sb) | t2/s2 (sc) | t3/s3 (sd)
. "$(dirname "$0")/lib.sh"

SEED=${SEED:-20261122}
RULES=${RULES:-60}
FRAMES=${FRAMES:-10000}

fponic_load
check "create sw0" fponic_create sw0 1
echo 4 > "$CFG/sw0/num_vfs"
$DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
for n in a b c d sa sb sc sd; do ns_new $n; done
# Room for the non-linear 5042-byte frames (AF_PACKET refuses frames over the MTU, veth drops
# them) and a pushed tag on top.
for d in sw0v0 sw0v1 sw0v2 sw0v3 sw0pf0vf0 sw0pf0vf1 sw0pf0vf2 sw0pf0vf3; do $IP link set $d mtu 9000; done
ns_move sw0v0 a; ns_move sw0v1 b; ns_move sw0v2 c; ns_move sw0v3 d
for d in sw0pf0vf0 sw0pf0vf1 sw0pf0vf2 sw0pf0vf3; do $IP link set $d up; done
for i in 0 1 2 3; do
	$IP link add t$i mtu 9000 type veth peer name s$i mtu 9000
	$IP link set t$i up
done
ns_move s0 sa; ns_move s1 sb; ns_move s2 sc; ns_move s3 sd
$TC qdisc add dev sw0pf0vf0 ingress
$TC qdisc add dev t0 ingress

$FPKT gen-rules $SEED $RULES > /tmp/rules
# Software must not drop for lack of backlog when frames come back to back.
echo 100000 > /proc/sys/net/core/netdev_max_backlog
$FPKT gen-frames $SEED $FRAMES > /tmp/frames

# act ACTION R1 R2: tc actions for a generated action, with the world's receivers.
act() {
	case $1 in
	drop) echo "action drop" ;;
	r1) echo "action mirred egress redirect dev $2" ;;
	r2) echo "action mirred egress redirect dev $3" ;;
	goto1) echo "action goto chain 1" ;;
	ttl:*) t=${1#ttl:}; t=${t%%:*}; echo "action pedit ex munge ip ttl set $t pipe action csum iph pipe action mirred egress redirect dev $2" ;;
	vlan:*) v=${1#vlan:}; v=${v%%:*}; echo "action vlan push id $v pipe action mirred egress redirect dev $3" ;;
	vmod:*) v=${1#vmod:}; v=${v%%:*}; echo "action vlan modify id $v pipe action mirred egress redirect dev $2" ;;
	ptcp:*) v=${1#ptcp:}; v=${v%%:*}; echo "action pedit ex munge tcp dport set $v pipe action csum tcp pipe action mirred egress redirect dev $3" ;;
	mirror:*) echo "action mirred egress mirror dev $2" ;;
	esac
}
install() { # "dev DEV ingress"|"block N" FLAG R1 R2 R3: one tc batch
	b=/tmp/batch.$(echo "$1" | tr ' ' _)
	while IFS='|' read -r cp sel a; do
		c=${cp% *}; p=${cp#* }
		echo "filter add $1 chain $c prio $p ${sel%% flower*} flower $2 ${sel#* flower } $(act $a $3 $4)"
	done < /tmp/rules > $b
	echo "filter add $1 chain 0 prio 60000 protocol all flower $2 action mirred egress redirect dev $5" >> $b
	echo "filter add $1 chain 1 prio 60000 protocol all flower $2 action mirred egress redirect dev $5" >> $b
	$TC -b $b
}
check "install $RULES random rules on fponic (skip_sw)" install "dev sw0pf0vf0 ingress" skip_sw sw0pf0vf1 sw0pf0vf2 sw0pf0vf3
check "install the same rules in software (skip_hw)" install "dev t0 ingress" skip_hw t1 t2 t3
check_eq "every fponic rule is in hardware" $((RULES + 2)) "$($TC filter show dev sw0pf0vf0 ingress | grep -c 'in_hw in_hw_count 1')"

# capture WORLD NS1 DEV1 NS2 DEV2 NS3 DEV3: sniffers that stop 3 s after their last frame.
capture() {
	w=$1
	shift
	args=$*
	i=1
	while [ $# -gt 0 ]; do
		nsx $1 $FPKT sniff $2 120000 $FRAMES 3000 > /tmp/cap.$w.$i &
		i=$((i + 1))
		shift 2
	done
	set -- $args
	while [ $# -gt 0 ]; do sniff_ready $1 $2; shift 2; done
}
capture hw b sw0v1 c sw0v2 d sw0v3
check "send $FRAMES frames through fponic" nsx a $FPKT send-file sw0v0 /tmp/frames 0
wait
capture sw sb s1 sc s2 sd s3
check "send $FRAMES frames through software tc" nsx sa $FPKT send-file s0 /tmp/frames 0
wait

total_hw=0; total_sw=0
for i in 1 2 3; do
	sort /tmp/cap.hw.$i > /tmp/s.hw.$i
	sort /tmp/cap.sw.$i > /tmp/s.sw.$i
	nh=$(wc -l < /tmp/s.hw.$i); ns=$(wc -l < /tmp/s.sw.$i)
	total_hw=$((total_hw + nh)); total_sw=$((total_sw + ns))
	check_eq "receiver $i: same number of frames" "$ns" "$nh"
	check "receiver $i: byte-identical frames" cmp -s /tmp/s.hw.$i /tmp/s.sw.$i
done
echo "# delivered: fponic $total_hw, software $total_sw of $FRAMES; dropped $((FRAMES - total_hw)) / $((FRAMES - total_sw))"
check "traffic reached several receivers and some was dropped" \
	test "$(wc -l < /tmp/s.hw.1)" -gt 0 -a "$(wc -l < /tmp/s.hw.2)" -gt 0 -a "$(wc -l < /tmp/s.hw.3)" -gt 0 -a $total_hw -lt $FRAMES
d0=$(drops sw0 ring_full)
check_eq "no ring_full drops in fponic" 0 "$d0"

# Second pass: the same rules in hardware and software (no skip flag) on a block shared by two
# representors. Packets the eswitch hands to software mid-pipeline carry where to resume, so the
# eswitch and software together must deliver exactly what software alone delivered.
$TC qdisc del dev sw0pf0vf0 ingress
$TC qdisc add dev sw0pf0vf0 ingress_block 7 ingress
$TC qdisc add dev sw0pf0vf3 ingress_block 7 ingress
check "install the rules on shared block 7 (no skip flag)" install "block 7" "" sw0pf0vf1 sw0pf0vf2 sw0pf0vf3
check_eq "every rule is in hardware for both representors" $((RULES + 2)) "$($TC filter show block 7 | grep -c 'in_hw in_hw_count 2')"
capture mix b sw0v1 c sw0v2 d sw0v3
check "send $FRAMES frames through fponic and software together" nsx a $FPKT send-file sw0v0 /tmp/frames 0
wait
total_mix=0
for i in 1 2 3; do
	sort /tmp/cap.mix.$i > /tmp/s.mix.$i
	nm=$(wc -l < /tmp/s.mix.$i); ns=$(wc -l < /tmp/s.sw.$i)
	total_mix=$((total_mix + nm))
	check_eq "together, receiver $i: same number of frames as software alone" "$ns" "$nm"
	check "together, receiver $i: byte-identical frames" cmp -s /tmp/s.mix.$i /tmp/s.sw.$i
done
echo "# delivered with hardware and software together: $total_mix"

check "cleanup" fponic_destroy_all
for i in 0 1 2 3; do $IP link del t$i; done
cleanup_netns
done_testing
