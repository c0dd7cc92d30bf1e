#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the reference fponic topology (as the selftests and benchmarks use it):
#
#   ns vf0 (10.10.0.1) -- sw0v0 \                          / r0 --+
#   ns vf1 (10.10.0.2) -- sw0v1 -- [ fponic sw0 ] -- w0 ======== r0 |-- brr (ns remote, 10.10.0.100)
#                                         p1    -- w1 ======== r1 --+
#
# Usage: topology.sh [legacy|switchdev] [NUM_VFS]     (default: legacy 2)
#   legacy:    the NIC switches by MAC; VFs reach each other and the remote bridge directly.
#   switchdev: representors sw0pf0vfN and the uplink representors sw0p0/sw0p1 go into a host
#              bridge br0, which gives the same connectivity through the slow path.
# Needs fponic loaded (and bridge for switchdev); run as root. Undo with: topology.sh clean
set -e
IP=${IP:-/sbin/ip}
DEVLINK=${DEVLINK:-/sbin/devlink}
CFG=/sys/kernel/config/fponic
MODE=${1:-legacy}
NVF=${2:-2}

if [ "$MODE" = clean ]; then
	[ -d $CFG/sw0 ] && rmdir $CFG/sw0
	for n in $($IP netns list | cut -d' ' -f1); do
		case $n in remote | vf*) $IP netns del "$n" ;; esac
	done
	$IP link del br0 2>/dev/null || true
	exit 0
fi

mkdir $CFG/sw0
echo 2 > $CFG/sw0/num_uplinks
echo 1 > $CFG/sw0/enable
echo "$NVF" > $CFG/sw0/num_vfs

# The remote side: both wires end in one bridge, like a top-of-rack switch.
$IP netns add remote
$IP -n remote link set lo up
$IP -n remote link add brr type bridge
$IP -n remote link set brr up
$IP -n remote addr add 10.10.0.100/24 dev brr
for i in 0 1; do
	$IP link add w$i type veth peer name r$i
	$IP link set r$i netns remote
	$IP -n remote link set r$i master brr
	$IP -n remote link set r$i up
	$IP link set w$i up
	echo "$i w$i" > $CFG/sw0/wires
	$IP link set sw0p$i up
done

i=0
while [ $i -lt "$NVF" ]; do
	$IP netns add vf$i
	$IP -n vf$i link set lo up
	$IP link set sw0v$i netns vf$i
	$IP -n vf$i addr add 10.10.0.$((i + 1))/24 dev sw0v$i
	$IP -n vf$i link set sw0v$i up
	i=$((i + 1))
done

if [ "$MODE" = switchdev ]; then
	$DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
	$IP link add br0 type bridge
	$IP link set br0 up
	# One uplink representor in the bridge: the two wires already meet in the remote bridge.
	for d in sw0p0 $(cd /sys/class/net && ls -d sw0pf0vf*); do
		$IP link set "$d" master br0
		$IP link set "$d" up
	done
fi
echo "fponic topology ready ($MODE, $NVF VFs)"
