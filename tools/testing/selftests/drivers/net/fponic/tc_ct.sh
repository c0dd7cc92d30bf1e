#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Conntrack rules as OVS installs them (none of them skip_sw): chain 0 `ct_state -trk ct zone 5
# pipe goto chain 1`, chain 1 `+trk+new ct commit zone 5` and `+trk+est` forwarding. Software sets
# connections up; act_ct offloads them to the switch, which then tracks their packets itself
# and executes the +trk rules; a packet of no offloaded connection leaves the eswitch at `ct`
# and software resumes at that action. Each action counts each packet once. Refusals name
# what is not offloaded. `conntrack -L` shows the offloaded connections ([HW_OFFLOAD]); nft
# is there for the flowtable mode.
#
#   ns a: sw0v0 10.3.0.1   ns b: sw0v1 10.3.0.2   no bridge: only rules move traffic.
. "$(dirname "$0")/lib.sh"

R0=sw0pf0vf0
R1=sw0pf0vf1
N=20
K=5

fponic_load
check "create sw0" fponic_create sw0 1

# The table of offloaded connections: a devlink resource, sized by a driverinit parameter.
DL=faux/fponic-sw0
ctres() { $DEVLINK resource show $DL | tr -s '\n ' '  ' | grep -o 'name ct_table size [0-9]* occ [0-9]*'; }
check_match "ct_table resource, 65536 directions" '^name ct_table size 65536 occ 0$' "$(ctres)"
check_fail_msg "ct_table_size 8 refused with extack" 'within 16..1048576' \
	$DEVLINK dev param set $DL name ct_table_size value 8 cmode driverinit
check "ct_table_size 16 (driverinit)" $DEVLINK dev param set $DL name ct_table_size value 16 cmode driverinit
check "devlink dev reload" $DEVLINK dev reload $DL
check_match "ct_table of 16 after reload" '^name ct_table size 16 occ 0$' "$(ctres)"
check "2 VFs" sh -c "echo 2 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b
ns_move sw0v0 a 10.3.0.1/24; ns_move sw0v1 b 10.3.0.2/24
for d in $R0 $R1; do $IP link set $d up; done
m0=$(mac_of a sw0v0)
m1=$(mac_of b sw0v1)
nsx a $IP neigh add 10.3.0.2 lladdr "$m1" dev sw0v0
nsx b $IP neigh add 10.3.0.1 lladdr "$m0" dev sw0v1

# ct_rules REP PEER: the OVS pattern on REP's ingress, forwarding to PEER.
ct_rules() {
	$TC qdisc add dev $1 ingress &&
	$TC filter add dev $1 ingress protocol ip chain 0 prio 1 flower ct_state -trk \
		action ct zone 5 pipe action goto chain 1 &&
	$TC filter add dev $1 ingress protocol ip chain 1 prio 1 flower ct_state +trk+new \
		action ct commit zone 5 pipe action mirred egress redirect dev $2 &&
	$TC filter add dev $1 ingress protocol ip chain 1 prio 2 flower ct_state +trk+est \
		action mirred egress redirect dev $2
}
check "OVS-style ct rules VF0 -> VF1" ct_rules $R0 $R1
check "OVS-style ct rules VF1 -> VF0" ct_rules $R1 $R0
show() { $TC filter show dev $R0 ingress chain $1 pref $2 | tr -s '\n\t ' '   '; }
check_match "chain 0: the ct rule is offloaded" ' in_hw ' "$(show 0 1)"
check_match "chain 0: the ct action is in zone 5" ' ct zone 5 pipe ' "$(show 0 1)"
check_match "chain 1: the +trk+new commit rule is offloaded" ' in_hw ' "$(show 1 1)"
check_match "chain 1: the +trk+est rule is offloaded" ' in_hw ' "$(show 1 2)"
check_match "flow table: 6 rules" '^rules 6 ' "$(cat "$CFG/sw0/offload")"

# stat DEV CHAIN PREF FIELD: a counter of the first action of DEV's rule CHAIN/PREF (packets,
# hw_packets).
stat() {
	$TC -s -j filter show dev $1 ingress chain $2 pref $3 | grep -o "\"$4\":[0-9]*" | head -n 1 |
		cut -d: -f2
}
# conns: offloaded connection directions.
conns() {
	sed -n 's/^connections \([0-9]*\) .*/\1/p' "$CFG/sw0/offload"
}
# wait_conns N: until N connection directions are offloaded (10 s at most).
wait_conns() {
	local i=0
	while [ "$(conns)" != "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(conns)" = "$1" ]
}

check "ping VF0 -> VF1 through conntrack" nsx a ping -c 3 -W 2 10.3.0.2
check_match "one act_ct flow table registered" ' ct_tables 1$' "$(sed -n 2p "$CFG/sw0/offload")"

# TCP: software sets the connection up and offloads it once established; the stream then
# stays in the eswitch (+trk+est rules executed there), and its end returns to software.
c0=$(stat $R0 0 1 packets); h0=$(stat $R0 0 1 hw_packets); e0=$(stat $R0 1 2 hw_packets)
nsx b $FPKT tcp-sink 5001 20 > /tmp/ct.tcp &
sk=$!
check "TCP 4 MB VF0 -> VF1 through conntrack" nsx a $FPKT tcp-send 10.3.0.2 5001 4000000
wait $sk
check_eq "every byte arrived" 4000000 "$(cat /tmp/ct.tcp)"
hw=$(($(stat $R0 0 1 hw_packets) - h0))
sw=$(($(stat $R0 0 1 packets) - c0 - hw))
est=$(($(stat $R0 1 2 hw_packets) - e0))
echo "# VF0's ct action: $hw packets in the eswitch, $sw in software; +trk+est in the eswitch: $est"
# How soon act_ct's offload work runs depends on the machine's load: the check asks for a good
# part of the stream, and the next one that, from then on, the eswitch forwarded what it tracked.
check_match "the established stream went through the eswitch (at least 100 packets)" '^1$' \
	"$([ $hw -ge 100 ] && echo 1)"
check_eq "each packet the eswitch tracked was forwarded by its +trk+est rule" "$hw" "$est"
check "the connection's end returns it to software: no offloaded connection left" wait_conns 0

# One-way UDP: act_ct offloads the direction once its first packet is committed, as new.
# The next packets are tracked in the eswitch (+trk+new), then leave for software at the
# `ct commit` of their rule, with their connection: each action runs once per packet.
fu=$($FPKT build dst=$m1 src=$m0 sip=10.3.0.1 dip=10.3.0.2 proto=udp dport=7777)
check "VF0 sends the first UDP frame" nsx a $FPKT send sw0v0 "$fu" 1
check "its direction is offloaded" wait_conns 1
p0=$(stat $R0 0 1 packets); h0=$(stat $R0 0 1 hw_packets); n0=$(stat $R0 1 1 packets)
rx=$(nstat b sw0v1 rx_packets)
check "VF0 sends $N more" nsx a $FPKT send sw0v0 "$fu" $N
sleep 0.5
check_eq "VF1 received each once" $N $(($(nstat b sw0v1 rx_packets) - rx))
check_eq "the ct action ran once per frame" $N $(($(stat $R0 0 1 packets) - p0))
check_eq "the eswitch tracked every one" $N $(($(stat $R0 0 1 hw_packets) - h0))
check_eq "software committed each once" $N $(($(stat $R0 1 1 packets) - n0))
# The same flow with IPv4 options: act_ct's flow table does not look such packets up, so they
# leave the eswitch at `ct` untracked and software runs conntrack on them.
fo=$($FPKT build dst=$m1 src=$m0 sip=10.3.0.1 dip=10.3.0.2 proto=udp dport=7777 ihl=6)
p0=$(stat $R0 0 1 packets); h0=$(stat $R0 0 1 hw_packets)
check "VF0 sends $K with IPv4 options" nsx a $FPKT send sw0v0 "$fo" $K
sleep 0.5
check_eq "the eswitch tracked none of them" 0 $(($(stat $R0 0 1 hw_packets) - h0))
check_eq "software's ct action ran for each" $K $(($(stat $R0 0 1 packets) - p0))
ctl=$(conntrack -L 2>&1)
echo "$ctl" | sed -n '/dport=7777/s/^/# /p'
check_match "conntrack -L: the UDP flow, unreplied, offloaded, in zone 5" \
	'^udp .* src=10\.3\.0\.1 dst=10\.3\.0\.2 sport=1234 dport=7777 \[UNREPLIED\] .*\[HW_OFFLOAD\].* zone=5 ' \
	"$ctl"

# A full table leaves connections in software, counted: 20 more one-way UDP flows of one frame,
# with room for 16 directions in all.
full() { sed -n 's/^connections .* full \([0-9]*\) .*/\1/p' "$CFG/sw0/offload"; }
# From an empty table: the UDP flow above would expire during the test on a slow kernel (30 s
# idle), making room for one more.
check "conntrack -D: the flows above are gone" sh -c 'conntrack -D -p udp > /dev/null 2>&1; true'
check "and no direction is offloaded" wait_conns 0
f0=$(full); n0=$(conns)
for i in $(seq 1 20); do
	nsx a $FPKT send sw0v0 \
		"$($FPKT build dst=$m1 src=$m0 sip=10.3.0.1 dip=10.3.0.2 proto=udp sport=$((2000 + i)) dport=7778)" 1
done
check "16 directions offloaded" wait_conns 16
i=0
while [ "$(full)" != $((f0 + n0 + 20 - 16)) ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "the others were refused for want of room" $((f0 + n0 + 20 - 16)) "$(full)"
check_match "the ct_table resource is full" '^name ct_table size 16 occ 16$' "$(ctres)"
ctl=$(conntrack -L 2>&1 | grep 'dport=7778 ')
check_eq "conntrack -L: offloaded flows" $((16 - n0)) "$(echo "$ctl" | grep -c 'HW_OFFLOAD')"
check_eq "conntrack -L: flows left in software" $((n0 + 20 - 16)) "$(echo "$ctl" | grep -vc 'HW_OFFLOAD')"

check "remove the ct rules" sh -c "$TC qdisc del dev $R0 ingress && $TC qdisc del dev $R1 ingress"
sleep 0.5
check_match "no flow table registration, no connection left" '^connections 0 .* ct_tables 0$' \
	"$(sed -n 2p "$CFG/sw0/offload")"

# NAT: VF0's connections to VF1 leave with source 10.3.0.100 (`ct commit nat src`, run by
# software), and VF1's replies come back to 10.3.0.1 (`ct nat`). Once act_ct offloads a
# connection, the eswitch rewrites both directions itself, with act_ct's own NAT. The VFs
# checksum in software (tx offload off) and verify what they receive, so a wrong checksum
# update would stall the stream.
nat_rules() { # REP PEER [COMMIT-NAT...]
	local rep=$1 peer=$2
	shift 2
	$TC qdisc add dev $rep ingress &&
	$TC filter add dev $rep ingress protocol ip chain 0 prio 1 flower ct_state -trk \
		action ct zone 6 nat pipe action goto chain 1 &&
	$TC filter add dev $rep ingress protocol ip chain 1 prio 1 flower ct_state +trk+new \
		action ct commit zone 6 "$@" pipe action mirred egress redirect dev $peer &&
	$TC filter add dev $rep ingress protocol ip chain 1 prio 2 flower ct_state +trk+est \
		action mirred egress redirect dev $peer
}
check "NAT rules VF0 -> VF1: source 10.3.0.100" nat_rules $R0 $R1 nat src addr 10.3.0.100
check "NAT rules VF1 -> VF0" nat_rules $R1 $R0
nsx b $IP neigh add 10.3.0.100 lladdr "$m0" dev sw0v1
check "VF0 checksums in software" nsx a /sbin/ethtool -K sw0v0 tx off
check "VF1 checksums in software" nsx b /sbin/ethtool -K sw0v1 tx off
c0=$(stat $R0 0 1 packets); h0=$(stat $R0 0 1 hw_packets)
c1=$(stat $R1 0 1 packets); h1=$(stat $R1 0 1 hw_packets)
nsx b $FPKT tcp-sink 5003 20 > /tmp/ct.nat &
sk=$!
check "TCP 2 MB VF0 -> VF1 through NAT" nsx a $FPKT tcp-send 10.3.0.2 5003 2000000
wait $sk
check_eq "every byte arrived" 2000000 "$(cat /tmp/ct.nat)"
hw0=$(($(stat $R0 0 1 hw_packets) - h0)); sw0=$(($(stat $R0 0 1 packets) - c0 - hw0))
hw1=$(($(stat $R1 0 1 hw_packets) - h1)); sw1=$(($(stat $R1 0 1 packets) - c1 - hw1))
echo "# NAT, VF0 -> VF1: $hw0 packets in the eswitch, $sw0 in software; back: $hw1, $sw1"
check_match "the eswitch rewrote the stream (at least 100 packets)" '^1$' "$([ $hw0 -ge 100 ] && echo 1)"
check_match "and replies (at least 10)" '^1$' "$([ $hw1 -ge 10 ] && echo 1)"
check_match "conntrack -L: VF0's connection leaves as 10.3.0.100" \
	'src=10\.3\.0\.1 dst=10\.3\.0\.2 sport=[0-9]+ dport=5003 src=10\.3\.0\.2 dst=10\.3\.0\.100 ' \
	"$(conntrack -L 2>&1)"
nsx a /sbin/ethtool -K sw0v0 tx on
nsx b /sbin/ethtool -K sw0v1 tx on

# The eswitch matches ct_state itself: a packet it classifies has not been through conntrack.
check "remove the NAT rules" sh -c "$TC qdisc del dev $R0 ingress && $TC qdisc del dev $R1 ingress"
$TC qdisc add dev $R0 ingress
check "skip_sw: -trk UDP to 7778 dropped" $TC filter add dev $R0 ingress protocol ip prio 1 \
	flower skip_sw ct_state -trk ip_proto udp dst_port 7778 action drop
check "skip_sw: +trk UDP to 7779 dropped" $TC filter add dev $R0 ingress protocol ip prio 2 \
	flower skip_sw ct_state +trk ip_proto udp dst_port 7779 action drop
check "skip_sw: the rest to VF1" $TC filter add dev $R0 ingress protocol all prio 10 \
	flower skip_sw action mirred egress redirect dev $R1
# passed DPORT: how many of K UDP frames to DPORT reach VF1.
passed() {
	local rx
	rx=$(nstat b sw0v1 rx_packets)
	nsx a $FPKT send sw0v0 "$($FPKT build dst=$m1 src=$m0 sip=10.3.0.1 dip=10.3.0.2 proto=udp dport=$1)" $K
	sleep 0.3
	echo $(($(nstat b sw0v1 rx_packets) - rx))
}
check_eq "-trk matches an untracked packet: dropped" 0 "$(passed 7778)"
check_eq "+trk does not: passed" $K "$(passed 7779)"
check "skip_sw: ct clear then goto" $TC filter add dev $R0 ingress protocol ip prio 3 \
	flower skip_sw ip_proto udp dst_port 7780 action ct clear pipe action goto chain 1
check "skip_sw: chain 1 -trk to VF1" $TC filter add dev $R0 ingress protocol ip chain 1 prio 1 \
	flower skip_sw ct_state -trk action mirred egress redirect dev $R1
check_eq "ct clear leaves the packet untracked" $K "$(passed 7780)"

# Refusals: each with its reason, and nothing changes.
before=$(cat "$CFG/sw0/offload" | head -n 1)
n_before=$($TC filter show dev $R0 ingress | grep -c '^filter .* flower')
refuse() { # DESC PATTERN FLOWER-ARGS...
	local d=$1 p=$2
	shift 2
	check_fail_msg "$d" "$p" $TC filter add dev $R0 ingress protocol ip prio 5 flower skip_sw "$@"
}
refuse "ct_state +rel is refused" 'ct_state \+rel is not supported' \
	ct_state +trk+rel action drop
refuse "ct_state +inv is refused" 'ct_state \+inv is not supported' \
	ct_state +trk+inv action drop
refuse "ct after another action is refused" 'ct must be the first action of its rule' \
	action vlan push id 5 pipe action ct pipe action goto chain 1
check_eq "refusals changed nothing in the flow table" "$before" "$(cat "$CFG/sw0/offload" | head -n 1)"
check_eq "refusals left tc's filters as they were" "$n_before" \
	"$($TC filter show dev $R0 ingress | grep -c '^filter .* flower')"

check "ct commit nat src (NF_NAT)" $TC filter add dev $R0 ingress protocol ip chain 2 prio 1 \
	flower ip_proto udp dst_port 7781 action ct commit nat src addr 10.3.0.9 pipe \
	action goto chain 3
check_match "ct commit nat src is offloaded" ' in_hw ' "$(show 2 1)"

check "remove the qdisc" $TC qdisc del dev $R0 ingress
sleep 0.5
check_match "flow table empty" '^rules 0 ' "$(cat "$CFG/sw0/offload")"

# nft: an inet table with a flowtable, flow offload, ct and nat, in a namespace of its own.
check "nft list ruleset runs" nft list ruleset
ns_new n
$IP -n n link add v0 type veth peer name v1
cat > /tmp/ct.nft <<'NFT'
table inet fponic_ct {
	flowtable ft {
		hook ingress priority filter
		devices = { v0, v1 }
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct zone 5 ct state established flow add @ft
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "v1" ip saddr 10.9.0.1 snat ip to 10.9.0.2
	}
}
NFT
check "nft: inet flowtable, flow add, ct zone and snat" nsx n nft -f /tmp/ct.nft
check_match "nft list ruleset shows the flowtable" 'flowtable ft ' "$(nsx n nft list ruleset 2>&1)"
check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
