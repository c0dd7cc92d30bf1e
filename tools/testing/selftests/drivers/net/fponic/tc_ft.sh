#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Connection offload without a conntrack module: an nftables flowtable with `flags offload`
# over two representors. The host routes between VF0's and VF1's subnets through their
# representors; software sets each connection up (and NATs it), nft adds it to the flowtable,
# nf_flow_table hands both directions to the switch, which forwards them from then on as
# nf_flow_table's software fast path would: MAC rewrite, NAT with checksums, TTL decrement.
# Frames the eswitch forwards are byte for byte those software forwarded before; software's
# forward chain stops seeing the connection; packets the fast path would not take (TTL 1) stay
# in software; idle connections expire and busy ones stay; unbinding drops the entries; a
# switch without a ct module refuses conntrack rules.
#
#   ns a: sw0v0 10.4.1.2/24 -- [sw0pf0vf0 10.4.1.1 | host routes | sw0pf0vf1 10.4.2.1] -- sw0v1 10.4.2.2/24 :ns b
. "$(dirname "$0")/lib.sh"

R0=sw0pf0vf0
R1=sw0pf0vf1
N=20
DL=faux/fponic-sw0

fponic_load
check "create sw0" fponic_create sw0 1
check "2 VFs" sh -c "echo 2 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set $DL mode switchdev
ns_new a; ns_new b
ns_move sw0v0 a 10.4.1.2/24; ns_move sw0v1 b 10.4.2.2/24
nsx a $IP route add default via 10.4.1.1
nsx b $IP route add default via 10.4.2.1
$IP addr add 10.4.1.1/24 dev $R0; $IP addr add 10.4.2.1/24 dev $R1
for d in $R0 $R1; do $IP link set $d up; done
echo 1 > /proc/sys/net/ipv4/ip_forward
# Short flowtable timeouts, so that expiry shows within seconds (30 s by default).
echo 8 > /proc/sys/net/netfilter/nf_flowtable_udp_timeout
echo 8 > /proc/sys/net/netfilter/nf_flowtable_tcp_timeout
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1)
g0=$(cat /sys/class/net/$R0/address); g1=$(cat /sys/class/net/$R1/address)
check "ping VF0 -> VF1, routed by the host" nsx a ping -c 2 -W 2 10.4.2.2

cat > /tmp/ft.nft <<NFT
table inet fponic_ft {
	counter slowpath { }
	flowtable ft {
		hook ingress priority filter
		devices = { $R0, $R1, sw0p0 }
		flags offload
		counter
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		meta l4proto { tcp, udp } counter name "slowpath"
		meta l4proto { tcp, udp } flow add @ft
	}
}
NFT
check "nft flowtable with flags offload on two VF representors and the uplink's" nft -f /tmp/ft.nft
# line FIELD: a field of the flowtable line of the offload file.
ftl() { sed -n "s/^flowtable .*$1 \([0-9]*\).*/\1/p" "$CFG/sw0/offload"; }
ents() { sed -n 's/^flowtable \([0-9]*\) .*/\1/p' "$CFG/sw0/offload"; }
check_eq "three representors bound" 3 "$(ftl bound)"
# fwd: TCP and UDP packets software's forward chain saw (VF1's ICMP errors for UDP frames
# nobody listens to are not counted).
fwd() { nft list counter inet fponic_ft slowpath | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
# wait_ents N [TENTHS]: until the switch holds N flowtable directions.
wait_ents() {
	local i=0
	while [ "$(ents)" != "$1" ] && [ $i -lt "${2:-100}" ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(ents)" = "$1" ]
}

# UDP: the first frames go through software (conntrack confirms the connection with the
# first, nft adds it to the flowtable with the second); then both directions are offloaded and
# the switch forwards the rest. Every frame VF1 gets is the same, whoever forwarded it.
fu=$($FPKT build dst=$g0 src=$m0 sip=10.4.1.2 dip=10.4.2.2 proto=udp sport=1111 dport=7000 ttl=64 pad=64)
# sends2 FRAME FILE: VF0 sends FRAME twice, then, once the flow is offloaded, N times; what VF1
# receives goes to FILE.
sends2() {
	nsx b $FPKT sniff sw0v1 5000 2 > $2 &
	sniff_ready b sw0v1
	check "VF0 sends 2 frames, routed by software" nsx a $FPKT send sw0v0 "$1" 2
	wait $!
	check "both directions offloaded" wait_ents 2
	f0=$(fwd)
	nsx b $FPKT sniff sw0v1 5000 $N 1000 >> $2 &
	sniff_ready b sw0v1
	check "VF0 sends $N more" nsx a $FPKT send sw0v0 "$1" $N
	wait $!
}
sends2 "$fu" /tmp/ft.udp
check_eq "VF1 received all of them" $((N + 2)) "$(wc -l < /tmp/ft.udp)"
check_eq "software's forward chain saw none of the $N" "$f0" "$(fwd)"
check_eq "all are the same frame" 1 "$(sort -u /tmp/ft.udp | wc -l)"
frame=$(head -n 1 /tmp/ft.udp)
check_match "MACs rewritten: from VF1's gateway to VF1" "^$(echo $m1$g1 | tr -d :)0800" "$frame"
check_match "TTL decreased once (64 -> 63)" '^.{44}3f11' "$frame"
check "IPv4 and UDP checksums right" $FPKT verify "$frame"
ctl=$(conntrack -L 2>&1 | grep 'dport=7000 ')
echo "$ctl" | sed 's/^/# /'
check_match "conntrack -L: the UDP flow is offloaded" 'HW_OFFLOAD' "$ctl"

# TTL 1: the fast path does not forward it; software's forwarding answers with an ICMP error
# (time exceeded) instead.
rx=$(nstat b sw0v1 rx_packets)
t1=$($FPKT build dst=$g0 src=$m0 sip=10.4.1.2 dip=10.4.2.2 proto=udp sport=1111 dport=7000 ttl=1 pad=64)
nsx a $FPKT sniff sw0v0 5000 1 1000 > /tmp/ft.icmp &
sn=$!
sniff_ready a sw0v0
check "VF0 sends a frame with TTL 1" nsx a $FPKT send sw0v0 "$t1" 1
wait $sn
check_match "VF0 gets ICMP time exceeded from software" '^.{46}01.{20}0b00' "$(cat /tmp/ft.icmp)"
check_eq "VF1 got nothing" "$rx" "$(nstat b sw0v1 rx_packets)"

# A busy connection stays offloaded past its timeout; then, idle, it expires.
busy() { for i in $(seq 20); do nsx a $FPKT send sw0v0 "$fu" 20 || return 1; sleep 1; done; }
f0=$(fwd)
check "UDP, 20 frames a second for 20 s (timeout 8 s)" busy
check_eq "software forwarded none of them" "$f0" "$(fwd)"
check_eq "still offloaded: 2 directions" 2 "$(ents)"
check_match "conntrack -L: still offloaded" 'HW_OFFLOAD' "$(conntrack -L 2>&1 | grep 'dport=7000 ')"
check "idle, it expires: no direction left" wait_ents 0 300

# TCP: the stream is set up in software and forwarded by the switch once established.
f0=$(fwd)
nsx b $FPKT tcp-sink 5001 30 > /tmp/ft.tcp &
sk=$!
check "TCP 4 MB VF0 -> VF1" nsx a $FPKT tcp-send 10.4.2.2 5001 4000000
wait $sk
check_eq "every byte arrived" 4000000 "$(cat /tmp/ft.tcp)"
seen=$(($(fwd) - f0))
echo "# software's forward chain saw $seen packets of the TCP connection"
check_match "software saw the handshake and the end only (under 40 packets)" '^1$' \
	"$([ $seen -lt 40 ] && echo 1)"
check "the ended connection leaves the switch" wait_ents 0 300

# SNAT: connections to VF1 leave the host as 10.4.2.1; the switch rewrites both directions
# with their checksums. The VFs checksum in software (tx off) and verify what they receive.
check "nft SNAT to 10.4.2.1 towards VF1" nft add table ip fponic_nat \; \
	add chain ip fponic_nat post '{ type nat hook postrouting priority srcnat; }' \; \
	add rule ip fponic_nat post oifname $R1 snat to 10.4.2.1
fn=$($FPKT build dst=$g0 src=$m0 sip=10.4.1.2 dip=10.4.2.2 proto=udp sport=2222 dport=7001 ttl=64 pad=64)
sends2 "$fn" /tmp/ft.nat
check_eq "VF1 received all NATed frames" $((N + 2)) "$(wc -l < /tmp/ft.nat)"
check_eq "software forwarded none of the $N" "$f0" "$(fwd)"
check_eq "the switch's frames are software's, byte for byte" 1 "$(sort -u /tmp/ft.nat | wc -l)"
frame=$(head -n 1 /tmp/ft.nat)
check_match "source address 10.4.2.1" '^.{52}0a040201' "$frame"
check "IPv4 and UDP checksums right after NAT" $FPKT verify "$frame"
check "VF0 checksums in software" nsx a /sbin/ethtool -K sw0v0 tx off
check "VF1 checksums in software" nsx b /sbin/ethtool -K sw0v1 tx off
f0=$(fwd)
nsx b $FPKT tcp-sink 5002 30 > /tmp/ft.ntcp &
sk=$!
check "TCP 2 MB VF0 -> VF1 through SNAT" nsx a $FPKT tcp-send 10.4.2.2 5002 2000000
wait $sk
check_eq "every byte arrived" 2000000 "$(cat /tmp/ft.ntcp)"
seen=$(($(fwd) - f0))
echo "# software's forward chain saw $seen packets of the NATed TCP connection"
check_match "the switch forwarded the NATed stream (software saw under 40 packets)" '^1$' \
	"$([ $seen -lt 40 ] && echo 1)"
check_match "conntrack -L: VF0's connection leaves as 10.4.2.1" \
	'dport=5002 src=10\.4\.2\.2 dst=10\.4\.2\.1 ' "$(conntrack -L 2>&1)"
nsx a /sbin/ethtool -K sw0v0 tx on > /dev/null
nsx b /sbin/ethtool -K sw0v1 tx on > /dev/null
check "the idle NATed UDP flow expires too" wait_ents 0 300

# Through the uplink, with TSO: VF0 (checksums and segmentation offloaded) sends to a host
# behind wire w0, SNATed to the uplink's address. The wire segments and checksums in software
# (its offloads off), from the checksum seed of each GSO packet, which NAT must keep right;
# the far end verifies every segment. ACKs come back from the wire through the uplink
# representor's entry.
ns_new remote
$IP link add w0 type veth peer name r0
$IP link set r0 netns remote
nsx remote $IP addr add 10.4.3.2/24 dev r0
nsx remote $IP link set r0 up
nsx remote $IP route add default via 10.4.3.1
check "w0 segments and checksums in software" /sbin/ethtool -K w0 tso off gso off tx off
$IP link set w0 up
echo "0 w0" > "$CFG/sw0/wires"
$IP addr add 10.4.3.1/24 dev sw0p0
$IP link set sw0p0 up
check "nft SNAT to 10.4.3.1 towards the wire" nft add rule ip fponic_nat post oifname sw0p0 snat to 10.4.3.1
check "VF0 offloads checksums and segmentation" nsx a /sbin/ethtool -K sw0v0 tx on tso on
check "ping the far end through the uplink" nsx a ping -c 2 -W 2 10.4.3.2
f0=$(fwd)
nsx remote $FPKT tcp-sink 5003 30 > /tmp/ft.wire &
sk=$!
check "TCP 4 MB VF0 -> wire, TSO, through SNAT" nsx a $FPKT tcp-send 10.4.3.2 5003 4000000
wait $sk
check_eq "every byte arrived, every segment's checksum right" 4000000 "$(cat /tmp/ft.wire)"
seen=$(($(fwd) - f0))
echo "# software's forward chain saw $seen packets of the connection through the uplink"
check_match "the switch forwarded it both ways (software saw under 40 packets)" '^1$' \
	"$([ $seen -lt 40 ] && echo 1)"
check_match "conntrack -L: it leaves as 10.4.3.1" \
	'dport=5003 src=10\.4\.3\.2 dst=10\.4\.3\.1 ' "$(conntrack -L 2>&1)"
check "the ended connection leaves the switch" wait_ents 0 300

# Churn: 200 short TCP connections VF0 -> VF1 while the flowtable goes and comes back (each
# time unbinding the representors with their entries, then binding them again).
nsx b $FPKT tcp-sink 5005 60 200 > /tmp/ft.churn &
sk=$!
nsx a $FPKT tcp-send 10.4.2.2 5005 20000 200 > /dev/null &
sd=$!
churn() {
	for i in 1 2 3 4 5; do
		sleep 1
		nft delete table inet fponic_ft || return 1
		nft -f /tmp/ft.nft || return 1
	done
}
check "the flowtable deleted and re-created 5 times under connections" churn
wait $sd; wait $sk
check_eq "every byte of the 200 connections arrived" 4000000 "$(cat /tmp/ft.churn)"
check "no direction left once the connections ended" wait_ents 0 300
check_eq "three representors bound" 3 "$(ftl bound)"

# Unbinding: deleting the flowtable unbinds the representors and drops their entries.
nsx a $FPKT send sw0v0 "$fu" 2
check "UDP offloaded again" wait_ents 2
check "delete the nft table" nft delete table inet fponic_ft
check_eq "no representor bound" 0 "$(ftl bound)"
check_eq "no direction left" 0 "$(ents)"
rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$fu" 5
sleep 0.5
check_eq "software forwards the flow again" $((rx + 5)) "$(nstat b sw0v1 rx_packets)"
nft delete table ip fponic_nat

# A switch without a connection tracking module (ct_module false, applied by reload) refuses
# conntrack rules and still offloads the rest.
check "ct_module false (driverinit)" $DEVLINK dev param set $DL name ct_module value false cmode driverinit
check "devlink dev reload" $DEVLINK dev reload $DL
check_match "ct_module is false" 'value false' \
	"$($DEVLINK dev param show $DL name ct_module | tr -s '\n ' '  ')"
$TC qdisc add dev $R0 ingress
check_fail_msg "a ct rule is refused: no ct module" 'no connection tracking module' \
	$TC filter add dev $R0 ingress protocol ip chain 0 prio 1 flower skip_sw ct_state -trk \
	action ct zone 5 pipe action goto chain 1
check_fail_msg "a ct_state match is refused too" 'no connection tracking module' \
	$TC filter add dev $R0 ingress protocol ip prio 2 flower skip_sw ct_state +trk action drop
check "a plain rule is offloaded" $TC filter add dev $R0 ingress protocol ip prio 3 flower \
	skip_sw ip_proto udp action drop
check_match "flow table: 1 rule" '^rules 1 ' "$(cat "$CFG/sw0/offload")"
$TC qdisc del dev $R0 ingress
check "ct_module true again" $DEVLINK dev param set $DL name ct_module value true cmode driverinit
check "devlink dev reload" $DEVLINK dev reload $DL
$TC qdisc add dev $R0 ingress
check "a ct rule is offloaded with a ct module" $TC filter add dev $R0 ingress protocol ip \
	chain 0 prio 1 flower skip_sw ct_state -trk action ct zone 5 pipe action goto chain 1
$TC qdisc del dev $R0 ingress

cleanup_netns
check "rmdir sw0" rmdir "$CFG/sw0"
$IP link del w0 2>/dev/null

# Legacy mode: the function netdevs are the host's interfaces. Hosts ra (10.5.1.2) and rb
# (10.5.2.2) sit behind the wire; the host routes between VF0 (10.5.1.1) and VF1 (10.5.2.1).
# A flowtable over the two function netdevs hands the switch the connections between them:
# a packet the switch would deliver to VF0 goes on as VF1 would have sent it, and back.
check "create sw0 (legacy)" fponic_create sw0 1
check "2 VFs" sh -c "echo 2 > $CFG/sw0/num_vfs"
load_bridge
ns_new remote; ns_new ra; ns_new rb
nsx remote $IP link add brr type bridge
nsx remote $IP link set brr up
$IP link add w0 type veth peer name r0
$IP link set r0 netns remote
nsx remote $IP link set r0 master brr
nsx remote $IP link set r0 up
for h in ra rb; do
	$IP -n remote link add $h type veth peer name e0 netns $h
	nsx remote $IP link set $h master brr
	nsx remote $IP link set $h up
done
nsx ra $IP addr add 10.5.1.2/24 dev e0; nsx ra $IP link set e0 up
nsx rb $IP addr add 10.5.2.2/24 dev e0; nsx rb $IP link set e0 up
nsx ra $IP route add default via 10.5.1.1
nsx rb $IP route add default via 10.5.2.1
$IP link set w0 up
echo "0 w0" > "$CFG/sw0/wires"
$IP link set sw0p0 up
$IP addr add 10.5.1.1/24 dev sw0v0; $IP addr add 10.5.2.1/24 dev sw0v1
$IP link set sw0v0 up; $IP link set sw0v1 up
check "ping ra -> rb, routed by the host through VF0 and VF1" nsx ra ping -c 2 -W 2 10.5.2.2
sed "s/devices = { $R0, $R1, sw0p0 }/devices = { sw0v0, sw0v1 }/" /tmp/ft.nft > /tmp/ft-legacy.nft
check "nft flowtable with flags offload on the two function netdevs" nft -f /tmp/ft-legacy.nft
check_eq "two function netdevs bound" 2 "$(ftl bound)"
ma=$(mac_of ra e0); v0=$(cat /sys/class/net/sw0v0/address); mb=$(mac_of rb e0); v1=$(cat /sys/class/net/sw0v1/address)
fl=$($FPKT build dst=$v0 src=$ma sip=10.5.1.2 dip=10.5.2.2 proto=udp sport=3333 dport=7002 ttl=64 pad=64)
nsx rb $FPKT sniff e0 5000 2 > /tmp/ft.leg &
sniff_ready rb e0
check "ra sends 2 UDP frames, routed by software" nsx ra $FPKT send e0 "$fl" 2
wait $!
check "both directions offloaded" wait_ents 2
f0=$(fwd)
nsx rb $FPKT sniff e0 5000 $N 1000 >> /tmp/ft.leg &
sniff_ready rb e0
check "ra sends $N more" nsx ra $FPKT send e0 "$fl" $N
wait $!
check_eq "rb received all of them" $((N + 2)) "$(wc -l < /tmp/ft.leg)"
check_eq "software's forward chain saw none of the $N" "$f0" "$(fwd)"
check_eq "the switch's frames are software's, byte for byte" 1 "$(sort -u /tmp/ft.leg | wc -l)"
[ "$(sort -u /tmp/ft.leg | wc -l)" = 1 ] || sort /tmp/ft.leg | uniq -c | sed 's/^/#   /'
frame=$(head -n 1 /tmp/ft.leg)
check_match "MACs rewritten: from VF1 to rb" "^$(echo $mb$v1 | tr -d :)0800" "$frame"
check_match "TTL decreased once" '^.{44}3f11' "$frame"
check "wait for the UDP flow to expire" wait_ents 0 300
f0=$(fwd)
nsx rb $FPKT tcp-sink 5004 30 > /tmp/ft.ltcp &
sk=$!
check "TCP 4 MB ra -> rb" nsx ra $FPKT tcp-send 10.5.2.2 5004 4000000
wait $sk
check_eq "every byte arrived" 4000000 "$(cat /tmp/ft.ltcp)"
seen=$(($(fwd) - f0))
echo "# software's forward chain saw $seen packets of the TCP connection (legacy)"
check_match "the switch forwarded the stream both ways (software saw under 40 packets)" '^1$' \
	"$([ $seen -lt 40 ] && echo 1)"
check "delete the nft table" nft delete table inet fponic_ft
check_eq "no function netdev bound" 0 "$(ftl bound)"
check_eq "no direction left" 0 "$(ents)"
# nf_flow_table keeps a binding's extack to itself: the refusal shows as a failed command.
check "switchdev" $DEVLINK dev eswitch set $DL mode switchdev
check_fail "switchdev refuses a flowtable on function netdevs" nft -f /tmp/ft-legacy.nft
check_eq "nothing bound" 0 "$(ftl bound)"

cleanup_netns
check "rmdir sw0" rmdir "$CFG/sw0"
$IP link del w0 2>/dev/null
done_testing
