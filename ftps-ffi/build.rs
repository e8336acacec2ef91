//! Gives `libftps.so` its soname, so that distributions can package it and programs
//! linked against it keep working across compatible updates.
//!
//! The soname carries the ABI number, not the crate version: `libftps.so.0` stays as
//! long as the C ABI only grows (see README.md, "ABI promise").

/// The ABI number in the soname; bump it only for an incompatible ABI change.
const ABI_MAJOR: u32 = 0;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "illumos"
    ) {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libftps.so.{ABI_MAJOR}");
    }
}
