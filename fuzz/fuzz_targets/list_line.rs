//! LIST lines (Unix `ls -l`, NetWare, DOS/IIS) and NLST lines, with a fixed `now`
//! (2026-11-25 12:00:00) so runs are reproducible; two extreme `now`s (year 0 and
//! 9999-12-31) are only checked for panics.
//!
//! Asserts: no panic; `raw` is the line without its ending; the name is non-empty and
//! written in the line (for symlinks, `name -> target` is); `.`/`..` directories get
//! their own kinds; times are valid, and a year-less time is never more than a day
//! after `now` nor more than 8 years before it; LIST entries carry no facts; a whole
//! listing gives the same entries as its lines one by one; NLST keeps the bytes.
#![no_main]

use ftps_core::DateTime;
use ftps_core::parsers::{FUTURE_GRACE_SECS, parse_list, parse_list_line, parse_nlst_line};
use ftps_core::{Entry, EntryKind};
use ftps_core_fuzz::{contains, strip_eol};
use libfuzzer_sys::fuzz_target;

fn now() -> DateTime {
    DateTime::new(2026, 11, 25, 12, 0, 0).unwrap()
}

fn check(line: &[u8], e: &Entry, now: DateTime) {
    let raw = strip_eol(line);
    assert_eq!(e.raw, raw);
    assert!(!e.name.is_empty(), "empty name");
    assert!(e.facts.is_empty());
    match &e.link_target {
        Some(t) => {
            assert_eq!(e.kind, EntryKind::Symlink);
            let mut joined = e.name.clone();
            joined.extend_from_slice(b" -> ");
            joined.extend_from_slice(t);
            assert!(
                raw.ends_with(&joined),
                "symlink name/target not the end of the line"
            );
        }
        None => assert!(raw.ends_with(&e.name), "name is not the end of the line"),
    }
    if e.name == b"." || e.name == b".." {
        assert_ne!(e.kind, EntryKind::Dir, "`.`/`..` kept as Dir");
    }
    if let Some(m) = e.modified {
        assert!(m.is_valid(), "invalid time {m:?}");
        if year_less(raw) {
            let t = m.unix_timestamp();
            assert!(
                t <= now.unix_timestamp() + FUTURE_GRACE_SECS,
                "inferred year puts {m:?} in the future of {now:?}"
            );
            assert!(m.year + 8 >= now.year, "inferred year {m:?} too far back");
        }
    }
    if let Some(p) = &e.permissions {
        assert!(!p.is_empty() && contains(raw, p.as_bytes()));
    }
    let _ = e.name_lossy();
}

/// A crude test for the `Mon DD HH:MM` shape: no 4-digit year token and no
/// ISO or DOS date anywhere, but a month name and a clock. Only used to pick
/// lines for the future-date check, so being conservative is fine.
fn year_less(raw: &[u8]) -> bool {
    let toks: Vec<&[u8]> = raw
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|t| !t.is_empty())
        .take(24)
        .collect();
    let month = |t: &[u8]| {
        t.len() == 3
            && [
                b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct",
                b"nov", b"dec",
            ]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(t))
    };
    let has_month = toks.iter().any(|t| month(t));
    let has_year = toks
        .iter()
        .any(|t| t.len() == 4 && t.iter().all(u8::is_ascii_digit));
    let has_numeric_date = toks.iter().any(|t| {
        t.iter()
            .filter(|&&b| b == b'-' || b == b'/' || b == b'.')
            .count()
            >= 2
    });
    has_month && !has_year && !has_numeric_date
}

fuzz_target!(|data: &[u8]| {
    let now = now();
    if let Some(e) = parse_list_line(data, now) {
        check(data, &e, now);
    }
    // Whole listing = its lines one by one.
    let all = parse_list(data, now);
    let mut one_by_one = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if let Some(e) = parse_list_line(line, now) {
            check(line, &e, now);
            one_by_one.push(e);
        }
    }
    assert_eq!(all, one_by_one);

    // Clock edges: only "no panic".
    for edge in [
        DateTime::new(0, 1, 1, 0, 0, 0).unwrap(),
        DateTime::new(9999, 12, 31, 23, 59, 59).unwrap(),
    ] {
        let _ = parse_list_line(data, edge);
    }

    // NLST keeps the line byte for byte.
    match parse_nlst_line(data) {
        Some(name) => assert_eq!(name, strip_eol(data)),
        None => assert!(strip_eol(data).is_empty()),
    }
});
