//! Small byte helpers shared by the listing parsers: line endings, blanks, digits,
//! whitespace-separated columns.

use super::EntryKind;

/// Removes one trailing line ending (`\r\n`, `\n` or `\r`).
pub(super) fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

pub(super) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(super) fn trim_start_blanks(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_blank(b)).count();
    s.get(n..).unwrap_or(&[])
}

/// Parses a non-empty run of ASCII digits; `None` on anything else or overflow.
pub(super) fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &c| {
        if c.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(c - b'0'))
        } else {
            None
        }
    })
}

/// Small unsigned number of 1..=`max_len` digits.
pub(super) fn parse_small(s: &[u8], max_len: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_len {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &c| {
        if c.is_ascii_digit() {
            Some(acc * 10 + u32::from(c - b'0'))
        } else {
            None
        }
    })
}

/// Whitespace-separated columns as `(start, end)` byte offsets.
#[derive(Clone)]
pub(super) struct Tokens<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(s: &'a [u8]) -> Self {
        Tokens { s, pos: 0 }
    }
}

impl Iterator for Tokens<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        while self.s.get(self.pos).is_some_and(|&b| is_blank(b)) {
            self.pos += 1;
        }
        if self.pos >= self.s.len() {
            return None;
        }
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(|&b| !is_blank(b)) {
            self.pos += 1;
        }
        Some((start, self.pos))
    }
}

pub(super) fn slice(s: &[u8], (a, b): (usize, usize)) -> &[u8] {
    s.get(a..b).unwrap_or(&[])
}

/// `.`/`..` directories become the special kinds.
pub(super) fn special_dir_kind(kind: EntryKind, name: &[u8]) -> EntryKind {
    match (kind, name) {
        (EntryKind::Dir, b".") => EntryKind::CurrentDir,
        (EntryKind::Dir, b"..") => EntryKind::ParentDir,
        _ => kind,
    }
}
