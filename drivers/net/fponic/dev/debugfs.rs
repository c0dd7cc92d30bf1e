// SPDX-License-Identifier: GPL-2.0

//! debugfs: `/sys/kernel/debug/fponic-<name>/`.
//!
//! - `offload`: the offload log (occupancy, refusals by reason, recent rule events);
//! - `p<N>/carrier_down`: `1` makes uplink `N` behave as if its wire lost carrier (failover
//!   follows), `0` gives it back;
//! - `p<N>/drop_every`: `K > 0` drops every K-th frame sent out of uplink `N`'s wire (counted as
//!   `fault_injected`), `0` stops;
//! - `p<N>/fail_next_remap`: `1` makes the next failover move fail (the function stays where it
//!   is until the next change), for tests that need failures without timing luck.

use kernel::{
    debugfs::{
        self,
        Reader, //
    },
    prelude::*,
    str::CString,
    sync::Arc,
    uaccess::UserSliceReader,
};

use crate::{
    engine::id::UplinkId,
    esw::Eswitch, //
};

/// The offload log as debugfs shows it (same text as configfs `offload`, not cut to a page).
pub(crate) struct OffloadLogView(Arc<Eswitch>);

impl core::fmt::Debug for OffloadLogView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.write_log(f).map_err(|_| core::fmt::Error)
    }
}

/// `failover`: the failover event log, with timestamps (ms).
pub(crate) struct FailoverLogView(Arc<Eswitch>);

impl core::fmt::Debug for FailoverLogView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.write_events(f).map_err(|_| core::fmt::Error)
    }
}

/// Which fault knob a file drives.
#[derive(Clone, Copy)]
enum Knob {
    CarrierDown,
    DropEvery,
    FailNextRemap,
}

/// One fault-injection file of one uplink.
pub(crate) struct FaultKnob {
    esw: Arc<Eswitch>,
    uplink: UplinkId,
    knob: Knob,
}

impl core::fmt::Debug for FaultKnob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let fault = self.esw.fault(self.uplink);
        let v = match self.knob {
            Knob::CarrierDown => u32::from(fault.carrier_down()),
            Knob::DropEvery => fault.drop_every(),
            Knob::FailNextRemap => u32::from(fault.fail_next_remap()),
        };
        writeln!(f, "{v}")
    }
}

impl Reader for FaultKnob {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        let mut buf = [0u8; 16];
        let n = reader.len();
        if n > buf.len() {
            return Err(EINVAL);
        }
        reader.read_slice(&mut buf[..n])?;
        let v: u32 = core::str::from_utf8(&buf[..n])
            .map_err(|_| EINVAL)?
            .trim()
            .parse()
            .map_err(|_| EINVAL)?;
        match self.knob {
            Knob::CarrierDown if v <= 1 => {
                Eswitch::inject_carrier_down(&self.esw, self.uplink, v == 1)
            }
            Knob::DropEvery => self.esw.inject_drop_every(self.uplink, v),
            Knob::FailNextRemap if v <= 1 => self.esw.inject_fail_next_remap(self.uplink, v == 1),
            _ => return Err(EINVAL),
        }
        Ok(())
    }
}

/// The debugfs files of a device; removed when dropped.
pub(crate) struct DeviceDebugfs {
    // Files go before the directories that hold them.
    _files: KVec<Pin<KBox<debugfs::File<FaultKnob>>>>,
    _offload: Pin<KBox<debugfs::File<OffloadLogView>>>,
    _failover: Pin<KBox<debugfs::File<FailoverLogView>>>,
    _uplinks: KVec<debugfs::Dir>,
    _root: debugfs::Dir,
}

impl DeviceDebugfs {
    /// Creates `/sys/kernel/debug/<name>/` for `esw` with `num_uplinks` uplinks.
    pub(crate) fn new(name: &CStr, esw: &Arc<Eswitch>, num_uplinks: usize) -> Result<Self> {
        let root = debugfs::Dir::new(name);
        let offload = KBox::pin_init(
            root.read_only_file(c"offload", OffloadLogView(esw.clone())),
            GFP_KERNEL,
        )?;
        let failover = KBox::pin_init(
            root.read_only_file(c"failover", FailoverLogView(esw.clone())),
            GFP_KERNEL,
        )?;
        let mut uplinks = KVec::new();
        let mut files = KVec::new();
        for i in UplinkId::below(num_uplinks) {
            let dir = root.subdir(&CString::try_from_fmt(fmt!("p{}", i))?);
            for (fname, knob) in [
                (c"carrier_down", Knob::CarrierDown),
                (c"drop_every", Knob::DropEvery),
                (c"fail_next_remap", Knob::FailNextRemap),
            ] {
                let data = FaultKnob {
                    esw: esw.clone(),
                    uplink: i,
                    knob,
                };
                files.push(
                    KBox::pin_init(dir.read_write_file(fname, data), GFP_KERNEL)?,
                    GFP_KERNEL,
                )?;
            }
            uplinks.push(dir, GFP_KERNEL)?;
        }
        Ok(Self {
            _files: files,
            _offload: offload,
            _failover: failover,
            _uplinks: uplinks,
            _root: root,
        })
    }
}
