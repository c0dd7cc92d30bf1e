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

/*
 * skb->ip_summed and skb->csum: a bit field and a union member inside struct_group(headers),
 * which the bindings reach only through positional anonymous names; skb->protocol likewise.
 */
u8 fponic_skb_ip_summed(const struct sk_buff *skb, __wsum *csum)
{
	*csum = skb->csum;
	return skb->ip_summed;
}

void fponic_skb_set_checksum(struct sk_buff *skb, u8 ip_summed, __wsum csum)
{
	skb->ip_summed = ip_summed;
	skb->csum = csum;
}

void fponic_skb_set_ip_summed(struct sk_buff *skb, u8 ip_summed)
{
	skb->ip_summed = ip_summed;
}

void fponic_skb_set_protocol(struct sk_buff *skb, u16 proto)
{
	skb->protocol = htons(proto);
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
 * act_vlan's tcfv_push_prio_exists of the action behind vlan entry @act (1 or 0), or -1 if its
 * cookie is no act_vlan action. tc's entries carry their action as the cookie
 * (tc_setup_action()).
 */
int fponic_vlan_push_prio_exists(const struct flow_action_entry *act)
{
	const struct tc_action *a = (const struct tc_action *)act->cookie;
	int exists;

	if (!a || !a->ops || a->ops->id != TCA_ID_VLAN)
		return -1;
	rcu_read_lock();
	exists = rcu_dereference(to_vlan(a)->vlan_p)->tcfv_push_prio_exists;
	rcu_read_unlock();
	return exists;
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

/* The hardware-accelerated VLAN tag of @skb: returns its protocol (0 if none). */
u16 fponic_skb_vlan(const struct sk_buff *skb, u16 *tci)
{
	if (!skb_vlan_tag_present(skb))
		return 0;
	*tci = skb_vlan_tag_get(skb);
	return ntohs(skb->vlan_proto);
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
 * Whether the conntrack entry of @cookie is still in a flow table: flow_offload_teardown()
 * clears IPS_OFFLOAD at once, and software's flow table lookups stop finding the flow then.
 */
bool fponic_ct_offloaded(unsigned long cookie)
{
	return test_bit(IPS_OFFLOAD_BIT, &((struct nf_conn *)(cookie & NFCT_PTRMASK))->status);
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
