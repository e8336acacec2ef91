//! Directory listing parsers: `MLSD`/`MLST` (RFC 3659), `LIST` (Unix `ls -l`
//! style, NetWare style and DOS/IIS style) and `NLST`, plus a bounded,
//! incremental [`LineSplitter`] for the data connection's byte stream.
//!
//! A parsed line is an [`Entry`], a whole listing as the client's listing calls return it
//! a [`Listing`]. Each format has a file of its own: `mlsx`, `unix` (with NetWare), `dos`;
//! `date` reads the dates of `LIST` lines, `splitter` holds the [`LineSplitter`].
//!
//! All parsers are total functions over bytes: they never panic, reject
//! what they do not understand by returning `None`, and keep names as raw
//! bytes (no UTF-8 requirement). A listing is parsed line by line, so one
//! odd line only loses that line.
//!
//! # `LIST` rules
//!
//! * Format selection is by content: a line is tried as Unix/NetWare first,
//!   then as DOS/IIS. `total 12` lines and anything unrecognised give `None`.
//! * **Unix**: the first column must be a mode string such as `-rw-r--r--`,
//!   optionally followed by one of `+` (ACL), `@` (extended attributes) or
//!   `.` (SELinux context). The link count, owner and group columns are
//!   optional; the parser looks for the first date among the first
//!   [`MAX_HEADER_TOKENS`](unix::MAX_HEADER_TOKENS) columns whose preceding column is the size. Dates
//!   may be `Nov 25 03:52`, `Nov 25  2024`, `25 Nov 03:52` (day first),
//!   `2026-11-25 03:52[:SS[.fraction]]` and `ls --full-time`'s
//!   `2026-11-25 03:52:00.000000000 +0100` (the offset is applied).
//! * The name is everything after the single space that follows the date,
//!   so names with inner, leading or trailing spaces survive. Only for
//!   symlinks (`l` type) the name is split at the first `" -> "` into
//!   [`Entry::name`] and [`Entry::link_target`].
//! * **Year inference** for `Nov 25 03:52` (no year): the most recent
//!   matching date that is at most [`FUTURE_GRACE_SECS`] (one day) after
//!   `now`. This is GNU `ls`'s rule (times are shown for files from the last
//!   six months that are not in the future), with a day of slack for clock
//!   skew and time zones, as FileZilla and Apache Commons Net do. It is also
//!   right for servers that show times for every date of the current year.
//!   `Feb 29` picks the most recent leap year.
//! * `LIST` times are the server's local time; they are returned as if they
//!   were UTC (the offset is unknown), except with `--full-time` offsets.
//! * **Size**: a size column with more digits than fit in `u64` keeps the
//!   entry but gives `size: None`; block and character devices (`b`/`c`,
//!   `1,   3` columns) always have `size: None`.
//! * Directory entries named exactly `.` / `..` get
//!   [`EntryKind::CurrentDir`] / [`EntryKind::ParentDir`], as in `MLSD`.
//! * **NetWare**: `d [RWCEAFMS] owner 512 Jan 16 18:53 name`; permissions are
//!   the bracket contents, and all spaces before the name are skipped.
//! * **DOS/IIS**: `MM-DD-YY  HH:MMAM  <DIR>|size  name`. Two-digit years:
//!   `00..=68` are 20xx, `69..=99` are 19xx (POSIX `%y`). A four-digit first
//!   part means `YYYY-MM-DD`; `DD.MM.YYYY` uses dots; a first part above 12
//!   with a second part up to 12 is read as day-month. 12-hour (`AM`/`PM`,
//!   attached or separate) and 24-hour clocks are accepted. Sizes may have
//!   thousands separators (`1,234`). `<DIR>` is a directory, `<JUNCTION>`,
//!   `<SYMLINK>` and `<SYMLINKD>` are symlinks. All whitespace before the
//!   name is skipped (the column width varies between servers).
//!
//! # `MLSD` / `MLST` rules
//!
//! See [`parse_mlsx_line`].

mod bytes;
mod date;
mod dos;
mod mlsx;
mod splitter;
#[cfg(test)]
mod testutil;
mod unix;

use std::borrow::Cow;

use crate::time::DateTime;
use bytes::strip_eol;

pub use date::FUTURE_GRACE_SECS;
pub use mlsx::parse_mlsx_line;
pub use splitter::{LineSplitter, LineTooLong};

/// What kind of thing an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntryKind {
    /// A regular file (`type=file`, `-` mode, DOS size column).
    File,
    /// A directory (`type=dir`, `d` mode, `<DIR>`).
    Dir,
    /// A symbolic link (`type=OS.unix=symlink`/`slink:…`, `l` mode,
    /// `<JUNCTION>`/`<SYMLINK>`/`<SYMLINKD>`).
    Symlink,
    /// The listed directory itself (`MLSD` `type=cdir`, or a `LIST` directory named `.`).
    CurrentDir,
    /// The parent directory (`MLSD` `type=pdir`, or a `LIST` directory named `..`).
    ParentDir,
    /// Anything else: devices, pipes, sockets, unknown or missing `type`.
    Other,
}

/// One entry of a listing. New fields may be added: build one with
/// [`Entry::name_only`] (or get it from a parser), not with a struct literal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The name, as bytes exactly as sent (for `LIST` symlinks: the part
    /// before `" -> "`). Never empty.
    pub name: Vec<u8>,
    /// What kind of entry this is.
    pub kind: EntryKind,
    /// Size in bytes, if known and representable.
    pub size: Option<u64>,
    /// Last modification time, if known and valid.
    pub modified: Option<DateTime>,
    /// Symlink target: `LIST` `"name -> target"`, or `MLSD`
    /// `type=OS.unix=slink:target`.
    pub link_target: Option<Vec<u8>>,
    /// Permissions: for `LIST` the nine mode characters (`rwxr-xr-x`, or the
    /// NetWare bracket contents); for `MLSD` the `unix.mode` fact rendered
    /// the same way (`rw-r--r--`) when present and valid octal, otherwise
    /// the raw `perm` fact (`adfr`).
    pub permissions: Option<String>,
    /// `MLSD`/`MLST` facts in line order: names lowercased, values raw.
    /// Empty for `LIST`.
    pub facts: Vec<(String, Vec<u8>)>,
    /// The whole original line without its line ending.
    pub raw: Vec<u8>,
}

impl Entry {
    /// An entry known only by its name (an `NLST` line): kind
    /// [`EntryKind::Other`], no facts, `raw` the name.
    pub fn name_only(name: Vec<u8>) -> Entry {
        Entry {
            raw: name.clone(),
            name,
            kind: EntryKind::Other,
            size: None,
            modified: None,
            link_target: None,
            permissions: None,
            facts: Vec::new(),
        }
    }

    /// The name as text, with invalid UTF-8 replaced by U+FFFD.
    pub fn name_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.name)
    }

    /// Whether this is a directory ([`EntryKind::Dir`] only; the
    /// `.`/`..`-like [`EntryKind::CurrentDir`] and [`EntryKind::ParentDir`]
    /// are excluded so recursive walks do not loop).
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }

    /// Whether this is a regular file.
    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }

    /// Whether this is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.kind == EntryKind::Symlink
    }

    /// The raw value of the first fact called `name` (ASCII case-insensitive).
    pub fn fact(&self, name: &str) -> Option<&[u8]> {
        self.facts
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// A parsed listing. Iterating over it (`for e in listing`) yields the entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Listing {
    /// The entries, in the server's order (MLSD `cdir`/`pdir` entries left out).
    pub entries: Vec<Entry>,
    /// Lines that did not parse or were too long.
    pub skipped: Vec<Vec<u8>>,
}

impl Listing {
    /// The entries.
    pub fn iter(&self) -> std::slice::Iter<'_, Entry> {
        self.entries.iter()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A listing of these entries, nothing skipped.
    pub fn from_entries(entries: Vec<Entry>) -> Listing {
        Listing {
            entries,
            skipped: Vec::new(),
        }
    }
}

impl IntoIterator for Listing {
    type Item = Entry;
    type IntoIter = std::vec::IntoIter<Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Listing {
    type Item = &'a Entry;
    type IntoIter = std::slice::Iter<'a, Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// Parse one LIST line: Unix `ls -l` style (with or without link count and
/// group, named or numeric owners, devices, symlinks, ACL/xattr/SELinux
/// suffixes, month-name, day-first and numeric dates), NetWare style, or
/// DOS/IIS style. The format is picked by content (Unix/NetWare first, then
/// DOS). `now` is used only to infer the year of year-less dates.
///
/// Returns `None` for `total N` lines, blank lines and anything unrecognised.
/// The detailed rules are in the documentation of the `list` module (source).
pub fn parse_list_line(line: &[u8], now: DateTime) -> Option<Entry> {
    let raw = strip_eol(line);
    unix::parse_unix(raw, now).or_else(|| dos::parse_dos(raw))
}

/// Parse one NLST line: the name is the line without its line ending, kept
/// byte for byte (a `./` prefix that some servers add is kept too, and so
/// are leading/trailing spaces). `None` for an empty line.
pub fn parse_nlst_line(line: &[u8]) -> Option<Vec<u8>> {
    let name = strip_eol(line);
    if name.is_empty() {
        None
    } else {
        Some(name.to_vec())
    }
}

/// Parses a complete `LIST` listing held in memory, skipping lines that
/// [`parse_list_line`] does not recognise.
pub fn parse_list(data: &[u8], now: DateTime) -> Vec<Entry> {
    data.split(|&b| b == b'\n')
        .filter_map(|l| parse_list_line(l, now))
        .collect()
}

/// Parses a complete `MLSD` listing held in memory, skipping lines that
/// [`parse_mlsx_line`] does not recognise.
pub fn parse_mlsd(data: &[u8]) -> Vec<Entry> {
    data.split(|&b| b == b'\n')
        .filter_map(parse_mlsx_line)
        .collect()
}

/// Parses a complete `NLST` listing held in memory into names, skipping
/// empty lines.
pub fn parse_nlst(data: &[u8]) -> Vec<Vec<u8>> {
    data.split(|&b| b == b'\n')
        .filter_map(parse_nlst_line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use testutil::*;

    #[test]
    fn list_huge_sizes() {
        let e = list(b"-rw-r--r-- 1 u g 99999999999999999999 Nov 25 03:52 huge");
        assert_eq!(e.size, None);
        assert_eq!(e.name, b"huge");
        let e = list(b"-rw-r--r-- 1 u g 18446744073709551615 Nov 25 03:52 max");
        assert_eq!(e.size, Some(u64::MAX));
        let e = list(b"11-25-26  03:52PM     99999999999999999999 huge");
        assert_eq!(e.size, None);
        assert_eq!(e.kind, EntryKind::File);
    }

    #[test]
    fn list_latin1_and_invalid_utf8_names() {
        let e = list(b"-rw-r--r--    1 1001     1001            6 Nov 25 03:52 caf\xe9.txt");
        assert_eq!(e.name, b"caf\xe9.txt");
        assert_eq!(e.name_lossy(), "caf\u{fffd}.txt");
        let e =
            list(b"-rw-r--r--    1 1001     1001            6 Nov 25 03:52 \xc3\x28\xa0\xa1\xff");
        assert_eq!(e.name, b"\xc3\x28\xa0\xa1\xff");
        let e = list(b"-rw-r--r--    1 \xe9t\xe9   1001            6 Nov 25 03:52 x");
        assert_eq!(e.name, b"x");
        let e = list(b"11-25-26  03:52PM                 1234 r\xe9sum\xe9.doc");
        assert_eq!(e.name, b"r\xe9sum\xe9.doc");
    }

    #[test]
    fn list_rejects() {
        for bad in [
            &b""[..],
            b"\r\n",
            b"   ",
            b"\t \t",
            b"total 12",
            b"total 0\r\n",
            b"hello.txt",
            b"-rw-r--r--",
            b"-rw-r--r--    1 1001     1001            6",
            b"-rw-r--r--    1 1001     1001            6 Nov",
            b"-rw-r--r--    1 1001     1001            6 Nov 25",
            b"-rw-r--r--    1 1001     1001            6 Nov 25 03:52",
            b"-rw-r--r--    1 1001     1001            6 Nov 25 03:52 ",
            b"-rw-r--r--    1 1001     1001          six Nov 25 03:52 x",
            b"-rw-r--r--    1 1001     1001            6 Xyz 25 03:52 x",
            b"-rw-r--r--    1 1001     1001            6 Nov 32 03:52 x",
            b"-rw-r--r--    1 1001     1001            6 Nov 25 3:5 x",
            b"-rw-r--r--    1 1001     1001            6 Nov 25 24:00 x",
            b"550 No files found",
            b"11-25-26",
            b"11-25-26  03:52AM",
            b"11-25-26  03:52AM       <DIR>",
            b"11-25-26  03:52AM       <DIR>          ",
            b"11-25-26  13:52PM       <DIR>          x",
            b"11-25-26  03:52AM       12ab          x",
            b"11-25-26  03:52AM       ,12          x",
            b"11-25-2  03:52AM       12          x",
        ] {
            assert_eq!(
                parse_list_line(bad, now()),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn nlst_lines() {
        assert_eq!(
            parse_nlst_line(b"hello.txt\r\n"),
            Some(b"hello.txt".to_vec())
        );
        assert_eq!(
            parse_nlst_line(b"./hello.txt\n"),
            Some(b"./hello.txt".to_vec())
        );
        assert_eq!(
            parse_nlst_line(b" spaced name "),
            Some(b" spaced name ".to_vec())
        );
        assert_eq!(parse_nlst_line(b"caf\xe9"), Some(b"caf\xe9".to_vec()));
        assert_eq!(parse_nlst_line(b""), None);
        assert_eq!(parse_nlst_line(b"\r\n"), None);
        assert_eq!(parse_nlst_line(b"\n"), None);
        // Only the line ending is removed: a blank name is still a name.
        assert_eq!(parse_nlst_line(b"   \r\n"), Some(b"   ".to_vec()));
        assert_eq!(
            parse_nlst(b"a\r\nb\n\n./c\r\n\r\nlast"),
            vec![
                b"a".to_vec(),
                b"b".to_vec(),
                b"./c".to_vec(),
                b"last".to_vec()
            ]
        );
    }

    #[test]
    fn whole_listings_skip_odd_lines() {
        let data = b"total 12\r\n\
drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2024 dir\r\n\
garbage line here\r\n\
-rw-r--r--    1 1001     1001            6 Nov 25 03:52 hello.txt\r\n\
\r\n\
lrwxrwxrwx    1 0        0               9 Nov 25 03:52 link -> hello.txt";
        let entries = parse_list(data, now());
        let names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
        assert_eq!(names, vec![&b"dir"[..], b"hello.txt", b"link"]);

        let data = b"type=cdir;modify=20261125035200; .\r\n\
type=pdir;modify=20261125035200; ..\r\n\
type=file;size=6;modify=20261125035200; hello.txt\r\n\
this is not mlsd\r\n\
type=dir;modify=20261125035200; sub\n";
        let entries = parse_mlsd(data);
        let kinds: Vec<EntryKind> = entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                EntryKind::CurrentDir,
                EntryKind::ParentDir,
                EntryKind::File,
                EntryKind::Dir
            ]
        );
        assert!(parse_list(b"", now()).is_empty());
        assert!(parse_mlsd(b"").is_empty());
        assert!(parse_nlst(b"").is_empty());
    }

    // ---------------- robustness ----------------

    const REAL_LINES: &[&[u8]] = &[
        b"-rw-r--r--    1 1001     1001            6 Nov 25 03:52 hello.txt",
        b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2024 dir",
        b"lrwxrwxrwx    1 0        0               7 Nov 25 03:52 link -> target",
        b"crw-rw-rw-    1 0        0          1,   3 Nov 25 03:52 null",
        b"-rw-r--r-- 1 ftp ftp            6 Nov 25 03:52 hello.txt",
        b"-rw-r--r-- 1 root root 6 2026-11-25 03:52:00.123456789 +0100 full",
        b"d [R----F--] supervisor            512       Jan 16 18:53    login",
        b"modify=20261125035200;perm=adfr;size=6;type=file;unique=803U1;UNIX.group=1001;UNIX.groupname=ftpuser;UNIX.mode=0644;UNIX.owner=1001;UNIX.ownername=ftpuser; hello.txt",
        b"type=file;size=6;modify=20261125035200;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=803g1a3; hello.txt",
        b"type=OS.unix=slink:/target;modify=20261125035200.5; l",
        b" type=cdir;modify=20261125035200; /",
        b"11-25-26  03:52AM       <DIR>          New folder",
        b"11-25-26  03:52PM                 1234 report 2026.txt",
        b"11/25/2026  03:52 PM    1,234,567 spaced ampm",
        b"total 12",
    ];

    fn all_parsers(input: &[u8]) {
        for n in [now(), dt(0, 1, 1, 0, 0, 0), dt(9999, 12, 31, 23, 59, 59)] {
            if let Some(e) = parse_list_line(input, n) {
                assert!(!e.name.is_empty());
                assert!(e.raw.len() <= input.len());
                if let Some(m) = e.modified {
                    assert!(m.is_valid());
                }
            }
        }
        if let Some(e) = parse_mlsx_line(input) {
            assert!(!e.name.is_empty());
            assert!(e.raw.len() <= input.len());
        }
        let _ = parse_nlst_line(input);
        let _ = DateTime::parse_ftp(input);
        let mut s = LineSplitter::new(32);
        s.push(input);
        s.finish();
        for l in s.by_ref().flatten() {
            assert!(l.len() <= 32);
        }
    }

    #[test]
    fn truncations_of_real_lines_do_not_panic() {
        for line in REAL_LINES {
            for cut in 0..=line.len() {
                all_parsers(line.get(..cut).unwrap());
                all_parsers(line.get(cut..).unwrap());
            }
        }
    }

    #[test]
    fn fuzz_no_panic() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces: &[&[u8]] = &[
            b" ",
            b"  ",
            b"-rw-r--r--",
            b"d",
            b"l",
            b"1",
            b"Nov",
            b"25",
            b"03:52",
            b"2024",
            b"->",
            b";",
            b"=",
            b"type=file",
            b"size=",
            b"modify=",
            b"20261125035200",
            b".123",
            b"<DIR>",
            b"11-25-26",
            b"03:52PM",
            b"AM",
            b"\r",
            b"\n",
            b"\xff",
            b"\xe9",
            b"[RWC]",
            b"+0100",
            b"2026-11-25",
            b"99999999999999999999",
            b",",
            b"unix.mode=",
            b"0755",
            b":",
        ];
        for round in 0..4000 {
            let mut input = Vec::new();
            let parts = next() % 20;
            for _ in 0..parts {
                let r = next();
                if r % 3 == 0 {
                    input.push((r >> 16) as u8);
                } else {
                    input.extend_from_slice(pieces[(r >> 16) as usize % pieces.len()]);
                }
            }
            all_parsers(&input);
            // Mutate a real line at a random byte.
            let base = REAL_LINES[round % REAL_LINES.len()];
            let mut m = base.to_vec();
            if !m.is_empty() {
                let r = next();
                let idx = (r as usize) % m.len();
                m[idx] = (r >> 32) as u8;
            }
            all_parsers(&m);
        }
    }

    #[test]
    fn one_mib_junk_line() {
        let mut junk = Vec::with_capacity(1 << 20);
        let mut state = 0xDEAD_BEEF_u64;
        while junk.len() < 1 << 20 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            junk.push(if state.is_multiple_of(5) {
                b' '
            } else {
                state as u8
            });
        }
        all_parsers(&junk);
        let spaces = vec![b' '; 1 << 20];
        all_parsers(&spaces);
        assert!(parse_list_line(&spaces, now()).is_none());
        assert!(parse_mlsx_line(&spaces).is_none());
        assert!(parse_list_line(&junk, now()).is_none());
        let mut long_name = b"-rw-r--r-- 1 u g 6 Nov 25 03:52 ".to_vec();
        long_name.extend(std::iter::repeat_n(b'n', 1 << 20));
        let e = list(&long_name);
        assert_eq!(e.name.len(), 1 << 20);
        let mut long_facts = b"type=file;".repeat(100_000);
        long_facts.extend_from_slice(b" x");
        assert_eq!(mlsx(&long_facts).facts.len(), 100_000);
    }
}
