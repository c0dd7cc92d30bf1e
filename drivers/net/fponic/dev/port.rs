// SPDX-License-Identifier: GPL-2.0

//! What every port of a device shares: its devlink port's data and its netdev's name.

use kernel::{
    prelude::*,
    str::CString,
    sync::Arc, //
};

use crate::{
    engine::naming::{
        NameBuf,
        NameError, //
    },
    esw::FuncShared,
};

/// Driver data of a devlink port.
pub(crate) enum PortData {
    /// A physical port.
    Uplink,
    /// A function's port.
    Func(Arc<FuncShared>),
}

/// Converts a built netdev name to a C string.
pub(crate) fn ifname(name: Result<NameBuf, NameError>) -> Result<CString> {
    let name = name.map_err(|_| EINVAL)?;
    Ok(CString::try_from(
        CStr::from_bytes_with_nul(name.as_bytes_with_nul()).map_err(|_| EINVAL)?,
    )?)
}
