// SPDX-License-Identifier: GPL-2.0

//! Receive handlers: taking over the receive path of another net device (as bonding and bridge
//! ports do), which is how an uplink uses a lower device as its wire.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h)

use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

use kernel::{
    error::to_result,
    ffi::c_void,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        ArcBorrow, //
    },
    types::ForeignOwnable, //
};

use super::{
    ffi::bindings,
    netdev::NetDev,
    rtnl::Rtnl,
    skb::SkBuff, //
};

/// What to do with packets a lower device receives.
pub(crate) trait RxHandler: Send + Sync + Sized + 'static {
    /// Takes a packet received on the lower device; `skb` starts at the MAC header. Runs in the
    /// lower device's receive softirq, under RCU.
    fn receive(&self, skb: SkBuff);
}

/// A registered receive handler on a lower device, with its data.
///
/// # Invariants
///
/// `self.dev`'s `rx_handler` is [`Adapter::<T>::handle_frame`] with `rx_handler_data` pointing to
/// the `T` of `self.data` (an `Arc<T>` turned into a raw pointer), until
/// [`RxHandlerRegistration::unregister`] or drop.
pub(crate) struct RxHandlerRegistration<T: RxHandler> {
    dev: ARef<NetDev>,
    /// The foreign form of an `Arc<T>` (`Arc::into_foreign`).
    data: *const c_void,
    registered: bool,
    _p: PhantomData<T>,
}

// SAFETY: the data is `Send + Sync` and the device reference is thread-safe.
unsafe impl<T: RxHandler> Send for RxHandlerRegistration<T> {}
// SAFETY: `&Self` gives out only `&NetDev`.
unsafe impl<T: RxHandler> Sync for RxHandlerRegistration<T> {}

impl<T: RxHandler> RxHandlerRegistration<T> {
    /// Makes `data` the receiver of everything `dev` receives. Fails with `EBUSY` if `dev`
    /// already has a receive handler (it is a bridge or bond port, or another uplink's wire).
    pub(crate) fn register(dev: ARef<NetDev>, data: Arc<T>, _rtnl: &Rtnl) -> Result<Self> {
        let p = data.into_foreign();
        // SAFETY: RTNL is held; the handler and its data stay valid until unregistered.
        let r = to_result(unsafe {
            bindings::netdev_rx_handler_register(dev.as_raw(), Some(Adapter::<T>::handle_frame), p)
        });
        if let Err(e) = r {
            // SAFETY: `p` came from `into_foreign` just above and was not registered.
            drop(unsafe { Arc::<T>::from_foreign(p) });
            return Err(e);
        }
        // INVARIANT: registered above.
        Ok(Self {
            dev,
            data: p.cast_const(),
            registered: true,
            _p: PhantomData,
        })
    }

    /// Unregisters the handler under RTNL; on return no handler call is running any more.
    pub(crate) fn unregister(mut self, _rtnl: &Rtnl) {
        self.do_unregister();
    }

    fn do_unregister(&mut self) {
        if !self.registered {
            return;
        }
        self.registered = false;
        // SAFETY: registered (type invariant) and RTNL held by the callers. The unregister
        // function waits for an RCU grace period (`synchronize_net`), after which no handler
        // call can still use the data, which is then released.
        unsafe {
            bindings::netdev_rx_handler_unregister(self.dev.as_raw());
            drop(Arc::<T>::from_foreign(self.data.cast_mut()));
        }
    }

    /// The data of the handler registered on `dev`, if `dev` is one of ours of type `T`.
    pub(crate) fn data_of<'a>(dev: &'a NetDev, _rtnl: &'a Rtnl) -> Option<ArcBorrow<'a, T>> {
        let handler: unsafe extern "C" fn(
            *mut *mut bindings::sk_buff,
        ) -> bindings::rx_handler_result_t = Adapter::<T>::handle_frame;
        // SAFETY: RTNL is held, so the handler cannot change under us.
        let p = unsafe { bindings::fponic_rx_handler_data_rtnl(dev.as_raw(), handler as *const _) };
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null result is the foreign form of the `Arc<T>` of a live registration
        // (type invariant); it stays alive while RTNL is held because unregistering requires RTNL.
        Some(unsafe { Arc::<T>::borrow(p) })
    }
}

impl<T: RxHandler> Drop for RxHandlerRegistration<T> {
    fn drop(&mut self) {
        if self.registered {
            // Not unregistered under the caller's RTNL: take it here. Dropping a registration
            // while holding RTNL is a bug (it deadlocks); use `unregister` instead.
            let rtnl = Rtnl::lock();
            self.do_unregister();
            drop(rtnl);
        }
    }
}

struct Adapter<T: RxHandler>(PhantomData<T>);

impl<T: RxHandler> Adapter<T> {
    /// # Safety
    ///
    /// Called by the core's receive path, under RCU, for a device whose `rx_handler` is this
    /// function; `*pskb` is a valid skb owned by the caller.
    unsafe extern "C" fn handle_frame(
        pskb: *mut *mut bindings::sk_buff,
    ) -> bindings::rx_handler_result_t {
        // SAFETY: by the function's safety requirements, the data is the foreign form of the
        // registration's `Arc<T>` (type invariant of `RxHandlerRegistration`), alive while the
        // handler can run.
        let data: ArcBorrow<'_, T> =
            unsafe { Arc::<T>::borrow(bindings::fponic_rx_handler_data(*pskb)) };
        // SAFETY: the core hands us a reference to a valid skb whose MAC header was set by
        // `eth_type_trans` (or the device) at or before `skb->data`.
        if let Some(skb) = unsafe { prepare(*pskb) } {
            data.receive(skb);
        }
        bindings::rx_handler_result_RX_HANDLER_CONSUMED
    }
}

/// Turns a packet the core hands a receive handler into what [`RxHandler::receive`] takes: an
/// unshared skb starting at the MAC header, whose `CHECKSUM_COMPLETE` sum, if it has one, covers
/// the bytes pushed back. `None` if unsharing failed (the packet was freed).
///
/// # Safety
///
/// `skb` must be a valid skb whose MAC header is set, at or before `skb->data` in its head; the
/// caller transfers its reference (possibly one of several) to this function.
unsafe fn prepare(skb: *mut bindings::sk_buff) -> Option<SkBuff> {
    // SAFETY: by the function's safety requirements; the helper unshares the skb (freeing it
    // on failure) and pushes the bytes from the MAC header to `skb->data`, which are in its head.
    let skb = unsafe { bindings::fponic_rx_prepare(skb) };
    // SAFETY: a non-null result is an owned, unshared skb.
    NonNull::new(skb).map(|p| unsafe { SkBuff::from_raw(p.as_ptr()) })
}

#[kernel::macros::kunit_tests(fponic_rx_handler)]
mod tests {
    use kernel::{
        error::code::ENOMEM,
        prelude::*, //
    };

    use super::{
        super::skb::{
            csum_fold,
            csum_partial,
            Checksum, //
        },
        prepare,
        SkBuff, //
    };

    const ETH_HLEN: u32 = 14;

    /// An Ethernet frame with valid IPv4 and UDP checksums, 60 bytes (no padding).
    #[rustfmt::skip]
    const FRAME: [u8; 60] = [
        // Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
        // IPv4: 10.0.0.1 > 10.0.0.2, UDP
        0x45, 0x00, 0x00, 0x2e, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11,
        0x26, 0xbc, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        // UDP: 1234 > 5678
        0x04, 0xd2, 0x16, 0x2e, 0x00, 0x1a, 0x5c, 0x38,
        // "checksum complete!"
        0x63, 0x68, 0x65, 0x63, 0x6b, 0x73, 0x75, 0x6d, 0x20,
        0x63, 0x6f, 0x6d, 0x70, 0x6c, 0x65, 0x74, 0x65, 0x21,
    ];

    /// `FRAME` as the core hands it to a receive handler: after `eth_type_trans`, which pulled
    /// the Ethernet header.
    fn received() -> Result<SkBuff> {
        let mut skb = SkBuff::from_frame(&FRAME)?;
        skb.pull_rcsum(ETH_HLEN)?;
        Ok(skb)
    }

    /// A device that reports `CHECKSUM_COMPLETE` sums what follows the Ethernet header; once the
    /// handler pushed that header back, the sum must cover it too, or the stack's checksum
    /// validation fails ("hw csum failure").
    #[test]
    fn complete_sum_covers_the_pushed_mac_header() -> Result {
        // The frame is valid, and its Ethernet header changes the sum, so a sum that misses it
        // is caught below.
        assert_eq!(csum_fold(csum_partial(&FRAME[14..34], 0)), 0);
        assert!(csum_fold(csum_partial(&FRAME, 0)) != csum_fold(csum_partial(&FRAME[14..], 0)));

        let mut skb = received()?;
        assert_eq!(skb.mac_offset(), Some(-14));
        assert_eq!(skb.data(), &FRAME[14..]);
        skb.set_csum_complete(csum_partial(skb.data(), 0));

        // SAFETY: the one reference of a valid skb whose MAC header is set, 14 bytes before
        // `skb->data` in its head.
        let skb = unsafe { prepare(skb.into_raw()) }.ok_or(ENOMEM)?;
        assert_eq!(skb.mac_offset(), Some(0));
        assert_eq!(skb.len(), 60);
        assert_eq!(skb.data(), &FRAME[..]);
        // Still CHECKSUM_COMPLETE, and the sum covers the whole frame.
        let sum = match skb.checksum() {
            Checksum::Complete(sum) => Some(csum_fold(sum)),
            _ => None,
        };
        assert!(sum.is_some());
        assert_eq!(sum, Some(csum_fold(csum_partial(skb.data(), 0))));
        Ok(())
    }

    /// Without a sum, pushing the header back changes nothing but `skb->data`.
    #[test]
    fn no_sum_stays_none() -> Result {
        let skb = received()?;
        assert_eq!(skb.checksum(), Checksum::None);

        // SAFETY: as in the test above.
        let skb = unsafe { prepare(skb.into_raw()) }.ok_or(ENOMEM)?;
        assert_eq!(skb.checksum(), Checksum::None);
        assert_eq!(skb.mac_offset(), Some(0));
        assert_eq!(skb.data(), &FRAME[..]);
        Ok(())
    }
}
