//! The panic boundary: no Rust panic ever unwinds into C.
//!
//! Every exported function wraps its body in [`ffi_panic_boundary!`]. The macro sits
//! *inside* an ordinary `extern "C" fn`, so cbindgen sees plain signatures. A caught
//! panic turns into [`ftps_result::Panic`](crate::ftps_result) (or a harmless default
//! for functions that return a plain value), and a client that was in use is marked
//! unusable (see `client.rs`). The crate must never be built with `panic = "abort"`:
//! the workspace's release profile says `panic = "unwind"`.

use std::ffi::c_char;

use crate::result::ftps_result;

/// The value an exported function returns when its body panicked.
pub(crate) trait PanicOrDefault {
    /// That value.
    fn value() -> Self;
}

impl PanicOrDefault for ftps_result {
    fn value() -> Self {
        ftps_result::Panic
    }
}

impl PanicOrDefault for () {
    fn value() -> Self {}
}

impl PanicOrDefault for bool {
    fn value() -> Self {
        false
    }
}

impl PanicOrDefault for usize {
    fn value() -> Self {
        0
    }
}

impl PanicOrDefault for u64 {
    fn value() -> Self {
        0
    }
}

impl PanicOrDefault for *const c_char {
    fn value() -> Self {
        std::ptr::null()
    }
}

/// Runs the body, catching any panic; see the module docs.
macro_rules! ffi_panic_boundary {
    ( $($body:tt)* ) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(ret) => ret,
            Err(_) => <_ as $crate::panic::PanicOrDefault>::value(),
        }
    };
}

pub(crate) use ffi_panic_boundary;

#[cfg(test)]
mod tests {
    use super::*;

    fn panics() -> ftps_result {
        ffi_panic_boundary! {
            if std::hint::black_box(true) {
                panic!("a bug");
            }
            ftps_result::Ok
        }
    }

    fn panics_in_a_getter() -> usize {
        ffi_panic_boundary! {
            let v: Vec<usize> = Vec::new();
            v[std::hint::black_box(3)]
        }
    }

    #[test]
    fn a_panic_becomes_a_result_code_or_a_default() {
        assert_eq!(panics(), ftps_result::Panic);
        assert_eq!(panics_in_a_getter(), 0);
    }
}
