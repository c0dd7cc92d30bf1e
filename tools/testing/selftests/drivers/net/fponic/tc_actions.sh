#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Action fidelity: vlan modify, pedit and csum executed by fponic must give what the kernel's
# software actions give. Each case installs the same rule on fponic (skip_sw on VF0's
# representor) and in software (skip_hw on a veth), sends the same frames through both and
# wants the same frames out (or none), byte for byte, and, where given, the expected frame.
#
#   fponic:   ns a sw0v0 -> [rule on sw0pf0vf0] -> sw0v1 (ns b)
#   software: ns sa s0 -> t0 [rule on t0 ingress] -> t1 -> s1 (ns sb)
. "$(dirname "$0")/lib.sh"

K=5

fponic_load
check "create sw0" fponic_create sw0 1
echo 2 > "$CFG/sw0/num_vfs"
check "switchdev" $DEVLINK dev eswitch set faux/fponic-sw0 mode switchdev
for n in a b sa sb; do ns_new $n; done
ns_move sw0v0 a; ns_move sw0v1 b
for d in sw0pf0vf0 sw0pf0vf1; do $IP link set $d up; done
for i in 0 1; do
	$IP link add t$i type veth peer name s$i
	$IP link set t$i up
done
ns_move s0 sa; ns_move s1 sb
$TC qdisc add dev sw0pf0vf0 ingress
$TC qdisc add dev t0 ingress
m0=$(mac_of a sw0v0); m1=$(mac_of b sw0v1)

# case NAME "PROTOCOL FLOWER-SELECTOR ACTIONS" "BUILD ARGS SENT" EXPECTED-HEX|drop|-
# EXPECTED: the frame VF1 must receive, "drop" for none, "-" for whatever software gives.
case_() {
	local name=$1 rule=$2 sent=$3 want=$4 fs n_hw n_sw tmo
	if ! out=$($TC filter add dev sw0pf0vf0 ingress prio 2 \
		${rule%% flower*} flower skip_sw ${rule#* flower } \
		action mirred egress redirect dev sw0pf0vf1 2>&1); then
		__result not_ok "$name: offloaded" "$out"
		return
	fi
	$TC filter add dev t0 ingress prio 2 ${rule%% flower*} flower skip_hw ${rule#* flower } \
		action mirred egress redirect dev t1
	fs=$($FPKT build $sent)
	# Both worlds send at once: each sniffer stops 1.5 s after its last frame, which a slow
	# kernel could reach while the other world was still sending, or after 3 s if none comes
	# where none should, 20 s where some should (a debug kernel may take seconds to start
	# the senders).
	tmo=20000
	[ "$want" = drop ] && tmo=3000
	nsx b $FPKT sniff sw0v1 $tmo $K 1500 > /tmp/act.hw &
	nsx sb $FPKT sniff s1 $tmo $K 1500 > /tmp/act.sw &
	sniff_ready b sw0v1; sniff_ready sb s1
	nsx a $FPKT send sw0v0 "$fs" $K &
	nsx sa $FPKT send s0 "$fs" $K &
	wait
	n_hw=$(wc -l < /tmp/act.hw); n_sw=$(wc -l < /tmp/act.sw)
	case $want in
	drop) check_eq "$name: dropped like software ($n_sw of $K out)" "0 0" "$n_hw $n_sw" ;;
	-) check_eq "$name: as many frames out as software" "$K $K" "$n_hw $n_sw" ;;
	*)
		check_eq "$name: software gives the expected frames" "$K" "$(grep -c "^$want\$" /tmp/act.sw)"
		check_eq "$name: fponic gives the expected frames" "$K" "$(grep -c "^$want\$" /tmp/act.hw)"
		;;
	esac
	if [ "$n_hw" -gt 0 ] || [ "$n_sw" -gt 0 ]; then
		check_eq "$name: byte-identical to software" "$(sort -u /tmp/act.sw)" "$(sort -u /tmp/act.hw)"
	fi
	$TC filter del dev sw0pf0vf0 ingress prio 2
	$TC filter del dev t0 ingress prio 2
}

# The switch rewrites MACs nowhere: frames keep the sender's addresses in both worlds.
E="dst=$m1 src=$m0"
U="$E sip=10.0.0.1 dip=10.0.0.2"

# vlan modify (act_vlan TCA_VLAN_ACT_MODIFY).
af0=$(drops sw0 action_failed)
case_ "vlan modify on an untagged frame passes it unchanged" \
	"protocol all flower action vlan modify id 5 pipe" "$U" "$($FPKT build $U)"
check_eq "vlan modify on untagged frames: no action_failed drops" "$af0" "$(drops sw0 action_failed)"
case_ "vlan modify without priority keeps PCP and DEI" \
	"protocol 802.1Q flower vlan_id 300 action vlan modify id 100 pipe" \
	"$E vlan=300:5:1 eth=88b5" "$($FPKT build $E vlan=100:5:1 eth=88b5)"
case_ "vlan modify priority 0 clears PCP" \
	"protocol 802.1Q flower vlan_id 300 action vlan modify id 100 priority 0 pipe" \
	"$E vlan=300:5 eth=88b5" "$($FPKT build $E vlan=100 eth=88b5)"
case_ "vlan modify priority 6" \
	"protocol 802.1Q flower vlan_id 300 action vlan modify id 100 priority 6 pipe" \
	"$E vlan=300:5 eth=88b5" "$($FPKT build $E vlan=100:6 eth=88b5)"
case_ "vlan modify protocol 802.1ad sets the TPID" \
	"protocol 802.1Q flower vlan_id 300 action vlan modify id 100 protocol 802.1ad pipe" \
	"$E vlan=300:5 eth=88b5" "$($FPKT build $E svlan=100:5 eth=88b5)"

# pedit: a key whose header the packet lacks (or that lies beyond it) stops its pedit action;
# the packet goes on with the next action (act_pedit's "bad" path), it is not dropped.
case_ "pedit tcp dport on a UDP frame leaves it unchanged" \
	"protocol ip flower action pedit ex munge tcp dport set 8080 pipe" \
	"$U proto=udp dport=80" "$($FPKT build $U proto=udp dport=80)"
case_ "pedit udp dport on a UDP frame" \
	"protocol ip flower action pedit ex munge udp dport set 8080 pipe" \
	"$U proto=udp dport=80 l4csum=0" "$($FPKT build $U proto=udp dport=8080 l4csum=0)"
case_ "pedit: a failing key skips the rest of its action, not the next action" \
	"protocol ip flower action pedit ex munge ip ttl set 5 munge tcp dport set 8080 munge ip tos set 0x20 pipe action csum iph pipe" \
	"$U proto=udp" "$($FPKT build $U proto=udp ttl=5)"
case_ "pedit udp dport on a later fragment leaves it unchanged" \
	"protocol ip flower action pedit ex munge udp dport set 8080 pipe" \
	"$U proto=udp frag=later" "$($FPKT build $U proto=udp frag=later)"
case_ "pedit udp dport on a first fragment rewrites it" \
	"protocol ip flower action pedit ex munge udp dport set 8080 pipe" \
	"$U proto=udp frag=first" "$($FPKT build $U proto=udp frag=first dport=8080)"
V6="$E sip6=2001:db8:0:0:0:0:0:2 dip6=2001:db8:0:0:0:0:0:1"
case_ "pedit tcp dport behind an IPv6 hop-by-hop header" \
	"protocol ipv6 flower action pedit ex munge tcp dport set 8080 pipe" \
	"$V6 proto=tcp hbh=1" "$($FPKT build $V6 proto=tcp hbh=1 dport=8080)"
case_ "pedit tcp dport on an IPv6 later fragment leaves it unchanged" \
	"protocol ipv6 flower action pedit ex munge tcp dport set 8080 pipe" \
	"$V6 proto=tcp frag=later" "$($FPKT build $V6 proto=tcp frag=later)"
case_ "pedit eth type of a tagged frame: the tag is not part of the header" \
	"protocol 802.1Q flower vlan_id 300 action pedit ex munge eth type set 0x88b6 pipe" \
	"$E vlan=300 eth=88b5" "$($FPKT build $E vlan=300 eth=88b6)"
case_ "pedit ip ttl of a tagged frame" \
	"protocol 802.1Q flower vlan_id 300 action pedit ex munge ip ttl set 5 pipe action csum iph pipe" \
	"$U vlan=300" "$($FPKT build $U vlan=300 ttl=5)"
case_ "pedit ip ttl of a QinQ frame: the network header is the inner tag, as in software" \
	"protocol 802.1ad flower vlan_id 10 action pedit ex munge ip ttl set 5 pipe" \
	"$U svlan=10 vlan=20" -

# csum (act_csum).
case_ "csum udp keeps a zero UDP checksum (IPv4)" \
	"protocol ip flower action pedit ex munge ip dst set 10.0.0.9 pipe action csum ip and udp pipe" \
	"$U proto=udp l4csum=0" "$($FPKT build $E sip=10.0.0.1 dip=10.0.0.9 proto=udp l4csum=0)"
case_ "csum tcp fixes a wrong TCP checksum" \
	"protocol ip flower action csum tcp pipe" \
	"$U proto=tcp l4csum=0x1234" "$($FPKT build $U proto=tcp)"
case_ "csum tcp behind an IPv6 hop-by-hop header" \
	"protocol ipv6 flower action csum tcp pipe" "$V6 proto=tcp hbh=1" -
case_ "csum udp on IPv6" "protocol ipv6 flower action csum udp pipe" "$V6 proto=udp" -
case_ "csum icmp" "protocol ip flower action csum icmp pipe" "$U proto=icmp" -
case_ "csum icmp on IPv6 (ICMPv6)" "protocol ipv6 flower action csum icmp pipe" "$V6 proto=icmp" -
case_ "csum igmp" "protocol ip flower action csum igmp pipe" "$U proto=2" -
case_ "csum sctp" "protocol ip flower action csum sctp pipe" "$U proto=sctp" -
case_ "csum udplite" "protocol ip flower action csum udplite pipe" "$U proto=136" -
case_ "csum iph and tcp of a tagged frame" \
	"protocol 802.1Q flower action pedit ex munge ip ttl set 7 pipe action csum iph and tcp pipe" \
	"$U vlan=300 proto=tcp l4csum=0x1234" "$($FPKT build $U vlan=300 proto=tcp ttl=7)"
case_ "csum udp with an IP length beyond the frame: dropped" \
	"protocol ip flower action csum udp pipe" "$U proto=udp totlen=200" drop
case_ "csum iph with an IP length shorter than the header: passes" \
	"protocol ip flower action csum iph pipe" "$U proto=udp totlen=10" -
# A UDP length other than the IP payload's: act_csum clears the UDP checksum and lets the
# packet pass.
case_ "csum udp with an IP length 4 bytes short of the UDP length: checksum cleared" \
	"protocol ip flower action csum udp pipe" \
	"$U proto=udp totlen=40" "$($FPKT build $U proto=udp totlen=40 l4csum=0)"
# A header length below 5 words: the header checksum is what the architecture's
# ip_fast_csum() makes of it, and the TCP header act_csum finds overlaps the IP header.
case_ "csum iph with an IPv4 header length of 4 words" \
	"protocol ip flower action csum iph pipe" "$U proto=udp ihl=4" -
case_ "csum iph and tcp with an IPv4 header length of 4 words" \
	"protocol ip flower action csum iph and tcp pipe" "$U proto=tcp ihl=4" -

# A real TCP connection attempt: the stack sends its SYN with CHECKSUM_PARTIAL (the device
# checksums). pedit rewrites the destination and csum must leave a complete, correct TCP
# checksum in the frame, as act_csum does, not a partial one seeded with the old address.
$IP -n a addr add 10.1.0.1/24 dev sw0v0
$IP -n a neigh add 10.1.0.9 lladdr "$m1" dev sw0v0
$TC filter add dev sw0pf0vf0 ingress prio 2 protocol ip flower skip_sw ip_proto tcp \
	action pedit ex munge ip dst set 10.1.0.2 pipe action csum ip and tcp pipe \
	action mirred egress redirect dev sw0pf0vf1
nsx b $FPKT sniff sw0v1 4000 1 > /tmp/act.syn &
sn=$!
sniff_ready b sw0v1
# Nothing answers: the attempt gives up after its connect timeout.
nsx a $FPKT tcp-send 10.1.0.9 5001 1 > /dev/null 2>&1 &
tcp=$!
wait $sn
syn=$(head -1 /tmp/act.syn)
check_match "SYN through pedit + csum arrives for 10.1.0.2" '^.{52}0a0100010a010002' "$syn"
check "SYN through pedit + csum: checksums complete and correct" $FPKT verify "$syn"
wait $tcp
$TC filter del dev sw0pf0vf0 ingress prio 2

# Last: a TCP frame whose IP length is shorter than its own header (act_csum drops it).
case_ "csum tcp with an IP length shorter than the header: dropped" \
	"protocol ip flower action csum ip and tcp pipe" "$U proto=tcp totlen=10" drop

check "cleanup" fponic_destroy_all
for i in 0 1; do $IP link del t$i; done
cleanup_netns
done_testing
