# SPDX-License-Identifier: GPL-2.0
#
# Shared by the guest sides of tools/bench/offload.sh and tools/bench/tcgprof/profile.sh (the
# host scripts put it before them): the forwarding paths both measure, set up the same way.
IP=/sbin/ip
TC=/sbin/tc
DEVLINK=/sbin/devlink
CFG=/sys/kernel/config/fponic

for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do echo 1 > $f; done
ns() { $IP netns add $1; $IP -n $1 link set lo up; }
mac() { $IP netns exec $1 cat /sys/class/net/$2/address; }
rx() { $IP netns exec $1 cat /sys/class/net/$2/statistics/rx_packets; }

# pktgen NS DEV DSTMAC RXNS RXDEV: N 64-byte packets, prints delivered packets per second.
# PKTGEN_MARK, if set, runs in NS right before and after the packets (a profiler's marker);
# PKTGEN_FLAGS, if set, are pktgen flags for the packets (e.g. UDPCSUM).
pktgen() {
	r0=$(rx $4 $5)
	out=$($IP netns exec $1 sh -c "
		echo rem_device_all > /proc/net/pktgen/kpktgend_0
		echo add_device $2 > /proc/net/pktgen/kpktgend_0
		P=/proc/net/pktgen/$2
		echo count $N > \$P; echo pkt_size 64 > \$P; echo delay 0 > \$P
		echo dst_mac $3 > \$P; echo dst 10.0.0.2 > \$P; echo src_min 10.0.0.1 > \$P
		for f in ${PKTGEN_FLAGS:-}; do echo \"flag \$f\" > \$P; done
		${PKTGEN_MARK:-}
		echo start > /proc/net/pktgen/pgctrl
		${PKTGEN_MARK:-}
		cat \$P")
	us=$(echo "$out" | sed -n 's/.*Result: OK: \([0-9]*\)(.*/\1/p')
	echo $(( ($(rx $4 $5) - r0) * 1000000 / (us > 0 ? us : 1) ))
}

# setup_fponic NAME NSSRC NSDST [MODE]: one uplink, 3 VFs, VF0 in NSSRC and VF1 in NSDST; in
# switchdev mode (the default) the representors are up and VF0's has an ingress qdisc.
setup_fponic() {
	mkdir $CFG/$1; echo 1 > $CFG/$1/num_uplinks; echo 1 > $CFG/$1/enable; echo 3 > $CFG/$1/num_vfs
	[ "${4:-switchdev}" = switchdev ] && $DEVLINK dev eswitch set faux/fponic-$1 mode switchdev
	ns $2; ns $3
	$IP link set ${1}v0 netns $2; $IP -n $2 link set ${1}v0 up
	$IP link set ${1}v1 netns $3; $IP -n $3 link set ${1}v1 up
	if [ "${4:-switchdev}" = switchdev ]; then
		for d in ${1}pf0vf0 ${1}pf0vf1 ${1}pf0vf2; do $IP link set $d up; done
		$TC qdisc add dev ${1}pf0vf0 ingress
	fi
}

# The baselines: veth + software flower + mirred (x: vx0 -> vy0, ingress rule -> vy1 -> y: vx1)
# and a plain veth pair (p: va -> q: vb).
setup_baselines() {
	ns x; ns y
	$IP link add vx0 netns x type veth peer name vy0
	$IP link add vx1 netns y type veth peer name vy1
	$IP -n x link set vx0 up; $IP -n y link set vx1 up; $IP link set vy0 up; $IP link set vy1 up
	$TC qdisc add dev vy0 ingress
	$TC filter add dev vy0 ingress protocol all prio 1 flower skip_hw action mirred egress redirect dev vy1
	ns p; ns q
	$IP link add va netns p type veth peer name vb netns q
	$IP -n p link set va up; $IP -n q link set vb up
}

# setup_routed NAME NSA NSB: setup_fponic NAME NSA NSB (switchdev), then the host routes between
# VF0 (NSA, 10.0.0.1) and VF1 (NSB, 10.0.0.2) through their representors, with static routes and
# neighbours; NSA reaches 10.0.0.2 through its representor's MAC, which pktgen's packets (UDP
# 9 -> 9, TTL 32) are sent to. No ingress qdisc on VF0's representor.
setup_routed() {
	setup_fponic $1 $2 $3
	$TC qdisc del dev ${1}pf0vf0 ingress
	echo 1 > /proc/sys/net/ipv4/ip_forward
	$IP -n $2 addr add 10.0.0.1/32 dev ${1}v0
	$IP -n $3 addr add 10.0.0.2/32 dev ${1}v1
	$IP -n $2 route add 10.0.0.2/32 dev ${1}v0
	$IP -n $2 neigh add 10.0.0.2 lladdr $(cat /sys/class/net/${1}pf0vf0/address) dev ${1}v0
	$IP route add 10.0.0.1/32 dev ${1}pf0vf0
	$IP route add 10.0.0.2/32 dev ${1}pf0vf1
	$IP neigh add 10.0.0.1 lladdr $(mac $2 ${1}v0) dev ${1}pf0vf0
	$IP neigh add 10.0.0.2 lladdr $(mac $3 ${1}v1) dev ${1}pf0vf1
}

# ft_flow NAME NSA FLAGS: replaces the nftables table "bench" with one whose flowtable over
# NAME's two representors has FLAGS ("none": no flowtable), sends pktgen's flow twice from NSA
# so that nft adds it, and, with "flags offload;", waits until NAME holds both directions.
ft_flow() {
	nft delete table inet bench 2>/dev/null
	conntrack -F 2>/dev/null
	if [ "$3" != none ]; then
		nft -f - <<NFT
table inet bench {
	flowtable ft { hook ingress priority filter; devices = { ${1}pf0vf0, ${1}pf0vf1 }; $3 }
	chain forward { type filter hook forward priority filter; meta l4proto udp flow add @ft; }
}
NFT
	fi
	$IP netns exec $2 /sbin/fpkt send ${1}v0 $(/sbin/fpkt build dst=$(cat /sys/class/net/${1}pf0vf0/address) \
		src=$(mac $2 ${1}v0) sip=10.0.0.1 dip=10.0.0.2 proto=udp sport=9 dport=9 ttl=32) 2
	i=0
	while [ "$3" = "flags offload;" ] && [ $i -lt 100 ] &&
		[ "$(sed -n 's/^flowtable \([0-9]*\) .*/\1/p' $CFG/$1/offload)" != 2 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.2
}

# Conntrack (shared by tools/bench/ct.sh and the profile's SCENARIO=ct). The flows both measure:
# UDP 10.0.0.1:9 -> 10.0.0.2:9 (pktgen's packets) and TCP 10.0.0.1:4000 -> 10.0.0.2:5000, whose
# packets carry no address of the receiving namespaces, which drop them (no route) after the
# receiving device counted them.
FPKT=/sbin/fpkt
# in_ns NS CMD...: CMD in namespace NS ("-": the initial one).
in_ns() {
	_n=$1
	shift
	if [ "$_n" = - ]; then "$@"; else $IP netns exec "$_n" "$@"; fi
}

# ct_rules NS DEV PEER ZONE [FLAGS]: the rules OVS installs for conntrack, on the ingress of DEV
# (in NS), forwarding to PEER: chain 0 sends untracked packets through `ct zone ZONE`, chain 1
# commits new connections and forwards established ones. FLAGS: tc's skip_hw, or none.
ct_rules() {
	in_ns $1 $TC qdisc add dev $2 ingress 2>/dev/null
	in_ns $1 $TC filter add dev $2 ingress protocol ip chain 0 prio 1 flower ${5:-} ct_state -trk \
		action ct zone $4 pipe action goto chain 1
	in_ns $1 $TC filter add dev $2 ingress protocol ip chain 1 prio 1 flower ${5:-} ct_state +trk+new \
		action ct commit zone $4 pipe action mirred egress redirect dev $3
	in_ns $1 $TC filter add dev $2 ingress protocol ip chain 1 prio 2 flower ${5:-} ct_state +trk+est \
		action mirred egress redirect dev $3
}

# ct_frames SMAC DMAC: the flows' frames between the sides with MACs SMAC and DMAC: the original
# direction's in $udp_o, $syn, $ack and $tcp_o (established data), the replies in $udp_r and
# $synack.
ct_frames() {
	ct_frames_routed $1 $2 $2 $1
}
# ct_frames_routed SMAC DMAC RSMAC RDMAC: the same through a router: original direction SMAC ->
# DMAC, replies RSMAC -> RDMAC.
ct_frames_routed() {
	o="dst=$2 src=$1 sip=10.0.0.1 dip=10.0.0.2"
	r="dst=$4 src=$3 sip=10.0.0.2 dip=10.0.0.1"
	udp_o=$($FPKT build $o proto=udp sport=9 dport=9)
	udp_r=$($FPKT build $r proto=udp sport=9 dport=9)
	t="proto=tcp win=65535 pad=0"
	syn=$($FPKT build $o $t sport=4000 dport=5000 flags=0x02 seq=1000)
	synack=$($FPKT build $r $t sport=5000 dport=4000 flags=0x12 seq=5000 ack=1001)
	ack=$($FPKT build $o $t sport=4000 dport=5000 flags=0x10 seq=1001 ack=5001)
	# Established data: 18 bytes, 64-byte frames as pktgen's.
	tcp_o=$($FPKT build $o proto=tcp win=65535 pad=18 sport=4000 dport=5000 flags=0x10 seq=1001 ack=5001)
}

# ct_udp_establish NSA DEVA NSB DEVB CHECK...: a UDP flow set up both ways until CHECK succeeds
# twice, 1.5 s apart (at most 4 tries). act_ct offloads the original direction at its first
# packet, as new; once replied, its flow table's gc tears that offload down. The flow is then
# quiet for 3 s: the torn down flow leaves the table and the connection becomes ASSURED (2 s
# after its first packet) at its next packet, which has act_ct offload both directions as
# established. (Traffic during the teardown can have act_ct add the connection again before the
# torn down flow left the table; that flow's next gc then clears the connection's offload bit,
# act_ct adds a third flow, and the second stays offloaded until it expires.)
ct_udp_establish() {
	_na=$1 _da=$2 _nb=$3 _db=$4
	shift 4
	_i=0
	while [ $_i -lt 4 ]; do
		in_ns $_na $FPKT send $_da $udp_o 1
		sleep 0.2
		in_ns $_nb $FPKT send $_db $udp_r 1
		sleep 3
		in_ns $_na $FPKT send $_da $udp_o 1
		sleep 0.2
		in_ns $_nb $FPKT send $_db $udp_r 1
		sleep 1
		if "$@"; then
			sleep 1.5
			"$@" && return 0
		fi
		_i=$((_i + 1))
	done
	echo "UDP flow not established on $_da" >&2
	return 1
}

# ct_tcp_establish NSA DEVA NSB DEVB: the handshake SYN, SYN-ACK, ACK.
ct_tcp_establish() {
	in_ns $1 $FPKT send $2 $syn 1; sleep 0.2
	in_ns $3 $FPKT send $4 $synack 1; sleep 0.2
	in_ns $1 $FPKT send $2 $ack 1; sleep 0.2
}

# ct_offloaded NS PATTERN FLAG [STATUS]: conntrack in NS has a connection matching PATTERN (with
# status STATUS, e.g. ASSURED) marked FLAG: OFFLOAD (in a software flow table) or HW_OFFLOAD.
ct_offloaded() {
	in_ns $1 conntrack -L ${4:+-u $4} 2>/dev/null | grep -E -- "$2" | grep -q "\[$3\]"
}

# ct_hw_est NS DEV FRAME REP: 10 frames of a connection sent on DEV are all forwarded by the switch
# through the +trk+est rule of representor REP (ct_rules).
ct_hw_est() {
	_h0=$(tc_hw $4 1 2)
	in_ns $1 $FPKT send $2 $3 10
	sleep 0.3
	[ $(($(tc_hw $4 1 2) - _h0)) = 10 ]
}

# ct_conns NAME: connection directions fponic device NAME has offloaded.
ct_conns() {
	sed -n 's/^connections \([0-9]*\) .*/\1/p' $CFG/$1/offload
}

# tc_hw DEV CHAIN PREF: packets the switch counted for DEV's rule CHAIN/PREF.
tc_hw() {
	$TC -s -j filter show dev $1 ingress chain $2 pref $3 | grep -o '"hw_packets":[0-9]*' |
		head -n 1 | cut -d: -f2
}
