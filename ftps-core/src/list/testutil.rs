//! Helpers of the listing parsers' tests.

use super::{Entry, parse_list_line, parse_mlsx_line};
use crate::time::DateTime;

pub(crate) fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> DateTime {
    DateTime::new(y, mo, d, h, mi, s).expect("valid test date")
}

/// A fixed "now" for LIST tests: 2026-11-30T12:00:00Z.
pub(crate) fn now() -> DateTime {
    dt(2026, 11, 30, 12, 0, 0)
}

pub(crate) fn list(line: &[u8]) -> Entry {
    parse_list_line(line, now())
        .unwrap_or_else(|| panic!("no parse: {:?}", String::from_utf8_lossy(line)))
}

pub(crate) fn mlsx(line: &[u8]) -> Entry {
    parse_mlsx_line(line).unwrap_or_else(|| panic!("no parse: {:?}", String::from_utf8_lossy(line)))
}
