// SPDX-License-Identifier: GPL-2.0
/*
 * C side of fponic's binding layer: the few macros and setup steps that cannot be expressed
 * through bindgen. Everything here is called from the Rust binding layer (bind/) only.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <net/devlink.h>

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
}
