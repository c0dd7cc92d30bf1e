#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fponic demo, run inside the test VM by `make demo`: create a device through configfs, look at
# it with devlink and ip, then move traffic in legacy and switchdev mode and read the counters.
IP=/sbin/ip
DEVLINK=/sbin/devlink
CFG=/sys/kernel/config/fponic
run() { echo; echo "\$ $*"; "$@"; }

for m in llc stp bridge; do insmod /fponic/modules/$m.ko; done
for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do echo 1 > $f; done
run insmod /fponic/modules/fponic.ko
echo; echo "# a device with 2 uplinks, as configfs sees it:"
run mkdir $CFG/sw0
run ls $CFG/sw0
run sh -c "echo 1 > $CFG/sw0/enable"
run $DEVLINK dev show
run $DEVLINK port show
run $IP -d link show sw0p0
run sh -c "echo 9 > $CFG/sw0/num_uplinks"
run mkdir $CFG/Bad_Name
run rmdir $CFG/sw0

echo; echo "# the reference topology (samples/fponic/topology.sh): 2 VFs, 2 wires, legacy mode"
run sh /fponic/samples/topology.sh legacy 2
run cat $CFG/sw0/info
run cat $CFG/sw0/wires
run $IP netns exec vf0 ping -c 3 10.10.0.2
run $IP netns exec vf0 ping -c 3 10.10.0.100
run $IP -n vf0 -s link show sw0v0

echo; echo "# switchdev: representors; a host bridge over them carries the traffic (slow path)"
run $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
run $DEVLINK port show
run sh -c "$IP link add br0 type bridge && $IP link set br0 up && for d in sw0p0 sw0pf0vf0 sw0pf0vf1; do $IP link set \$d master br0 up; done"
run $IP netns exec vf0 ping -c 3 10.10.0.2
run $IP netns exec vf1 ping -c 3 10.10.0.100
echo; echo "# representor counters are the VF's vport counters; CPU_HIT is what the slow path carried:"
run $IP -s link show sw0pf0vf0
run $IP stats show dev sw0pf0vf0 group offload subgroup cpu_hit
run $DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum 3
run $DEVLINK port function set faux/fponic-sw0/8195 state inactive
run $DEVLINK port show faux/fponic-sw0/8195
run $DEVLINK port del faux/fponic-sw0/8195
run cat $CFG/sw0/drops
run sh /fponic/samples/topology.sh clean
run rmmod fponic
true
