#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/bench/offload.sh (after guest-lib.sh). Prints "RESULT <name> <value>" lines.
N=${N:-100000}         # pktgen packets per run
RULES=${RULES:-100000} # rules for the scale and insertion runs
REMAP=${REMAP:-10000}  # flows for the remap run

for m in llc stp bridge pktgen netdevsim; do insmod /fponic/modules/$m.ko 2>/dev/null; done
insmod /fponic/modules/fponic.ko
now_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }

# fponic switchdev with offloaded redirect VF0 -> VF1 (sw0: 1 rule; sw1: RULES rules + that one).
setup_fponic sw0 a b
$TC filter add dev sw0pf0vf0 ingress protocol all prio 1 flower skip_sw dst_mac $(mac b sw0v1) action mirred egress redirect dev sw0pf0vf1
setup_fponic sw1 c d
# RULES rules of one mask (dst_mac), random destinations among VF1/VF2, plus the measured flow.
awk -v n=$RULES 'BEGIN { srand(7); for (i = 0; i < n; i++)
	printf "filter add dev sw1pf0vf0 ingress protocol all prio 1 handle %d flower skip_sw dst_mac 02:aa:%02x:%02x:%02x:00 action mirred egress redirect dev sw1pf0vf%d\n",
		i + 2, int(i / 65536) % 256, int(i / 256) % 256, i % 256, 1 + int(rand() * 2) }' > /tmp/scale.batch
t0=$(now_ms); $TC -b /tmp/scale.batch; t1=$(now_ms)
$TC filter add dev sw1pf0vf0 ingress protocol all prio 1 handle 1 flower skip_sw dst_mac $(mac d sw1v1) action mirred egress redirect dev sw1pf0vf1
echo "RESULT scale_rules $(sed -n 's/^rules \([0-9]*\).*/\1/p' $CFG/sw1/offload)"

setup_baselines

m_sw0=$(mac b sw0v1); m_sw1=$(mac d sw1v1); m_y=$(mac y vx1); m_q=$(mac q vb)
gro() { $IP netns exec b /sbin/ethtool -K sw0v1 gro $1; }
ratio() { awk -v a=$1 -v b=$2 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }'; }
# A B B A: each ratio is taken within a pair measured back to back.
for r in 1 2 3; do
	a1=$(pktgen a sw0v0 $m_sw0 b sw0v1)
	gro off; g1=$(pktgen a sw0v0 $m_sw0 b sw0v1); gro on
	b1=$(pktgen x vx0 $m_y y vx1)
	c1=$(pktgen p va $m_q q vb)
	d1=$(pktgen c sw1v0 $m_sw1 d sw1v1)
	d2=$(pktgen c sw1v0 $m_sw1 d sw1v1)
	c2=$(pktgen p va $m_q q vb)
	b2=$(pktgen x vx0 $m_y y vx1)
	gro off; g2=$(pktgen a sw0v0 $m_sw0 b sw0v1); gro on
	a2=$(pktgen a sw0v0 $m_sw0 b sw0v1)
	for v in "pps_offload $a1 $a2" "pps_offload_nogro $g1 $g2" "pps_swflower $b1 $b2" \
		"pps_veth $c1 $c2" "pps_offload_scale $d1 $d2"; do
		set -- $v; echo "RESULT $1 $2"; echo "RESULT $1 $3"
	done
	echo "RESULT pair_offload_swflower $(ratio $a1 $b1)"; echo "RESULT pair_offload_swflower $(ratio $a2 $b2)"
	echo "RESULT pair_offload_veth $(ratio $a1 $c1)"; echo "RESULT pair_offload_veth $(ratio $a2 $c2)"
	echo "RESULT pair_nogro_swflower $(ratio $g1 $b1)"; echo "RESULT pair_nogro_swflower $(ratio $g2 $b2)"
	echo "RESULT pair_nogro_veth $(ratio $g1 $c1)"; echo "RESULT pair_nogro_veth $(ratio $g2 $c2)"
	echo "RESULT pair_scale $(ratio $d1 $a1)"; echo "RESULT pair_scale $(ratio $d2 $a2)"
done

# Insertion: RULES skip_sw rules with tc -b into fponic, netdevsim (no-op driver) and software.
echo "1 1" > /sys/bus/netdevsim/new_device
sleep 1
NSIM=$(ls /sys/bus/netdevsim/devices/netdevsim1/net/ | head -1)
/sbin/ethtool -K $NSIM hw-tc-offload on
$IP link set $NSIM up
$IP link add ins0 type veth peer name ins1
$IP link set ins0 up
gen() { # DEV FLAG
	awk -v n=$RULES -v d=$1 -v f=$2 'BEGIN { for (i = 0; i < n; i++)
		printf "filter add dev %s ingress protocol all prio 1 handle %d flower %s dst_mac 02:bb:%02x:%02x:%02x:00 action drop\n",
			d, i + 1, f, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' > /tmp/ins.$1
}
gen sw0pf0vf2 skip_sw; gen $NSIM skip_sw; gen ins0 skip_hw
$TC qdisc add dev sw0pf0vf2 ingress
insert() { # DEV
	$TC qdisc add dev $1 ingress 2>/dev/null
	t0=$(now_ms); $TC -b /tmp/ins.$1; t1=$(now_ms)
	echo $(( RULES * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1) ))
	$TC qdisc del dev $1 ingress
	quiesce
}
# Deleting RULES filters frees them (and their actions' per-CPU stats) from RCU callbacks and
# workqueues for a while after tc returns; the next run would share the CPUs and the allocators
# with that. Wait until slab and per-CPU memory stop changing (for 2 s, at most 60 s).
quiesce() {
	prev=; same=0
	for i in $(seq 1 60); do
		cur=$(awk '/^(Slab|Percpu):/ { printf "%s ", $2 }' /proc/meminfo)
		if [ "$cur" = "$prev" ]; then same=$((same + 1)); [ $same -ge 2 ] && break; else same=0; fi
		prev=$cur
		sleep 1
	done
	echo "quiesce $i s" >&2
}
# Warm-up, discarded: the first run of this size would otherwise pay alone for growing the per-CPU
# allocator's chunks (each action has per-CPU stats), which later runs reuse.
insert ins0 > /dev/null
for r in 1 2; do
	f1=$(insert sw0pf0vf2); n1=$(insert $NSIM); s1=$(insert ins0)
	s2=$(insert ins0); n2=$(insert $NSIM); f2=$(insert sw0pf0vf2)
	for v in "ins_fponic $f1 $f2" "ins_netdevsim $n1 $n2" "ins_software $s1 $s2"; do
		set -- $v; echo "RESULT $1 $2"; echo "RESULT $1 $3"
	done
	echo "RESULT pair_ins_netdevsim $(ratio $f1 $n1)"; echo "RESULT pair_ins_netdevsim $(ratio $f2 $n2)"
	echo "RESULT pair_ins_software $(ratio $f1 $s1)"; echo "RESULT pair_ins_software $(ratio $f2 $s2)"
done

# Remap: REMAP flows towards VF1's VPID; move them to VF2 by one VPID remap vs tc replace.
$TC qdisc del dev sw1pf0vf0 ingress
$TC qdisc add dev sw1pf0vf0 ingress
awk -v n=$REMAP -v t=1 'BEGIN { for (i = 0; i < n; i++)
	printf "filter add dev sw1pf0vf0 ingress protocol all prio 1 handle %d flower skip_sw dst_mac 02:cc:%02x:%02x:00:00 action mirred egress redirect dev sw1pf0vf%d\n",
		i + 1, int(i / 256) % 256, i % 256, t }' > /tmp/remap.add
sed 's/^filter add/filter replace/; s/sw1pf0vf1$/sw1pf0vf2/' /tmp/remap.add > /tmp/remap.replace
$TC -b /tmp/remap.add
sed 's/^filter add/filter replace/' /tmp/remap.add > /tmp/remap.back
# Nanosecond clock: coreutils date (busybox's has no %N), shipped for tc_flower.sh; otherwise
# /proc/uptime (10 ms resolution).
now_ns() {
	if [ -x /fponic/kselftest/bin/date ]; then /fponic/kselftest/bin/date +%s%N
	else awk '{ printf "%d", $1 * 1e9 }' /proc/uptime; fi
}
for r in 1 2 3; do
	# 100 remaps back and forth, timed together.
	t0=$(now_ns)
	for i in $(seq 1 50); do echo "vf1 vf2" > $CFG/sw1/vpid_map; echo "vf1 vf1" > $CFG/sw1/vpid_map; done
	t1=$(now_ns)
	echo "RESULT remap_vpid_ms $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.4f", (b - a) / 1e6 / 100 }')"
	t0=$(now_ns); $TC -b /tmp/remap.replace; t1=$(now_ns)
	echo "RESULT remap_tc_ms $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.2f", (b - a) / 1e6 }')"
	$TC -b /tmp/remap.back
done
cat $CFG/sw0/drops
