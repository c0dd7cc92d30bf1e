// SPDX-License-Identifier: GPL-2.0
/*
 * C side of fponic's binding layer: the few macros and setup steps that cannot be expressed
 * through bindgen. Everything here is called from the Rust binding layer (bind/) only.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/devlink.h>
#include <net/netlink.h>

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
	skb_push(skb, skb->data - skb_mac_header(skb));
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
