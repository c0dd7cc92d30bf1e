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
