#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# No packet has an action applied twice. A packet that leaves the eswitch pipeline mid-way (after
# a rule whose actions do not end it, or after a miss in a chain reached by goto) reaches its
# representor with the tc skb extension, and software tc resumes exactly where the eswitch
# stopped: eswitch and software together do what software alone does.
#
#   ns a: sw0v0 -> [rules on sw0pf0vf0, neither skip_sw nor skip_hw] -> sw0pf0vf0 (slow path)
#   ns b: sw0v1 (mirror target: VF1)
. "$(dirname "$0")/lib.sh"

REP=sw0pf0vf0
K=20

fponic_load
check "create sw0" fponic_create sw0 1
echo 2 > "$CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b
ns_move sw0v0 a; ns_move sw0v1 b
for d in sw0pf0vf0 sw0pf0vf1; do $IP link set $d up; done
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1)
$TC qdisc add dev $REP ingress
X=02:00:00:00:00:42
f=$($FPKT frame $X "$m0" 88b5 0102)

# pkts PREF [CHAIN]: total packets (software + hardware) of rule PREF in CHAIN (0), and its
# hardware part. Without a chain, tc would list the rule PREF of every chain, in the order the
# chains were created: a chain a goto of a deleted rule still held comes first then.
pkts() { $TC -s -j filter show dev $REP ingress chain ${2:-0} pref "$1" | grep -o '"packets":[0-9]*' | head -1 | cut -d: -f2; }
hwp() { $TC -s -j filter show dev $REP ingress chain ${2:-0} pref "$1" | grep -o '"hw_packets":[0-9]*' | head -1 | cut -d: -f2; }

# sniff_rep: frames reaching the representor (the slow path), in /tmp/rs.rep. Packet taps run
# before ingress tc: what software tc then does shows in the rules' counters.
sniff_rep() {
	$FPKT sniff $REP 3000 > /tmp/rs.rep &
	sn=$!
	sniff_ready - $REP
}

# 1. A mirror (not the last word on the packet): the eswitch mirrors, software must not again.
check "mirror rule in hardware and software" $TC filter add dev $REP ingress protocol all prio 1 \
	flower dst_mac $X action mirred egress mirror dev sw0pf0vf1
check_match "it is in hardware" 'in_hw in_hw_count 1' "$($TC filter show dev $REP ingress pref 1)"
rx=$(nstat b sw0v1 rx_packets)
sniff_rep
nsx a $FPKT send sw0v0 "$f" $K
wait $sn
check_eq "mirror: VF1 got one copy per frame" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
check_eq "mirror: the frames went on to the representor once" $K "$(grep -c "^${X//:/}" /tmp/rs.rep)"
check_eq "mirror: the rule counted each frame once (hardware + software)" $K "$(pkts 1)"
check_eq "mirror: all in hardware" $K "$(hwp 1)"
$TC filter del dev $REP ingress prio 1

# 2. A VLAN push: one tag, not two.
check "vlan push rule in hardware and software" $TC filter add dev $REP ingress protocol all prio 1 \
	flower dst_mac $X action vlan push id 100
sniff_rep
nsx a $FPKT send sw0v0 "$f" $K
wait $sn
check_eq "vlan push: the representor got the frames with one tag 100" $K \
	"$(grep -c "^${X//:/}${m0//:/}8100006488b5" /tmp/rs.rep)"
# Packet taps see a frame before ingress tc: the counters tell whether software ran the rule.
check_eq "vlan push: counted once (software did not push again)" $K "$(pkts 1)"
$TC filter del dev $REP ingress prio 1

# 3. accept (ok): the frames reach the representor, counted once.
check "ok rule in hardware and software" $TC filter add dev $REP ingress protocol all prio 1 flower dst_mac $X action ok
sniff_rep
nsx a $FPKT send sw0v0 "$f" $K
wait $sn
check_eq "ok: the representor got each frame" $K "$(grep -c "^${X//:/}" /tmp/rs.rep)"
check_eq "ok: counted once" $K "$(pkts 1)"
$TC filter del dev $REP ingress prio 1

# 4. A miss in a chain reached by goto: software resumes in that chain, not in chain 0.
check "chain 0: mirror, then goto chain 1" $TC filter add dev $REP ingress protocol all prio 1 \
	flower dst_mac $X action mirred egress mirror dev sw0pf0vf1 pipe action goto chain 1
check "chain 1: a software-only drop rule" $TC filter add dev $REP ingress protocol all chain 1 prio 1 \
	flower skip_hw dst_mac $X action drop
rx=$(nstat b sw0v1 rx_packets)
sniff_rep
nsx a $FPKT send sw0v0 "$f" $K
wait $sn
check_eq "goto miss: VF1 got one mirror copy per frame" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
check_eq "goto miss: chain 0's rule counted once per frame" $K "$(pkts 1)"
check_eq "goto miss: software resumed in chain 1, whose rule dropped them" $K "$(pkts 1 1)"
$TC filter del dev $REP ingress chain 1 prio 1
$TC filter del dev $REP ingress prio 1

# 5. The same with no rule at all in chain 1: software finds the chain empty and passes the
#    packet on (what software alone does after a goto to a chain without a match).
check "chain 0: goto chain 1 only" $TC filter add dev $REP ingress protocol all prio 1 flower dst_mac $X action goto chain 1
check "chain 1: a rule for other frames" $TC filter add dev $REP ingress protocol all chain 1 prio 1 flower dst_mac 02:00:00:00:00:43 action drop
sniff_rep
nsx a $FPKT send sw0v0 "$f" $K
wait $sn
check_eq "goto, no match: frames reach the representor" $K "$(grep -c "^${X//:/}" /tmp/rs.rep)"
check_eq "goto, no match: chain 0's rule counted once per frame" $K "$(pkts 1)"
$TC filter del dev $REP ingress chain 1 prio 1
$TC filter del dev $REP ingress prio 1

# 6. goto limit: software follows 16 gotos and drops the packet at the 17th (tcf_classify()).
gotos() { # N: skip_sw rules chain i -> i+1 for i < N, then a redirect to VF1 in chain N
	i=0
	while [ $i -lt "$1" ]; do
		echo "filter add dev $REP ingress protocol all chain $i prio 1 flower skip_sw dst_mac $X action goto chain $((i + 1))"
		i=$((i + 1))
	done > /tmp/rs.gotos
	echo "filter add dev $REP ingress protocol all chain $1 prio 1 flower skip_sw action mirred egress redirect dev sw0pf0vf1" >> /tmp/rs.gotos
	$TC -b /tmp/rs.gotos
}
check "16 chained gotos" gotos 16
rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$f" $K
check_eq "16 gotos: the last chain's redirect reached VF1" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
$TC qdisc del dev $REP ingress
$TC qdisc add dev $REP ingress
check "17 chained gotos" gotos 17
rx=$(nstat b sw0v1 rx_packets); d0=$(drops sw0 goto_loop)
nsx a $FPKT send sw0v0 "$f" $K
check_eq "17 gotos: dropped, as software drops them" 0 $(( $(nstat b sw0v1 rx_packets) - rx ))
check_eq "counted as goto_loop" $K $(( $(drops sw0 goto_loop) - d0 ))

check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
