#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fponic demo, run inside the test VM by `make demo`: create a device through configfs and
# look at it with devlink and ip.
IP=/sbin/ip
DEVLINK=/sbin/devlink
CFG=/sys/kernel/config/fponic
run() { echo; echo "\$ $*"; "$@"; }

run insmod /fponic/modules/fponic.ko
run mkdir $CFG/sw0
run ls $CFG/sw0
run sh -c "echo 2 > $CFG/sw0/num_uplinks"
run sh -c "echo 1 > $CFG/sw0/enable"
run cat $CFG/sw0/info
run $DEVLINK dev show
run $DEVLINK port show
run $IP -d link show sw0p0
run $IP -d link show sw0p1
run cat /sys/class/net/sw0p0/phys_port_name /sys/class/net/sw0p0/phys_switch_id
run $IP link set sw0p0 up
run $IP -s link show sw0p0
echo
echo "# bad input is refused and changes nothing:"
run sh -c "echo 9 > $CFG/sw0/num_uplinks"
run sh -c "echo 3 > $CFG/sw0/num_uplinks"
run mkdir $CFG/Bad_Name
run rmdir $CFG/sw0
run $DEVLINK dev show
run rmmod fponic
true
