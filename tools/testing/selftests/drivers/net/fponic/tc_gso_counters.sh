#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A rule's hardware packet counter counts the segments of GSO packets, as software tc does
# (bstats_update): a TCP stream from VF0 (TSO on) through a skip_sw redirect rule to VF1 is
# counted packet for packet like a skip_hw rule on VF1's ingress counts it.
#
#   ns a: sw0v0 10.2.0.1   ns b: sw0v1 10.2.0.2   no bridge: only rules move traffic.
. "$(dirname "$0")/lib.sh"

REP=sw0pf0vf0
PORT=5001

fponic_load
check "create sw0" fponic_create sw0 1
check "2 VFs" sh -c "echo 2 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b
ns_move sw0v0 a 10.2.0.1/24; ns_move sw0v1 b 10.2.0.2/24
for d in sw0pf0vf0 sw0pf0vf1; do $IP link set $d up; done

$TC qdisc add dev $REP ingress
$TC qdisc add dev sw0pf0vf1 ingress
check "skip_sw redirect of the stream VF0 -> VF1" $TC filter add dev $REP ingress protocol ip \
	prio 1 flower skip_sw ip_proto tcp dst_port $PORT action mirred egress redirect dev sw0pf0vf1
$TC filter add dev $REP ingress protocol all prio 10 flower skip_sw action mirred egress redirect dev sw0pf0vf1
$TC filter add dev sw0pf0vf1 ingress protocol all prio 10 flower skip_sw action mirred egress redirect dev sw0pf0vf0
# A function netdev binds no block (tc warns): its rules stay in software.
nsx b $TC qdisc add dev sw0v1 ingress 2>/dev/null
check "skip_hw rule counting the stream at VF1" nsx b $TC filter add dev sw0v1 ingress protocol ip \
	prio 1 flower skip_hw ip_proto tcp dst_port $PORT action pass
check_match "TSO on at the sender" 'tcp-segmentation-offload: on' "$(nsx a /sbin/ethtool -k sw0v0)"

tx=$(nstat a sw0v0 tx_packets)
nsx b $FPKT tcp-sink $PORT 20 > /tmp/gso.sink &
sink=$!
sleep 0.5
check "VF0 sends 4 MB over TCP" nsx a $FPKT tcp-send 10.2.0.2 $PORT 4000000
wait $sink
check_match "VF1 received them" '^4000000' "$(cat /tmp/gso.sink)"
tx=$(($(nstat a sw0v0 tx_packets) - tx))

hw=$($TC -s -j filter show dev $REP ingress pref 1 | grep -o '"hw_packets":[0-9]*' | head -1 | cut -d: -f2)
sw=$(nsx b $TC -s -j filter show dev sw0v1 ingress pref 1 | grep -o '"packets":[0-9]*' | head -1 | cut -d: -f2)
echo "# VF0 sent $tx packets, VF1's rule counted $sw segments, VF0's rule $hw"
check_match "the sender sent GSO packets (fewer packets than segments)" '^1' \
	"$([ "$tx" -lt "$sw" ] && echo 1)"
check_eq "hardware packets = software packets" "$sw" "$hw"

check "remove the qdiscs" sh -c "$TC qdisc del dev $REP ingress && $TC qdisc del dev sw0pf0vf1 ingress"
sleep 0.5
check_match "flow table empty" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
