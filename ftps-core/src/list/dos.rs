//! DOS / IIS style `LIST` lines: `MM-DD-YY  HH:MMAM  <DIR>|size  name`.

use super::bytes::{Tokens, parse_small, parse_u64, slice, special_dir_kind, trim_start_blanks};
use super::date::{build, parse_clock};
use super::{Entry, EntryKind};

fn parse_dos_date(t: &[u8]) -> Option<(u16, u8, u8)> {
    let sep = *t.iter().find(|&&b| b == b'-' || b == b'/' || b == b'.')?;
    let mut p = t.split(|&b| b == sep);
    let (a, b, c) = (p.next()?, p.next()?, p.next()?);
    if p.next().is_some() {
        return None;
    }
    let year_of = |y: &[u8]| -> Option<u16> {
        let v = parse_small(y, 4)?;
        match y.len() {
            2 if v <= 68 => Some(2000 + u16::try_from(v).ok()?),
            2 => Some(1900 + u16::try_from(v).ok()?),
            4 => u16::try_from(v).ok(),
            _ => None,
        }
    };
    let two = |x: &[u8]| -> Option<u8> {
        if x.is_empty() || x.len() > 2 {
            return None;
        }
        u8::try_from(parse_small(x, 2)?).ok()
    };
    if a.len() == 4 {
        // YYYY-MM-DD
        return Some((year_of(a)?, two(b)?, two(c)?));
    }
    let (x, y, year) = (two(a)?, two(b)?, year_of(c)?);
    let (month, day) = if sep == b'.' || (x > 12 && y <= 12) {
        (y, x)
    } else {
        (x, y)
    };
    Some((year, month, day))
}

/// Splits an attached `AM`/`PM` suffix off a time column.
fn split_ampm(t: &[u8]) -> (&[u8], Option<bool>) {
    let cut = t.len().saturating_sub(2);
    if let (Some(head), Some(tail)) = (t.get(..cut), t.get(cut..))
        && tail.len() == 2
    {
        if tail.eq_ignore_ascii_case(b"AM") {
            return (head, Some(false));
        }
        if tail.eq_ignore_ascii_case(b"PM") {
            return (head, Some(true));
        }
    }
    (t, None)
}

pub(super) fn parse_dos(raw: &[u8]) -> Option<Entry> {
    let mut toks = Tokens::new(raw);
    let (year, month, day) = parse_dos_date(slice(raw, toks.next()?))?;
    let (clock_tok, mut pm) = split_ampm(slice(raw, toks.next()?));
    if pm.is_none() {
        let mut peek = toks.clone();
        if let Some(t) = peek.next() {
            let t = slice(raw, t);
            if t.eq_ignore_ascii_case(b"AM") || t.eq_ignore_ascii_case(b"PM") {
                pm = Some(t.eq_ignore_ascii_case(b"PM"));
                toks = peek;
            }
        }
    }
    let mut clock = parse_clock(clock_tok)?;
    if let Some(pm) = pm {
        if clock.hour > 12 {
            return None;
        }
        clock.hour = clock.hour % 12 + if pm { 12 } else { 0 };
    }

    let what_pos = toks.next()?;
    let what = slice(raw, what_pos);
    let (kind, size) = if what.eq_ignore_ascii_case(b"<DIR>") {
        (EntryKind::Dir, None)
    } else if what.eq_ignore_ascii_case(b"<JUNCTION>")
        || what.eq_ignore_ascii_case(b"<SYMLINK>")
        || what.eq_ignore_ascii_case(b"<SYMLINKD>")
    {
        (EntryKind::Symlink, None)
    } else if what.first() == Some(&b'<') && what.last() == Some(&b'>') {
        (EntryKind::Other, None)
    } else {
        if what.first() == Some(&b',') || !what.iter().all(|&b| b.is_ascii_digit() || b == b',') {
            return None;
        }
        let digits: Vec<u8> = what.iter().copied().filter(|&b| b != b',').collect();
        (EntryKind::File, parse_u64(&digits))
    };

    let name = trim_start_blanks(raw.get(what_pos.1..)?);
    if name.is_empty() {
        return None;
    }
    Some(Entry {
        name: name.to_vec(),
        kind: special_dir_kind(kind, name),
        size,
        modified: build(year, month, day, clock),
        link_target: None,
        permissions: None,
        facts: Vec::new(),
        raw: raw.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use crate::list::EntryKind;
    use crate::list::testutil::*;

    #[test]
    fn iis_dir_and_file() {
        let e = list(b"11-25-26  03:52AM       <DIR>          New folder");
        assert_eq!(e.kind, EntryKind::Dir);
        assert_eq!(e.name, b"New folder");
        assert_eq!(e.size, None);
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        assert_eq!(e.permissions, None);
        let e = list(b"11-25-26  03:52PM                 1234 report 2026.txt\r\n");
        assert_eq!(e.kind, EntryKind::File);
        assert_eq!(e.name, b"report 2026.txt");
        assert_eq!(e.size, Some(1234));
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 15, 52, 0)));
        assert_eq!(
            e.raw,
            b"11-25-26  03:52PM                 1234 report 2026.txt".to_vec()
        );
    }

    #[test]
    fn dos_variants() {
        let e = list(b"11-25-2026  03:52PM  1234 name");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 15, 52, 0)));
        assert_eq!(e.size, Some(1234));
        let e = list(b"01-02-99  12:00AM  0 old");
        assert_eq!(e.modified, Some(dt(1999, 1, 2, 0, 0, 0)));
        let e = list(b"01-02-68  12:30PM  0 new");
        assert_eq!(e.modified, Some(dt(2068, 1, 2, 12, 30, 0)));
        let e = list(b"01-02-69  11:59PM  0 sixtynine");
        assert_eq!(e.modified, Some(dt(1969, 1, 2, 23, 59, 0)));
        let e = list(b"11/25/2026  03:52 PM    1,234,567 spaced ampm");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 15, 52, 0)));
        assert_eq!(e.size, Some(1_234_567));
        assert_eq!(e.name, b"spaced ampm");
        let e = list(b"2026-11-25  15:52    <DIR>  iso");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 15, 52, 0)));
        assert_eq!(e.kind, EntryKind::Dir);
        let e = list(b"25.11.2026  15:52    10 european");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 15, 52, 0)));
        let e = list(b"25-11-26  03:52am    10 dayfirst");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        let e = list(b"02-29-24  03:52AM    10 leap");
        assert_eq!(e.modified, Some(dt(2024, 2, 29, 3, 52, 0)));
        let e = list(b"02-29-23  03:52AM    10 notleap");
        assert_eq!(e.modified, None);
        assert_eq!(e.name, b"notleap");
        let e = list(b"11-25-26  03:52AM    <JUNCTION>     Application Data");
        assert_eq!(e.kind, EntryKind::Symlink);
        assert_eq!(e.name, b"Application Data");
        let e = list(b"11-25-26  03:52AM    <WEIRD>     thing");
        assert_eq!(e.kind, EntryKind::Other);
        let e = list(b"11-25-26  03:52AM       <DIR>          ..");
        assert_eq!(e.kind, EntryKind::ParentDir);
    }
}
