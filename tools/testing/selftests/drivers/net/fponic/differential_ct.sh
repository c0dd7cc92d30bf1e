#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Differential test for conntrack offload: the same OVS-style ct rules (chain 0 `ct nat` then
# goto chain 1; chain 1 `+trk+new ct commit` with SNAT, DNAT or none, `+trk+est` forwarding)
# offloaded to fponic (no skip flag: act_ct hands established connections to the eswitch) and
# run by software tc alone (skip_hw on veths), and the same TCP and UDP conversations through
# both: handshakes, data both ways, out-of-window segments, a stream picked up mid-way, FIN,
# RST, and segments after the end. Each side must receive the same frames, byte for byte
# (NAT rewrites and checksums included), and conntrack must end with the same connections in
# the same states. Between phases the test waits until act_ct has offloaded what it will, so
# the eswitch carries the established traffic; the counters show it did.
#
#   fponic:   ns a sw0v0 -> [rules on sw0pf0vf0] <-> [rules on sw0pf0vf1] <- sw0v1 ns b  (zone 5)
#   software: ns sa s0 -> t0 [rules on t0]        <-> [rules on t1]        <- t1/s1 ns sb (zone 6)
. "$(dirname "$0")/lib.sh"

SEED=${SEED:-20261201}
CONNS=${CONNS:-24}
R0=sw0pf0vf0
R1=sw0pf0vf1

fponic_load
# Connections earlier tests left (TIME_WAIT lasts two minutes) would change how conntrack
# treats the same tuples here, differently in the two worlds.
conntrack -F 2>/dev/null
check "create sw0" fponic_create sw0 1
echo 2 > "$CFG/sw0/num_vfs"
$DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
for n in a b sa sb; do ns_new $n; done
# The endpoints have no addresses: the frames are the conversation, no stack answers them.
ns_move sw0v0 a; ns_move sw0v1 b
for d in $R0 $R1; do $IP link set $d up; done
m0=$(mac_of a sw0v0)
m1=$(mac_of b sw0v1)
for i in 0 1; do
	$IP link add t$i type veth peer name s$i
	$IP link set t$i up
done
ns_move s0 sa; ns_move s1 sb
nsx sa $IP link set s0 address "$m0"
nsx sb $IP link set s1 address "$m1"

# ct_rules DEV PEER ZONE FLAG: the rules on DEV's ingress, forwarding to PEER. On side a's
# device the new connections to 10.3.0.3 leave with source 10.3.0.100 and those to
# 10.3.0.50 go to 10.3.0.2.
ct_rules() {
	local dev=$1 peer=$2 z=$3 fl=$4
	$TC qdisc add dev $dev ingress || return 1
	{
		echo "filter add dev $dev ingress protocol ip chain 0 prio 1 flower $fl ct_state -trk" \
			"action ct zone $z nat pipe action goto chain 1"
		if [ "$dev" = $R0 ] || [ "$dev" = t0 ]; then
			echo "filter add dev $dev ingress protocol ip chain 1 prio 1 flower $fl" \
				"dst_ip 10.3.0.3 ct_state +trk+new action ct commit zone $z nat src addr" \
				"10.3.0.100 pipe action mirred egress redirect dev $peer"
			echo "filter add dev $dev ingress protocol ip chain 1 prio 2 flower $fl" \
				"dst_ip 10.3.0.50 ct_state +trk+new action ct commit zone $z nat dst addr" \
				"10.3.0.2 pipe action mirred egress redirect dev $peer"
		fi
		echo "filter add dev $dev ingress protocol ip chain 1 prio 3 flower $fl ct_state" \
			"+trk+new action ct commit zone $z pipe action mirred egress redirect dev $peer"
		echo "filter add dev $dev ingress protocol ip chain 1 prio 4 flower $fl ct_state" \
			"+trk+est action mirred egress redirect dev $peer"
	} > /tmp/batch.$dev
	$TC -b /tmp/batch.$dev
}
check "ct rules on fponic's representors (zone 5)" ct_rules $R0 $R1 5 ""
check "and the way back" ct_rules $R1 $R0 5 ""
check_eq "the 8 rules are offloaded" 8 \
	"$( ($TC filter show dev $R0 ingress; $TC filter show dev $R1 ingress) | grep -c 'in_hw in_hw_count 1')"
check "the same rules in software (zone 6, skip_hw)" ct_rules t0 t1 6 skip_hw
check "and the way back" ct_rules t1 t0 6 skip_hw
check_eq "software has its 8 rules" 8 \
	"$( ($TC filter show dev t0 ingress; $TC filter show dev t1 ingress) | grep -c 'not_in_hw')"

$FPKT gen-conns $SEED $CONNS "$m0" "$m1" > /tmp/conv
for p in 1 2 3 4; do sed -n "s/^$p //p" /tmp/conv > /tmp/conv.$p; done
echo "# $CONNS conversations, $(wc -l < /tmp/conv) frames: $(wc -l < /tmp/conv.1) setting up," \
	"$(wc -l < /tmp/conv.2) data, $(wc -l < /tmp/conv.3) ending, $(wc -l < /tmp/conv.4) after"

# conns: connection directions the eswitch holds.
conns() { sed -n 's/^connections \([0-9]*\) .*/\1/p' "$CFG/sw0/offload"; }
# settle: until the eswitch's connection count has not changed for 1.5 s (act_ct offloads and
# tears down from its work queue), 30 s at most.
settle() {
	local last=x same=0 i=0
	while [ $same -lt 15 ] && [ $i -lt 300 ]; do
		c=$(conns)
		if [ "$c" = "$last" ]; then same=$((same + 1)); else same=0; last=$c; fi
		sleep 0.1
		i=$((i + 1))
	done
}
# stat DEV CHAIN PREF FIELD: a counter of the first action of DEV's rule CHAIN/PREF.
stat() {
	$TC -s -j filter show dev $1 ingress chain $2 pref $3 | grep -o "\"$4\":[0-9]*" | head -n 1 |
		cut -d: -f2
}

# The two worlds take turns, phase by phase, so their connections age alike; after each phase
# the test waits until act_ct has done what it will with fponic's.
sniffers=
sniff_both() { # WORLD NS-A IF-A NS-B IF-B
	# Not through nsx, a function: $! is then fpkt itself (ip netns exec runs it in its place).
	$IP netns exec $2 $FPKT sniff $3 600000 > /tmp/cap.$1.a &
	sniffers="$sniffers $!"
	$IP netns exec $4 $FPKT sniff $5 600000 > /tmp/cap.$1.b &
	sniffers="$sniffers $!"
	sniff_ready $2 $3 && sniff_ready $4 $5
}
sniff_both hw a sw0v0 b sw0v1
check_eq "sniffers on fponic's VFs" 0 $?
sniff_both sw sa s0 sb s1
check_eq "sniffers on the software world's ends" 0 $?
for p in 1 2 3 4; do
	check "phase $p through software tc" $FPKT converse sa s0 sb s1 /tmp/conv.$p 3000
	check "phase $p through fponic" $FPKT converse a sw0v0 b sw0v1 /tmp/conv.$p 3000
	settle
	echo "# after phase $p: $(conns) connection directions in the eswitch"
	[ $p = 1 ] && check_match "act_ct offloaded connections after their set-up" '^[1-9]' "$(conns)"
done
# settle waited 1.5 s after the last frame; sniff prints each frame as it comes.
kill $sniffers
wait

for s in a b; do
	sort /tmp/cap.hw.$s > /tmp/s.hw.$s
	sort /tmp/cap.sw.$s > /tmp/s.sw.$s
	check_eq "side $s: same number of frames" "$(wc -l < /tmp/s.sw.$s)" "$(wc -l < /tmp/s.hw.$s)"
	check "side $s: byte-identical frames" cmp -s /tmp/s.hw.$s /tmp/s.sw.$s
	cmp -s /tmp/s.hw.$s /tmp/s.sw.$s ||
		diff /tmp/s.sw.$s /tmp/s.hw.$s | head -n 20 | cut -c 1-240 | sed 's/^/#   /'
done
echo "# received: a $(wc -l < /tmp/s.hw.a), b $(wc -l < /tmp/s.hw.b) of $(wc -l < /tmp/conv) sent"
check_match "NAT: b received frames from 10.3.0.100 (SNAT)" '^1$' \
	"$(grep -c '^[0-9a-f]\{52\}0a030064' /tmp/s.hw.b | sed 's/^[1-9][0-9]*$/1/')"

# The eswitch carried the established traffic: the ct actions' hardware counters.
hw=0
for d in $R0 $R1; do hw=$((hw + $(stat $d 0 1 hw_packets))); done
est=0
for d in $R0 $R1; do est=$((est + $(stat $d 1 4 hw_packets))); done
echo "# packets tracked in the eswitch: $hw; forwarded there by +trk+est: $est"
check_match "the eswitch tracked packets itself" '^[1-9]' "$hw"
check_match "and forwarded established ones" '^[1-9]' "$est"

# conntrack: the same connections, in the same states (timeouts, zones and offload flags
# aside; connections in CLOSE are left out: they expire 10 s after the RST that closed them).
norm() { # ZONE
	conntrack -L -w $1 2>/dev/null | sed -E 's/^([a-z]+ +[0-9]+) [0-9]+ /\1 /;
		s/ \[(HW_)?OFFLOAD\]//; s/ zone=[0-9]+//; s/ use=[0-9]+//; s/ mark=[0-9]+//' | grep -v ' CLOSE ' | sort
}
norm 5 > /tmp/ct.hw
norm 6 > /tmp/ct.sw
sed 's/^/# /' /tmp/ct.hw | head -n 8
check_match "conntrack has the connections" '^[1-9]' "$(wc -l < /tmp/ct.hw)"
check "conntrack: same connections in the same states" cmp -s /tmp/ct.sw /tmp/ct.hw
cmp -s /tmp/ct.sw /tmp/ct.hw || diff /tmp/ct.sw /tmp/ct.hw | head -n 40 | sed 's/^/#   /'

check "remove the rules" sh -c "$TC qdisc del dev $R0 ingress && $TC qdisc del dev $R1 ingress"
settle
check_match "no rule, no connection, no act_ct table left" '^connections 0 .* ct_tables 0$' \
	"$(sed -n 2p "$CFG/sw0/offload")"
check "cleanup" fponic_destroy_all
for i in 0 1; do $IP link del t$i; done
cleanup_netns
done_testing
