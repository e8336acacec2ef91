//! `ftps._ftps`: the native half of the `ftps` Python package.
//!
//! This crate only translates: Python arguments in, `ftps-core` calls with the
//! interpreter released, core values out as the classes of `values.rs`, core errors
//! out as `ftps` exceptions (one mapping, in `errors.rs`). The Python package `ftps/`
//! around it holds the rest of the public API.
#![deny(unsafe_code)]

mod callback;
mod client;
mod config;
mod errors;
mod values;

use pyo3::prelude::*;

/// The native module. Use the `ftps` package, which exports its public classes.
#[pymodule]
fn _ftps(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::RawClient>()?;
    m.add_class::<values::Reply>()?;
    m.add_class::<values::Entry>()?;
    m.add_class::<values::TlsConnection>()?;
    m.add_class::<values::SessionStats>()?;
    m.add_class::<values::BatchProgress>()?;
    m.add_class::<values::TlsInfo>()?;
    m.add_class::<values::DirDownload>()?;
    m.add_class::<values::DirUpload>()?;
    m.add_class::<values::SyncAction>()?;
    m.add_class::<values::SyncReport>()?;
    m.add_function(wrap_pyfunction!(config::connect, m)?)?;
    // The most sessions one call opens at once (`parallel=`, `segments=`).
    m.add("MAX_SESSIONS", ftps_core::MAX_SESSIONS)?;
    // The version of this crate, which is the wheel's (maturin takes it from Cargo.toml).
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
