/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers fponic's binding layer is generated from (bind/ffi.rs). The kernel crate's
 * bindings do not cover net_device, NAPI, sk_buff, devlink or faux devices for modules, so
 * the module runs bindgen itself with the kernel's own flags.
 */
#include <linux/device/faux.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/devlink.h>
#include <net/checksum.h>
#include <net/flow_offload.h>
#include <net/gso.h>
#include <net/ip6_checksum.h>
#include <net/pkt_cls.h>
#include <uapi/linux/tc_act/tc_ct.h>

#include "fponic_helpers.h"
