//! `213` replies to SIZE and MDTM, the size in a `150` reply, and the bare helpers
//! `parse_u64` and `DateTime::parse_ftp` (also used for MLSD `modify`).
//!
//! Asserts: no panic; every accepted number is exactly the digits in the text
//! (leading zeros aside) and re-parses from its decimal form; every accepted time is
//! valid, was written in the text, survives `to_ftp` -> `parse_ftp`, the Unix
//! timestamp round trip and the `SystemTime` round trip.
#![no_main]

use ftps_core::DateTime;
use ftps_core::parsers::{parse_150_size, parse_213_size, parse_213_time, parse_u64};
use ftps_core_fuzz::{contains, reply_text};
use libfuzzer_sys::fuzz_target;

fn check_number(digits: &[u8], n: u64) {
    assert!(!digits.is_empty() && digits.iter().all(u8::is_ascii_digit));
    let nz = digits
        .iter()
        .position(|&b| b != b'0')
        .unwrap_or(digits.len() - 1);
    assert_eq!(
        &digits[nz..],
        n.to_string().as_bytes(),
        "{n} from {digits:?}"
    );
    assert_eq!(parse_u64(n.to_string().as_bytes()), Some(n));
}

fn check_time(text: &[u8], t: DateTime) {
    assert!(t.is_valid(), "invalid time {t:?} from {text:?}");
    // The date and clock digits were written as such (a leap second 60 reads as 59.999999999).
    let ymdhm = format!(
        "{:04}{:02}{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    );
    assert!(text.starts_with(ymdhm.as_bytes()), "{t:?} from {text:?}");
    let again = DateTime::parse_ftp(t.to_ftp().as_bytes());
    assert_eq!(again, Some(t), "to_ftp {:?} does not re-parse", t.to_ftp());
    assert_eq!(
        DateTime::from_unix_timestamp(t.unix_timestamp()),
        Some(t.truncate_to_seconds())
    );
    if let Some(st) = t.checked_to_system_time() {
        assert_eq!(DateTime::from_system_time(st), Some(t));
    }
    let _ = t.to_system_time();
    let _ = t.to_string();
}

fuzz_target!(|data: &[u8]| {
    for text in [data, reply_text(data)] {
        if let Ok(n) = parse_213_size(text) {
            check_number(text.trim_ascii(), n);
        }
        if let Ok(t) = parse_213_time(text) {
            check_time(text.trim_ascii(), t);
        }
        if let Some(t) = DateTime::parse_ftp(text) {
            check_time(text, t);
        }
        if let Some(n) = parse_u64(text) {
            check_number(text, n);
        }
        if let Some(n) = parse_150_size(text) {
            assert!(contains(text, b" bytes)") || contains(text, b" Bytes)"));
            let s = n.to_string();
            assert!(contains(text, s.as_bytes()) || n == 0);
        }
    }
});
