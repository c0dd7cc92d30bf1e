// SPDX-License-Identifier: GPL-2.0

use std::vec::Vec;

use crate::failover::*;
use crate::id::UplinkId;
use crate::rng::Rng;
use crate::test_id::up as u;

#[test]
fn announcement_is_a_broadcast_rarp_reverse_request() {
    let mac = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    #[rustfmt::skip]
    let expect: [u8; ANNOUNCE_LEN] = [
        // Ethernet: broadcast destination, source `mac`, ethertype RARP.
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
        0x80, 0x35,
        // htype Ethernet, ptype IPv4, hlen 6, plen 4, opcode 3 (reverse request).
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x03,
        // Sender hardware and protocol address.
        0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0, 0,
        // Target hardware and protocol address.
        0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0, 0,
        // Padding to the minimum frame length.
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(ANNOUNCE_LEN, 60);
    assert_eq!(announcement(&mac), expect);
}

#[test]
fn serving_uplink_properties() {
    let mut rng = Rng::new(31);
    for _ in 0..100_000 {
        let n = 1 + rng.below(8) as usize;
        let up: Vec<bool> = (0..n).map(|_| rng.below(3) != 0).collect();
        let group = rng.below(256) as u32;
        let home = u(rng.below(n as u64) as u8);
        let enabled = rng.below(4) != 0;
        let s = serve(home, &up, group, enabled);
        assert!(s.index() < n);
        if !enabled || up[home.index()] || group & home.bit() == 0 {
            assert_eq!(s, home);
        } else if s != home {
            // Moved: to an up member of the group, the lowest such.
            assert!(up[s.index()] && group & s.bit() != 0);
            assert!((0..s.index()).all(|i| !(up[i] && group & (1 << i) != 0)));
        } else {
            // Stayed on a down home: nobody in the group is up.
            assert!((0..n).all(|i| !(up[i] && group & (1 << i) != 0)));
        }
    }
}

#[test]
fn moves_are_classified() {
    assert_eq!(classify(u(1), u(1), u(1)), Move::Stay);
    assert_eq!(classify(u(1), u(1), u(0)), Move::Failover);
    assert_eq!(classify(u(1), u(0), u(1)), Move::Failback);
    assert_eq!(classify(u(1), u(0), u(2)), Move::Shift);
}

#[test]
fn flapping_ends_home() {
    // Any sequence of up/down events ends with the port home once its home is up.
    let mut rng = Rng::new(8);
    for _ in 0..1000 {
        let mut up = [true, true, true];
        let mut cur = UplinkId::FIRST;
        for _ in 0..50 {
            let i = rng.below(3) as usize;
            up[i] = !up[i];
            cur = serve(u(0), &up, 0b111, true);
        }
        up[0] = true;
        let last = serve(u(0), &up, 0b111, true);
        assert_eq!(last, u(0), "from {cur}");
    }
}

#[test]
fn holddown_delays_failback_only() {
    // Away on 1, home 0 back up but not settled: stay on 1.
    assert_eq!(
        serve_holddown(u(0), u(1), &[true, true], 0b11, true, false),
        u(1)
    );
    // Settled: go home.
    assert_eq!(
        serve_holddown(u(0), u(1), &[true, true], 0b11, true, true),
        u(0)
    );
    // Failover is never held: home down, leave at once.
    assert_eq!(
        serve_holddown(u(0), u(0), &[false, true], 0b11, true, false),
        u(1)
    );
    // The temporary uplink failed too: go home even if not settled.
    assert_eq!(
        serve_holddown(u(0), u(1), &[true, false], 0b11, true, false),
        u(0)
    );
    // Failover off: always home.
    assert_eq!(
        serve_holddown(u(0), u(1), &[true, true], 0b11, false, false),
        u(0)
    );
}

#[test]
fn uplink_traffic_properties() {
    let mut rng = Rng::new(37);
    for _ in 0..100_000 {
        let n = 1 + rng.below(8) as usize;
        let up: Vec<bool> = (0..n).map(|_| rng.below(3) != 0).collect();
        let wired: Vec<bool> = (0..n).map(|_| rng.below(4) != 0).collect();
        let group = rng.below(256) as u32;
        let i = u(rng.below(n as u64) as u8);
        let enabled = rng.below(4) != 0;
        let s = serve_uplink(i, &up, &wired, group, enabled);
        if wired[i.index()] {
            // A wired uplink follows the port policy exactly.
            assert_eq!(s, serve(i, &up, group, enabled));
        } else {
            // Never wired: not configured, not failed.
            assert_eq!(s, i);
        }
    }
}

#[test]
fn settings_are_validated_once() {
    assert_eq!(check_group(0), Err(PolicyError::BadGroup));
    assert_eq!(check_group(0x100), Err(PolicyError::BadGroup));
    assert_eq!(check_group(u32::MAX), Err(PolicyError::BadGroup));
    assert_eq!(check_group(1), Ok(1));
    assert_eq!(check_group(0xff), Ok(0xff));
    assert_eq!(all_uplinks(), 0xff);
    assert_eq!(check_holddown(0), Ok(0));
    assert_eq!(check_holddown(MAX_HOLDDOWN_MS), Ok(MAX_HOLDDOWN_MS));
    assert_eq!(
        check_holddown(MAX_HOLDDOWN_MS + 1),
        Err(PolicyError::HoldDownTooLong)
    );
    assert_eq!(check_holddown(u32::MAX), Err(PolicyError::HoldDownTooLong));
    assert_eq!(check_home(1, 2), Ok(u(1)));
    assert_eq!(check_home(7, 8), Ok(u(7)));
    assert_eq!(check_home(8, 9), Err(PolicyError::NoSuchUplink));
    assert_eq!(check_home(2, 2), Err(PolicyError::NoSuchUplink));
    assert_eq!(check_home(u8::MAX, 8), Err(PolicyError::NoSuchUplink));
    // Every refusal has a message; the devlink extack texts are these.
    for e in [
        PolicyError::BadGroup,
        PolicyError::HoldDownTooLong,
        PolicyError::NoSuchUplink,
        PolicyError::NoSuchFunction,
    ] {
        assert!(e.message().to_bytes().starts_with(b"fponic: "));
    }
    assert_eq!(
        PolicyError::BadGroup.message().to_bytes(),
        b"fponic: failover_group is a non-empty mask of uplinks 0-7"
    );
    assert_eq!(
        PolicyError::HoldDownTooLong.message().to_bytes(),
        b"fponic: failback_delay_ms is at most 600000"
    );
}
