// SPDX-License-Identifier: GPL-2.0

use std::vec::Vec;

use crate::id::*;

/// Uplink `n`, which the test knows exists.
pub(crate) fn up(n: u8) -> UplinkId {
    UplinkId::new(n).expect("an uplink number")
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
    assert_eq!(
        std::format!("{:?}", crate::flow::vpid::Ppid::Uplink(up(2))),
        "Uplink(2)"
    );
}
