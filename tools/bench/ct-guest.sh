#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/bench/ct.sh (after guest-lib.sh). Prints "RESULT <name> <value>" lines.
#
# Four paths carry the same established connections (guest-lib.sh: UDP 10.0.0.1:9 -> :9 and TCP
# 10.0.0.1:4000 -> :5000) from one namespace to another:
#   hw:   fponic sw0, VF0 (ns a) -> VF1 (ns b), OVS-style ct rules offloaded (in_hw): once act_ct
#         offloads a connection, the switch tracks and forwards its packets;
#   rep:  fponic sw1, VF0 (ns c) -> VF1 (ns d), the same rules in software (skip_hw) on the
#         representors: the switch's slow path to VF0's representor, act_ct's software flow
#         table, mirred to VF1's representor, the switch to VF1;
#   veth: ns x -> [vy0 ingress: the same rules, skip_hw, in ns v] -> vy1 -> ns y: act_ct's
#         software flow table between two veth pairs, no device of fponic;
#   nft:  ns p -> router ns n (nft flowtable without offload: its ingress fast path) -> ns q.
N=${N:-100000}         # pktgen packets per UDP run
SECS=${SECS:-3}        # seconds per TCP run
ROUNDS=${ROUNDS:-3}    # A B B A rounds
CONNS=${CONNS:-200}    # short TCP connections per connection-rate run
BYTES=${BYTES:-1000}   # bytes each

insmod /fponic/modules/pktgen.ko
insmod /fponic/modules/fponic.ko
# Established flows stay in the flow tables while other paths are measured.
timeouts() { # NS
	in_ns $1 sh -c 'for p in tcp udp; do echo 86400 > /proc/sys/net/netfilter/nf_flowtable_${p}_timeout; done'
}
ratio() { awk -v a=$1 -v b=$2 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }'; }
fail() { echo "BENCH-FAIL $*"; for n in - v n; do in_ns $n conntrack -L; done; exit 1; }

# hw and rep: fponic with the endpoints' addresses (10.1.0.1, 10.1.0.2) for the connection-rate
# runs.
timeouts -
setup_fponic sw0 a b
setup_fponic sw1 c d
ct_rules - sw0pf0vf0 sw0pf0vf1 5
ct_rules - sw0pf0vf1 sw0pf0vf0 5
# Zone 6: another act_ct flow table than the offloaded rules' one, which sw0 registers on.
ct_rules - sw1pf0vf0 sw1pf0vf1 6 skip_hw
ct_rules - sw1pf0vf1 sw1pf0vf0 6 skip_hw
[ "$($TC filter show dev sw0pf0vf0 ingress chain 1 pref 2 | grep -cw in_hw)" = 1 ] || fail "hw rules not offloaded"
[ "$($TC filter show dev sw1pf0vf0 ingress chain 1 pref 2 | grep -cw in_hw)" = 0 ] || fail "rep rules offloaded"
addrs() { # NSA DEVA NSB DEVB
	$IP -n $1 addr add 10.1.0.1/24 dev $2; $IP -n $3 addr add 10.1.0.2/24 dev $4
	$IP -n $1 neigh add 10.1.0.2 lladdr $(mac $3 $4) dev $2
	$IP -n $3 neigh add 10.1.0.1 lladdr $(mac $1 $2) dev $4
}
addrs a sw0v0 b sw0v1
addrs c sw1v0 d sw1v1

# veth: x: vx0 -> v: vy0 (rules) -> v: vy1 -> y: vx1.
for n in x y v; do ns $n; done
timeouts v
$IP link add vx0 netns x type veth peer name vy0 netns v
$IP link add vx1 netns y type veth peer name vy1 netns v
for l in "x vx0" "y vx1" "v vy0" "v vy1"; do set -- $l; $IP -n $1 link set $2 up; done
ct_rules v vy0 vy1 5 skip_hw
ct_rules v vy1 vy0 5 skip_hw
addrs x vx0 y vx1

# nft: p: vp0 -> n: vn0 (flowtable, forwarding) vn1 -> q: vq0; host routes and static neighbours.
for n in p q n; do ns $n; done
timeouts n
$IP link add vp0 netns p type veth peer name vn0 netns n
$IP link add vq0 netns q type veth peer name vn1 netns n
for l in "p vp0" "q vq0" "n vn0" "n vn1"; do set -- $l; $IP -n $1 link set $2 up; done
$IP netns exec n sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
$IP -n n route add 10.0.0.1/32 dev vn0
$IP -n n route add 10.0.0.2/32 dev vn1
$IP -n n neigh add 10.0.0.1 lladdr $(mac p vp0) dev vn0
$IP -n n neigh add 10.0.0.2 lladdr $(mac q vq0) dev vn1
$IP -n q addr add 10.1.0.2/24 dev vq0
cat > /tmp/ft.nft <<'NFT'
table inet bench {
	flowtable ft {
		hook ingress priority filter
		devices = { vn0, vn1 }
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state established flow add @ft
	}
}
NFT
$IP netns exec n nft -f /tmp/ft.nft || fail "nft ruleset"

# The connections, on every path.
ct_frames $(mac a sw0v0) $(mac b sw0v1)
ct_tcp_establish a sw0v0 b sw0v1
ct_hw_est a sw0v0 $tcp_o sw0pf0vf0 || fail "hw: TCP not in the switch"
# Until the switch forwards the UDP flow's packets and holds both directions of both flows.
hw_ready() { ct_hw_est a sw0v0 $udp_o sw0pf0vf0 && [ "$(ct_conns sw0)" = 4 ]; }
ct_udp_establish a sw0v0 b sw0v1 hw_ready || fail "hw: $(sed -n 2p $CFG/sw0/offload)"
hw_udp=$udp_o; hw_tcp=$tcp_o
ct_frames $(mac c sw1v0) $(mac d sw1v1)
ct_tcp_establish c sw1v0 d sw1v1
ct_udp_establish c sw1v0 d sw1v1 ct_offloaded - 'dport=9 .*zone=6' OFFLOAD ASSURED || fail rep
rep_udp=$udp_o; rep_tcp=$tcp_o
ct_frames $(mac x vx0) $(mac y vx1)
ct_tcp_establish x vx0 y vx1
ct_udp_establish x vx0 y vx1 ct_offloaded v 'dport=9 ' OFFLOAD ASSURED || fail veth
veth_udp=$udp_o; veth_tcp=$tcp_o
ct_frames_routed $(mac p vp0) $(mac n vn0) $(mac q vq0) $(mac n vn1)
ct_tcp_establish p vp0 q vq0
# nft offloads a connection once established (replied): its fast path needs no ASSURED.
ct_udp_establish p vp0 q vq0 ct_offloaded n 'dport=9 ' OFFLOAD || fail nft
nft_udp=$udp_o; nft_tcp=$tcp_o
for n in - v n; do
	in_ns $n conntrack -L 2>/dev/null | grep -E 'dport=(9|5000) ' | sed "s/^/# $n: /"
done
for w in "hw - 'dport=5000 .*zone=5' HW_OFFLOAD" "rep - 'dport=5000 .*zone=6' OFFLOAD" \
	"veth v 'dport=5000 ' OFFLOAD" "nft n 'dport=5000 ' OFFLOAD"; do
	eval "set -- $w"
	ct_offloaded $2 "$3" $4 || fail "$1: TCP not offloaded"
done

# udp WORLD / tcp WORLD: delivered packets per second.
udp() {
	case $1 in
	hw) pktgen a sw0v0 $(mac b sw0v1) b sw0v1 ;;
	rep) pktgen c sw1v0 $(mac d sw1v1) d sw1v1 ;;
	veth) pktgen x vx0 $(mac y vx1) y vx1 ;;
	nft) pktgen p vp0 $(mac n vn0) q vq0 ;;
	esac
}
flood() { # NS DEV FRAME RXNS RXDEV
	r0=$(rx $4 $5)
	$IP netns exec $1 $FPKT flood $2 $3 $SECS > /dev/null
	sleep 0.2
	echo $(( ($(rx $4 $5) - r0) / SECS ))
}
tcp() {
	case $1 in
	hw) flood a sw0v0 $hw_tcp b sw0v1 ;;
	rep) flood c sw1v0 $rep_tcp d sw1v1 ;;
	veth) flood x vx0 $veth_tcp y vx1 ;;
	nft) flood p vp0 $nft_tcp q vq0 ;;
	esac
}
e0=$(tc_hw sw0pf0vf0 1 2)
d0=$(rx b sw0v1)
for r in $(seq 1 $ROUNDS); do
	for p in udp tcp; do
		a1=$($p hw); b1=$($p veth); r1=$($p rep); c1=$($p nft)
		c2=$($p nft); r2=$($p rep); b2=$($p veth); a2=$($p hw)
		for v in "hw $a1 $a2" "veth $b1 $b2" "rep $r1 $r2" "nft $c1 $c2"; do
			set -- $v; echo "RESULT ${p}_pps_$1 $2"; echo "RESULT ${p}_pps_$1 $3"
		done
		echo "RESULT ${p}_hw_veth $(ratio $a1 $b1)"; echo "RESULT ${p}_hw_veth $(ratio $a2 $b2)"
		echo "RESULT ${p}_hw_rep $(ratio $a1 $r1)"; echo "RESULT ${p}_hw_rep $(ratio $a2 $r2)"
		echo "RESULT ${p}_hw_nft $(ratio $a1 $c1)"; echo "RESULT ${p}_hw_nft $(ratio $a2 $c2)"
	done
done
# What VF1 received on the offloaded path, the switch forwarded through its +trk+est rule.
echo "RESULT hw_est_share $(ratio $(($(tc_hw sw0pf0vf0 1 2) - e0)) $(($(rx b sw0v1) - d0)))"
echo "# hw: $(sed -n 2p $CFG/sw0/offload)"

# Connections per second: CONNS short TCP connections of BYTES each, one after the other, with
# the ct rules offloaded (each connection set up in software, offloaded once established,
# handed back at its end) and in software.
cps() { # NSA NSB PORT
	$IP netns exec $2 $FPKT tcp-sink $3 300 $CONNS > /tmp/cps.sink &
	out=$($IP netns exec $1 $FPKT tcp-send 10.1.0.2 $3 $BYTES $CONNS)
	wait
	[ "$(cat /tmp/cps.sink)" = $((CONNS * BYTES)) ] || { echo 0; return; }
	echo "$out" | awk -v n=$CONNS '{ printf "%.1f", n / $2 }'
}
port=6000
for r in $(seq 1 $ROUNDS); do
	port=$((port + 1)); a1=$(cps a b $port); b1=$(cps x y $port); r1=$(cps c d $port)
	port=$((port + 1)); r2=$(cps c d $port); b2=$(cps x y $port); a2=$(cps a b $port)
	for v in "hw $a1 $a2" "veth $b1 $b2" "rep $r1 $r2"; do
		set -- $v; echo "RESULT cps_$1 $2"; echo "RESULT cps_$1 $3"
	done
	echo "RESULT cps_hw_veth $(ratio $a1 $b1)"; echo "RESULT cps_hw_veth $(ratio $a2 $b2)"
	echo "RESULT cps_hw_rep $(ratio $a1 $r1)"; echo "RESULT cps_hw_rep $(ratio $a2 $r2)"
done
# Their ends hand the connections back: only the two measured flows stay offloaded.
i=0
while [ "$(ct_conns sw0)" != 4 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo "# hw after the connection-rate runs: $(sed -n 2p $CFG/sw0/offload)"
cat $CFG/sw0/drops | grep -v ' 0$' | sed 's/^/# sw0 drops: /'
