// SPDX-License-Identifier: GPL-2.0

use std::vec::Vec;

use crate::id::{
    FuncId,
    UplinkId, //
};
use crate::rng::Rng;
use crate::switch::*;
use crate::test_id::up as u;

const UPLINKS: u8 = 3;

fn pf_mac(i: UplinkId) -> [u8; 6] {
    [2, 0xee, 0, 0, 0, i.get()]
}

fn random_funcs(rng: &mut Rng) -> Vec<FuncView> {
    let n = rng.below(12) as u16;
    (0..n)
        .map(|i| FuncView {
            id: if rng.below(2) == 0 {
                FuncId::vf(i).unwrap()
            } else {
                FuncId::sf(u32::from(i)).unwrap()
            },
            // Small MAC space so that collisions and PF-MAC hits happen.
            mac: [2, rng.below(2) as u8, 0, 0, 0, rng.below(6) as u8],
            home: u(rng.below(u64::from(UPLINKS)) as u8),
            active: rng.below(4) != 0,
        })
        .collect()
}

fn random_dst(rng: &mut Rng, funcs: &[FuncView]) -> [u8; 6] {
    match rng.below(5) {
        0 => [0xff; 6],
        1 => [0x01, 0x00, 0x5e, 0, 0, rng.byte()],
        2 if !funcs.is_empty() => funcs[rng.below(funcs.len() as u64) as usize].mac,
        3 => pf_mac(u(rng.below(u64::from(UPLINKS)) as u8)),
        _ => [2, 0x55, rng.byte(), rng.byte(), 0, 0],
    }
}

fn random_from(rng: &mut Rng, funcs: &[FuncView]) -> From {
    let up = u(rng.below(u64::from(UPLINKS)) as u8);
    let id = if funcs.is_empty() || rng.below(8) == 0 {
        // No such function.
        FuncId::sf(999).unwrap()
    } else {
        funcs[rng.below(funcs.len() as u64) as usize].id
    };
    match rng.below(4) {
        0 => From::Wire(up),
        1 => From::Uplink(up),
        2 => From::Func(id),
        _ => From::Rep(id),
    }
}

fn func(funcs: &[FuncView], id: FuncId) -> Option<FuncView> {
    funcs.iter().copied().find(|f| f.id == id)
}

#[test]
fn legacy_properties_hold_for_random_switches() {
    let mut rng = Rng::new(2024);
    for _ in 0..100_000 {
        let funcs = random_funcs(&mut rng);
        let from = random_from(&mut rng, &funcs);
        let dst = random_dst(&mut rng, &funcs);
        let d = decide(Mode::Legacy, from, &dst, funcs.iter().copied(), pf_mac);
        let (domain, src) = match from {
            From::Wire(i) | From::Uplink(i) => (i, None),
            From::Func(id) => match func(&funcs, id) {
                Some(f) if f.active => (f.home, Some(id)),
                Some(_) => {
                    assert_eq!(d, Decision::Drop(DropReason::FuncInactive));
                    continue;
                }
                None => {
                    assert_eq!(d, Decision::Drop(DropReason::NoSuchPort));
                    continue;
                }
            },
            From::Rep(_) => {
                assert_eq!(
                    d,
                    Decision::Drop(DropReason::NoSuchPort),
                    "no representors in legacy"
                );
                continue;
            }
        };
        match d {
            Decision::One(To::Func(id)) => {
                let f = func(&funcs, id).unwrap();
                assert!(
                    f.active && f.home == domain && f.mac == dst && Some(id) != src,
                    "{from:?} {dst:?} {f:?}"
                );
            }
            Decision::One(To::Uplink(i)) => {
                assert_eq!(i, domain);
                assert!(!matches!(from, From::Uplink(_)), "no hairpin to the PF");
            }
            Decision::One(To::Wire(i)) => {
                assert_eq!(i, domain);
                assert!(!matches!(from, From::Wire(_)), "never back to the wire");
                // Only when nobody in the domain has the address.
                assert!(!funcs
                    .iter()
                    .any(|f| f.home == domain && f.mac == dst && Some(f.id) != src));
                assert!(matches!(from, From::Uplink(_)) || dst != pf_mac(domain));
            }
            Decision::Flood { .. } => {
                assert!(dst[0] & 1 == 1, "only group addresses flood");
                let targets: Vec<To> = flood_targets(&d, funcs.iter().copied()).collect();
                for t in &targets {
                    match *t {
                        To::Func(id) => {
                            let f = func(&funcs, id).unwrap();
                            assert!(f.active && f.home == domain && Some(id) != src);
                        }
                        To::Uplink(i) => assert!(i == domain && !matches!(from, From::Uplink(_))),
                        To::Wire(i) => assert!(i == domain && !matches!(from, From::Wire(_))),
                        To::Rep(_) => panic!("representor in legacy mode"),
                    }
                }
                // Every eligible function of the domain gets exactly one copy.
                let want = funcs
                    .iter()
                    .filter(|f| f.active && f.home == domain && Some(f.id) != src)
                    .count();
                let got = targets.iter().filter(|t| matches!(t, To::Func(_))).count();
                assert_eq!(want, got);
            }
            Decision::Drop(r) => {
                // A known but inactive destination.
                assert_eq!(r, DropReason::FuncInactive);
                assert!(funcs
                    .iter()
                    .any(|f| !f.active && f.home == domain && f.mac == dst));
            }
            other => panic!("unexpected {other:?} for {from:?}"),
        }
    }
}

#[test]
fn switchdev_slow_path_is_a_fixed_pairing() {
    let mut rng = Rng::new(77);
    for _ in 0..50_000 {
        let funcs = random_funcs(&mut rng);
        let from = random_from(&mut rng, &funcs);
        let dst = random_dst(&mut rng, &funcs);
        let d = decide(Mode::Switchdev, from, &dst, funcs.iter().copied(), pf_mac);
        let want = match from {
            From::Wire(i) => Decision::One(To::Uplink(i)),
            From::Uplink(i) => Decision::One(To::Wire(i)),
            From::Func(id) | From::Rep(id) => match func(&funcs, id) {
                None => Decision::Drop(DropReason::NoSuchPort),
                Some(f) if !f.active => Decision::Drop(DropReason::FuncInactive),
                Some(_) if matches!(from, From::Func(_)) => Decision::One(To::Rep(id)),
                Some(_) => Decision::One(To::Func(id)),
            },
        };
        assert_eq!(d, want, "{from:?}");
    }
}

#[test]
fn flood_targets_of_non_flood_decisions_are_empty() {
    let funcs = [FuncView {
        id: FuncId::vf(1).unwrap(),
        mac: [2, 0, 0, 0, 0, 1],
        home: u(0),
        active: true,
    }];
    for d in [
        Decision::One(To::Wire(u(0))),
        Decision::Drop(DropReason::NoSuchPort),
    ] {
        assert_eq!(flood_targets(&d, funcs.iter().copied()).count(), 0);
    }
}

#[test]
fn drop_causes_are_listed_in_counter_order_with_distinct_names() {
    use crate::drop::DropCause;
    for (i, c) in DropCause::ALL.iter().enumerate() {
        assert_eq!(*c as usize, i, "{c:?}");
        for d in &DropCause::ALL[..i] {
            assert_ne!(c.name(), d.name());
        }
    }
    assert_eq!(
        DropCause::from(DropReason::FuncInactive),
        DropCause::FuncInactive
    );
    assert_eq!(
        DropCause::from(DropReason::NoSuchPort),
        DropCause::NoSuchPort
    );
}
