//! MLSD/MLST lines (RFC 3659 facts), one line and a whole listing.
//!
//! Asserts: no panic; an entry's `raw` is the line without its ending and its name is
//! a non-empty suffix of it; facts keep line order, names lowercased, and appear in
//! the line; `size`, `modified`, `kind`, `link_target` and `permissions` agree with
//! the first matching fact; a whole listing yields at most one entry per line, the
//! same entries as parsing its lines one by one.
#![no_main]

use ftps_core::DateTime;
use ftps_core::parsers::parse_u64;
use ftps_core::parsers::{parse_mlsd, parse_mlsx_line};
use ftps_core::{Entry, EntryKind};
use ftps_core_fuzz::{contains, strip_eol};
use libfuzzer_sys::fuzz_target;

fn check(line: &[u8], e: &Entry) {
    let raw = strip_eol(line);
    assert_eq!(e.raw, raw);
    assert!(!e.name.is_empty(), "empty name");
    assert!(raw.ends_with(&e.name), "name is not the end of the line");
    for (k, v) in &e.facts {
        assert!(!k.is_empty());
        assert!(
            !k.bytes().any(|b| b.is_ascii_uppercase()),
            "fact name {k:?} not lowercased"
        );
        assert!(contains(raw, v), "fact value not from the line");
    }
    let first = |key: &str| {
        e.facts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    };
    let size = match first("size") {
        Some(v) => parse_u64_any(v),
        None => first("sizd").and_then(parse_u64_any),
    };
    assert_eq!(e.size, size);
    assert_eq!(e.modified, first("modify").and_then(DateTime::parse_ftp));
    if let Some(m) = e.modified {
        assert!(m.is_valid());
    }
    match first("type").map(<[u8]>::to_ascii_lowercase).as_deref() {
        None => assert_eq!(e.kind, EntryKind::Other),
        Some(b"file") => assert_eq!(e.kind, EntryKind::File),
        Some(b"dir") => assert_eq!(e.kind, EntryKind::Dir),
        Some(b"cdir") => assert_eq!(e.kind, EntryKind::CurrentDir),
        Some(b"pdir") => assert_eq!(e.kind, EntryKind::ParentDir),
        Some(t) if t.starts_with(b"os.unix=slink") || t == b"os.unix=symlink" => {}
        Some(_) => assert_eq!(e.kind, EntryKind::Other),
    }
    if e.link_target.is_some() {
        assert_eq!(e.kind, EntryKind::Symlink);
    }
    if let Some(t) = &e.link_target {
        assert!(!t.is_empty() && contains(raw, t));
    }
    if first("unix.mode").is_none() && first("perm").is_none() {
        assert_eq!(e.permissions, None);
    }
    assert_eq!(e.is_dir(), e.kind == EntryKind::Dir);
    let _ = e.name_lossy();
    let _ = e.fact("TYPE");
}

/// Digits only, any length: `None` on overflow (the parser's own rule for `size`).
fn parse_u64_any(v: &[u8]) -> Option<u64> {
    if v.len() <= 20 {
        return parse_u64(v);
    }
    let nz = v.iter().position(|&b| b != b'0').unwrap_or(v.len());
    if !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if nz == v.len() {
        return Some(0);
    }
    parse_u64(&v[nz..])
}

fuzz_target!(|data: &[u8]| {
    if let Some(e) = parse_mlsx_line(data) {
        check(data, &e);
    }
    let all = parse_mlsd(data);
    let mut one_by_one = Vec::new();
    let mut lines = 0usize;
    for line in data.split(|&b| b == b'\n') {
        lines += 1;
        if let Some(e) = parse_mlsx_line(line) {
            assert!(!e.raw.contains(&b'\n'));
            check(line, &e);
            one_by_one.push(e);
        }
    }
    assert!(all.len() <= lines);
    assert_eq!(all, one_by_one);
});
