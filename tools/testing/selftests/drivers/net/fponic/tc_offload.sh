#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tc flower offload executed by fponic's data path: every supported match key and action with
# real frames, exact hardware counters, priorities and chains, VPID remapping, and refusal of
# unsupported rules with extack messages and no state change.
#
#   ns a: sw0v0   ns b: sw0v1 (+ sw0v1.100 VLAN)   ns c: sw0v2   ns remote: r0 (wire of p0)
#   Rules sit on the ingress of sw0pf0vf0 (what VF0 sends). No bridge: only rules move traffic.
. "$(dirname "$0")/lib.sh"

REP=sw0pf0vf0
K=20

fponic_load
check "create sw0" fponic_create sw0 1
check "3 VFs" sh -c "echo 3 > $CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
ns_new a; ns_new b; ns_new c; ns_new remote
ns_move sw0v0 a; ns_move sw0v1 b; ns_move sw0v2 c
$IP -n b link add link sw0v1 name sw0v1.100 type vlan id 100
$IP -n b link set sw0v1.100 up
$IP link add w0 type veth peer name r0
$IP link set r0 netns remote
$IP -n remote link set r0 up
$IP link set w0 up
echo "0 w0" > "$CFG/sw0/wires"
for d in sw0pf0vf0 sw0pf0vf1 sw0pf0vf2 sw0p0; do $IP link set $d up; done
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1)

check_match "representors have hw-tc-offload" 'hw-tc-offload: on' "$(/sbin/ethtool -k $REP)"
check "ingress qdisc on VF0's representor" $TC qdisc add dev $REP ingress
check "catch-all skip_sw redirect VF0 -> VF1 (prio 10)" \
	$TC filter add dev $REP ingress protocol all prio 10 flower skip_sw action mirred egress redirect dev sw0pf0vf1
check_match "rule is in hardware" 'in_hw in_hw_count 1' "$($TC filter show dev $REP ingress)"
check_match "devlink resource shows the flow table and its occupancy" 'name flow_table size 131072 occ 1 ' "$($DEVLINK resource show faux/fponic-sw0)"

# hw_packets PREF [CHAIN]: hardware packet count of the first action of rule PREF.
hwp() {
	$TC -s -j filter show dev $REP ingress ${2:+chain $2} pref "$1" | grep -o '"hw_packets":[0-9]*' | head -1 | cut -d: -f2
}

f=$($FPKT build dst=$m1 src=$m0 sip=10.0.0.1 dip=10.0.0.2)
rx1=$(nstat b sw0v1 rx_packets); hit0=$($IP -j stats show dev $REP group offload subgroup cpu_hit | grep -o '"packets":[0-9]*' | head -1)
check "VF0 sends $K frames" nsx a $FPKT send sw0v0 "$f" $K
check_eq "skip_sw rule carried them to VF1" $K $(( $(nstat b sw0v1 rx_packets) - rx1 ))
check_eq "exact hardware counters" $K "$(hwp 10)"
check_match "exact hardware bytes" "\"hw_bytes\":$((K * 60))," "$($TC -s -j filter show dev $REP ingress pref 10)"
check_eq "the slow path saw none of them" "$hit0" "$($IP -j stats show dev $REP group offload subgroup cpu_hit | grep -o '"packets":[0-9]*' | head -1)"

# Ping through offloaded rules only (ARP included), both directions.
$TC qdisc add dev sw0pf0vf1 ingress
$TC filter add dev sw0pf0vf1 ingress protocol all prio 10 flower skip_sw action mirred egress redirect dev sw0pf0vf0
$IP -n a addr add 10.1.0.1/24 dev sw0v0
$IP -n b addr add 10.1.0.2/24 dev sw0v1
check "ping VF0 -> VF1 through offloaded rules, no bridge" nsx a ping -c 3 -W 2 10.1.0.2
$IP -n a addr flush dev sw0v0
$IP -n b addr flush dev sw0v1
$TC qdisc del dev sw0pf0vf1 ingress

# key_case NAME "FLOWER SELECTOR" "BUILD ARGS OF A MATCHING FRAME" "BUILD ARGS OF ANOTHER FRAME"
# A drop rule at prio 2 over the catch-all redirect: matching frames are dropped (and counted by
# the rule), the others reach VF1.
key_case() {
	if ! out=$($TC filter add dev $REP ingress prio 2 $2 action drop 2>&1); then
		__result not_ok "$1: rule accepted" "$out"
		return
	fi
	fh=$($FPKT build src=$m0 $3)
	fm=$($FPKT build src=$m0 $4)
	rx=$(nstat b sw0v1 rx_packets)
	nsx a $FPKT send sw0v0 "$fh" $K
	nsx a $FPKT send sw0v0 "$fm" $K
	check_eq "$1: matching frames dropped by the rule" $K "$(hwp 2)"
	check_eq "$1: other frames forwarded" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
	$TC filter del dev $REP ingress prio 2
}
D=dst=$m1
key_case "eth dst" "protocol all flower skip_sw dst_mac 02:00:00:00:00:99" "dst=02:00:00:00:00:99" "dst=02:00:00:00:00:98"
key_case "eth src" "protocol all flower skip_sw src_mac 02:00:00:00:00:77" "$D src=02:00:00:00:00:77" "$D src=02:00:00:00:00:76"
key_case "ethertype" "protocol 0x88b6 flower skip_sw" "$D eth=88b6" "$D eth=88b7"
key_case "vlan id" "protocol 802.1Q flower skip_sw vlan_id 100" "$D vlan=100" "$D vlan=101"
key_case "vlan prio" "protocol 802.1Q flower skip_sw vlan_prio 5" "$D vlan=7:5" "$D vlan=7:4"
key_case "cvlan id (QinQ)" "protocol 802.1ad flower skip_sw vlan_id 10 vlan_ethtype 802.1Q cvlan_id 20" "$D svlan=10 vlan=20" "$D svlan=10 vlan=21"
key_case "ipv4 src" "protocol ip flower skip_sw src_ip 10.9.0.1" "$D sip=10.9.0.1 dip=10.9.0.2" "$D sip=10.9.0.3 dip=10.9.0.2"
key_case "ipv4 dst prefix" "protocol ip flower skip_sw dst_ip 10.8.0.0/16" "$D sip=1.1.1.1 dip=10.8.3.4" "$D sip=1.1.1.1 dip=10.7.3.4"
key_case "ipv6 dst" "protocol ipv6 flower skip_sw dst_ip 2001:db8::1" "$D sip6=2001:db8:0:0:0:0:0:2 dip6=2001:db8:0:0:0:0:0:1" "$D sip6=2001:db8:0:0:0:0:0:2 dip6=2001:db8:0:0:0:0:0:3"
key_case "ipv6 src" "protocol ipv6 flower skip_sw src_ip 2001:db8::2" "$D sip6=2001:db8:0:0:0:0:0:2 dip6=2001:db8:0:0:0:0:0:1" "$D sip6=2001:db8:0:0:0:0:0:4 dip6=2001:db8:0:0:0:0:0:1"
key_case "ip_proto" "protocol ip flower skip_sw ip_proto sctp" "$D sip=1.1.1.1 dip=2.2.2.2 proto=sctp" "$D sip=1.1.1.1 dip=2.2.2.2 proto=udp"
key_case "ip tos" "protocol ip flower skip_sw ip_tos 0x10" "$D sip=1.1.1.1 dip=2.2.2.2 tos=16" "$D sip=1.1.1.1 dip=2.2.2.2 tos=0"
key_case "ip ttl" "protocol ip flower skip_sw ip_ttl 7" "$D sip=1.1.1.1 dip=2.2.2.2 ttl=7" "$D sip=1.1.1.1 dip=2.2.2.2 ttl=8"
key_case "tcp dst_port" "protocol ip flower skip_sw ip_proto tcp dst_port 80" "$D sip=1.1.1.1 dip=2.2.2.2 proto=tcp dport=80" "$D sip=1.1.1.1 dip=2.2.2.2 proto=tcp dport=81"
key_case "udp src_port" "protocol ip flower skip_sw ip_proto udp src_port 53" "$D sip=1.1.1.1 dip=2.2.2.2 sport=53" "$D sip=1.1.1.1 dip=2.2.2.2 sport=54"
key_case "sctp dst_port" "protocol ip flower skip_sw ip_proto sctp dst_port 9" "$D sip=1.1.1.1 dip=2.2.2.2 proto=sctp dport=9" "$D sip=1.1.1.1 dip=2.2.2.2 proto=sctp dport=10"
key_case "tcp port range" "protocol ip flower skip_sw ip_proto tcp dst_port 1000-2000" "$D sip=1.1.1.1 dip=2.2.2.2 proto=tcp dport=1500" "$D sip=1.1.1.1 dip=2.2.2.2 proto=tcp dport=2500"
key_case "tcp flags" "protocol ip flower skip_sw ip_proto tcp tcp_flags 0x02/0x12" "$D sip=1.1.1.1 dip=2.2.2.2 proto=tcp flags=0x02" "$D sip=1.1.1.1 dip=2.2.2.2 proto=tcp flags=0x12"
key_case "icmp type/code" "protocol ip flower skip_sw ip_proto icmp type 8 code 0" "$D sip=1.1.1.1 dip=2.2.2.2 proto=icmp type=8" "$D sip=1.1.1.1 dip=2.2.2.2 proto=icmp type=0"
key_case "icmpv6 type" "protocol ipv6 flower skip_sw ip_proto icmpv6 type 128" "$D sip6=2001:db8:0:0:0:0:0:2 dip6=2001:db8:0:0:0:0:0:1 proto=icmp type=128" "$D sip6=2001:db8:0:0:0:0:0:2 dip6=2001:db8:0:0:0:0:0:1 proto=icmp type=129"
key_case "ip_flags frag" "protocol ip flower skip_sw ip_flags frag" "$D sip=1.1.1.1 dip=2.2.2.2 frag=first" "$D sip=1.1.1.1 dip=2.2.2.2"
key_case "ip_flags nofirstfrag" "protocol ip flower skip_sw ip_flags frag/nofirstfrag" "$D sip=1.1.1.1 dip=2.2.2.2 frag=later" "$D sip=1.1.1.1 dip=2.2.2.2 frag=first"

# Classification exactly as flower's flow dissector: headers outside the linear part, IPv6
# extension header chains up to the dissector's header limit, fragments, VLAN ethertypes.
$IP -n a link set sw0v0 mtu 9000
$IP -n b link set sw0v1 mtu 9000
key_case "5042-byte frame, headers in page fragments" "protocol ip flower skip_sw dst_ip 10.7.7.7" "$D sip=1.1.1.1 dip=10.7.7.7 pad=5000" "$D sip=1.1.1.1 dip=10.7.7.8 pad=5000"
$IP -n a link set sw0v0 mtu 1500
$IP -n b link set sw0v1 mtu 1500
S6="sip6=2001:db8:0:0:0:0:0:2 dip6=2001:db8:0:0:0:0:0:1"
key_case "9 IPv6 destination options headers" "protocol ipv6 flower skip_sw ip_proto udp dst_port 53" "$D $S6 dport=53 v6ext=9" "$D $S6 dport=54 v6ext=9"
key_case "16 options headers: ports, 17: the header limit" "protocol ipv6 flower skip_sw ip_proto udp dst_port 53" "$D $S6 dport=53 v6ext=16" "$D $S6 dport=53 v6ext=17"
key_case "a first fragment has no ports" "protocol ip flower skip_sw ip_proto udp dst_port 53" "$D sip=1.1.1.1 dip=2.2.2.2 dport=53" "$D sip=1.1.1.1 dip=2.2.2.2 dport=53 frag=first"
key_case "IPv6 first fragment has no ports" "protocol ipv6 flower skip_sw ip_proto udp dst_port 53" "$D $S6 dport=53" "$D $S6 dport=53 frag=first"
key_case "vlan_ethtype ip: the ethertype after the outer tag" "protocol 802.1ad flower skip_sw vlan_ethtype ip" "$D svlan=5 sip=1.1.1.1 dip=2.2.2.2" "$D svlan=5 vlan=6 sip=1.1.1.1 dip=2.2.2.2"
key_case "cvlan_ethtype ip: the ethertype after the inner tag" "protocol 802.1ad flower skip_sw vlan_ethtype 802.1q cvlan_id 2 cvlan_ethtype ip" "$D tags=88a8:1,8100:2 sip=1.1.1.1 dip=2.2.2.2" "$D tags=88a8:1,8100:2,8100:3 sip=1.1.1.1 dip=2.2.2.2"
# Three tags: n_proto is the ethertype after the last one, so a rule asking for 802.1Q after
# the second tag (cvlan_ethtype, which flower also puts in n_proto) matches none of them.
check "3 tags: cvlan_ethtype 802.1q rule accepted" \
	$TC filter add dev $REP ingress protocol 802.1ad prio 2 flower skip_sw vlan_ethtype 802.1q cvlan_id 2 cvlan_ethtype 802.1q action drop
f3=$($FPKT build src=$m0 $D tags=88a8:1,8100:2,8100:3 sip=1.1.1.1 dip=2.2.2.2)
rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$f3" $K
# A rule that never matched shows no hardware packet count at all.
check_eq "3 tags: cvlan_ethtype 802.1q matches no triple-tagged IPv4 frame" 0 "$(($(hwp 2) + 0))"
check_eq "3 tags: the frames are forwarded" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
$TC filter del dev $REP ingress prio 2

# Actions.
X=02:00:00:00:00:42
fx=$($FPKT build dst=$X src=$m0 eth=88b5)
rmac=$(mac_of remote r0)

$TC filter add dev $REP ingress protocol all prio 2 flower skip_sw dst_mac $X action mirred egress redirect dev sw0p0
rr=$(nstat remote r0 rx_packets); rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$fx" $K
check_eq "redirect to the uplink representor: out of the wire" $K $(( $(nstat remote r0 rx_packets) - rr ))
check_eq "redirected frames not at VF1" 0 $(( $(nstat b sw0v1 rx_packets) - rx ))
$TC filter del dev $REP ingress prio 2

$TC filter add dev $REP ingress protocol all prio 2 flower skip_sw dst_mac $X action mirred egress mirror dev sw0p0 action mirred egress redirect dev sw0pf0vf1
rr=$(nstat remote r0 rx_packets); rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$fx" $K
check_eq "mirror: a copy out of the wire" $K $(( $(nstat remote r0 rx_packets) - rr ))
check_eq "mirror then redirect: VF1 gets the frames" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
$TC filter del dev $REP ingress prio 2

$TC filter add dev $REP ingress protocol all prio 2 flower skip_sw dst_mac $X action vlan push id 100 action mirred egress redirect dev sw0pf0vf1
rv=$(nstat b sw0v1.100 rx_packets)
nsx a $FPKT send sw0v0 "$fx" $K
check_eq "vlan push: frames arrive tagged 100 (on VF1's VLAN 100 device)" $K $(( $(nstat b sw0v1.100 rx_packets) - rv ))
$TC filter del dev $REP ingress prio 2

$TC filter add dev $REP ingress protocol 802.1Q prio 2 flower skip_sw vlan_id 200 action vlan pop action mirred egress redirect dev sw0pf0vf1
ft=$($FPKT build dst=$m1 src=$m0 vlan=200 eth=88b5)
nsx b $FPKT sniff sw0v1 3000 > /tmp/sn.pop &
sn=$!
sniff_ready b sw0v1
nsx a $FPKT send sw0v0 "$ft" $K
wait $sn
check_eq "vlan pop: VF1 received untagged frames" $K "$(grep -c "^${m1//:/}${m0//:/}88b5" /tmp/sn.pop)"
check_eq "vlan pop: rule counted them" $K "$(hwp 2)"
$TC filter del dev $REP ingress prio 2

$TC filter add dev $REP ingress protocol 802.1Q prio 2 flower skip_sw vlan_id 300 action vlan modify id 100 action mirred egress redirect dev sw0pf0vf1
ft=$($FPKT build dst=$m1 src=$m0 vlan=300 eth=88b5)
rv=$(nstat b sw0v1.100 rx_packets)
nsx a $FPKT send sw0v0 "$ft" $K
check_eq "vlan modify 300 -> 100: frames arrive on VLAN 100" $K $(( $(nstat b sw0v1.100 rx_packets) - rv ))
$TC filter del dev $REP ingress prio 2

$TC filter add dev $REP ingress protocol all prio 2 flower skip_sw dst_mac $X action ok
$FPKT sniff $REP 3000 > /tmp/sn.ok &
sn=$!
sniff_ready - $REP
nsx a $FPKT send sw0v0 "$fx" $K
wait $sn
check_eq "accept: frames take the slow path to the representor" $K "$(grep -c "^${X//:/}" /tmp/sn.ok)"
$TC filter del dev $REP ingress prio 2

# pedit with checksum fix-up: the frames VF1 receives are byte for byte what the rewrite
# must produce (fpkt builds them with correct checksums).
pedit_case() { # NAME "PEDIT ACTIONS" "BUILD ARGS SENT" "BUILD ARGS EXPECTED"
	$TC filter add dev $REP ingress protocol ip prio 2 flower skip_sw $2 action mirred egress redirect dev sw0pf0vf1
	fs=$($FPKT build $3)
	fe=$($FPKT build $4)
	nsx b $FPKT sniff sw0v1 3000 > /tmp/sn.pedit &
	sn=$!
	sniff_ready b sw0v1
	nsx a $FPKT send sw0v0 "$fs" $K
	wait $sn
	check_eq "$1: VF1 received the rewritten frames exactly" $K "$(grep -c "^$fe\$" /tmp/sn.pedit)"
	$TC filter del dev $REP ingress prio 2
}
B="dst=$m1 src=$m0 sip=10.0.0.1 dip=10.0.0.2"
pedit_case "pedit ip ttl + csum iph" "action pedit ex munge ip ttl set 5 pipe action csum iph" "$B ttl=64" "$B ttl=5"
pedit_case "pedit ip dst + csum iph udp" "action pedit ex munge ip dst set 10.0.0.9 pipe action csum iph and udp" "$B proto=udp" "dst=$m1 src=$m0 sip=10.0.0.1 dip=10.0.0.9 proto=udp"
pedit_case "pedit tcp dport + csum tcp" "action pedit ex munge tcp dport set 8080 pipe action csum tcp" "$B proto=tcp dport=80" "$B proto=tcp dport=8080"
pedit_case "pedit eth dst" "action pedit ex munge eth dst set 02:00:00:00:00:55" "$B" "dst=02:00:00:00:00:55 src=$m0 sip=10.0.0.1 dip=10.0.0.2"
pedit_case "pedit ip tos (no csum: bytes as software pedit)" "action pedit ex munge ip tos set 0x20 pipe action csum iph" "$B tos=0" "$B tos=32"

# Chains: chain 0 jumps to chain 1, which drops X and redirects the rest.
check "goto chain 1 (prio 1)" $TC filter add dev $REP ingress protocol all prio 1 flower skip_sw action goto chain 1
check "chain 1 drop rule" $TC filter add dev $REP ingress protocol all chain 1 prio 1 flower skip_sw dst_mac $X action drop
check "chain 1 redirect rule" $TC filter add dev $REP ingress protocol all chain 1 prio 2 flower skip_sw action mirred egress redirect dev sw0pf0vf2
rc=$(nstat c sw0v2 rx_packets); rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$fx" $K
nsx a $FPKT send sw0v0 "$f" $K
check_eq "chain 1 dropped the X frames" $K "$(hwp 1 1)"
check_eq "chain 1 sent the rest to VF2" $K $(( $(nstat c sw0v2 rx_packets) - rc ))
check_eq "chain 0's catch-all (prio 10) never ran" 0 $(( $(nstat b sw0v1 rx_packets) - rx ))
$TC filter del dev $REP ingress prio 1
$TC filter del dev $REP ingress chain 1 prio 1
$TC filter del dev $REP ingress chain 1 prio 2

# Priorities: lower first; a rule without skip_sw runs in fponic too.
check "prio 1 drop for 10.0.0.2 (no skip_sw)" $TC filter add dev $REP ingress protocol ip prio 1 flower dst_ip 10.0.0.2 action drop
check_match "non-skip_sw rule is also in hardware" 'in_hw in_hw_count 1' "$($TC filter show dev $REP ingress pref 1)"
rx=$(nstat b sw0v1 rx_packets)
nsx a $FPKT send sw0v0 "$f" $K
nsx a $FPKT send sw0v0 "$($FPKT build dst=$m1 src=$m0 sip=10.0.0.1 dip=10.0.0.3)" $K
check_eq "prio 1 wins over prio 10 for 10.0.0.2" $K "$(hwp 1)"
check_eq "prio 10 forwards the rest" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
$TC filter del dev $REP ingress prio 1

# VPID -> PPID: remap VF1's virtual port to VF2; the rule (prio 10) is untouched.
rx=$(nstat b sw0v1 rx_packets); rc=$(nstat c sw0v2 rx_packets)
check "remap vf1 -> vf2" sh -c "echo 'vf1 vf2' > $CFG/sw0/vpid_map"
check_match "vpid_map shows it" '^4097 vf1 -> vf2$' "$(cat "$CFG/sw0/vpid_map")"
nsx a $FPKT send sw0v0 "$f" $K
check_eq "traffic for VPID vf1 now reaches VF2" $K $(( $(nstat c sw0v2 rx_packets) - rc ))
check_eq "and not VF1" 0 $(( $(nstat b sw0v1 rx_packets) - rx ))
check "remap back" sh -c "echo '4097 vf1' > $CFG/sw0/vpid_map"
nsx a $FPKT send sw0v0 "$f" $K
check_eq "back at VF1" $K $(( $(nstat b sw0v1 rx_packets) - rx ))
check_fail_msg "remap to a missing port refused" 'No such device' sh -c "echo 'vf1 vf9' > $CFG/sw0/vpid_map"
check_fail_msg "bad remap syntax refused" 'Invalid argument' sh -c "echo 'vf1' > $CFG/sw0/vpid_map"

# A VPID whose port went away: packets drop and are counted as vpid_unresolved.
$DEVLINK port add faux/fponic-sw0 flavour pcisf pfnum 0 sfnum 3 > /dev/null
$IP link set sw0pf0sf3 up
$TC filter add dev $REP ingress protocol all prio 2 flower skip_sw dst_mac $X action mirred egress redirect dev sw0pf0sf3
$DEVLINK port del faux/fponic-sw0/$((0x2003))
d=$(drops sw0 vpid_unresolved)
nsx a $FPKT send sw0v0 "$fx" $K
check_eq "redirect to a removed port: vpid_unresolved drops" $K $(( $(drops sw0 vpid_unresolved) - d ))
$TC filter del dev $REP ingress prio 2

# Refusals: each with fponic's extack message, none changes anything.
n0=$($TC filter show dev $REP ingress | grep -c '^filter.*handle')
r0=$(sed -n 's/^rules \([0-9]*\).*/\1/p' "$CFG/sw0/offload")
refuse() { # NAME PATTERN TC-FILTER-ARGS...
	n=$1 p=$2
	shift 2
	check_fail_msg "refused: $n" "$p" $TC filter add dev $REP ingress "$@"
}
refuse "tunnel key id" 'tunnel key ids' protocol ip prio 3 flower skip_sw enc_key_id 5 action drop
refuse "tunnel dst ip" 'tunnel' protocol ip prio 3 flower skip_sw enc_dst_ip 1.1.1.1 action drop
refuse "tunnel dst port" 'tunnel' protocol ip prio 3 flower skip_sw enc_dst_port 4789 action drop
refuse "conntrack state +rel" 'ct_state \+rel' protocol ip prio 3 flower skip_sw ct_state +trk+rel action drop
refuse "ARP fields" 'ARP fields' protocol arp prio 3 flower skip_sw arp_sip 1.1.1.1 action drop
refuse "MPLS label" 'MPLS' protocol mpls_uc prio 3 flower skip_sw mpls_label 5 action drop
refuse "indev" 'metadata' protocol ip prio 3 flower skip_sw indev $REP action drop
refuse "pedit add" 'pedit add' protocol ip prio 3 flower skip_sw action pedit ex munge ip ttl add 1
refuse "ct after another action" 'ct must be the first' protocol ip prio 3 flower skip_sw action vlan pop action ct
refuse "ingress redirect" 'only egress' protocol ip prio 3 flower skip_sw action mirred ingress redirect dev sw0pf0vf1
refuse "ingress mirror" 'only egress' protocol ip prio 3 flower skip_sw action mirred ingress mirror dev sw0pf0vf1
refuse "redirect to lo" 'representor of the same switch' protocol ip prio 3 flower skip_sw action mirred egress redirect dev lo
refuse "redirect to a foreign veth" 'representor of the same switch' protocol ip prio 3 flower skip_sw action mirred egress redirect dev w0
refuse "mirror to a foreign veth" 'representor of the same switch' protocol ip prio 3 flower skip_sw action mirred egress mirror dev w0
refuse "action after drop" 'after drop' protocol ip prio 3 flower skip_sw action drop action mirred egress redirect dev sw0pf0vf1
refuse "action after redirect" 'after drop, accept or redirect' protocol ip prio 3 flower skip_sw action mirred egress redirect dev sw0pf0vf1 action drop
refuse "goto backwards" 'higher chain' protocol ip chain 2 prio 3 flower skip_sw action goto chain 1
refuse "goto same chain" 'higher chain' protocol ip chain 2 prio 3 flower skip_sw action goto chain 2
refuse "too many actions" 'too many actions' protocol ip prio 3 flower skip_sw \
	action vlan push id 1 action vlan push id 2 action vlan push id 3 action vlan push id 4 \
	action vlan push id 5 action vlan push id 6 action vlan push id 7 action vlan push id 8 \
	action vlan push id 9 action vlan push id 10 action vlan push id 11 action vlan push id 12 \
	action vlan push id 13 action vlan push id 14 action vlan push id 15 action vlan push id 16 action drop
refuse "trap action" 'trap' protocol ip prio 3 flower skip_sw action trap
check_eq "refused rules left no filter behind" "$n0" "$($TC filter show dev $REP ingress | grep -c '^filter.*handle')"
check_eq "refused rules left the flow table unchanged" "$r0" "$(sed -n 's/^rules \([0-9]*\).*/\1/p' "$CFG/sw0/offload")"
check_match "refusals are counted by reason" '^refused 1 fponic: pedit add is not supported, only set$' "$(cat "$CFG/sw0/offload")"
check_match "offload log names refused rules" 'refused in_vpid 4096 chain 2 prio 3 fponic: goto chain must jump to a higher chain' "$(cat "$CFG/sw0/offload")"
check_match "debugfs has the same log" 'refused 1 fponic: pedit add is not supported, only set' "$(cat /sys/kernel/debug/fponic-sw0/offload)"

# Without skip_sw an unsupported rule still works in software; the log says why it is not in hw.
check "unsupported rule without skip_sw stays in software" $TC filter add dev $REP ingress protocol ip prio 3 flower enc_key_id 5 action drop
check_match "it is not in hardware" 'not_in_hw' "$($TC filter show dev $REP ingress pref 3)"
$TC filter del dev $REP ingress prio 3

# Offload needs switchdev mode: the uplink netdev of a legacy device refuses.
fponic_create sw1 1
$TC qdisc add dev sw1p0 ingress
check_fail_msg "legacy mode refuses skip_sw rules" 'needs switchdev mode' $TC filter add dev sw1p0 ingress protocol all prio 1 flower skip_sw action drop
# A function netdev cannot offload (no block is bound on it).
fponic_create sw2 1
echo 1 > "$CFG/sw2/num_vfs"
$DEVLINK dev eswitch set faux/fponic-sw2 mode switchdev
$TC qdisc add dev sw2v0 ingress
check_fail "a function netdev cannot offload skip_sw rules" $TC filter add dev sw2v0 ingress protocol all prio 1 flower skip_sw action drop
check_fail_msg "cross-switch redirect refused" 'same switch' $TC filter add dev $REP ingress protocol ip prio 3 flower skip_sw action mirred egress redirect dev sw2pf0vf0

check "remove the qdisc: rules go" $TC qdisc del dev $REP ingress
sleep 0.5
check_match "flow table empty again" '^rules 0 ' "$(cat "$CFG/sw0/offload")"
check "cleanup" fponic_destroy_all
$IP link del w0
cleanup_netns
done_testing
