#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/bench/failover.sh: outage and loss when the active uplink's far end goes
# down, fponic failover vs a Linux bond (active-backup, miimon 10), same rate, same remote side.
IP=/sbin/ip
FPKT=/sbin/fpkt
CFG=/sys/kernel/config/fponic
REPS=${REPS:-20}
PPS=${PPS:-2000}

for m in llc stp bridge; do insmod /fponic/modules/$m.ko 2>/dev/null; done
# max_bonds=0: by default the module creates a bond0 of its own, in balance-rr mode, and the
# bond0 below would then fail to be created with the mode and link monitor asked for.
insmod /fponic/modules/bonding.ko max_bonds=0
insmod /fponic/modules/fponic.ko
for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do echo 1 > $f; done
$IP netns add remote
$IP -n remote link set lo up
for b in brf brb; do
	$IP -n remote link add $b type bridge
	$IP -n remote link set $b up
done

# fponic: VF0 (ns a) homed on p0; p0/p1 wired to brf.
mkdir $CFG/sw0; echo 1 > $CFG/sw0/enable; echo 1 > $CFG/sw0/num_vfs
$IP netns add a; $IP link set sw0v0 netns a; $IP -n a link set sw0v0 up
for i in 0 1; do
	$IP link add w$i type veth peer name r$i
	$IP link set r$i netns remote; $IP -n remote link set r$i master brf; $IP -n remote link set r$i up
	$IP link set w$i up; $IP link set sw0p$i up; echo "$i w$i" > $CFG/sw0/wires
done
# bond: bond0 over b0 (primary) and b1, wired to brb.
$IP link add bond0 type bond mode active-backup miimon 10
for i in 0 1; do
	$IP link add b$i type veth peer name rb$i
	$IP link set rb$i netns remote; $IP -n remote link set rb$i master brb; $IP -n remote link set rb$i up
	$IP link set b$i master bond0
done
echo b0 > /sys/class/net/bond0/bonding/primary
$IP link set bond0 up
echo "BOND $(cat /sys/class/net/bond0/bonding/mode) miimon $(cat /sys/class/net/bond0/bonding/miimon) active $(cat /sys/class/net/bond0/bonding/active_slave)"
sleep 2

mf=$($IP netns exec remote cat /sys/class/net/brf/address)
mb=$($IP netns exec remote cat /sys/class/net/brb/address)
ff=$($FPKT frame $mf $($IP netns exec a cat /sys/class/net/sw0v0/address) 88b5 00000000)
fb=$($FPKT frame $mb $(cat /sys/class/net/bond0/address) 88b5 00000000)

# The sink listens on both far-side ports (bridge ports, before bridging): lost frames, and the
# gap between the last frame on the failed path and the first on the surviving one, by kernel
# receive timestamps (the sender's own scheduling stalls do not lose frames: it catches up).
run() { # NAME SINKDEV-A SINKDEV-B SENDNS SENDDEV FRAME
	$IP netns exec remote $FPKT pathsink $2 $3 5 > /tmp/sink &
	sk=$!
	sleep 0.5
	if [ "$4" = - ]; then $FPKT stream $5 $6 $PPS 3 > /dev/null & else $IP netns exec $4 $FPKT stream $5 $6 $PPS 3 > /dev/null & fi
	sleep 1
	$IP -n remote link set $2 down
	wait $!
	wait $sk
	echo "RESULT $1 $(cat /tmp/sink)"
	$IP -n remote link set $2 up
	sleep 2
}
for r in $(seq 1 $REPS); do
	run fponic r0 r1 a sw0v0 $ff
	run bond rb0 rb1 - bond0 $fb
done
cat $CFG/sw0/failover
