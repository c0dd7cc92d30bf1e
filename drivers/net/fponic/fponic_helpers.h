/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FPONIC_HELPERS_H
#define FPONIC_HELPERS_H

#include <linux/types.h>
#include <linux/workqueue.h>

struct net_device;
struct devlink_port;

/*
 * C macros the binding layer needs; static inline functions are wrapped by bindgen's
 * --wrap-static-fns instead (fponic_static_wrappers.c, generated).
 */
struct sk_buff;
struct napi_struct;
struct netlink_ext_ack;
struct flow_cls_offload;
struct flow_block_offload;
struct flow_action_entry;

void fponic_netdev_set_devlink_port(struct net_device *dev, struct devlink_port *port);
void fponic_netdev_setup(struct net_device *dev);
void fponic_netdev_enable_tc(struct net_device *dev);
void fponic_netdev_mac(const struct net_device *dev, u8 *mac);
int fponic_netdev_set_mac(struct net_device *dev, const u8 *mac);
void fponic_skb_xmit_to(struct sk_buff *skb, struct net_device *dev);
u8 fponic_skb_ip_summed(const struct sk_buff *skb, __wsum *csum);
void fponic_skb_set_checksum(struct sk_buff *skb, u8 ip_summed, __wsum csum);
void fponic_skb_set_ip_summed(struct sk_buff *skb, u8 ip_summed);
void fponic_skb_set_protocol(struct sk_buff *skb, u16 proto);
void *fponic_rx_handler_data(const struct sk_buff *skb);
void *fponic_rx_handler_data_rtnl(const struct net_device *dev, const void *handler);
struct sk_buff *fponic_rx_prepare(struct sk_buff *skb);
struct net_device *fponic_notifier_dev(void *info);
void fponic_extack_set(struct netlink_ext_ack *extack, const char *msg);
int fponic_vlan_push_prio_exists(const struct flow_action_entry *act);
int fponic_setup_block(struct flow_block_offload *f, void *cb, void *cb_priv);
int fponic_setup_ft_block(struct flow_block_offload *f, void *cb, void *cb_priv);
u16 fponic_skb_vlan(const struct sk_buff *skb, u16 *tci);
int fponic_skb_tc_resume(struct sk_buff *skb, u32 chain, u64 act_miss_cookie);
int fponic_id_alloc(unsigned int max);
void fponic_id_free(unsigned int id);
unsigned long fponic_jiffies(void);
u64 fponic_now_ms(void);
struct sk_buff_head;

/* A delayed work item calling back into Rust (bind/work.rs). */
struct fponic_dwork {
	struct delayed_work dw;
	void (*fn)(void *ctx);
	void *ctx;
};
void fponic_dwork_init(struct fponic_dwork *w, void (*fn)(void *ctx), void *ctx);
bool fponic_dwork_schedule(struct fponic_dwork *w, unsigned int delay_ms);
bool fponic_dwork_cancel_sync(struct fponic_dwork *w);
struct sk_buff *fponic_rxq_grab(struct sk_buff_head *q, unsigned int max);
struct sk_buff *fponic_skb_unlink_next(struct sk_buff *skb);
void fponic_napi_receive(struct napi_struct *napi, struct sk_buff *skb);
int fponic_xmit_frame(struct net_device *dev, const u8 *frame, unsigned int len);

struct nf_flowtable;
int fponic_ct_ft_add_cb(struct nf_flowtable *ft, void *cb, void *cb_priv);
void fponic_ct_ft_del_cb(struct nf_flowtable *ft, void *cb, void *cb_priv);
void fponic_ct_get(unsigned long cookie);
void fponic_ct_put(unsigned long cookie);
bool fponic_ct_offloaded(unsigned long cookie);
void fponic_skb_set_ct(struct sk_buff *skb, unsigned long cookie);
int fponic_skb_ct_nat(struct sk_buff *skb, unsigned int nh_off, unsigned long cookie, bool src,
		      bool dst);

#endif /* FPONIC_HELPERS_H */
