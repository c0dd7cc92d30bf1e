// SPDX-License-Identifier: GPL-2.0

use std::vec::Vec;

use crate::id::*;

/// Uplink `n`, which the test knows exists.
pub(crate) fn up(n: u8) -> UplinkId {
    UplinkId::new(n).expect("an uplink number")
}

/// The port of VF `n`, which the test knows a VPID can name.
pub(crate) fn vf(n: u16) -> vpid::Ppid {
    vpid::Ppid::Func(FuncId::vf(n).expect("a VF number"))
}

/// The port of SF `n`, which the test knows a VPID can name.
pub(crate) fn sf(n: u32) -> vpid::Ppid {
    vpid::Ppid::Func(FuncId::sf(n).expect("an SF number"))
}

#[test]
fn uplink_ids_are_below_max_uplinks() {
    for n in 0..=u8::MAX {
        let i = UplinkId::new(n);
        assert_eq!(i.is_some(), n < MAX_UPLINKS, "{n}");
        if let Some(i) = i {
            assert_eq!((i.get(), i.index(), u32::from(i)), (n, n.into(), n.into()));
            assert_eq!(i.bit(), 1 << n);
        }
    }
    for n in [8u32, 255, 256, 0x1000, u32::MAX] {
        assert_eq!(UplinkId::try_from(n), Err(OutOfRange));
    }
    for n in [8usize, 256, usize::MAX] {
        assert_eq!(UplinkId::try_from(n), Err(OutOfRange));
    }
    assert_eq!(UplinkId::try_from(7u32), Ok(up(7)));
    assert_eq!(UplinkId::FIRST, up(0));
}

#[test]
fn uplinks_below_a_count_stop_at_max_uplinks() {
    for n in [0usize, 1, 3, 8, 9, 1000, usize::MAX] {
        let v: Vec<UplinkId> = UplinkId::below(n).collect();
        assert_eq!(v.len(), n.min(usize::from(MAX_UPLINKS)));
        assert!(v.iter().enumerate().all(|(k, i)| i.index() == k));
    }
    assert_eq!(UplinkId::all().count(), usize::from(MAX_UPLINKS));
}

#[test]
fn per_uplink_tables_are_indexed_by_id() {
    let mut t = PerUplink::<u32>::default();
    for (i, v) in t.iter_mut() {
        *v = u32::from(i) * 10;
    }
    assert_eq!(t[up(3)], 30);
    assert_eq!(t.first(2), &[0, 10]);
    assert_eq!(t.first(usize::MAX).len(), usize::from(MAX_UPLINKS));
    let id = PerUplink::identity();
    assert!(UplinkId::all().all(|i| id[i] == i));
}

#[test]
fn uplinks_print_as_their_number() {
    assert_eq!(std::format!("p{}", up(5)), "p5");
    assert_eq!(std::format!("{:?}", vpid::Ppid::Uplink(up(2))), "Uplink(2)");
}

/// Every function a VPID can name.
fn all_funcs() -> Vec<FuncId> {
    let vfs = (0..=MAX_VF).map(|n| FuncId::vf(n).unwrap());
    let sfs = (0..=MAX_SF).map(|n| FuncId::sf(n).unwrap());
    vfs.chain(sfs).collect()
}

#[test]
fn func_ids_are_bounded() {
    assert!(FuncId::vf(MAX_VF).is_some());
    assert!(FuncId::sf(MAX_SF).is_some());
    for n in [MAX_VF + 1, 0x1000, u16::MAX] {
        assert!(FuncId::vf(n).is_none(), "vf{n}");
    }
    for n in [MAX_SF + 1, 0x1_0000, 4294963200, u32::MAX] {
        assert!(FuncId::sf(n).is_none(), "sf{n}");
    }
    assert_eq!(FuncId::vf(3).unwrap().kind(), FuncKind::Vf(3));
    assert_eq!(FuncId::sf(7).unwrap().kind(), FuncKind::Sf(7));
    // VFs sort before SFs, each by number.
    let all = all_funcs();
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(std::format!("{:?}", FuncId::sf(7).unwrap()), "Sf(7)");
}

#[test]
fn numbering_schemes() {
    let (vf3, sf7, p2) = (FuncId::vf(3).unwrap(), FuncId::sf(7).unwrap(), up(2));
    assert_eq!(
        (
            vf3.vpid().get(),
            vf3.port_index(),
            vf3.mac_slot(false),
            vf3.mac_slot(true)
        ),
        (0x1003, 0x1003, 0x103, 0x4003)
    );
    assert_eq!(
        (
            sf7.vpid().get(),
            sf7.port_index(),
            sf7.mac_slot(false),
            sf7.mac_slot(true)
        ),
        (0x2007, 0x2007, 0x1007, 0x6007)
    );
    assert_eq!(
        (
            vpid::of(vpid::Ppid::Uplink(p2)).get(),
            p2.port_index(),
            p2.mac_slot()
        ),
        (2, 2, 2)
    );
    // Every function's VPID names it back; the devlink port index is the VPID.
    for f in all_funcs() {
        assert_eq!(f.vpid().port(), Some(f.ppid()));
        assert_eq!(FuncId::of_ppid(f.ppid()), Some(f));
        assert_eq!(f.port_index(), f.vpid().get());
    }
    for i in UplinkId::all() {
        assert_eq!(FuncId::of_ppid(vpid::Ppid::Uplink(i)), None);
        assert_eq!(i.port_index(), vpid::of(vpid::Ppid::Uplink(i)).get());
    }
    // Out of range numbers are no function, so no port.
    assert_eq!(FuncId::vf(MAX_VF + 1), None);
    assert_eq!(FuncId::sf(MAX_SF + 1), None);
    assert_eq!(FuncId::sf(u32::MAX), None);
}

#[test]
fn mac_slots_are_unique() {
    let mut slots: Vec<u32> = UplinkId::all().map(UplinkId::mac_slot).collect();
    for f in all_funcs() {
        slots.push(f.mac_slot(false));
        slots.push(f.mac_slot(true));
    }
    let n = slots.len();
    slots.sort_unstable();
    slots.dedup();
    assert_eq!(slots.len(), n);
    // The MAC carries 16 bits of the slot.
    assert!(slots.iter().all(|&s| s <= 0xffff));
}

#[test]
fn dense_port_indices_cover_every_port_once() {
    assert_eq!(vpid::PORTS, 8 + 256 + 1000);
    let mut seen = std::vec![false; vpid::PORTS];
    for v in 0..0x3000u32 {
        match (vpid::identity(v), vpid::dense_index(v)) {
            (Some(_), Some(i)) => {
                assert!(!seen[i], "{v:#x}");
                seen[i] = true;
            }
            (None, None) => {}
            other => panic!("{v:#x}: {other:?}"),
        }
    }
    assert!(seen.iter().all(|&s| s));
    for v in [0x3000, 0xffff, u32::MAX] {
        assert_eq!(vpid::dense_index(v), None);
    }
}

#[test]
fn port_names_out_of_range_are_refused() {
    for bad in [
        "vf256",
        "vf65535",
        "vf65536",
        "vf65791",
        "vf4294967295",
        "vf4294963200",
        "sf1000",
        "sf65536",
        "sf4294963200",
        "sf4294967295",
        "p8",
        "p256",
        "p4294967295",
        "4294967295",
    ] {
        assert_eq!(vpid::parse_port(bad), None, "{bad}");
    }
    assert_eq!(vpid::parse_port("vf255"), Some(vf(MAX_VF)));
    assert_eq!(vpid::parse_port("sf999"), Some(sf(MAX_SF)));
    assert_eq!(vpid::parse_port("p7"), Some(vpid::Ppid::Uplink(up(7))));
    // VPIDs and encoded PPIDs out of range name nothing.
    for v in [8, 0x0fff, 0x1100, 0x1fff, 0x23e8, u32::MAX] {
        assert_eq!(vpid::identity(v), None, "{v:#x}");
    }
    for e in [
        (1u64 << 32) | 8,
        (2 << 32) | 0x100,
        (2 << 32) | 0xffff_ffff,
        (3 << 32) | 1000,
        (4 << 32),
        u64::MAX,
    ] {
        assert_eq!(vpid::decode(e), None, "{e:#x}");
    }
}

/// Every port a VPID can name: uplinks, then functions.
fn all_ports() -> Vec<vpid::Ppid> {
    let funcs = all_funcs().into_iter().map(FuncId::ppid);
    UplinkId::all()
        .map(vpid::Ppid::Uplink)
        .chain(funcs)
        .collect()
}

#[test]
fn ports_print_as_configfs_names_them_and_parse_back() {
    assert_eq!(std::format!("{} {} {}", up(2), vf(3), sf(7)), "2 vf3 sf7");
    assert_eq!(
        std::format!("{} {} {}", vpid::Ppid::Uplink(up(2)), vf(3), sf(7)),
        "p2 vf3 sf7"
    );
    assert_eq!(
        std::format!("{:?} {:?}", vf(255), sf(999)),
        "Vf(255) Sf(999)"
    );
    assert_eq!(std::format!("{}", FuncId::sf(0).unwrap()), "sf0");
    for p in all_ports() {
        let name = std::format!("{p}");
        assert_eq!(vpid::parse_port(&name), Some(p), "{name}");
        assert_eq!(vpid::parse(&name), Some(vpid::of(p)), "{name}");
        // By VPID number too, and the VPID names the port back.
        let v = vpid::of(p);
        assert_eq!(vpid::parse_port(&std::format!("{v}")), Some(p), "{v}");
        assert_eq!(v.port(), Some(p));
        assert_eq!(vpid::decode(vpid::encode(p)), Some(p));
        // Debug shows the kind and the number: `Uplink(2)`, `Vf(3)`, `Sf(7)`.
        let dbg = std::format!("{p:?}");
        let want = match p {
            vpid::Ppid::Uplink(i) => std::format!("Uplink({i})"),
            vpid::Ppid::Func(f) => match f.kind() {
                FuncKind::Vf(n) => std::format!("Vf({n})"),
                FuncKind::Sf(n) => std::format!("Sf({n})"),
            },
        };
        assert_eq!(dbg, want);
    }
}

#[test]
fn port_names_parse_iff_the_number_is_in_range() {
    // Numbers around every bound, and those whose VPID (`0x1000 + n`, `0x2000 + n`) overflows.
    let mut numbers: Vec<u64> = std::vec![0, 1, 7, 8, 0xfe, 0xff, 0x100, 998, 999, 1000];
    numbers.extend([
        0xfff, 0x1000, 0x10ff, 0x1100, 0x1fff, 0x2000, 0x23e7, 0x23e8,
    ]);
    numbers.extend([0xffff, 0x1_0000, 0x1_00ff, 0x1_03e7]);
    numbers.extend([
        4294963199,
        4294963200,
        4294959104,
        4294967295,
        4294967296,
        u64::MAX,
    ]);
    for n in numbers {
        // The ranges, written out: VF 0 to 255, SF 0 to 999, p0 to p7; VPIDs by identity.
        let small = |max: u64| (n <= max).then(|| u16::try_from(n).unwrap());
        let uplink = |n: u16| vpid::Ppid::Uplink(up(u8::try_from(n).unwrap()));
        let vpid_port = match n {
            0..=7 => small(7).map(uplink),
            0x1000..=0x10ff => Some(vf(u16::try_from(n - 0x1000).unwrap())),
            0x2000..=0x23e7 => Some(sf(u32::try_from(n - 0x2000).unwrap())),
            _ => None,
        };
        let cases = [
            (std::format!("vf{n}"), small(255).map(vf)),
            (std::format!("sf{n}"), small(999).map(|n| sf(n.into()))),
            (std::format!("p{n}"), small(7).map(uplink)),
            (std::format!("{n}"), vpid_port),
        ];
        for (name, want) in cases {
            assert_eq!(vpid::parse_port(&name), want, "{name}");
            assert_eq!(vpid::parse(&name), want.map(vpid::of), "{name}");
            if let Some(p) = want {
                // What parses prints back as the port's own name.
                assert_eq!(vpid::parse_port(&std::format!("{p}")), Some(p), "{name}");
            }
        }
    }
    for bad in [
        "", "vf", "sf", "p", "vf-1", "sf-1", "p-1", "-1", "x", "vf 1", "pf0", "vf0x1",
    ] {
        assert_eq!(vpid::parse_port(bad), None, "{bad}");
    }
}

#[test]
fn vpids_parse_as_configfs_takes_them() {
    assert_eq!(vpid::parse("vf3").map(vpid::Vpid::get), Some(0x1003));
    assert_eq!(vpid::parse("sf999").map(vpid::Vpid::get), Some(0x23e7));
    assert_eq!(vpid::parse("p7").map(vpid::Vpid::get), Some(7));
    assert_eq!(vpid::parse("4096").map(vpid::Vpid::get), Some(0x1000));
    for bad in ["4095", "vf256", "sf4294963200", "vf4294967295", "p8", "x"] {
        assert_eq!(vpid::parse(bad), None, "{bad}");
    }
    // A VPID from a rule may name nothing.
    assert_eq!(vpid::Vpid::new(0x3000).port(), None);
    assert_eq!(std::format!("{}", vpid::Vpid::new(0x1003)), "4099");
}
