#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Conntrack offload under churn: hundreds of short TCP connections, each offloaded by act_ct
# and handed back at its end, while rules naming another zone's flow table come and go (the
# switch registers on that table and unregisters, again and again) and the main ct rule is
# replaced in place. Every byte arrives; once the rules are gone nothing is left: no
# connection, no registration (and, on the debug kernel, no leak or splat).
#
#   ns a: sw0v0 10.4.0.1   ns b: sw0v1 10.4.0.2   OVS-style ct rules both ways.
. "$(dirname "$0")/lib.sh"

R0=sw0pf0vf0
R1=sw0pf0vf1
CONNS=${CT_CHURN_CONNS:-200}
BYTES=20000
ROUNDS=15

fponic_load
check "create sw0" fponic_create sw0 1
check "2 VFs" sh -c "echo 2 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b
ns_move sw0v0 a 10.4.0.1/24; ns_move sw0v1 b 10.4.0.2/24
for d in $R0 $R1; do $IP link set $d up; done
nsx a $IP neigh add 10.4.0.2 lladdr "$(mac_of b sw0v1)" dev sw0v0
nsx b $IP neigh add 10.4.0.1 lladdr "$(mac_of a sw0v0)" dev sw0v1

# ct_rules REP PEER: chain 0 ct, chain 1 commit new connections, forward established ones.
ct_rules() {
	$TC qdisc add dev $1 ingress &&
	$TC filter add dev $1 ingress protocol ip chain 0 prio 1 handle 1 flower ct_state -trk \
		action ct pipe action goto chain 1 &&
	$TC filter add dev $1 ingress protocol ip chain 1 prio 1 flower ct_state +trk+new \
		action ct commit pipe action mirred egress redirect dev $2 &&
	$TC filter add dev $1 ingress protocol ip chain 1 prio 2 flower ct_state +trk+est \
		action mirred egress redirect dev $2
}
check "ct rules VF0 -> VF1" ct_rules $R0 $R1
check "ct rules VF1 -> VF0" ct_rules $R1 $R0

# churn_rules: ROUNDS times, a rule of zone 5 (matching no traffic) comes and goes, and the
# main ct rule of VF1 is replaced by an equal one; prints the failures.
churn_rules() {
	local i=0 bad=0
	while [ $i -lt $ROUNDS ]; do
		$TC filter add dev $R0 ingress protocol ip chain 0 prio 2 flower ip_proto udp \
			dst_port 9 action ct zone 5 pipe action goto chain 1 || bad=$((bad + 1))
		sleep 0.2
		$TC filter replace dev $R1 ingress protocol ip chain 0 prio 1 handle 1 flower \
			ct_state -trk action ct pipe action goto chain 1 || bad=$((bad + 1))
		$TC filter del dev $R0 ingress protocol ip chain 0 prio 2 || bad=$((bad + 1))
		sleep 0.2
		i=$((i + 1))
	done
	echo $bad
}

nsx b $FPKT tcp-sink 5001 300 $CONNS > /tmp/churn.sink &
sk=$!
churn_rules > /tmp/churn.rules &
cr=$!
check "$CONNS TCP connections of $BYTES bytes VF0 -> VF1" \
	nsx a $FPKT tcp-send 10.4.0.2 5001 $BYTES $CONNS
wait $sk
wait $cr
check_eq "every byte arrived" $((CONNS * BYTES)) "$(cat /tmp/churn.sink)"
check_eq "every rule change was accepted" 0 "$(cat /tmp/churn.rules)"
echo "# $(sed -n 2p "$CFG/sw0/offload")"
check_match "the zone 5 table was left: one table registered" ' ct_tables 1$' \
	"$(sed -n 2p "$CFG/sw0/offload")"
check_match "the main rules stayed offloaded" ' in_hw ' \
	"$($TC filter show dev $R1 ingress chain 0 pref 1 | tr -s '\n\t ' '   ')"

check "remove the rules" sh -c "$TC qdisc del dev $R0 ingress && $TC qdisc del dev $R1 ingress"
sleep 0.5
check_match "nothing left: no connection, no registration" '^connections 0 .* ct_tables 0$' \
	"$(sed -n 2p "$CFG/sw0/offload")"
check_match "flow table empty" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "cleanup" fponic_destroy_all
cleanup_netns
done_testing
