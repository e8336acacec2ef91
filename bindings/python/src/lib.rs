//! `ftps._ftps`: the native half of the `ftps` Python package.
//!
//! This crate only translates: Python arguments in, `ftps-core` calls with the
//! interpreter released, core errors out as `ftps` exceptions (one mapping, in
//! `errors.rs`). The Python package `ftps/` around it holds the public API.
#![deny(unsafe_code)]

mod callback;
mod client;
mod config;
mod convert;
mod errors;

use pyo3::prelude::*;

/// The native module. Its names are private; use the `ftps` package.
#[pymodule]
fn _ftps(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::RawClient>()?;
    m.add_function(wrap_pyfunction!(client::connect, m)?)?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
