#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module load/unload with and without devices.
#
# configfs pins the module while any of its directories exists, so rmmod with devices present is
# refused (the devices keep working); once the directories are removed rmmod succeeds and leaves
# nothing behind.
. "$(dirname "$0")/lib.sh"

check "insmod" mod_insert fponic
check "create sw0" fponic_create sw0 2
check "create sw1 (not enabled)" mkdir "$CFG/sw1"
check_fail "rmmod with devices present is refused" rmmod fponic
check "devices intact after refused rmmod" test -d /sys/class/net/sw0p1
check_match "devlink intact after refused rmmod" 'fponic-sw0' "$($DEVLINK dev show)"
check "link up after refused rmmod" $IP link set sw0p0 up
check "rmdir all" fponic_destroy_all
check "rmmod after rmdir" rmmod fponic
check_fail "configfs subsystem gone" test -e "$CFG"
check_eq "no devlink instance left" "" "$($DEVLINK dev show | grep fponic || true)"
check_eq "no netdev left" "" "$(ls /sys/class/net | grep '^sw' || true)"

cycle() {
	for i in $(seq 1 10); do
		mod_insert fponic || return 1
		fponic_create sw0 2 || return 1
		$IP link set sw0p0 up || return 1
		rmdir "$CFG/sw0" || return 1
		rmmod fponic || return 1
	done
}
check "10 load/create/destroy/unload cycles" cycle
done_testing
