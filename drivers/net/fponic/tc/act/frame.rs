// SPDX-License-Identifier: GPL-2.0

//! The eswitch's packets as the engines that rewrite them see them ([`Frame`]): socket buffers
//! whose data starts at the MAC header, with the architecture's own checksum routines.

use crate::{
    bind::skb::{
        self,
        gso as skb_gso,
        HeadMut,
        SkBuff, //
    },
    engine::{
        csum,
        frame::{
            gso,
            Frame,
            Head, //
        },
    },
};

impl Frame for SkBuff {
    type Head<'a> = HeadMut<'a>;

    #[inline]
    fn len(&self) -> usize {
        SkBuff::len(self) as usize
    }

    #[inline]
    fn linear(&self) -> &[u8] {
        self.data()
    }

    #[inline]
    fn pull(&mut self, len: usize) -> bool {
        u32::try_from(len).is_ok_and(|len| self.may_pull(len))
    }

    #[inline]
    fn writable(&mut self, len: usize) -> Option<HeadMut<'_>> {
        self.head_mut(u32::try_from(len).ok()?)
    }

    #[inline]
    fn copy_bits(&self, off: usize, to: &mut [u8]) -> bool {
        u32::try_from(off).is_ok_and(|off| SkBuff::copy_bits(self, off, to))
    }

    #[inline]
    fn gso(&self) -> u32 {
        let t = self.gso_type();
        let mut g = 0;
        if t & skb_gso::TCPV4 != 0 {
            g |= gso::TCPV4;
        }
        if t & skb_gso::TCPV6 != 0 {
            g |= gso::TCPV6;
        }
        if t & (skb_gso::UDP | skb_gso::UDP_L4 | skb_gso::UDP_TUNNEL | skb_gso::UDP_TUNNEL_CSUM)
            != 0
        {
            g |= gso::UDP;
        }
        if t & skb_gso::SCTP != 0 {
            g |= gso::SCTP;
        }
        g
    }

    #[inline]
    fn set_csum_none(&mut self, sum: Option<u32>) {
        SkBuff::set_csum_none(self, sum)
    }

    #[inline]
    fn reset_csum_not_inet(&mut self) {
        SkBuff::reset_csum_not_inet(self)
    }

    #[inline]
    fn crc32c(&self, off: usize, crc: u32) -> u32 {
        SkBuff::crc32c(self, u32::try_from(off).unwrap_or(u32::MAX), crc)
    }

    #[inline]
    fn csum_partial(data: &[u8], sum: u32) -> u32 {
        skb::csum_partial(data, sum)
    }

    #[inline]
    fn ip_fast_csum(hdr: &[u8], ihl: usize) -> u16 {
        u8::try_from(ihl)
            .ok()
            .and_then(|i| skb::ip_fast_csum(hdr, i))
            .unwrap_or_else(|| csum::ip_fast_csum(hdr, ihl))
    }
}

impl Head for HeadMut<'_> {
    #[inline]
    fn bytes(&self) -> &[u8] {
        HeadMut::bytes(self)
    }

    #[inline]
    fn bytes_mut(&mut self) -> &mut [u8] {
        HeadMut::bytes_mut(self)
    }
}

#[kernel::macros::kunit_tests(fponic_act_frame)]
mod tests {
    use kernel::{
        error::code::ENOMEM,
        prelude::*, //
    };

    use crate::{
        bind::skb::{
            self,
            Checksum,
            SkBuff, //
        },
        engine::{
            csum,
            flow::csum as flag, //
        },
    };

    /// Ethernet, IPv4 and TCP with wrong checksums (`dead`, `beef`), 8 bytes of data.
    #[rustfmt::skip]
    const FRAME: [u8; 62] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
        // IPv4: 10.0.0.1 > 10.0.0.2, TCP, 48 bytes
        0x45, 0x00, 0x00, 0x30, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06,
        0xde, 0xad, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        // TCP: 12345 > 80, PSH|ACK
        0x30, 0x39, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x50, 0x18, 0x20, 0x00, 0xbe, 0xef, 0x00, 0x00,
        // "fponic!!"
        0x66, 0x70, 0x6f, 0x6e, 0x69, 0x63, 0x21, 0x21,
    ];

    /// Bytes of a simple linear congruential sequence.
    fn bytes(seed: u32, n: usize) -> KVec<u8> {
        let mut v = KVec::new();
        let mut x = seed;
        for _ in 0..n {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            // CAST: the high byte of the state.
            let _ = v.push((x >> 24) as u8, GFP_KERNEL);
        }
        v
    }

    /// The engine's checksum arithmetic folds to what the kernel's own (this architecture's)
    /// gives, also when it continues a partial sum the kernel's `csum_partial` started.
    #[test]
    fn engine_arithmetic_agrees_with_the_kernels() {
        let s4 = [10, 1, 2, 3];
        let d4 = [192, 168, 200, 7];
        let mut s6 = [0u8; 16];
        let mut d6 = [0xfeu8; 16];
        s6[0] = 0x20;
        d6[15] = 0x01;
        for n in 0..200u32 {
            let d = bytes(n, n as usize);
            let k = skb::csum_partial(&d, 0);
            assert_eq!(csum::fold(csum::partial(&d, 0)), skb::csum_fold(k));
            assert_eq!(csum::fold(k), skb::csum_fold(k));
            for proto in [6u8, 17, 136] {
                let e = csum::tcpudp_magic(s4, d4, n, proto, k);
                assert_eq!(e, skb::csum_tcpudp_magic(s4, d4, n, proto, k));
                let e = csum::ipv6_magic(&s6, &d6, n * 1000, proto, k);
                assert_eq!(e, skb::csum_ipv6_magic(s6, d6, n * 1000, proto, k));
            }
        }
        for ihl in 5u8..=15 {
            let mut h = bytes(u32::from(ihl), 4 * usize::from(ihl));
            h[0] = 0x40 | ihl;
            let k = skb::ip_fast_csum(&h, ihl);
            assert!(k.is_some());
            assert_eq!(Some(csum::ip_fast_csum(&h, ihl.into())), k);
        }
    }

    /// Checksumming a packet whose head a clone shares gives it a head of its own first: the
    /// clone's bytes stay as they were.
    #[test]
    fn csum_unshares_a_cloned_head() -> Result {
        let mut skb = SkBuff::from_frame(&FRAME)?;
        let clone = skb.try_clone().ok_or(ENOMEM)?;
        assert!(csum::act(&mut skb, flag::IPV4HDR | flag::TCP));
        assert_eq!(clone.data(), &FRAME[..]);
        let d = skb.data();
        assert_eq!(d.len(), FRAME.len());
        assert!(d[24..26] != FRAME[24..26]);
        assert!(d[50..52] != FRAME[50..52]);
        // Both checksums check out with the kernel's own functions.
        assert_eq!(skb::csum_fold(skb::csum_partial(&d[14..34], 0)), 0);
        let sum = skb::csum_partial(&d[34..], 0);
        assert_eq!(
            skb::csum_tcpudp_magic([10, 0, 0, 1], [10, 0, 0, 2], 28, 6, sum),
            0
        );
        assert_eq!(skb.checksum(), Checksum::None);
        Ok(())
    }

    /// An IPv4 header length below 5 words still gets a header checksum from act_csum: the one
    /// `ip_send_check` writes, which this architecture's `ip_fast_csum` decides (x86 sums no
    /// such header; the generic version sums `4 * ihl` bytes).
    #[test]
    fn short_ipv4_header_lengths_get_the_architectures_checksum() -> Result {
        for ihl in 0u8..5 {
            let mut f = FRAME;
            f[14] = 0x40 | ihl;
            let mut skb = SkBuff::from_frame(&f)?;
            assert!(csum::act(&mut skb, flag::IPV4HDR));
            let mut want = f;
            want[24] = 0;
            want[25] = 0;
            let c = skb::ip_fast_csum(&want[14..34], ihl).ok_or(EINVAL)?;
            want[24..26].copy_from_slice(&c.to_ne_bytes());
            assert_eq!(skb.data(), &want[..]);
        }
        Ok(())
    }
}
