#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bad configfs input is refused with a clear error and changes nothing.
. "$(dirname "$0")/lib.sh"

fponic_load
for name in BAD 0sw toolongname sw.0 _x; do
	check_fail_msg "mkdir '$name' refused with EINVAL" 'Invalid argument' mkdir "$CFG/$name"
	check_fail "no directory left for '$name'" test -e "$CFG/$name"
done
check_match "refusal explained in the kernel log" "device name 'BAD' refused" "$(dmesg)"

check "mkdir sw0" mkdir "$CFG/sw0"
for v in 0 9 -1 abc 2x "" 0x2 4294967297; do
	check_fail_msg "num_uplinks='$v' refused with EINVAL" 'Invalid argument' sh -c "echo '$v' > $CFG/sw0/num_uplinks"
done
check_eq "num_uplinks unchanged by refused writes" 2 "$(cat "$CFG/sw0/num_uplinks")"
check "num_uplinks=8 accepted" sh -c "echo 8 > $CFG/sw0/num_uplinks"
check "num_uplinks=3 accepted" sh -c "echo 3 > $CFG/sw0/num_uplinks"
for v in maybe 2 -1; do
	check_fail_msg "enable='$v' refused with EINVAL" 'Invalid argument' sh -c "echo '$v' > $CFG/sw0/enable"
done
check_eq "still disabled after refused enables" 0 "$(cat "$CFG/sw0/enable")"
check_fail "no netdev after refused enables" test -e /sys/class/net/sw0p0

check "enable" sh -c "echo 1 > $CFG/sw0/enable"
check "enable again is a no-op" sh -c "echo 1 > $CFG/sw0/enable"
check_eq "still 3 uplinks" 3 "$(ls -d /sys/class/net/sw0p* | wc -l)"
check_fail_msg "num_uplinks change while enabled refused with EBUSY" 'busy' sh -c "echo 4 > $CFG/sw0/num_uplinks"
check_eq "num_uplinks unchanged" 3 "$(cat "$CFG/sw0/num_uplinks")"
check_eq "netdevs unchanged" 3 "$(ls -d /sys/class/net/sw0p* | wc -l)"
check_fail "info is read-only" sh -c "echo x > $CFG/sw0/info"
check_fail_msg "duplicate device name refused" 'exists' mkdir "$CFG/sw0"

# A netdev name taken by someone else: enabling fails cleanly and can be retried.
check "create a dummy-named veth" $IP link add sw1p1 type veth peer name blocker
check "mkdir sw1" mkdir "$CFG/sw1"
check_fail_msg "enable fails when a netdev name is taken" 'exists' sh -c "echo 1 > $CFG/sw1/enable"
check_eq "sw1 stays disabled" 0 "$(cat "$CFG/sw1/enable")"
check_fail "sw1p0 was unwound" test -e /sys/class/net/sw1p0
check_nomatch "sw1 devlink instance was unwound" 'fponic-sw1' "$($DEVLINK dev show)"
check "remove the blocker" $IP link del sw1p1
check "enable succeeds once the name is free" sh -c "echo 1 > $CFG/sw1/enable"
check "sw1p1 is now fponic's" test -e /sys/class/net/sw1p1/phys_port_name

# Port names whose VPID arithmetic (0x1000 + n, 0x2000 + n) would overflow: refused, and the
# maps stay as they were (an overflow in the kernel's Rust is a BUG, i.e. an oops).
check "sw1: 2 VFs" sh -c "echo 2 > $CFG/sw1/num_vfs"
before=$(cat "$CFG/sw1/vpid_map")
for p in vf4294967295 vf4294963200 sf4294967295 sf4294963200 p4294967295 4294967295 vf256 sf1000; do
	check_fail_msg "vpid_map 'vf0 $p' refused with EINVAL" 'Invalid argument' sh -c "echo 'vf0 $p' > $CFG/sw1/vpid_map"
	check_fail_msg "vpid_map '$p vf0' refused with EINVAL" 'Invalid argument' sh -c "echo '$p vf0' > $CFG/sw1/vpid_map"
	check_fail_msg "failover 'home $p p0' refused with EINVAL" 'Invalid argument' sh -c "echo 'home $p p0' > $CFG/sw1/failover"
done
check_eq "vpid_map unchanged by refused writes" "$before" "$(cat "$CFG/sw1/vpid_map")"
check_nomatch "no BUG or oops" 'BUG|Oops|overflow' "$(dmesg)"

check "cleanup" fponic_destroy_all
done_testing
