/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FPONIC_HELPERS_H
#define FPONIC_HELPERS_H

#include <linux/types.h>

struct net_device;
struct devlink_port;

/*
 * C macros the binding layer needs; static inline functions are wrapped by bindgen's
 * --wrap-static-fns instead (fponic_static_wrappers.c, generated).
 */
struct sk_buff;
struct netlink_ext_ack;

void fponic_netdev_set_devlink_port(struct net_device *dev, struct devlink_port *port);
void fponic_netdev_setup(struct net_device *dev);
void fponic_netdev_mac(const struct net_device *dev, u8 *mac);
int fponic_netdev_set_mac(struct net_device *dev, const u8 *mac);
void fponic_skb_xmit_to(struct sk_buff *skb, struct net_device *dev);
const u8 *fponic_skb_mac(const struct sk_buff *skb, u32 *len);
void *fponic_rx_handler_data(const struct sk_buff *skb);
void *fponic_rx_handler_data_rtnl(const struct net_device *dev, const void *handler);
struct sk_buff *fponic_rx_prepare(struct sk_buff *skb);
struct net_device *fponic_notifier_dev(void *info);
void fponic_extack_set(struct netlink_ext_ack *extack, const char *msg);

#endif /* FPONIC_HELPERS_H */
