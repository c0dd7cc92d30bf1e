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

/* A flower rule's keys and masks, flattened for the Rust side (ports in host order). */
struct fponic_flower_match {
	u64 used_keys;
	u16 tc_proto;		/* the filter's protocol (ETH_P_ALL: any) */
	u32 ctl_flags, ctl_flags_m;
	u16 addr_type;
	u16 n_proto, n_proto_m;
	u8 ip_proto, ip_proto_m;
	u8 dst[6], dst_m[6], src[6], src_m[6];
	u16 vlan_id, vlan_id_m, vlan_tpid, vlan_tpid_m, vlan_eth, vlan_eth_m;
	u8 vlan_prio, vlan_prio_m;
	u16 cvlan_id, cvlan_id_m, cvlan_tpid, cvlan_tpid_m, cvlan_eth, cvlan_eth_m;
	u8 cvlan_prio, cvlan_prio_m;
	u8 v4_src[4], v4_src_m[4], v4_dst[4], v4_dst_m[4];
	u8 v6_src[16], v6_src_m[16], v6_dst[16], v6_dst_m[16];
	u8 tos, tos_m, ttl, ttl_m;
	u16 sport, sport_m, dport, dport_m;
	u16 sport_min, sport_max, dport_min, dport_max;
	u16 tcp_flags, tcp_flags_m;
	u8 icmp_type, icmp_type_m, icmp_code, icmp_code_m;
};

void fponic_netdev_set_devlink_port(struct net_device *dev, struct devlink_port *port);
void fponic_netdev_setup(struct net_device *dev);
void fponic_netdev_enable_tc(struct net_device *dev);
void fponic_netdev_mac(const struct net_device *dev, u8 *mac);
int fponic_netdev_set_mac(struct net_device *dev, const u8 *mac);
void fponic_skb_xmit_to(struct sk_buff *skb, struct net_device *dev);
const u8 *fponic_skb_mac(const struct sk_buff *skb, u32 *len);
u16 fponic_skb_gso_segs(const struct sk_buff *skb);
bool fponic_pskb_may_pull(struct sk_buff *skb, u32 len);
void *fponic_rx_handler_data(const struct sk_buff *skb);
void *fponic_rx_handler_data_rtnl(const struct net_device *dev, const void *handler);
struct sk_buff *fponic_rx_prepare(struct sk_buff *skb);
struct net_device *fponic_notifier_dev(void *info);
void fponic_extack_set(struct netlink_ext_ack *extack, const char *msg);
void fponic_flower_get(struct flow_cls_offload *f, struct fponic_flower_match *m);
int fponic_vlan_prio_given(const struct flow_action_entry *act);
void fponic_flower_stats(struct flow_cls_offload *f, u64 bytes, u64 pkts, u64 lastused);
int fponic_setup_block(struct flow_block_offload *f, void *cb, void *cb_priv);
u16 fponic_skb_vlan(const struct sk_buff *skb, u16 *tci);
int fponic_skb_vlan_push(struct sk_buff *skb, u16 proto, u16 tci);
int fponic_skb_vlan_pop(struct sk_buff *skb);
int fponic_skb_vlan_modify(struct sk_buff *skb, u16 proto, u16 vid, int prio);
u64 fponic_miss_cookie_next(u64 miss_cookie);
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
void fponic_dwork_schedule(struct fponic_dwork *w, unsigned int delay_ms);
void fponic_dwork_cancel_sync(struct fponic_dwork *w);
struct sk_buff *fponic_rxq_grab(struct sk_buff_head *q, unsigned int max);
struct sk_buff *fponic_skb_unlink_next(struct sk_buff *skb);
void fponic_napi_receive(struct napi_struct *napi, struct sk_buff *skb);
int fponic_announce(struct net_device *dev, const u8 *mac);
int fponic_skb_pedit(struct sk_buff *skb, u32 htype, u32 offset, u32 mask, u32 val);
int fponic_skb_csum(struct sk_buff *skb, u32 flags);

#endif /* FPONIC_HELPERS_H */
