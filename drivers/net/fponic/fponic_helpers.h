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
void fponic_netdev_set_devlink_port(struct net_device *dev, struct devlink_port *port);
void fponic_netdev_setup(struct net_device *dev);

#endif /* FPONIC_HELPERS_H */
