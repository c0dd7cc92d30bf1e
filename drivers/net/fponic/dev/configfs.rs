// SPDX-License-Identifier: GPL-2.0

//! The configfs interface: `/sys/kernel/config/fponic/<name>/` creates and configures a device.
//!
//! | attribute     | meaning                                                                  |
//! |---------------|--------------------------------------------------------------------------|
//! | `num_uplinks` | number of physical ports, 1 to 8 (default 2); writable while disabled    |
//! | `enable`      | `1` creates the device (faux device, devlink instance, ports); `0` tears |
//! |               | it down. `rmdir` of an enabled device tears it down as well.             |
//! | `info`        | read-only: device id, devlink handle, mode, uplinks and functions        |
//! | `num_vfs`     | number of VFs (0 to 64), `sriov_numvfs` semantics: 0 -> N and N -> 0;    |
//! |               | N -> M with both non-zero is refused with `EBUSY`. Needs `enable`.       |
//! | `wires`       | `<port> <ifname>` binds a netdev as the wire of uplink `<port>` (`0` or  |
//! |               | `p0`), `<port> -` unbinds it; reading lists `p<N> <ifname or ->`.        |
//! | `drops`       | read-only: the switch's drop counters, by reason                         |
//! | `vpid_map`    | `<vpid> <port>` remaps a virtual port (a number, or `pN`/`vfN`/`sfN`) to |
//! |               | the port `<port>` (`pN`, `vfN`, `sfN`); reading lists every mapping      |
//! | `offload`     | read-only: flow table occupancy, refusals by reason, recent rule events  |
//! | `failover`    | `0`/`1` turns uplink failover off/on, `group <mask>` sets the uplinks    |
//! |               | taking part, `home vfN|sfN <uplink>` a function's home; reading shows    |
//! |               | the state, counters and where every function is served                   |
//!
//! A bad value is refused with `EINVAL` and changes nothing; changing `num_uplinks` of an enabled
//! device is refused with `EBUSY`; `num_vfs` and `wires` need an enabled device (`ENODEV`).

use kernel::{
    configfs::{
        self,
        AttributeOperations, //
    },
    configfs_attrs,
    fmt::Write as _,
    new_mutex,
    page::PAGE_SIZE,
    prelude::*,
    str::{
        kstrtobool_bytes,
        CString, //
    },
    sync::Mutex,
};

use crate::{
    dev::device::Device,
    dev::function::MAX_VFS,
    engine::{
        id::{
            vpid,
            FuncId,
            UplinkId,
            MAX_UPLINKS, //
        },
        naming, //
    },
    esw::{
        failover::Setting,
        Eswitch, //
    },
};

/// Writes attribute text into the configfs page, never past it: output that does not fit is cut
/// and marked with `...` (configfs refuses a `show` longer than the page).
struct PageWriter<'a> {
    page: &'a mut [u8; PAGE_SIZE],
    pos: usize,
    truncated: bool,
}

impl<'a> PageWriter<'a> {
    fn new(page: &'a mut [u8; PAGE_SIZE]) -> Self {
        Self {
            page,
            pos: 0,
            truncated: false,
        }
    }

    /// The number of bytes to return from `show`.
    fn finish(self) -> usize {
        if self.truncated {
            let mark = b"...\n";
            self.page[PAGE_SIZE - mark.len()..].copy_from_slice(mark);
            return PAGE_SIZE;
        }
        self.pos
    }
}

impl core::fmt::Write for PageWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(PAGE_SIZE - self.pos);
        self.page[self.pos..self.pos + n].copy_from_slice(&s.as_bytes()[..n]);
        self.pos += n;
        self.truncated |= n < s.len();
        // Never fail: a long listing is cut, not refused.
        Ok(())
    }
}

/// Number of uplinks of a new device.
const DEFAULT_UPLINKS: u32 = 2;

/// Creates the `fponic` configfs subsystem.
pub(crate) fn subsystem() -> impl PinInit<configfs::Subsystem<Root>, Error> {
    let item_type = configfs_attrs! {
        container: configfs::Subsystem<Root>,
        data: Root,
        child: DeviceConfig,
        attributes: [],
    };
    configfs::Subsystem::new(c"fponic", item_type, try_pin_init!(Root {}))
}

/// The subsystem root directory.
#[pin_data]
pub(crate) struct Root {}

#[vtable]
impl configfs::GroupOperations for Root {
    type Child = DeviceConfig;

    fn make_group(
        &self,
        name: &CStr,
    ) -> Result<impl PinInit<configfs::Group<DeviceConfig>, Error>> {
        if naming::validate_device_name(name.to_bytes()).is_err() {
            pr_err!(
                "device name '{}' refused: 1 to {} characters [a-z0-9_-], starting with a letter\n",
                name.to_str().unwrap_or("?"),
                naming::MAX_DEVICE_NAME
            );
            return Err(EINVAL);
        }
        let item_type = configfs_attrs! {
            container: configfs::Group<DeviceConfig>,
            data: DeviceConfig,
            attributes: [
                num_uplinks: 0,
                enable: 1,
                info: 2,
                num_vfs: 3,
                wires: 4,
                drops: 5,
                vpid_map: 6,
                offload: 7,
                failover: 8,
            ],
        };
        Ok(configfs::Group::new(
            name.try_into()?,
            item_type,
            try_pin_init!(DeviceConfig {
                inner <- new_mutex!(Inner {
                    name: name.try_into()?,
                    num_uplinks: DEFAULT_UPLINKS,
                    num_vfs: 0,
                    device: None,
                }),
            }),
        ))
    }
}

/// One device directory.
#[pin_data]
pub(crate) struct DeviceConfig {
    #[pin]
    inner: Mutex<Inner>,
}

struct Inner {
    name: CString,
    num_uplinks: u32,
    num_vfs: u32,
    /// The live device while enabled. Dropping the group (rmdir) drops it.
    device: Option<Device>,
}

#[vtable]
impl AttributeOperations<0> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        w.write_fmt(fmt!("{}\n", this.inner.lock().num_uplinks))?;
        Ok(w.finish())
    }

    fn store(this: &DeviceConfig, page: &[u8]) -> Result {
        let n = naming::parse_u32_in(page, 1, u32::from(MAX_UPLINKS)).ok_or(EINVAL)?;
        let mut inner = this.inner.lock();
        if inner.device.is_some() {
            return Err(EBUSY);
        }
        inner.num_uplinks = n;
        Ok(())
    }
}

#[vtable]
impl AttributeOperations<1> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        let enabled = this.inner.lock().device.is_some();
        w.write_str(if enabled { "1\n" } else { "0\n" })?;
        Ok(w.finish())
    }

    fn store(this: &DeviceConfig, page: &[u8]) -> Result {
        let enable = kstrtobool_bytes(page)?;
        let mut inner = this.inner.lock();
        match (inner.device.is_some(), enable) {
            (false, true) => {
                let dev = Device::new(&inner.name, inner.num_uplinks)?;
                inner.device = Some(dev);
            }
            (true, false) => {
                inner.device = None;
                inner.num_vfs = 0;
            }
            _ => {}
        }
        Ok(())
    }
}

#[vtable]
impl AttributeOperations<2> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        match &this.inner.lock().device {
            None => w.write_str("disabled\n")?,
            Some(dev) => dev.describe(&mut w)?,
        }
        Ok(w.finish())
    }
}

#[vtable]
impl AttributeOperations<3> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        w.write_fmt(fmt!("{}\n", this.inner.lock().num_vfs))?;
        Ok(w.finish())
    }

    fn store(this: &DeviceConfig, page: &[u8]) -> Result {
        let n = naming::parse_u32_in(page, 0, MAX_VFS.into()).ok_or(EINVAL)?;
        let mut inner = this.inner.lock();
        let dev = inner.device.as_ref().ok_or(ENODEV)?;
        dev.set_num_vfs(u16::try_from(n).map_err(|_| EINVAL)?)?;
        inner.num_vfs = n;
        Ok(())
    }
}

#[vtable]
impl AttributeOperations<4> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        if let Some(dev) = &this.inner.lock().device {
            for (i, name) in dev.eswitch().wire_names().iter() {
                match name {
                    Some(n) => {
                        let end = n.iter().position(|&c| c == 0).unwrap_or(n.len());
                        let n = core::str::from_utf8(&n[..end]).unwrap_or("?");
                        w.write_fmt(fmt!("p{} {}\n", i, n))?;
                    }
                    None => w.write_fmt(fmt!("p{} -\n", i))?,
                }
            }
        }
        Ok(w.finish())
    }

    fn store(this: &DeviceConfig, page: &[u8]) -> Result {
        let text = core::str::from_utf8(page).map_err(|_| EINVAL)?.trim();
        let (port, ifname) = naming::parse_wire(text).ok_or_else(|| {
            pr_err!(
                "wires: expected '<port> <ifname>' or '<port> -', got '{}'\n",
                text
            );
            EINVAL
        })?;
        let inner = this.inner.lock();
        let dev = inner.device.as_ref().ok_or(ENODEV)?;
        let Some(port) = UplinkId::new(port).filter(|_| u32::from(port) < inner.num_uplinks) else {
            pr_err!("wires: no uplink {}\n", port);
            return Err(EINVAL);
        };
        match ifname {
            None => dev.unbind_wire(port),
            Some(name) => {
                let name = CString::try_from_fmt(fmt!("{}", name))?;
                dev.bind_wire(port, &name)?;
            }
        }
        Ok(())
    }
}

#[vtable]
impl AttributeOperations<5> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        if let Some(dev) = &this.inner.lock().device {
            for (why, n) in dev.eswitch().drop_counts() {
                w.write_fmt(fmt!("{} {}\n", why.name(), n))?;
            }
        }
        Ok(w.finish())
    }
}

#[vtable]
impl AttributeOperations<6> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        if let Some(dev) = &this.inner.lock().device {
            dev.write_vpids(&mut w)?;
        }
        Ok(w.finish())
    }

    fn store(this: &DeviceConfig, page: &[u8]) -> Result {
        let text = core::str::from_utf8(page).map_err(|_| EINVAL)?.trim();
        let mut it = text.split_whitespace();
        let (Some(v), Some(t), None) = (it.next(), it.next(), it.next()) else {
            pr_err!("vpid_map: expected '<vpid> <port>', got '{}'\n", text);
            return Err(EINVAL);
        };
        let (Some(v), Some(t)) = (vpid::parse(v), vpid::parse_port(t)) else {
            pr_err!(
                "vpid_map: ports are pN, vfN, sfN or a VPID number; got '{}'\n",
                text
            );
            return Err(EINVAL);
        };
        let inner = this.inner.lock();
        let dev = inner.device.as_ref().ok_or(ENODEV)?;
        dev.remap_vpid(v, t)
    }
}

#[vtable]
impl AttributeOperations<7> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        if let Some(dev) = &this.inner.lock().device {
            dev.eswitch().write_log(&mut w)?;
        }
        Ok(w.finish())
    }
}

#[vtable]
impl AttributeOperations<8> for DeviceConfig {
    type Data = DeviceConfig;

    fn show(this: &DeviceConfig, page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let mut w = PageWriter::new(page);
        if let Some(dev) = &this.inner.lock().device {
            dev.write_failover(&mut w)?;
        }
        Ok(w.finish())
    }

    fn store(this: &DeviceConfig, page: &[u8]) -> Result {
        let text = core::str::from_utf8(page).map_err(|_| EINVAL)?.trim();
        let inner = this.inner.lock();
        let dev = inner.device.as_ref().ok_or(ENODEV)?;
        let mut it = text.split_whitespace();
        let setting = match (it.next(), it.next(), it.next(), it.next()) {
            (Some("0"), None, None, None) => Setting::Enabled(false),
            (Some("1"), None, None, None) => Setting::Enabled(true),
            (Some("group"), Some(m), None, None) => Setting::Group(
                u32::from_str_radix(m.trim_start_matches("0x"), 16).map_err(|_| EINVAL)?,
            ),
            (Some("home"), Some(p), Some(u), None) => {
                let p = vpid::parse_port(p)
                    .and_then(FuncId::of_ppid)
                    .ok_or(EINVAL)?;
                let u: u8 = u.trim_start_matches('p').parse().map_err(|_| EINVAL)?;
                return dev.set_home(p, u);
            }
            _ => {
                pr_err!("failover: expected 0, 1, 'group <mask>' or 'home vfN|sfN <uplink>', got '{}'\n", text);
                return Err(EINVAL);
            }
        };
        Ok(Eswitch::set_failover(dev.eswitch(), setting)?)
    }
}
