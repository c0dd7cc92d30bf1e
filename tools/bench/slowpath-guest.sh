#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/bench/slowpath.sh: ping RTT and bulk TCP throughput VF -> VF through
# fponic (switchdev slow path: representors bridged, and legacy MAC switching) next to a plain
# veth pair, all in this boot, interleaved A B B A so that drift cancels.
IP=/sbin/ip
FPKT=/sbin/fpkt
CFG=/sys/kernel/config/fponic
ROUNDS=${ROUNDS:-2}
BYTES=${BYTES:-100000000}
PINGS=${PINGS:-50}

for m in llc stp bridge; do insmod /fponic/modules/$m.ko; done
insmod /fponic/modules/fponic.ko
for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do echo 1 > $f; done

ns() {
	$IP netns add "$1"
	$IP -n "$1" link set lo up
}

# veth pair: x (10.9.0.1) <-> y (10.9.0.2)
ns x; ns y
$IP link add vx netns x type veth peer name vy netns y
$IP -n x addr add 10.9.0.1/24 dev vx; $IP -n x link set vx up
$IP -n y addr add 10.9.0.2/24 dev vy; $IP -n y link set vy up

# fponic switchdev: a (10.8.0.1) on sw0v0, b (10.8.0.2) on sw0v1, representors in a bridge.
mkdir $CFG/sw0; echo 1 > $CFG/sw0/enable; echo 2 > $CFG/sw0/num_vfs
/sbin/devlink dev eswitch set faux/fponic-sw0 mode switchdev
ns a; ns b
$IP link set sw0v0 netns a; $IP -n a addr add 10.8.0.1/24 dev sw0v0; $IP -n a link set sw0v0 up
$IP link set sw0v1 netns b; $IP -n b addr add 10.8.0.2/24 dev sw0v1; $IP -n b link set sw0v1 up
$IP link add br0 type bridge
$IP link set br0 up
for d in sw0pf0vf0 sw0pf0vf1; do $IP link set $d master br0; $IP link set $d up; done

# fponic legacy: c (10.7.0.1) on sw1v0, d (10.7.0.2) on sw1v1.
mkdir $CFG/sw1; echo 1 > $CFG/sw1/enable; echo 2 > $CFG/sw1/num_vfs
ns c; ns d
$IP link set sw1v0 netns c; $IP -n c addr add 10.7.0.1/24 dev sw1v0; $IP -n c link set sw1v0 up
$IP link set sw1v1 netns d; $IP -n d addr add 10.7.0.2/24 dev sw1v1; $IP -n d link set sw1v1 up
sleep 1
$IP netns exec x ping -c 1 -W 2 10.9.0.2 > /dev/null
$IP netns exec a ping -c 1 -W 2 10.8.0.2 > /dev/null
$IP netns exec c ping -c 1 -W 2 10.7.0.2 > /dev/null

# measure NAME SRCNS DSTNS DSTIP
measure() {
	rtt=$($IP netns exec "$2" ping -c "$PINGS" -i 0.02 -q "$4" | sed -n 's,.*= [0-9.]*/\([0-9.]*\)/.*,\1,p')
	$IP netns exec "$3" $FPKT tcp-sink 5201 120 > /tmp/sink &
	sk=$!
	sleep 0.3
	out=$($IP netns exec "$2" $FPKT tcp-send "$4" 5201 "$BYTES")
	wait $sk
	echo "RESULT $1 rtt_ms $rtt"
	echo "RESULT $1 tcp_mbps $(echo "$out" | cut -d' ' -f3)"
}

for r in $(seq 1 "$ROUNDS"); do
	measure veth x y 10.9.0.2
	measure switchdev a b 10.8.0.2
	measure legacy c d 10.7.0.2
	measure legacy c d 10.7.0.2
	measure switchdev a b 10.8.0.2
	measure veth x y 10.9.0.2
done
