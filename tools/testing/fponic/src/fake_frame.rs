// SPDX-License-Identifier: GPL-2.0

//! A socket buffer model for the packet-rewriting engines ([`crate::frame::Frame`]) and the
//! reference computations their results are checked against, written independently of the
//! engines: RFC 1071 checksums over big-endian words, a bitwise CRC32c.

use std::vec::Vec;

use crate::frame::{
    Frame,
    Head, //
};

/// `ip_summed` and `csum` as a packet's checksum state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Summed {
    /// As the packet came (`CHECKSUM_PARTIAL` from the stack, say).
    Untouched,
    /// `CHECKSUM_NONE`, with `skb->csum` if it was set.
    None(Option<u32>),
    /// `CHECKSUM_NONE` by `skb_reset_csum_not_inet()`.
    NoneNotInet,
}

/// A packet: its bytes, how many of them are linear, whether its head is shared with a clone.
pub(crate) struct FakeFrame {
    pub(crate) bytes: Vec<u8>,
    pub(crate) linear: usize,
    /// The head is shared with a clone: writing needs a copy first.
    pub(crate) cloned: bool,
    /// Pulls and copies of the head fail (no memory).
    pub(crate) no_mem: bool,
    pub(crate) gso: u32,
    pub(crate) summed: Summed,
    /// How many times the head was copied to unshare it.
    pub(crate) unshares: u32,
    /// The largest length made writable.
    pub(crate) writable_max: usize,
}

impl FakeFrame {
    /// A linear packet of `bytes`.
    pub(crate) fn new(bytes: &[u8]) -> Self {
        Self::split(bytes, bytes.len())
    }

    /// A packet of `bytes` of which the first `linear` are linear (at least 14, as the
    /// eswitch's packets are).
    pub(crate) fn split(bytes: &[u8], linear: usize) -> Self {
        Self {
            bytes: bytes.to_vec(),
            linear: linear.min(bytes.len()),
            cloned: false,
            no_mem: false,
            gso: 0,
            summed: Summed::Untouched,
            unshares: 0,
            writable_max: 0,
        }
    }
}

pub(crate) struct FakeHead<'a> {
    f: &'a mut FakeFrame,
    writable: usize,
}

impl Head for FakeHead<'_> {
    fn bytes(&self) -> &[u8] {
        &self.f.bytes[..self.f.linear]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.f.bytes[..self.writable]
    }
}

impl Frame for FakeFrame {
    type Head<'a> = FakeHead<'a>;

    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn linear(&self) -> &[u8] {
        &self.bytes[..self.linear]
    }

    fn pull(&mut self, len: usize) -> bool {
        if len <= self.linear {
            return true;
        }
        if len > self.bytes.len() || self.no_mem {
            return false;
        }
        // `__pskb_pull_tail()` copies the head of a clone.
        if self.cloned {
            self.cloned = false;
            self.unshares += 1;
        }
        self.linear = len;
        true
    }

    fn writable(&mut self, len: usize) -> Option<FakeHead<'_>> {
        assert!(
            len <= self.linear,
            "writable({len}) beyond the linear {}",
            self.linear
        );
        if self.cloned {
            if self.no_mem {
                return None;
            }
            self.cloned = false;
            self.unshares += 1;
        }
        self.writable_max = self.writable_max.max(len);
        Some(FakeHead {
            f: self,
            writable: len,
        })
    }

    fn copy_bits(&self, off: usize, to: &mut [u8]) -> bool {
        match self.bytes.get(off..off + to.len()) {
            Some(b) => {
                to.copy_from_slice(b);
                true
            }
            None => false,
        }
    }

    fn gso(&self) -> u32 {
        self.gso
    }

    fn set_csum_none(&mut self, sum: Option<u32>) {
        let old = match self.summed {
            Summed::None(s) => s,
            _ => None,
        };
        self.summed = Summed::None(sum.or(old));
    }

    fn reset_csum_not_inet(&mut self) {
        self.summed = Summed::NoneNotInet;
    }

    fn crc32c(&self, off: usize, crc: u32) -> u32 {
        crc32c(&self.bytes[off..], crc)
    }
}

/// RFC 1071: the Internet checksum of `data` (big-endian 16-bit words, an odd last byte padded
/// with zero), as a big-endian value.
pub(crate) fn inet_csum(data: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    for w in data.chunks(2) {
        let hi = u64::from(w[0]) << 8;
        let lo = w.get(1).map_or(0, |&b| u64::from(b));
        sum += hi | lo;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The checksum of `seg` behind the IPv4 pseudo-header with `len` and `proto`.
pub(crate) fn pseudo4_csum(src: &[u8], dst: &[u8], proto: u8, len: u16, seg: &[u8]) -> u16 {
    let mut p = Vec::new();
    p.extend_from_slice(src);
    p.extend_from_slice(dst);
    p.extend_from_slice(&[0, proto]);
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(seg);
    inet_csum(&p)
}

/// The checksum of `seg` behind the IPv6 pseudo-header with `len` and `proto`.
pub(crate) fn pseudo6_csum(src: &[u8], dst: &[u8], proto: u8, len: u32, seg: &[u8]) -> u16 {
    let mut p = Vec::new();
    p.extend_from_slice(src);
    p.extend_from_slice(dst);
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, proto]);
    p.extend_from_slice(seg);
    inet_csum(&p)
}

/// CRC32c (Castagnoli, reflected polynomial 0x82f63b78) of `data` from `crc`, bit by bit,
/// without pre- or post-inversion (as the kernel's `crc32c()`).
pub(crate) fn crc32c(data: &[u8], mut crc: u32) -> u32 {
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[test]
fn crc32c_check_value() {
    // The CRC catalogue's check value for CRC-32C.
    assert_eq!(!crc32c(b"123456789", !0), 0xe306_9283);
}

#[test]
fn inet_csum_rfc1071_example() {
    // RFC 1071, section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
    assert_eq!(
        inet_csum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
        !0xddf2
    );
}
