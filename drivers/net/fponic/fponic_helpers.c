// SPDX-License-Identifier: GPL-2.0
/*
 * C side of fponic's binding layer: the few macros and setup steps that cannot be expressed
 * through bindgen. Everything here is called from the Rust binding layer (bind/) only.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/idr.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/igmp.h>
#include <linux/tc_act/tc_csum.h>
#include <linux/tc_act/tc_pedit.h>
#include <linux/unaligned.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/sctp/checksum.h>
#include <net/tc_act/tc_vlan.h>
#include <net/devlink.h>
#include <net/flow_offload.h>
#include <net/netlink.h>
#include <net/pkt_cls.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_flow_table.h>
#include <net/netfilter/nf_nat.h>

#include "fponic_helpers.h"

void fponic_netdev_set_devlink_port(struct net_device *dev, struct devlink_port *port)
{
	SET_NETDEV_DEVLINK_PORT(dev, port);
}

/*
 * alloc_netdev_mqs() setup callback: an Ethernet device whose per-CPU software counters are
 * allocated and summed by the core (NETDEV_PCPU_STAT_TSTATS, u64_stats based), like veth.
 */
void fponic_netdev_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->lltx = true;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->needs_free_netdev = false;
	dev->max_mtu = ETH_MAX_MTU;
	/*
	 * Packets move between fponic netdevs as they are (like veth): no checksum or
	 * segmentation work is needed until one leaves through a wire, whose own features
	 * decide there.
	 */
	dev->features |= NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | NETIF_F_RXCSUM |
			 NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE;
	dev->hw_features |= dev->features;
	dev->vlan_features |= dev->features;
}

/* The device can offload tc rules (ethtool -k: hw-tc-offload). */
void fponic_netdev_enable_tc(struct net_device *dev)
{
	dev->hw_features |= NETIF_F_HW_TC;
	dev->features |= NETIF_F_HW_TC;
}

void fponic_netdev_mac(const struct net_device *dev, u8 *mac)
{
	memcpy(mac, dev->dev_addr, ETH_ALEN);
}

/* Caller holds RTNL. */
int fponic_netdev_set_mac(struct net_device *dev, const u8 *mac)
{
	struct sockaddr_storage ss = { .ss_family = dev->type };

	memcpy(ss.__data, mac, ETH_ALEN);
	return dev_set_mac_address(dev, &ss, NULL);
}

/* Send a complete Ethernet frame out of @dev (an uplink's wire). Consumes @skb. */
void fponic_skb_xmit_to(struct sk_buff *skb, struct net_device *dev)
{
	skb_scrub_packet(skb, !net_eq(dev_net(skb->dev), dev_net(dev)));
	skb->dev = dev;
	skb_reset_mac_header(skb);
	dev_queue_xmit(skb);
}

/* The frame from its MAC header on, and the length of its linear part from there. */
const u8 *fponic_skb_mac(const struct sk_buff *skb, u32 *len)
{
	*len = skb_headlen(skb);
	return skb->data;
}

/* How many packets @skb stands for: its segments if it is GSO, as bstats_update() counts. */
u16 fponic_skb_gso_segs(const struct sk_buff *skb)
{
	return skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
}

/*
 * skb->ip_summed and skb->csum: a bit field and a union member inside struct_group(headers),
 * which the bindings reach only through positional anonymous names.
 */
u8 fponic_skb_ip_summed(const struct sk_buff *skb, __wsum *csum)
{
	*csum = skb->csum;
	return skb->ip_summed;
}

void fponic_skb_set_csum_complete(struct sk_buff *skb, __wsum csum)
{
	skb->ip_summed = CHECKSUM_COMPLETE;
	skb->csum = csum;
}

/* Make the first @len bytes of @skb linear (pskb_may_pull() is static inline). */
bool fponic_pskb_may_pull(struct sk_buff *skb, u32 len)
{
	return pskb_may_pull(skb, len);
}

/* rx_handler context (RCU read side): the handler data of the receiving device. */
void *fponic_rx_handler_data(const struct sk_buff *skb)
{
	return rcu_dereference(skb->dev->rx_handler_data);
}

/* Under RTNL: @dev's rx_handler data if @handler is its rx_handler, else NULL. */
void *fponic_rx_handler_data_rtnl(const struct net_device *dev, const void *handler)
{
	if (rtnl_dereference(dev->rx_handler) != handler)
		return NULL;
	return rtnl_dereference(dev->rx_handler_data);
}

/*
 * rx_handler: unshare the packet and push the MAC header back, so the eswitch sees the
 * whole frame as a transmit path would. Returns NULL if the packet was freed.
 */
struct sk_buff *fponic_rx_prepare(struct sk_buff *skb)
{
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return NULL;
	/* Keep a CHECKSUM_COMPLETE sum covering the bytes pushed back (the stack's own re-push
	 * of the MAC header, e.g. in bridging, does the same). */
	skb_push_rcsum(skb, skb->data - skb_mac_header(skb));
	return skb;
}

struct net_device *fponic_notifier_dev(void *info)
{
	return netdev_notifier_info_to_dev(info);
}

/* @msg must be a string with static storage duration. */
void fponic_extack_set(struct netlink_ext_ack *extack, const char *msg)
{
	do_trace_netlink_extack(msg);
	if (extack)
		extack->_msg = msg;
}

/*
 * Whether vlan action entry @act was given a priority: 1 yes, 0 no, -1 unknown. flow_action_entry
 * has vlan.prio 0 both for "prio 0" and for no priority, which act_vlan's modify tells apart
 * (tcfv_push_prio_exists: without a priority the tag keeps its PCP). tc's entries carry their
 * action as the cookie (tc_setup_action()).
 */
int fponic_vlan_prio_given(const struct flow_action_entry *act)
{
	const struct tc_action *a = (const struct tc_action *)act->cookie;
	int given;

	if (act->vlan.prio)
		return 1;
	if (!a || !a->ops || a->ops->id != TCA_ID_VLAN)
		return -1;
	rcu_read_lock();
	given = rcu_dereference(to_vlan(a)->vlan_p)->tcfv_push_prio_exists;
	rcu_read_unlock();
	return given;
}

/*
 * Tell software tc where the eswitch stopped: at @act_miss_cookie (resume within a rule, see
 * miss_cookie_next() in bind/tc.rs) or, if it is 0, at the start of chain @chain (after a miss
 * there). tcf_classify() consumes the extension. Call after the packet was forwarded to the
 * receiving device (forwarding scrubs extensions).
 */
int fponic_skb_tc_resume(struct sk_buff *skb, u32 chain, u64 act_miss_cookie)
{
#if IS_ENABLED(CONFIG_NET_TC_SKB_EXT)
	struct tc_skb_ext *ext = tc_skb_ext_alloc(skb);

	if (!ext)
		return -ENOMEM;
	if (act_miss_cookie) {
		ext->act_miss = 1;
		ext->act_miss_cookie = act_miss_cookie;
	} else {
		ext->chain = chain;
	}
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

static LIST_HEAD(fponic_block_cb_list);

/*
 * Bind/unbind a representor's ingress block. The callback runs without RTNL
 * (unlocked_driver_cb): the flow table serializes its writers itself.
 */
int fponic_setup_block(struct flow_block_offload *f, void *cb, void *cb_priv)
{
	f->unlocked_driver_cb = true;
	return flow_block_cb_setup_simple(f, &fponic_block_cb_list, cb, cb_priv, cb_priv, true);
}

static LIST_HEAD(fponic_ft_cb_list);
static DEFINE_MUTEX(fponic_ft_cb_lock);

/*
 * Bind/unbind an nftables flowtable's block (TC_SETUP_FT). Flowtables bind outside RTNL (nft's
 * own lock, a different one per namespace), so their driver list has a lock of its own.
 */
int fponic_setup_ft_block(struct flow_block_offload *f, void *cb, void *cb_priv)
{
	int err;

	mutex_lock(&fponic_ft_cb_lock);
	err = flow_block_cb_setup_simple(f, &fponic_ft_cb_list, cb, cb_priv, cb_priv, true);
	mutex_unlock(&fponic_ft_cb_lock);
	return err;
}

static void fponic_skb_fix_protocol(struct sk_buff *skb);

/* The hardware-accelerated VLAN tag of @skb: returns its protocol (0 if none). */
u16 fponic_skb_vlan(const struct sk_buff *skb, u16 *tci)
{
	if (!skb_vlan_tag_present(skb))
		return 0;
	*tci = skb_vlan_tag_get(skb);
	return ntohs(skb->vlan_proto);
}

int fponic_skb_vlan_push(struct sk_buff *skb, u16 proto, u16 tci)
{
	fponic_skb_fix_protocol(skb);
	return skb_vlan_push(skb, htons(proto), tci);
}

/* Frames from AF_PACKET or the stack may carry an in-band tag without skb->protocol saying so. */
static void fponic_skb_fix_protocol(struct sk_buff *skb)
{
	if (!skb_vlan_tag_present(skb) && eth_type_vlan(eth_hdr(skb)->h_proto))
		skb->protocol = eth_hdr(skb)->h_proto;
}

int fponic_skb_vlan_pop(struct sk_buff *skb)
{
	fponic_skb_fix_protocol(skb);
	return skb_vlan_pop(skb);
}

/*
 * act_vlan's modify (tcf_vlan_act, TCA_VLAN_ACT_MODIFY): an untagged packet passes unchanged; a
 * tagged one gets @vid, the priority @prio unless it is negative (the tag keeps its PCP and DEI
 * then) and the TPID @proto, the tag ending up in metadata. Tagged means an accelerated tag or
 * a tag in the frame, whatever skb->protocol says (AF_PACKET senders may leave it unset).
 */
int fponic_skb_vlan_modify(struct sk_buff *skb, u16 proto, u16 vid, int prio)
{
	u16 tci;
	int err;

	if (skb_vlan_tag_present(skb)) {
		tci = skb_vlan_tag_get(skb);
		__vlan_hwaccel_clear_tag(skb);
	} else {
		if (!pskb_may_pull(skb, ETH_HLEN) ||
		    !eth_type_vlan(((struct ethhdr *)skb->data)->h_proto))
			return 0;
		fponic_skb_fix_protocol(skb);
		err = __skb_vlan_pop(skb, &tci);
		if (err)
			return err;
	}
	tci = (tci & ~VLAN_VID_MASK) | vid;
	if (prio >= 0) {
		tci &= ~VLAN_PRIO_MASK;
		tci |= prio << VLAN_PRIO_SHIFT;
	}
	__vlan_hwaccel_put_tag(skb, htons(proto), tci);
	return 0;
}

static DEFINE_IDA(fponic_ids);

int fponic_id_alloc(unsigned int max)
{
	return ida_alloc_range(&fponic_ids, 1, max, GFP_KERNEL);
}

void fponic_id_free(unsigned int id)
{
	ida_free(&fponic_ids, id);
}

unsigned long fponic_jiffies(void)
{
	return jiffies;
}

u64 fponic_now_ms(void)
{
	return ktime_get_mono_fast_ns() / NSEC_PER_MSEC;
}

/*
 * Software tc sees a received frame with its outer VLAN tag in metadata (skb_vlan_untag() runs
 * before tc ingress), and act_pedit's header offsets are relative to that frame: move an
 * outer tag that is still in the packet to metadata, as skb_vlan_untag() would.
 */
static int fponic_skb_outer_tag_to_hwaccel(struct sk_buff *skb)
{
	__be16 proto;
	u16 tci;
	int err;

	if (!pskb_may_pull(skb, ETH_HLEN))
		return -EINVAL;
	proto = ((struct ethhdr *)skb->data)->h_proto;
	if (skb_vlan_tag_present(skb) || !eth_type_vlan(proto))
		return 0;
	err = __skb_vlan_pop(skb, &tci);
	if (err)
		return err;
	__vlan_hwaccel_put_tag(skb, proto, tci);
	return 0;
}

/*
 * act_pedit's pedit_skb_hdr_offset() for a frame whose outer tag is in metadata: the start of
 * header @htype, from the MAC header. Software's network header is right after the Ethernet
 * header (an inner tag stays in the packet) and skb->protocol is the frame's ethertype.
 */
static int fponic_pedit_hdr_offset(struct sk_buff *skb, u32 htype, int *hoffset)
{
	__be16 proto = ((struct ethhdr *)skb->data)->h_proto;
	int target, noff, ret;
	unsigned int off = 0;

	switch (htype) {
	case TCA_PEDIT_KEY_EX_HDR_TYPE_ETH:
		*hoffset = 0;
		return 0;
	case TCA_PEDIT_KEY_EX_HDR_TYPE_IP4:
	case TCA_PEDIT_KEY_EX_HDR_TYPE_IP6:
		*hoffset = ETH_HLEN;
		return 0;
	case TCA_PEDIT_KEY_EX_HDR_TYPE_TCP:
		target = IPPROTO_TCP;
		break;
	case TCA_PEDIT_KEY_EX_HDR_TYPE_UDP:
		target = IPPROTO_UDP;
		break;
	default:
		return -EINVAL;
	}
	/* pedit_l4_skb_offset() */
	if (proto == htons(ETH_P_IP)) {
		const struct iphdr *iph;
		struct iphdr _iph;

		iph = skb_header_pointer(skb, ETH_HLEN, sizeof(_iph), &_iph);
		if (!iph || iph->ihl < 5 || iph->protocol != target ||
		    (iph->frag_off & htons(IP_OFFSET)))
			return -EINVAL;
		*hoffset = ETH_HLEN + iph->ihl * 4;
		return 0;
	}
	if (proto != htons(ETH_P_IPV6) || !pskb_may_pull(skb, ETH_HLEN + sizeof(struct ipv6hdr)))
		return -EINVAL;
	/* ipv6_find_hdr() starts at the network header. */
	noff = skb_network_offset(skb);
	skb_set_network_header(skb, ETH_HLEN);
	ret = ipv6_find_hdr(skb, &off, target, NULL, NULL);
	skb_set_network_header(skb, noff);
	if (ret != target)
		return -EINVAL;
	*hoffset = off;
	return 0;
}

/*
 * One key of a pedit action, as act_pedit's tcf_pedit_act() applies a SET key: the 32-bit word
 * at @offset from the start of header @htype (enum pedit_header_type) becomes
 * (old & mask) ^ val (mask and val in network byte order, as flow_offload passes them).
 * Returns 0 if done, or an error where act_pedit gives up ("bad": the key and the rest of its
 * action are skipped and the packet goes on).
 */
int fponic_skb_pedit(struct sk_buff *skb, u32 htype, u32 offset, u32 mask, u32 val)
{
	int hoffset, write_offset;
	u32 *ptr;
	int err;

	err = fponic_skb_outer_tag_to_hwaccel(skb);
	if (err)
		return err;
	err = fponic_pedit_hdr_offset(skb, htype, &hoffset);
	if (err)
		return err;
	if (offset > INT_MAX || check_add_overflow(hoffset, (int)offset, &write_offset))
		return -EINVAL;
	/* offset_valid(); offsets are never negative here */
	if (write_offset > (int)skb->len - (int)sizeof(*ptr))
		return -EINVAL;
	if (skb_ensure_writable(skb, write_offset + sizeof(*ptr)))
		return -ENOMEM;
	ptr = (u32 *)(skb->data + write_offset);
	put_unaligned((get_unaligned(ptr) & mask) ^ val, ptr);
	return 0;
}

/*
 * The csum action: a transcription of act_csum's tcf_csum_act() and its helpers
 * (net/sched/act_csum.c), with the network header at @noff from skb->data (the MAC header)
 * instead of skb's own network header. Each returns 0 where act_csum drops the packet.
 */
static void *fponic_csum_nextlayer(struct sk_buff *skb, int noff, unsigned int ihl,
				   unsigned int ipl, unsigned int jhl)
{
	int hl = ihl + jhl;

	if (!pskb_may_pull(skb, ipl + noff) || (ipl < hl) ||
	    skb_try_make_writable(skb, hl + noff))
		return NULL;
	return skb->data + noff + ihl;
}

static int fponic_csum_ipv4_icmp(struct sk_buff *skb, int noff, unsigned int ihl,
				 unsigned int ipl)
{
	struct icmphdr *icmph;

	icmph = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*icmph));
	if (!icmph)
		return 0;
	icmph->checksum = 0;
	skb->csum = csum_partial(icmph, ipl - ihl, 0);
	icmph->checksum = csum_fold(skb->csum);
	skb->ip_summed = CHECKSUM_NONE;
	return 1;
}

static int fponic_csum_ipv4_igmp(struct sk_buff *skb, int noff, unsigned int ihl,
				 unsigned int ipl)
{
	struct igmphdr *igmph;

	igmph = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*igmph));
	if (!igmph)
		return 0;
	igmph->csum = 0;
	skb->csum = csum_partial(igmph, ipl - ihl, 0);
	igmph->csum = csum_fold(skb->csum);
	skb->ip_summed = CHECKSUM_NONE;
	return 1;
}

static int fponic_csum_ipv6_icmp(struct sk_buff *skb, int noff, unsigned int ihl,
				 unsigned int ipl)
{
	const struct ipv6hdr *ip6h;
	struct icmp6hdr *icmp6h;

	icmp6h = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*icmp6h));
	if (!icmp6h)
		return 0;
	ip6h = (const struct ipv6hdr *)(skb->data + noff);
	icmp6h->icmp6_cksum = 0;
	skb->csum = csum_partial(icmp6h, ipl - ihl, 0);
	icmp6h->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ipl - ihl,
					      IPPROTO_ICMPV6, skb->csum);
	skb->ip_summed = CHECKSUM_NONE;
	return 1;
}

static int fponic_csum_ipv4_tcp(struct sk_buff *skb, int noff, unsigned int ihl,
				unsigned int ipl)
{
	const struct iphdr *iph;
	struct tcphdr *tcph;

	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4)
		return 1;
	tcph = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*tcph));
	if (!tcph)
		return 0;
	iph = (const struct iphdr *)(skb->data + noff);
	tcph->check = 0;
	skb->csum = csum_partial(tcph, ipl - ihl, 0);
	tcph->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ipl - ihl, IPPROTO_TCP, skb->csum);
	skb->ip_summed = CHECKSUM_NONE;
	return 1;
}

static int fponic_csum_ipv6_tcp(struct sk_buff *skb, int noff, unsigned int ihl,
				unsigned int ipl)
{
	const struct ipv6hdr *ip6h;
	struct tcphdr *tcph;

	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6)
		return 1;
	tcph = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*tcph));
	if (!tcph)
		return 0;
	ip6h = (const struct ipv6hdr *)(skb->data + noff);
	tcph->check = 0;
	skb->csum = csum_partial(tcph, ipl - ihl, 0);
	tcph->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ipl - ihl, IPPROTO_TCP,
				      skb->csum);
	skb->ip_summed = CHECKSUM_NONE;
	return 1;
}

#define FPONIC_GSO_UDP (SKB_GSO_UDP | SKB_GSO_UDP_L4 | SKB_GSO_UDP_TUNNEL | \
			SKB_GSO_UDP_TUNNEL_CSUM)

/* UDP and UDP-Lite; the length comes from the IP header, never from udph->len for UDP-Lite. */
static int fponic_csum_ipv4_udp(struct sk_buff *skb, int noff, unsigned int ihl,
				unsigned int ipl, int udplite)
{
	const struct iphdr *iph;
	struct udphdr *udph;
	u16 ul;

	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_type & FPONIC_GSO_UDP)
		return 1;
	udph = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*udph));
	if (!udph)
		return 0;
	iph = (const struct iphdr *)(skb->data + noff);
	ul = udp_get_len_short(udph);
	/* An IPv4 UDP checksum of 0 means none: it stays 0. */
	if (udplite || udph->check) {
		udph->check = 0;
		if (udplite) {
			if (ul == 0)
				skb->csum = csum_partial(udph, ipl - ihl, 0);
			else if ((ul >= sizeof(*udph)) && (ul <= ipl - ihl))
				skb->csum = csum_partial(udph, ul, 0);
			else
				return 1;
		} else {
			if (ul != ipl - ihl)
				return 1;
			skb->csum = csum_partial(udph, ul, 0);
		}
		udph->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ul, iph->protocol,
						skb->csum);
		if (!udph->check)
			udph->check = CSUM_MANGLED_0;
	}
	skb->ip_summed = CHECKSUM_NONE;
	return 1;
}

static int fponic_csum_ipv6_udp(struct sk_buff *skb, int noff, unsigned int ihl,
				unsigned int ipl, int udplite)
{
	const struct ipv6hdr *ip6h;
	struct udphdr *udph;
	u16 ul;

	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_type & FPONIC_GSO_UDP)
		return 1;
	udph = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*udph));
	if (!udph)
		return 0;
	ip6h = (const struct ipv6hdr *)(skb->data + noff);
	ul = udp_get_len_short(udph);
	/* act_csum clears the checksum before it checks the length. */
	udph->check = 0;
	if (udplite) {
		if (ul == 0)
			skb->csum = csum_partial(udph, ipl - ihl, 0);
		else if ((ul >= sizeof(*udph)) && (ul <= ipl - ihl))
			skb->csum = csum_partial(udph, ul, 0);
		else
			return 1;
	} else {
		if (ul != ipl - ihl)
			return 1;
		skb->csum = csum_partial(udph, ul, 0);
	}
	udph->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ul,
				      udplite ? IPPROTO_UDPLITE : IPPROTO_UDP, skb->csum);
	if (!udph->check)
		udph->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
	return 1;
}

static int fponic_csum_sctp(struct sk_buff *skb, int noff, unsigned int ihl, unsigned int ipl)
{
	struct sctphdr *sctph;

	if (skb_is_gso(skb) && skb_is_gso_sctp(skb))
		return 1;
	sctph = fponic_csum_nextlayer(skb, noff, ihl, ipl, sizeof(*sctph));
	if (!sctph)
		return 0;
	sctph->checksum = sctp_compute_cksum(skb, noff + ihl);
	skb_reset_csum_not_inet(skb);
	return 1;
}

static int fponic_csum_ipv4(struct sk_buff *skb, int noff, u32 flags)
{
	const struct iphdr *iph;
	unsigned int ihl, ipl;
	int ok = 1;

	if (!pskb_may_pull(skb, sizeof(*iph) + noff))
		return 0;
	iph = (const struct iphdr *)(skb->data + noff);
	ihl = iph->ihl * 4;
	ipl = ntohs(iph->tot_len);
	switch (iph->frag_off & htons(IP_OFFSET) ? 0 : iph->protocol) {
	case IPPROTO_ICMP:
		if (flags & TCA_CSUM_UPDATE_FLAG_ICMP)
			ok = fponic_csum_ipv4_icmp(skb, noff, ihl, ipl);
		break;
	case IPPROTO_IGMP:
		if (flags & TCA_CSUM_UPDATE_FLAG_IGMP)
			ok = fponic_csum_ipv4_igmp(skb, noff, ihl, ipl);
		break;
	case IPPROTO_TCP:
		if (flags & TCA_CSUM_UPDATE_FLAG_TCP)
			ok = fponic_csum_ipv4_tcp(skb, noff, ihl, ipl);
		break;
	case IPPROTO_UDP:
		if (flags & TCA_CSUM_UPDATE_FLAG_UDP)
			ok = fponic_csum_ipv4_udp(skb, noff, ihl, ipl, 0);
		break;
	case IPPROTO_UDPLITE:
		if (flags & TCA_CSUM_UPDATE_FLAG_UDPLITE)
			ok = fponic_csum_ipv4_udp(skb, noff, ihl, ipl, 1);
		break;
	case IPPROTO_SCTP:
		if (flags & TCA_CSUM_UPDATE_FLAG_SCTP)
			ok = fponic_csum_sctp(skb, noff, ihl, ipl);
		break;
	}
	if (!ok)
		return 0;
	if (flags & TCA_CSUM_UPDATE_FLAG_IPV4HDR) {
		if (skb_try_make_writable(skb, sizeof(*iph) + noff))
			return 0;
		ip_send_check((struct iphdr *)(skb->data + noff));
	}
	return 1;
}

static int fponic_csum_ipv6_hopopts(struct ipv6_opt_hdr *ip6xh, unsigned int ixhl,
				    unsigned int *pl)
{
	unsigned char *xh = (void *)ip6xh;
	int off, len, optlen;

	off = sizeof(*ip6xh);
	len = ixhl - off;
	while (len > 1) {
		switch (xh[off]) {
		case IPV6_TLV_PAD1:
			optlen = 1;
			break;
		case IPV6_TLV_JUMBO:
			optlen = xh[off + 1] + 2;
			if (optlen != 6 || len < 6 || (off & 3) != 2)
				return 0;
			*pl = ntohl(*(__be32 *)(xh + off + 2));
			return 1;
		default:
			optlen = xh[off + 1] + 2;
			if (optlen > len)
				return 1;
			break;
		}
		off += optlen;
		len -= optlen;
	}
	return 1;
}

static int fponic_csum_ipv6(struct sk_buff *skb, int noff, u32 flags)
{
	struct ipv6_opt_hdr *ip6xh;
	unsigned int hl, ixhl, pl;
	struct ipv6hdr *ip6h;
	u8 nexthdr;

	hl = sizeof(*ip6h);
	if (!pskb_may_pull(skb, hl + noff))
		return 0;
	ip6h = (struct ipv6hdr *)(skb->data + noff);
	pl = ntohs(ip6h->payload_len);
	nexthdr = ip6h->nexthdr;
	do {
		switch (nexthdr) {
		case NEXTHDR_FRAGMENT:
			return 1;
		case NEXTHDR_ROUTING:
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			if (!pskb_may_pull(skb, hl + sizeof(*ip6xh) + noff))
				return 0;
			ip6xh = (void *)(skb->data + noff + hl);
			ixhl = ipv6_optlen(ip6xh);
			if (!pskb_may_pull(skb, hl + ixhl + noff))
				return 0;
			ip6xh = (void *)(skb->data + noff + hl);
			if (nexthdr == NEXTHDR_HOP && !fponic_csum_ipv6_hopopts(ip6xh, ixhl, &pl))
				return 0;
			nexthdr = ip6xh->nexthdr;
			hl += ixhl;
			break;
		case IPPROTO_ICMPV6:
			if (flags & TCA_CSUM_UPDATE_FLAG_ICMP)
				return fponic_csum_ipv6_icmp(skb, noff, hl, pl + sizeof(*ip6h));
			return 1;
		case IPPROTO_TCP:
			if (flags & TCA_CSUM_UPDATE_FLAG_TCP)
				return fponic_csum_ipv6_tcp(skb, noff, hl, pl + sizeof(*ip6h));
			return 1;
		case IPPROTO_UDP:
			if (flags & TCA_CSUM_UPDATE_FLAG_UDP)
				return fponic_csum_ipv6_udp(skb, noff, hl, pl + sizeof(*ip6h), 0);
			return 1;
		case IPPROTO_UDPLITE:
			if (flags & TCA_CSUM_UPDATE_FLAG_UDPLITE)
				return fponic_csum_ipv6_udp(skb, noff, hl, pl + sizeof(*ip6h), 1);
			return 1;
		case IPPROTO_SCTP:
			if (flags & TCA_CSUM_UPDATE_FLAG_SCTP)
				return fponic_csum_sctp(skb, noff, hl, pl + sizeof(*ip6h));
			return 1;
		default:
			return 1;
		}
	} while (pskb_may_pull(skb, hl + 1 + noff));
	return 1;
}

/*
 * The csum action with update flags @flags (TCA_CSUM_UPDATE_FLAG_*) on a frame from its MAC
 * header: the network header is behind every VLAN tag, as tcf_csum_act() finds it. Returns 0,
 * or -EINVAL where act_csum drops the packet (a header it cannot pull, an IP length shorter
 * than its headers, no memory to make the headers writable).
 */
int fponic_skb_csum(struct sk_buff *skb, u32 flags)
{
	__be16 protocol;
	int noff = ETH_HLEN;

	if (!pskb_may_pull(skb, ETH_HLEN))
		return -EINVAL;
	protocol = ((struct ethhdr *)skb->data)->h_proto;
	while (eth_type_vlan(protocol)) {
		if (!pskb_may_pull(skb, noff + VLAN_HLEN))
			return -EINVAL;
		protocol = ((struct vlan_hdr *)(skb->data + noff))->h_vlan_encapsulated_proto;
		noff += VLAN_HLEN;
	}
	switch (protocol) {
	case htons(ETH_P_IP):
		return fponic_csum_ipv4(skb, noff, flags) ? 0 : -EINVAL;
	case htons(ETH_P_IPV6):
		return fponic_csum_ipv6(skb, noff, flags) ? 0 : -EINVAL;
	}
	return 0;
}

/*
 * Take up to @max packets off an rx ring in one locked section: returns them chained through
 * skb->next (NULL-terminated), so NAPI processes a batch without touching the lock again.
 */
struct sk_buff *fponic_rxq_grab(struct sk_buff_head *q, unsigned int max)
{
	struct sk_buff *first = NULL, *last = NULL, *skb;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	while (max-- && (skb = __skb_dequeue(q))) {
		skb->next = NULL;
		if (last)
			last->next = skb;
		else
			first = skb;
		last = skb;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return first;
}

/*
 * Hand a received packet to the stack from NAPI poll: through GRO while the device has it on,
 * otherwise straight to the protocol handlers. Without GRO, napi_gro_receive() would still
 * queue the packet for list receive, which costs more than it saves when a poll delivers
 * packets one at a time, as it does for a sender transmitting on the same CPU.
 */
void fponic_napi_receive(struct napi_struct *napi, struct sk_buff *skb)
{
	if (napi->dev->features & NETIF_F_GRO)
		napi_gro_receive(napi, skb);
	else
		netif_receive_skb(skb);
}

/* Detach @skb from a chain made by fponic_rxq_grab() and return the rest. */
struct sk_buff *fponic_skb_unlink_next(struct sk_buff *skb)
{
	struct sk_buff *next = skb->next;

	skb_mark_not_on_list(skb);
	return next;
}

/*
 * Send a copy of the Ethernet frame @frame (@len bytes, at least ETH_HLEN) out of @dev. Process
 * context.
 */
int fponic_xmit_frame(struct net_device *dev, const u8 *frame, unsigned int len)
{
	struct sk_buff *skb = alloc_skb(LL_RESERVED_SPACE(dev) + len, GFP_KERNEL);

	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_reset_mac_header(skb);
	skb_put_data(skb, frame, len);
	skb->protocol = eth_hdr(skb)->h_proto;
	skb->dev = dev;
	return dev_queue_xmit(skb) == NET_XMIT_SUCCESS ? 0 : -EIO;
}

static void fponic_dwork_fn(struct work_struct *work)
{
	struct fponic_dwork *w = container_of(to_delayed_work(work), struct fponic_dwork, dw);

	w->fn(w->ctx);
}

void fponic_dwork_init(struct fponic_dwork *w, void (*fn)(void *ctx), void *ctx)
{
	INIT_DELAYED_WORK(&w->dw, fponic_dwork_fn);
	w->fn = fn;
	w->ctx = ctx;
}

/* (Re)arm to run @delay_ms from now on the system workqueue; true if it was pending. */
bool fponic_dwork_schedule(struct fponic_dwork *w, unsigned int delay_ms)
{
	return mod_delayed_work(system_wq, &w->dw, msecs_to_jiffies(delay_ms));
}

bool fponic_dwork_cancel_sync(struct fponic_dwork *w)
{
	return cancel_delayed_work_sync(&w->dw);
}

/*
 * Conntrack offload: act_ct's flow tables (one per zone) hand their connections to the
 * callbacks registered on them (nf_flow_table_offload_add_cb() is static inline). A
 * registration pins the flow table; removing it waits for running callbacks.
 */
int fponic_ct_ft_add_cb(struct nf_flowtable *ft, void *cb, void *cb_priv)
{
	return nf_flow_table_offload_add_cb(ft, cb, cb_priv);
}

void fponic_ct_ft_del_cb(struct nf_flowtable *ft, void *cb, void *cb_priv)
{
	nf_flow_table_offload_del_cb(ft, cb, cb_priv);
}

/* A reference to the conntrack entry of act_ct metadata @cookie (entry | ctinfo). */
void fponic_ct_get(unsigned long cookie)
{
	nf_conntrack_get(&((struct nf_conn *)(cookie & NFCT_PTRMASK))->ct_general);
}

void fponic_ct_put(unsigned long cookie)
{
	nf_ct_put((struct nf_conn *)(cookie & NFCT_PTRMASK));
}

/*
 * Give @skb the conntrack entry of @cookie with its ctinfo, replacing any, moving the caller's
 * reference into it (as tcf_ct_flow_table_restore_skb() with a reference taken).
 */
void fponic_skb_set_ct(struct sk_buff *skb, unsigned long cookie)
{
	nf_reset_ct(skb);
	nf_ct_set(skb, (struct nf_conn *)(cookie & NFCT_PTRMASK), cookie & NFCT_INFOMASK);
}

/*
 * Apply the NAT of the connection of @cookie (entry | ctinfo) to @skb, whose network header is
 * at @nh_off, as act_ct's `ct nat [src|dst]` does: with the same function (nf_ct_nat) on the
 * packet from its network header. 0 on success, -EOPNOTSUPP without act_ct's NAT, -ENOMEM if
 * the packet could not be rewritten (act_ct drops it).
 */
int fponic_skb_ct_nat(struct sk_buff *skb, unsigned int nh_off, unsigned long cookie, bool src,
		      bool dst)
{
#if IS_ENABLED(CONFIG_NF_NAT_OVS)
	struct nf_conn *ct = (struct nf_conn *)(cookie & NFCT_PTRMASK);
	enum ip_conntrack_info ctinfo = cookie & NFCT_INFOMASK;
	int action = 0, err;

	if (src)
		action |= BIT(NF_NAT_MANIP_SRC);
	if (dst)
		action |= BIT(NF_NAT_MANIP_DST);
	if (!pskb_may_pull(skb, nh_off))
		return -ENOMEM;
	skb_pull_rcsum(skb, nh_off);
	/* NAT reads the IP header there (ICMP errors of related connections). */
	skb_reset_network_header(skb);
	err = nf_ct_nat(skb, ct, ctinfo, &action, NULL, false);
	skb_push_rcsum(skb, nh_off);
	return err == NF_ACCEPT ? 0 : -ENOMEM;
#else
	return -EOPNOTSUPP;
#endif
}
