#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own tc flower selftest (tools/testing/selftests/net/forwarding/tc_flower.sh) on
# fponic: h1 = VF netdev sw0v0, h2 = its representor sw0pf0vf0 (switchdev), both in the initial
# namespace. tc_flower.sh runs every case twice: skip_hw (software tc on the representor, fed by
# the slow path) and, because both ports have hw-tc-offload on, skip_sw (rules executed by
# fponic). One TAP line per case and pass; known limits are expected failures (`# XFAIL`, with
# the reason), and a case that passes where a failure was expected fails the test, so the list
# stays true.
. "$(dirname "$0")/lib.sh"

# The VM has tc_flower.sh and its libraries here; a kselftest tree beside this directory.
KS=/fponic/kselftest/net/forwarding
[ -d $KS ] || KS=$(dirname "$0")/../../../net/forwarding
OUT=/tmp/tc_flower.out
CASES="dst_mac match|src_mac match|dst_ip match|src_ip match|ip_flags match|PCP match|VLAN match|ip_tos match|indev match|ip_ttl match|mpls_label match|mpls_tc match|mpls_bos match|mpls_ttl match|mpls lse match|erspan_opts match"

# xfail "NAME (PASS)": why the case cannot pass on fponic, or nothing if it must pass.
xfail() {
	case $1 in
	"ip_flags match (skip_sw)"|"mpls lse match (skip_sw)")
		echo "its rules use gact continue, which the kernel never offloads (act_gact.c)" ;;
	"indev match (skip_sw)") echo "fponic does not offload the indev (meta) key" ;;
	"mpls_"*"(skip_sw)") echo "fponic does not offload MPLS keys" ;;
	"erspan_opts match (skip_sw)") echo "its rules sit on a non-fponic erspan netdev" ;;
	esac
}

# report OUT: one TAP line per case and pass from tc_flower.sh's "TEST: ... [ OK ]" lines.
report() {
	local out=$1 IFS_SAVE=$IFS pass name res why
	for pass in skip_hw skip_sw; do
		IFS='|'
		for name in $CASES; do
			IFS=$IFS_SAVE
			res=$(sed -n -E "s/^TEST: $name \($pass\) +\[ ?(OK|FAIL|XFAIL|SKIP) ?\]\$/\1/p" "$out" | head -1)
			why=$(xfail "$name ($pass)")
			case $name in erspan_opts*) [ -z "$WITH_ERSPAN" ] && continue ;; esac
			if [ -z "$res" ] && [ "${name#mpls_}" != "$name" ] && grep -q 'tc is missing MPLS support' "$out"; then
				__result ok "$name ($pass) # SKIP no cls_matchall in the kernel"
			elif [ -z "$res" ]; then
				__result not_ok "$name ($pass)" "no TEST line"
			elif [ -n "$why" ] && [ "$res" = FAIL ]; then
				__result ok "$name ($pass) # XFAIL $why"
			elif [ -n "$why" ]; then
				__result not_ok "$name ($pass): $res, expected FAIL ($why): update the expectations"
			elif [ "$res" = OK ]; then
				__result ok "$name ($pass)"
			else
				__result not_ok "$name ($pass): $res" "$(grep -A1 "^TEST: $name ($pass)" "$out" | tail -1)"
			fi
			IFS='|'
		done
		IFS=$IFS_SAVE
	done
}

if [ -n "$REPORT_ONLY" ]; then report "$REPORT_ONLY"; done_testing; exit; fi

if ! [ -f $KS/tc_flower.sh ] || ! command -v bash > /dev/null || ! command -v jq > /dev/null ||
	! command -v mausezahn > /dev/null; then
	__result ok "tc_flower # SKIP kselftest files, bash, jq or mausezahn missing from the initramfs"
	done_testing
	exit
fi

fponic_load
check "create sw0" fponic_create sw0 1
check "1 VF" sh -c "echo 1 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
check_match "VF netdev has hw-tc-offload (else no skip_sw pass)" 'hw-tc-offload: on' "$(/sbin/ethtool -k sw0v0)"

tests="match_dst_mac_test match_src_mac_test match_dst_ip_test match_src_ip_test match_ip_flags_test
	match_pcp_test match_vlan_test match_ip_tos_test match_indev_test match_ip_ttl_test
	match_mpls_label_test match_mpls_tc_test match_mpls_bos_test match_mpls_ttl_test match_mpls_lse_test"
[ -n "$WITH_ERSPAN" ] && tests="$tests match_erspan_opts_test"
(cd $KS && PATH=/fponic/kselftest/bin:$PATH TESTS="$tests" NETIF_CREATE=no WAIT_TIME=1 \
	bash ./tc_flower.sh sw0v0 sw0pf0vf0) > $OUT 2>&1
sed 's/^/# /' $OUT
check_match "tc_flower.sh ran its skip_sw pass" '\(skip_sw\)' "$(grep '^TEST:' $OUT)"
report $OUT

fponic_destroy_all
done_testing
