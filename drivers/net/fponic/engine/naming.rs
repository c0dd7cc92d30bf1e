// SPDX-License-Identifier: GPL-2.0

//! Names and identities of fponic devices and ports.
//!
//! Port names follow `Documentation/networking/devlink/devlink-port.rst`: a physical port is
//! `p<N>`, a VF port `pf<P>vf<N>`, an SF port `pf<P>sf<N>`. Netdevs are named after their device
//! and port (`sw0p0`), which is what udev would derive from `phys_port_name` and keeps names stable
//! without udev in the test VM.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use core::fmt::{
    self,
    Write, //
};

/// Maximum length of a netdev name, without the terminating NUL (`IFNAMSIZ - 1`).
pub(crate) const IFNAMSIZ_MAX: usize = 15;

/// Maximum length of a device name (the configfs directory name).
///
/// Seven characters leave room for the longest VF port name (`pf0vf255`) in a 15-byte netdev name.
pub(crate) const MAX_DEVICE_NAME: usize = 7;

/// Why a name could not be built or was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than allowed.
    TooLong,
    /// The name contains a character other than `[a-z0-9_-]`, or does not start with a letter.
    BadChar,
}

/// A netdev-sized name buffer (at most [`IFNAMSIZ_MAX`] bytes, plus room for a NUL).
#[derive(Clone, Copy)]
pub(crate) struct NameBuf {
    buf: [u8; IFNAMSIZ_MAX + 1],
    len: usize,
}

impl NameBuf {
    /// An empty name.
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; IFNAMSIZ_MAX + 1],
            len: 0,
        }
    }

    /// The name, without NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The name with a terminating NUL, ready for C.
    pub(crate) fn as_bytes_with_nul(&self) -> &[u8] {
        // `push` keeps one spare byte, which is always zero.
        &self.buf[..=self.len]
    }

    fn push(&mut self, s: &[u8]) -> Result<(), NameError> {
        let end = self.len + s.len();
        if end > IFNAMSIZ_MAX {
            return Err(NameError::TooLong);
        }
        self.buf[self.len..end].copy_from_slice(s);
        self.len = end;
        Ok(())
    }
}

impl Write for NameBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// The flavour of a devlink port, with the numbers that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortFlavour {
    /// An uplink: physical port `port`.
    Physical {
        /// Physical port number.
        port: u32,
    },
    /// Virtual function `vf` of PCI function `pf`.
    PciVf {
        /// Owning physical function.
        pf: u16,
        /// VF number.
        vf: u16,
    },
    /// Subfunction `sf` of PCI function `pf`.
    PciSf {
        /// Owning physical function.
        pf: u16,
        /// SF number.
        sf: u32,
    },
}

/// Writes the `phys_port_name` of a port, as devlink derives it, into `out`.
pub(crate) fn phys_port_name(flavour: PortFlavour, out: &mut NameBuf) -> Result<(), NameError> {
    let r = match flavour {
        PortFlavour::Physical { port } => write!(out, "p{port}"),
        PortFlavour::PciVf { pf, vf } => write!(out, "pf{pf}vf{vf}"),
        PortFlavour::PciSf { pf, sf } => write!(out, "pf{pf}sf{sf}"),
    };
    r.map_err(|_| NameError::TooLong)
}

/// Writes the netdev name `<device><port>` into `out`.
pub(crate) fn netdev_name(device: &[u8], port: &[u8], out: &mut NameBuf) -> Result<(), NameError> {
    out.push(device)?;
    out.push(port)
}

/// Checks a device name: 1 to [`MAX_DEVICE_NAME`] characters of `[a-z0-9_-]`, starting with a
/// letter, so that derived netdev names are valid and predictable.
pub(crate) fn validate_device_name(name: &[u8]) -> Result<(), NameError> {
    let first = *name.first().ok_or(NameError::Empty)?;
    if name.len() > MAX_DEVICE_NAME {
        return Err(NameError::TooLong);
    }
    if !first.is_ascii_lowercase() {
        return Err(NameError::BadChar);
    }
    if name
        .iter()
        .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
    {
        Ok(())
    } else {
        Err(NameError::BadChar)
    }
}

/// The MAC address of port `port` of device `dev_id`: locally administered, unicast, and unique
/// for `dev_id < 65536` and `port < 65536`.
pub(crate) fn port_mac(dev_id: u32, port: u32) -> [u8; 6] {
    let d = dev_id.to_be_bytes();
    let p = port.to_be_bytes();
    [0x02, b'f', d[2], d[3], p[2], p[3]]
}

/// The switch id (`phys_switch_id`) shared by all ports of device `dev_id`.
pub(crate) fn switch_id(dev_id: u32) -> [u8; 8] {
    let d = dev_id.to_be_bytes();
    [b'f', b'p', b'n', b'c', d[0], d[1], d[2], d[3]]
}

/// Parses a configfs integer attribute: decimal, surrounding whitespace (the trailing newline of
/// `echo`) ignored, and within `min..=max`.
pub(crate) fn parse_u32_in(page: &[u8], min: u32, max: u32) -> Option<u32> {
    let s = core::str::from_utf8(page).ok()?.trim();
    let v: u32 = s.parse().ok()?;
    (min..=max).contains(&v).then_some(v)
}

/// The netdev name of a port's representor or uplink: `<device><phys_port_name>`.
pub(crate) fn port_netdev_name(device: &[u8], flavour: PortFlavour) -> Result<NameBuf, NameError> {
    let mut port = NameBuf::new();
    phys_port_name(flavour, &mut port)?;
    let mut out = NameBuf::new();
    netdev_name(device, port.as_bytes(), &mut out)?;
    Ok(out)
}

/// The netdev name of a function's own netdev: `<device>v<N>` for VF `N`, `<device>s<N>` for
/// SF `N` (what a VM or namespace uses; its representor is named by [`port_netdev_name`]).
pub(crate) fn func_netdev_name(device: &[u8], flavour: PortFlavour) -> Result<NameBuf, NameError> {
    let mut out = NameBuf::new();
    out.push(device)?;
    let r = match flavour {
        PortFlavour::PciVf { vf, .. } => write!(out, "v{vf}"),
        PortFlavour::PciSf { sf, .. } => write!(out, "s{sf}"),
        PortFlavour::Physical { port } => write!(out, "p{port}"),
    };
    r.map_err(|_| NameError::TooLong)?;
    Ok(out)
}

/// Parses a `wires` configfs write: `<port> <ifname>` or `<port> -`, where `<port>` is `N` or
/// `pN`. Returns the port and the interface name (`None` to unbind).
pub(crate) fn parse_wire(text: &str) -> Option<(u8, Option<&str>)> {
    let mut it = text.split_whitespace();
    let port = it.next()?;
    let name = it.next()?;
    if it.next().is_some() {
        return None;
    }
    let port: u8 = port.strip_prefix('p').unwrap_or(port).parse().ok()?;
    if name == "-" {
        return Some((port, None));
    }
    let ok = !name.is_empty()
        && name.len() <= IFNAMSIZ_MAX
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|c| c.is_ascii_graphic() && c != b'/' && c != b':');
    ok.then_some((port, Some(name)))
}
