//! # libftps: the C ABI of ftps
//!
//! This crate only translates between C and [`ftps_core`]: arguments in, result codes
//! and values out. The conventions are those of rustls-ffi (see `README.md`):
//!
//! - everything is prefixed `ftps_`; handles are opaque (`ftps_config_builder`,
//!   `ftps_config`, `ftps_client`, `ftps_listing`, `ftps_report`, `ftps_batch`), made
//!   by `_new`/`_build`/listing/tree calls and released by `_free`, which ignores NULL and handles already freed;
//! - fallible functions return an [`ftps_result`] with a stable number and a static
//!   description ([`ftps_result_str`]); out-parameters come last and are written only
//!   on success (one documented exception: `FTPS_RESULT_INSUFFICIENT_SIZE` reports
//!   the size needed);
//! - every pointer is checked for NULL and every handle against the registry of live
//!   handles; every body runs inside a panic boundary;
//! - each client and builder keeps the detailed message of its last call, and a
//!   client the last server reply;
//! - a server that closes the connection while the client writes never kills the C
//!   program with SIGPIPE (`signal.rs`).
//!
//! `include/ftps.h` is generated from these sources by cbindgen
//! (`ftps-ffi/cbindgen.toml`); `tests/header.rs` fails when it drifts.
#![allow(non_camel_case_types)]
// The C ABI is the API: its functions are called from C, where `unsafe` means
// nothing. Every pointer they take is checked for NULL (handles also against the
// registry of live handles), and what C must guarantee is documented in the header.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod panic;

mod batch;
mod client;
mod config;
mod handle;
mod info;
mod listing;
mod result;
mod signal;
mod transfer;
mod tree;
mod util;

use std::ffi::c_char;

pub use batch::{
    FTPS_MAX_SESSIONS, FTPS_MIN_SEGMENT, ftps_batch, ftps_batch_progress,
    ftps_batch_progress_callback,
};
pub use client::{
    FTPS_SIZE_UNKNOWN, ftps_client, ftps_progress_callback, ftps_session_stat, ftps_time,
    ftps_tls_connection, ftps_transcript_callback, ftps_transcript_direction,
};
pub use config::{
    ftps_auth_command, ftps_config, ftps_config_builder, ftps_data_connection_mode,
    ftps_data_protection, ftps_mode, ftps_tls_version, ftps_transfer_type, ftps_verify,
};
pub use listing::{ftps_entry_kind, ftps_listing};
pub use result::{ftps_result, ftps_result_str};
pub use transfer::{
    FTPS_TRANSFER_DEFAULT, ftps_read_callback, ftps_transfer_options, ftps_upload_mode,
    ftps_write_callback,
};
pub use tree::{
    FTPS_SYNC_DELETE, FTPS_SYNC_DRY_RUN, FTPS_SYNC_IGNORE_MTIME, FTPS_SYNC_TOP_ONLY, ftps_report,
    ftps_sync_action, ftps_sync_direction, ftps_sync_reason,
};

use crate::panic::ffi_panic_boundary;

/// The major version of libftps this header belongs to.
pub const FTPS_VERSION_MAJOR: u32 = 0;
/// The minor version of libftps this header belongs to.
pub const FTPS_VERSION_MINOR: u32 = 1;
/// The patch version of libftps this header belongs to.
pub const FTPS_VERSION_PATCH: u32 = 0;

/// Parses a decimal number at compile time.
const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n = 0u32;
    while i < b.len() {
        assert!(b[i].is_ascii_digit());
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}

// The version macros are plain literals (cbindgen copies them into the header); the
// build fails if they disagree with Cargo.toml.
const _: () = assert!(FTPS_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")));
const _: () = assert!(FTPS_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")));
const _: () = assert!(FTPS_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")));

/// Returns the version of the loaded library as a static NUL-terminated string such
/// as `"0.1.0"` (compare with `FTPS_VERSION_*` to detect a header/library mismatch).
/// Never NULL; must not be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_version() -> *const c_char {
    ffi_panic_boundary! {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    }
}
