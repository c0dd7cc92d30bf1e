#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/bench/tcgprof/profile.sh: the forwarding paths of the offload benchmark,
# each between two sync(2) calls, which the tcgprof plugin turns into one profile snapshot.
# Paths, in order: fponic VF->VF offloaded redirect, the same with GRO off on the receiving VF,
# a plain veth pair, veth + software flower + mirred, fponic legacy VF->VF switching,
# inserting RULES skip_sw rules into fponic, the same into netdevsim. Each prints a PROFILE line.
IP=/sbin/ip
TC=/sbin/tc
DEVLINK=/sbin/devlink
CFG=/sys/kernel/config/fponic
N=${N:-200000}
RULES=${RULES:-20000}

for m in pktgen netdevsim; do insmod /fponic/modules/$m.ko 2>/dev/null; done
insmod /fponic/modules/fponic.ko
for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do echo 1 > $f; done
ns() { $IP netns add $1; $IP -n $1 link set lo up; }
mac() { $IP netns exec $1 cat /sys/class/net/$2/address; }
rx() { $IP netns exec $1 cat /sys/class/net/$2/statistics/rx_packets; }

pktgen() { # NS DEV DSTMAC RXNS RXDEV
	r0=$(rx $4 $5)
	out=$($IP netns exec $1 sh -c "
		echo rem_device_all > /proc/net/pktgen/kpktgend_0
		echo add_device $2 > /proc/net/pktgen/kpktgend_0
		P=/proc/net/pktgen/$2
		echo count $N > \$P; echo pkt_size 64 > \$P; echo delay 0 > \$P
		echo dst_mac $3 > \$P; echo dst 10.0.0.2 > \$P; echo src_min 10.0.0.1 > \$P
		sync
		echo start > /proc/net/pktgen/pgctrl
		sync
		cat \$P")
	us=$(echo "$out" | sed -n 's/.*Result: OK: \([0-9]*\)(.*/\1/p')
	echo "PROFILE $6 pps $(( ($(rx $4 $5) - r0) * 1000000 / (us > 0 ? us : 1) ))"
}

setup_fponic() { # NAME NSSRC NSDST MODE
	mkdir $CFG/$1; echo 1 > $CFG/$1/num_uplinks; echo 1 > $CFG/$1/enable; echo 3 > $CFG/$1/num_vfs
	[ $4 = switchdev ] && $DEVLINK dev eswitch set faux/fponic-$1 mode switchdev
	ns $2; ns $3
	$IP link set ${1}v0 netns $2; $IP -n $2 link set ${1}v0 up
	$IP link set ${1}v1 netns $3; $IP -n $3 link set ${1}v1 up
	if [ $4 = switchdev ]; then
		for d in ${1}pf0vf0 ${1}pf0vf1 ${1}pf0vf2; do $IP link set $d up; done
		$TC qdisc add dev ${1}pf0vf0 ingress
	fi
}
setup_fponic sw0 a b switchdev
$TC filter add dev sw0pf0vf0 ingress protocol all prio 1 flower skip_sw dst_mac $(mac b sw0v1) action mirred egress redirect dev sw0pf0vf1
setup_fponic sw1 c d legacy
$IP link set sw1p0 up
ns x; ns y
$IP link add vx0 netns x type veth peer name vy0
$IP link add vx1 netns y type veth peer name vy1
$IP -n x link set vx0 up; $IP -n y link set vx1 up; $IP link set vy0 up; $IP link set vy1 up
$TC qdisc add dev vy0 ingress
$TC filter add dev vy0 ingress protocol all prio 1 flower skip_hw action mirred egress redirect dev vy1
ns p; ns q
$IP link add va netns p type veth peer name vb netns q
$IP -n p link set va up; $IP -n q link set vb up

pktgen a sw0v0 $(mac b sw0v1) b sw0v1 offload
# veth leaves GRO off unless asked; the same on the receiving VF.
$IP netns exec b /sbin/ethtool -K sw0v1 gro off
pktgen a sw0v0 $(mac b sw0v1) b sw0v1 offload_nogro
pktgen p va $(mac q vb) q vb veth
pktgen x vx0 $(mac y vx1) y vx1 swflower
pktgen c sw1v0 $(mac d sw1v1) d sw1v1 legacy
echo "1 1" > /sys/bus/netdevsim/new_device
sleep 1
NSIM=$(ls /sys/bus/netdevsim/devices/netdevsim1/net/ | head -1)
/sbin/ethtool -K $NSIM hw-tc-offload on
$IP link set $NSIM up
insert() { # DEV NAME
	awk -v n=$RULES -v d=$1 'BEGIN { for (i = 0; i < n; i++)
		printf "filter add dev %s ingress protocol all prio 1 handle %d flower skip_sw dst_mac 02:bb:%02x:%02x:%02x:00 action drop\n",
			d, i + 1, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' > /tmp/ins
	$TC qdisc add dev $1 ingress 2>/dev/null
	sync
	t0=$(awk '{printf "%d", $1 * 1000}' /proc/uptime)
	$TC -b /tmp/ins
	t1=$(awk '{printf "%d", $1 * 1000}' /proc/uptime)
	sync
	echo "PROFILE $2 rules/s $(( RULES * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1) ))"
}
insert sw0pf0vf2 insert_fponic
insert $NSIM insert_netdevsim
echo KALLSYMS-BEGIN
grep -i ' t ' /proc/kallsyms
echo KALLSYMS-END
