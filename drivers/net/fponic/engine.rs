// SPDX-License-Identifier: GPL-2.0

//! Pure engines: driver logic with no kernel types.
//!
//! Everything under `engine/` uses `core` only. The same files are compiled into the module and
//! into the host test crate in `tools/testing/fponic/` (the way `tools/testing/radix-tree` builds
//! kernel code for user space), so they get fast `cargo test` runs and randomized tests on the
//! host, and the KUnit suite below in the kernel.

pub(crate) mod csum;
pub(crate) mod ct;
pub(crate) mod drop;
pub(crate) mod failover;
pub(crate) mod flow;
pub(crate) mod frame;
pub(crate) mod id;
pub(crate) mod naming;
pub(crate) mod packet;
pub(crate) mod pedit;
pub(crate) mod route;
pub(crate) mod switch;
pub(crate) mod vlan;

#[kernel::macros::kunit_tests(fponic_engine)]
mod tests {
    use super::id::{
        FuncId,
        UplinkId, //
    };
    use super::naming::{
        self,
        PortFlavour, //
    };
    use super::packet::{
        self,
        L4, //
    };
    use super::switch::{
        self,
        Decision,
        DropReason,
        From,
        FuncView,
        Mode,
        To, //
    };

    /// Uplink `n`.
    const fn up(n: u8) -> UplinkId {
        match UplinkId::new(n) {
            Some(i) => i,
            None => panic!("no such uplink"),
        }
    }

    /// VF `n`.
    const fn vf(n: u16) -> FuncId {
        match FuncId::vf(n) {
            Some(id) => id,
            None => panic!("no such VF"),
        }
    }

    const PF0: [u8; 6] = [2, 0, 0, 0, 0, 0xf0];
    const FUNCS: [FuncView; 3] = [
        FuncView {
            id: vf(0),
            mac: [2, 0, 0, 0, 0, 0],
            home: up(0),
            active: true,
        },
        FuncView {
            id: vf(1),
            mac: [2, 0, 0, 0, 0, 1],
            home: up(0),
            active: true,
        },
        FuncView {
            id: vf(2),
            mac: [2, 0, 0, 0, 0, 2],
            home: up(1),
            active: true,
        },
    ];

    fn decide(mode: Mode, from: From, dst: [u8; 6], funcs: &[FuncView]) -> Decision {
        switch::decide(mode, from, &dst, funcs.iter().copied(), |_| PF0)
    }

    const FRAME_TCP4: [u8; 54] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // dst
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // src
        0x08, 0x00, // IPv4
        0x45, 0x10, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00,
        0x00, // ihl 5, DF, ttl 64
        10, 0, 0, 1, 10, 0, 0, 2, // addresses
        0x30, 0x39, 0x00, 0x50, // ports 12345 -> 80
        0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x12, 0x20, 0x00, 0, 0, 0, 0, // SYN|ACK
    ];

    #[test]
    fn parse_tcp4() {
        let k = packet::parse(&FRAME_TCP4).expect("valid frame");
        assert_eq!(k.ethertype, 0x0800);
        assert_eq!(k.ip_proto, 6);
        assert_eq!(k.ip_ttl, 64);
        assert_eq!(k.ip_tos, 0x10);
        assert_eq!(&k.ip_src[..4], &[10, 0, 0, 1]);
        assert!(matches!(
            k.l4,
            L4::Ports {
                src: 12345,
                dst: 80
            }
        ));
        assert_eq!(k.tcp_flags, 0x12);
    }

    #[test]
    fn parse_truncated_keeps_what_was_found() {
        // The IPv4 header is cut short: the dissector stops with n_proto only.
        let k = packet::parse(&FRAME_TCP4[..20]).expect("classified");
        assert_eq!((k.ethertype, k.ip_proto), (0x0800, 0));
        // A TCP header of 8 bytes: ports, no flags.
        let k = packet::parse(&FRAME_TCP4[..42]).expect("classified");
        assert_eq!((k.ip_proto, k.tcp_flags), (6, 0));
        assert!(matches!(
            k.l4,
            L4::Ports {
                src: 12345,
                dst: 80
            }
        ));
        assert_eq!(
            packet::parse(&FRAME_TCP4[..10]),
            Err(packet::ParseError::Runt)
        );
    }

    #[test]
    fn parse_asks_for_headers_beyond_the_linear_part() {
        assert_eq!(
            packet::parse_skb(&FRAME_TCP4[..14], FRAME_TCP4.len(), None),
            Err(packet::ParseError::NeedLinear(34))
        );
    }

    #[test]
    fn parse_vlan_keys_carry_the_next_ethertype() {
        // The outer tag in metadata, an inner 802.1Q tag in band, then the TCP/IPv4 frame.
        let mut f = [0u8; 58];
        f[..12].copy_from_slice(&FRAME_TCP4[..12]);
        f[12..16].copy_from_slice(&[0x81, 0x00, 0x00, 20]);
        f[16..].copy_from_slice(&FRAME_TCP4[12..]);
        let k = packet::parse_with_hw_vlan(&f, Some((0x88a8, 10))).expect("classified");
        assert_eq!(k.vlan.map(|v| (v.id, v.eth_type)), Some((10, 0x8100)));
        assert_eq!(k.cvlan.map(|v| (v.id, v.eth_type)), Some((20, 0x0800)));
        assert_eq!((k.ethertype, k.tc_proto, k.ip_proto), (0x0800, 0x88a8, 6));
    }

    #[test]
    fn parse_first_fragment_has_no_ports() {
        let mut f = FRAME_TCP4;
        // More fragments, offset 0.
        f[20] = 0x20;
        let k = packet::parse(&f).expect("classified");
        assert_eq!(k.ip_proto, 6);
        assert_eq!(
            k.ip_flags,
            packet::frag::IS_FRAGMENT | packet::frag::FIRST_FRAG
        );
        assert_eq!((k.l4, k.tcp_flags), (L4::None, 0));
    }

    #[test]
    fn port_names() {
        let mut buf = naming::NameBuf::new();
        naming::phys_port_name(PortFlavour::Physical { port: 1 }, &mut buf).expect("fits");
        assert_eq!(buf.as_bytes(), b"p1");
        let mut buf = naming::NameBuf::new();
        naming::phys_port_name(PortFlavour::PciVf { pf: 0, vf: 3 }, &mut buf).expect("fits");
        assert_eq!(buf.as_bytes(), b"pf0vf3");
    }

    #[test]
    fn netdev_name_fits_ifnamsiz() {
        let mut buf = naming::NameBuf::new();
        assert!(naming::netdev_name(b"sw0", b"p0", &mut buf).is_ok());
        assert_eq!(buf.as_bytes(), b"sw0p0");
        let mut buf = naming::NameBuf::new();
        assert!(naming::netdev_name(b"averyveryverylongname", b"p0", &mut buf).is_err());
    }

    #[test]
    fn device_names_validated() {
        assert!(naming::validate_device_name(b"sw0").is_ok());
        assert!(naming::validate_device_name(b"").is_err());
        assert!(naming::validate_device_name(b"a/b").is_err());
        assert!(naming::validate_device_name(b"toolongdevicename").is_err());
    }

    #[test]
    fn switchdev_slow_path_pairs_ports_with_representors() {
        let any = [2, 9, 9, 9, 9, 9];
        assert_eq!(
            decide(Mode::Switchdev, From::Func(vf(1)), any, &FUNCS),
            Decision::One(To::Rep(vf(1)))
        );
        assert_eq!(
            decide(Mode::Switchdev, From::Rep(vf(2)), any, &FUNCS),
            Decision::One(To::Func(vf(2)))
        );
        assert_eq!(
            decide(Mode::Switchdev, From::Wire(up(1)), any, &FUNCS),
            Decision::One(To::Uplink(up(1)))
        );
        assert_eq!(
            decide(Mode::Switchdev, From::Uplink(up(0)), any, &FUNCS),
            Decision::One(To::Wire(up(0)))
        );
        assert_eq!(
            decide(Mode::Switchdev, From::Rep(vf(7)), any, &FUNCS),
            Decision::Drop(DropReason::NoSuchPort)
        );
    }

    #[test]
    fn legacy_switches_by_mac_within_the_domain() {
        // Known unicast in the domain.
        assert_eq!(
            decide(Mode::Legacy, From::Func(vf(0)), FUNCS[1].mac, &FUNCS),
            Decision::One(To::Func(vf(1)))
        );
        // Function 2 lives on uplink 1: from function 0 it is reached through the wire.
        assert_eq!(
            decide(Mode::Legacy, From::Func(vf(0)), FUNCS[2].mac, &FUNCS),
            Decision::One(To::Wire(up(0)))
        );
        // The PF netdev by its MAC; unknown unicast from the wire goes to the PF.
        assert_eq!(
            decide(Mode::Legacy, From::Func(vf(1)), PF0, &FUNCS),
            Decision::One(To::Uplink(up(0)))
        );
        assert_eq!(
            decide(Mode::Legacy, From::Wire(up(0)), [2, 7, 7, 7, 7, 7], &FUNCS),
            Decision::One(To::Uplink(up(0)))
        );
        assert_eq!(
            decide(Mode::Legacy, From::Wire(up(1)), FUNCS[2].mac, &FUNCS),
            Decision::One(To::Func(vf(2)))
        );
    }

    #[test]
    fn legacy_flood_skips_source_and_inactive() {
        let mut funcs = FUNCS;
        funcs[1].active = false;
        let d = decide(Mode::Legacy, From::Func(vf(0)), [0xff; 6], &funcs);
        let mut n = 0;
        for to in switch::flood_targets(&d, funcs.iter().copied()) {
            assert!(to != To::Func(vf(0)) && to != To::Func(vf(1)) && to != To::Func(vf(2)));
            n += 1;
        }
        // The PF netdev and the wire of domain 0.
        assert_eq!(n, 2);
        assert_eq!(
            decide(Mode::Legacy, From::Func(vf(1)), [0xff; 6], &funcs),
            Decision::Drop(DropReason::FuncInactive)
        );
    }

    #[test]
    fn failover_picks_a_surviving_uplink_and_fails_back() {
        use super::failover::{
            classify,
            serve,
            Move, //
        };
        let all = 0b11;
        assert_eq!(serve(up(0), &[true, true], all, true), up(0));
        assert_eq!(serve(up(0), &[false, true], all, true), up(1));
        // Nowhere to go: stay home. Failover off. Uplink 1 not in the group.
        assert_eq!(serve(up(0), &[false, false], all, true), up(0));
        assert_eq!(serve(up(0), &[false, true], all, false), up(0));
        assert_eq!(serve(up(0), &[false, true], 0b01, true), up(0));
        assert_eq!(classify(up(0), up(0), up(1)), Move::Failover);
        assert_eq!(classify(up(0), up(1), up(0)), Move::Failback);
        assert_eq!(classify(up(0), up(1), up(2)), Move::Shift);
        assert_eq!(classify(up(0), up(1), up(1)), Move::Stay);
    }

    #[test]
    fn a_never_wired_uplink_keeps_its_traffic() {
        use super::failover::serve_uplink;
        let all = 0b11;
        // Uplink 1 has no wire yet: not a failure, its traffic stays.
        assert_eq!(
            serve_uplink(up(1), &[true, false], &[true, false], all, true),
            up(1)
        );
        // Once wired, losing the wire moves its traffic to uplink 0.
        assert_eq!(
            serve_uplink(up(1), &[true, false], &[true, true], all, true),
            up(0)
        );
        assert_eq!(
            serve_uplink(up(1), &[true, false], &[true, true], all, false),
            up(1)
        );
    }

    #[test]
    fn mac_and_switch_id_are_unique_per_port() {
        let a = naming::port_mac(1, 0);
        let b = naming::port_mac(1, 1);
        let c = naming::port_mac(2, 0);
        assert!(a != b && a != c && b != c);
        // Locally administered, unicast.
        assert_eq!(a[0] & 0x03, 0x02);
        assert!(naming::switch_id(1) != naming::switch_id(2));
    }
}
