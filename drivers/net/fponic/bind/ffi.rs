// SPDX-License-Identifier: GPL-2.0

//! Raw bindings generated at build time by the module's own bindgen run over
//! `fponic_bindings.h` (see `Kbuild`), with the kernel's bindgen flags.
//!
//! This module may not be used outside the binding layer: the sibling modules abstract what the
//! driver needs.

// Generated code: which of these lints fire depends on the kernel configuration, so they are
// allowed rather than expected, as for the kernel crate's own `bindings`.
#[allow(
    clippy::all,
    clippy::as_underscore,
    clippy::cast_lossless,
    clippy::ptr_cast_constness,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::undocumented_unsafe_blocks,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    unnecessary_transmutes
)]
pub(crate) mod bindings {
    use kernel::ffi;

    type __kernel_size_t = usize;
    type __kernel_ssize_t = isize;
    type __kernel_ptrdiff_t = isize;

    // `FPONIC_OBJ` is the module build output directory, set by `Kbuild`.
    include!(concat!(env!("FPONIC_OBJ"), "/fponic_generated.rs"));
}
