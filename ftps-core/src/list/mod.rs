//! Directory listing parsers: `MLSD`/`MLST` (RFC 3659), `LIST` (Unix `ls -l`
//! style, NetWare style and DOS/IIS style) and `NLST`, plus a bounded,
//! incremental [`LineSplitter`] for the data connection's byte stream.
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
//!   [`MAX_HEADER_TOKENS`] columns whose preceding column is the size. Dates
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

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;

use crate::time::DateTime;

/// How far in the future (relative to `now`) a year-less `LIST` date may lie
/// before the previous year is chosen instead: one day.
pub const FUTURE_GRACE_SECS: i64 = 86_400;

/// How many leading whitespace-separated columns of a Unix `LIST` line are
/// searched for the date. Bounds the work and memory for junk lines.
pub const MAX_HEADER_TOKENS: usize = 24;

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

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
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

// ---------------------------------------------------------------------------
// Small byte helpers
// ---------------------------------------------------------------------------

/// Removes one trailing line ending (`\r\n`, `\n` or `\r`).
fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_start_blanks(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_blank(b)).count();
    s.get(n..).unwrap_or(&[])
}

/// Parses a non-empty run of ASCII digits; `None` on anything else or overflow.
fn parse_u64(s: &[u8]) -> Option<u64> {
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
fn parse_small(s: &[u8], max_len: usize) -> Option<u32> {
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
struct Tokens<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn new(s: &'a [u8]) -> Self {
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

fn slice(s: &[u8], (a, b): (usize, usize)) -> &[u8] {
    s.get(a..b).unwrap_or(&[])
}

/// `.`/`..` directories become the special kinds.
fn special_dir_kind(kind: EntryKind, name: &[u8]) -> EntryKind {
    match (kind, name) {
        (EntryKind::Dir, b".") => EntryKind::CurrentDir,
        (EntryKind::Dir, b"..") => EntryKind::ParentDir,
        _ => kind,
    }
}

/// Renders the low 12 bits of a Unix mode as `rwxr-xr-x` (with `s`/`S`/`t`/`T`).
fn mode_to_rwx(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    // (read bit, write bit, exec bit, special bit, special char)
    let groups = [
        (0o400, 0o200, 0o100, 0o4000, 's'),
        (0o040, 0o020, 0o010, 0o2000, 's'),
        (0o004, 0o002, 0o001, 0o1000, 't'),
    ];
    for (r, w, x, special, ch) in groups {
        s.push(if mode & r != 0 { 'r' } else { '-' });
        s.push(if mode & w != 0 { 'w' } else { '-' });
        s.push(match (mode & x != 0, mode & special != 0) {
            (true, true) => ch,
            (false, true) => ch.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// Parses 1..=7 octal digits.
fn parse_octal(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 7 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &c| {
        if (b'0'..=b'7').contains(&c) {
            Some(acc * 8 + u32::from(c - b'0'))
        } else {
            None
        }
    })
}

// ---------------------------------------------------------------------------
// MLSD / MLST
// ---------------------------------------------------------------------------

/// Strict RFC 3659 split: `fact=value;` repeated, then one space, then the
/// name. Values may contain spaces but not `;`.
fn split_mlsx_strict(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut pos = 0usize;
    loop {
        match s.get(pos)? {
            b' ' => return Some((s.get(..pos)?, s.get(pos + 1..)?)),
            _ => {
                let rest = s.get(pos..)?;
                let semi = rest.iter().position(|&b| b == b';')?;
                let fact = rest.get(..semi)?;
                if !fact.is_empty() && !fact.contains(&b'=') {
                    return None;
                }
                pos += semi + 1;
            }
        }
    }
}

/// Lenient split for servers that omit the `;` after the last fact: the
/// first space ends the facts; every fact must contain `=`.
fn split_mlsx_lenient(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = s.iter().position(|&b| b == b' ')?;
    let facts = s.get(..sp)?;
    let name = s.get(sp + 1..)?;
    let mut any = false;
    for f in facts.split(|&b| b == b';').filter(|f| !f.is_empty()) {
        if !f.contains(&b'=') {
            return None;
        }
        any = true;
    }
    any.then_some((facts, name))
}

fn split_mlsx(s: &[u8]) -> Option<(&[u8], &[u8])> {
    split_mlsx_strict(s).or_else(|| split_mlsx_lenient(s))
}

/// Parse one MLSD/MLST line (RFC 3659): `fact=value;fact=value; name`.
/// Returns `None` if not parseable.
///
/// Rules:
///
/// * One trailing line ending is ignored. An `MLST` reply line starts with a
///   single space, which is stripped; if what follows has no facts, the line
///   is instead taken as an `MLSD` entry with no facts (`" name"`).
/// * Facts end at the first space that starts a new fact, so names may
///   contain spaces and `;`, and fact values may contain spaces. For servers
///   that omit the final `;`, the first space ends the facts.
/// * Fact names are matched case-insensitively and stored lowercased in
///   [`Entry::facts`] (in line order, duplicates kept; the first one wins for
///   the interpreted fields). Fact values are raw bytes.
/// * `type`: `file`, `dir`, `cdir`, `pdir` map to the [`EntryKind`] of the
///   same meaning, `OS.unix=symlink` and `OS.unix=slink[:target]` to
///   [`EntryKind::Symlink`] (with the target in [`Entry::link_target`]);
///   any other or a missing `type` gives [`EntryKind::Other`]. Case-insensitive.
/// * `size` (or, if absent, `sizd`) gives [`Entry::size`]; a value that is not
///   plain digits or overflows `u64` gives `None` without rejecting the line.
/// * `modify` gives [`Entry::modified`] via [`DateTime::parse_ftp`].
/// * [`Entry::permissions`]: `unix.mode` rendered as `rwxr-xr-x` when it is
///   valid octal (consistent with `LIST`), else the raw `perm` value (lossy UTF-8).
/// * The name must not be empty, and a line of only spaces/tabs is rejected.
pub fn parse_mlsx_line(line: &[u8]) -> Option<Entry> {
    let raw = strip_eol(line);
    if raw.iter().all(|&b| is_blank(b)) {
        return None;
    }
    let (facts_part, name) = match raw.strip_prefix(b" ") {
        Some(rest) => split_mlsx(rest).unwrap_or((&[], rest)),
        None => split_mlsx(raw)?,
    };
    if name.is_empty() {
        return None;
    }

    let mut facts: Vec<(String, Vec<u8>)> = Vec::new();
    for f in facts_part.split(|&b| b == b';') {
        let Some(eq) = f.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (Some(k), Some(v)) = (f.get(..eq), f.get(eq + 1..)) else {
            continue;
        };
        if k.is_empty() {
            continue;
        }
        facts.push((String::from_utf8_lossy(k).to_ascii_lowercase(), v.to_vec()));
    }

    let mut entry = Entry {
        name: name.to_vec(),
        kind: EntryKind::Other,
        size: None,
        modified: None,
        link_target: None,
        permissions: None,
        facts: Vec::new(),
        raw: raw.to_vec(),
    };
    let first = |key: &str| {
        facts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    };

    if let Some(t) = first("type") {
        let lower = t.to_ascii_lowercase();
        entry.kind = match lower.as_slice() {
            b"file" => EntryKind::File,
            b"dir" => EntryKind::Dir,
            b"cdir" => EntryKind::CurrentDir,
            b"pdir" => EntryKind::ParentDir,
            b"os.unix=symlink" | b"os.unix=slink" => EntryKind::Symlink,
            _ if lower.starts_with(b"os.unix=slink:") => {
                let target = t.get(b"os.unix=slink:".len()..).unwrap_or(&[]);
                if !target.is_empty() {
                    entry.link_target = Some(target.to_vec());
                }
                EntryKind::Symlink
            }
            _ => EntryKind::Other,
        };
    }
    entry.size = match first("size") {
        Some(v) => parse_u64(v),
        None => first("sizd").and_then(parse_u64),
    };
    entry.modified = first("modify").and_then(DateTime::parse_ftp);
    entry.permissions = first("unix.mode")
        .and_then(parse_octal)
        .map(mode_to_rwx)
        .or_else(|| first("perm").map(|p| String::from_utf8_lossy(p).into_owned()));
    entry.facts = facts;
    Some(entry)
}

// ---------------------------------------------------------------------------
// LIST: dates
// ---------------------------------------------------------------------------

fn month_from_name(t: &[u8]) -> Option<u8> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    if t.len() != 3 {
        return None;
    }
    let pos = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(t))?;
    u8::try_from(pos + 1).ok()
}

fn parse_day(t: &[u8]) -> Option<u8> {
    let d = parse_small(t, 2)?;
    if (1..=31).contains(&d) {
        u8::try_from(d).ok()
    } else {
        None
    }
}

/// Clock time `H:MM`, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (1..=9 digits).
#[derive(Clone, Copy)]
struct Clock {
    hour: u8,
    minute: u8,
    second: u8,
    nanosecond: u32,
    has_seconds: bool,
}

fn parse_clock(t: &[u8]) -> Option<Clock> {
    let mut parts = t.splitn(3, |&b| b == b':');
    let h = parse_small(parts.next()?, 2)?;
    let m = parts.next()?;
    if m.len() != 2 {
        return None;
    }
    let m = parse_small(m, 2)?;
    let (s, nanosecond, has_seconds) = match parts.next() {
        None => (0, 0, false),
        Some(sec) => {
            let mut sp = sec.splitn(2, |&b| b == b'.');
            let whole = sp.next()?;
            if whole.len() != 2 {
                return None;
            }
            let s = parse_small(whole, 2)?;
            let ns = match sp.next() {
                None => 0,
                Some(f) => {
                    if f.is_empty() || f.len() > 9 {
                        return None;
                    }
                    let v = parse_small(f, 9)?;
                    let mut scale = 1u32;
                    for _ in f.len()..9 {
                        scale *= 10;
                    }
                    v * scale
                }
            };
            (s, ns, true)
        }
    };
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(Clock {
        hour: u8::try_from(h).ok()?,
        minute: u8::try_from(m).ok()?,
        second: u8::try_from(s.min(59)).ok()?,
        nanosecond,
        has_seconds,
    })
}

enum TimeOrYear {
    Time(Clock),
    Year(u16),
}

fn parse_time_or_year(t: &[u8]) -> Option<TimeOrYear> {
    if t.len() == 4 && t.iter().all(u8::is_ascii_digit) {
        return Some(TimeOrYear::Year(u16::try_from(parse_small(t, 4)?).ok()?));
    }
    parse_clock(t).map(TimeOrYear::Time)
}

/// `YYYY-MM-DD`.
fn parse_iso_date(t: &[u8]) -> Option<(u16, u8, u8)> {
    let mut p = t.split(|&b| b == b'-');
    let (y, m, d) = (p.next()?, p.next()?, p.next()?);
    if p.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    Some((
        u16::try_from(parse_small(y, 4)?).ok()?,
        u8::try_from(parse_small(m, 2)?).ok()?,
        u8::try_from(parse_small(d, 2)?).ok()?,
    ))
}

/// `+HHMM` / `-HHMM` as seconds east of UTC.
fn parse_tz(t: &[u8]) -> Option<i64> {
    let (sign, rest) = match t.split_first()? {
        (b'+', rest) => (1i64, rest),
        (b'-', rest) => (-1i64, rest),
        _ => return None,
    };
    if rest.len() != 4 {
        return None;
    }
    let h = parse_small(rest.get(..2)?, 2)?;
    let m = parse_small(rest.get(2..)?, 2)?;
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (i64::from(h) * 3600 + i64::from(m) * 60))
}

fn build(year: u16, month: u8, day: u8, c: Clock) -> Option<DateTime> {
    DateTime::new(year, month, day, c.hour, c.minute, c.second)?.with_nanosecond(c.nanosecond)
}

/// Year inference for year-less dates (see the module docs).
fn infer_year(now: DateTime, month: u8, day: u8, c: Clock) -> Option<DateTime> {
    let limit = now.unix_timestamp().saturating_add(FUTURE_GRACE_SECS);
    let top = now.year.saturating_add(1).min(9999);
    let bottom = now.year.saturating_sub(8);
    (bottom..=top)
        .rev()
        .filter_map(|y| build(y, month, day, c))
        .find(|t| t.unix_timestamp() <= limit)
}

fn midnight() -> Clock {
    Clock {
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
        has_seconds: false,
    }
}

fn month_day_date(month: u8, day: u8, ty: TimeOrYear, now: DateTime) -> Option<DateTime> {
    match ty {
        TimeOrYear::Time(c) => infer_year(now, month, day, c),
        TimeOrYear::Year(y) => build(y, month, day, midnight()),
    }
}

/// Tries to read a date starting at column `i`. On a shape match returns the
/// (possibly invalid, hence `None`) date and the index of its last column.
fn date_at(
    raw: &[u8],
    toks: &[(usize, usize)],
    i: usize,
    now: DateTime,
) -> Option<(Option<DateTime>, usize)> {
    let col = |k: usize| toks.get(k).map(|&t| slice(raw, t));
    let a = col(i)?;
    // Nov 25 03:52 | Nov 25  2024
    if let Some(month) = month_from_name(a)
        && let Some(day) = col(i + 1).and_then(parse_day)
        && let Some(ty) = col(i + 2).and_then(parse_time_or_year)
    {
        return Some((month_day_date(month, day, ty, now), i + 2));
    }
    // 25 Nov 03:52 | 25 Nov  2024
    if let Some(day) = parse_day(a)
        && let Some(month) = col(i + 1).and_then(month_from_name)
        && let Some(ty) = col(i + 2).and_then(parse_time_or_year)
    {
        return Some((month_day_date(month, day, ty, now), i + 2));
    }
    // 2026-11-25 03:52[:SS[.frac]] [+HHMM]
    if let Some((y, m, d)) = parse_iso_date(a)
        && let Some(c) = col(i + 1).and_then(parse_clock)
    {
        let tz = if c.has_seconds {
            col(i + 2).and_then(parse_tz)
        } else {
            None
        };
        let local = build(y, m, d, c);
        return Some(match tz {
            None => (local, i + 1),
            Some(off) => {
                let utc = local.and_then(|t| {
                    let secs = t.unix_timestamp().checked_sub(off)?;
                    DateTime::from_unix_timestamp(secs)?.with_nanosecond(t.nanosecond)
                });
                (utc, i + 2)
            }
        });
    }
    None
}

// ---------------------------------------------------------------------------
// LIST: Unix / NetWare
// ---------------------------------------------------------------------------

struct UnixHeader {
    kind: EntryKind,
    permissions: String,
    device: bool,
    columns: usize,
    skip_all_blanks: bool,
}

fn unix_header(t0: &[u8], t1: Option<&[u8]>) -> Option<UnixHeader> {
    let (&ty, rest) = t0.split_first()?;
    let kind = match ty {
        b'-' => EntryKind::File,
        b'd' => EntryKind::Dir,
        b'l' => EntryKind::Symlink,
        _ => EntryKind::Other,
    };
    // NetWare: "d [RWCEAFMS] owner size date name"
    if rest.is_empty() && (ty == b'-' || ty == b'd') {
        let t1 = t1?;
        let inner = t1.strip_prefix(b"[")?.strip_suffix(b"]")?;
        if inner.is_empty()
            || inner.len() > 16
            || !inner.iter().all(|&b| b.is_ascii_alphabetic() || b == b'-')
        {
            return None;
        }
        return Some(UnixHeader {
            kind,
            permissions: String::from_utf8_lossy(inner).into_owned(),
            device: false,
            columns: 2,
            skip_all_blanks: true,
        });
    }
    if !b"-dlcbpsDnCMP?".contains(&ty) {
        return None;
    }
    let (mode, suffix) = match rest.len() {
        9 => (rest, None),
        10 => (rest.get(..9)?, rest.get(9).copied()),
        _ => return None,
    };
    if !mode.iter().all(|b| b"rwxsStTlL-".contains(b)) {
        return None;
    }
    if suffix.is_some_and(|s| !b"+@.".contains(&s)) {
        return None;
    }
    Some(UnixHeader {
        kind,
        permissions: String::from_utf8_lossy(mode).into_owned(),
        device: ty == b'c' || ty == b'b',
        columns: 1,
        skip_all_blanks: false,
    })
}

fn parse_unix(raw: &[u8], now: DateTime) -> Option<Entry> {
    let toks: Vec<(usize, usize)> = Tokens::new(raw).take(MAX_HEADER_TOKENS).collect();
    let t0 = slice(raw, *toks.first()?);
    let t1 = toks.get(1).map(|&t| slice(raw, t));
    let header = unix_header(t0, t1)?;

    let (date_col, modified, last) = (header.columns + 1..toks.len()).find_map(|i| {
        let size_tok = slice(raw, *toks.get(i - 1)?);
        let size_ok = if header.device {
            !size_tok.is_empty() && size_tok.iter().all(|&b| b.is_ascii_digit() || b == b',')
        } else {
            !size_tok.is_empty() && size_tok.iter().all(u8::is_ascii_digit)
        };
        if !size_ok {
            return None;
        }
        date_at(raw, &toks, i, now).map(|(m, last)| (i, m, last))
    })?;

    let size = if header.device {
        None
    } else {
        parse_u64(slice(raw, *toks.get(date_col - 1)?))
    };

    let after = raw.get(toks.get(last)?.1..)?;
    let name_part = if header.skip_all_blanks {
        trim_start_blanks(after)
    } else {
        match after.split_first() {
            Some((&b, rest)) if is_blank(b) => rest,
            _ => return None,
        }
    };
    if name_part.is_empty() {
        return None;
    }

    let (name, link_target) = if header.kind == EntryKind::Symlink {
        match find(name_part, b" -> ") {
            Some(p) if p > 0 => (name_part.get(..p)?, Some(name_part.get(p + 4..)?.to_vec())),
            _ => (name_part, None),
        }
    } else {
        (name_part, None)
    };

    Some(Entry {
        name: name.to_vec(),
        kind: special_dir_kind(header.kind, name),
        size,
        modified,
        link_target,
        permissions: Some(header.permissions),
        facts: Vec::new(),
        raw: raw.to_vec(),
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------
// LIST: DOS / IIS
// ---------------------------------------------------------------------------

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

fn parse_dos(raw: &[u8]) -> Option<Entry> {
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

/// Parse one LIST line: Unix `ls -l` style (with or without link count and
/// group, named or numeric owners, devices, symlinks, ACL/xattr/SELinux
/// suffixes, month-name, day-first and numeric dates), NetWare style, or
/// DOS/IIS style. The format is picked by content (Unix/NetWare first, then
/// DOS). `now` is used only to infer the year of year-less dates.
///
/// Returns `None` for `total N` lines, blank lines and anything unrecognised.
/// The detailed rules are in the [module documentation](self).
pub fn parse_list_line(line: &[u8], now: DateTime) -> Option<Entry> {
    let raw = strip_eol(line);
    parse_unix(raw, now).or_else(|| parse_dos(raw))
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

// ---------------------------------------------------------------------------
// Line splitting
// ---------------------------------------------------------------------------

/// A listing line was longer than the [`LineSplitter`]'s limit. The line's
/// bytes were discarded; splitting continues with the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong {
    /// The limit that was exceeded, in bytes (line ending excluded).
    pub max_line: usize,
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "listing line longer than {} bytes", self.max_line)
    }
}

impl std::error::Error for LineTooLong {}

/// Splits a listing byte stream into lines, incrementally and with bounded
/// memory.
///
/// Accepts CRLF and bare LF endings (one `\r` before the `\n` is removed),
/// and skips empty lines. A line longer than `max_line` bytes is reported
/// once as `Err(LineTooLong)` in its place; its bytes are dropped as they
/// arrive, so the partial line held never exceeds `max_line + 1` bytes.
///
/// Usage: [`push`](Self::push) each chunk read from the data connection and
/// drain [`next_line`](Self::next_line) until it returns `None` (the
/// splitter is also an [`Iterator`]); at end of stream call
/// [`finish`](Self::finish) and drain again to get a last line that had no
/// line ending. Memory held is the current partial line plus complete lines
/// not yet drained.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    ready: VecDeque<Result<Vec<u8>, LineTooLong>>,
    partial: Vec<u8>,
    overlong: bool,
    max_line: usize,
}

impl Default for LineSplitter {
    /// A splitter with [`LineSplitter::DEFAULT_MAX_LINE`].
    fn default() -> Self {
        LineSplitter::new(LineSplitter::DEFAULT_MAX_LINE)
    }
}

impl LineSplitter {
    /// A generous default limit: 64 KiB per line.
    pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

    /// A splitter that rejects lines longer than `max_line` bytes (not
    /// counting the line ending).
    pub fn new(max_line: usize) -> Self {
        LineSplitter {
            ready: VecDeque::new(),
            partial: Vec::new(),
            overlong: false,
            max_line,
        }
    }

    /// The configured maximum line length.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Appends bytes of the partial line, dropping them once it is too long.
    fn extend_partial(&mut self, bytes: &[u8]) {
        if self.overlong {
            return;
        }
        // Room for max_line bytes plus a possible '\r' before the '\n'.
        let room = self
            .max_line
            .saturating_add(1)
            .saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.overlong = true;
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Ends the partial line and queues it (or its error).
    fn terminate_line(&mut self) {
        let line = std::mem::take(&mut self.partial);
        if std::mem::take(&mut self.overlong) {
            self.ready.push_back(Err(LineTooLong {
                max_line: self.max_line,
            }));
            return;
        }
        let mut line = line;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.max_line {
            self.ready.push_back(Err(LineTooLong {
                max_line: self.max_line,
            }));
        } else if !line.is_empty() {
            self.ready.push_back(Ok(line));
        }
    }

    /// Feeds the next chunk of the stream.
    pub fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            self.extend_partial(rest.get(..nl).unwrap_or(&[]));
            self.terminate_line();
            rest = rest.get(nl + 1..).unwrap_or(&[]);
        }
        self.extend_partial(rest);
    }

    /// Marks the end of the stream: a pending last line without a line
    /// ending becomes available from [`next_line`](Self::next_line). Pushing
    /// more data afterwards starts a new line.
    pub fn finish(&mut self) {
        if self.overlong || !self.partial.is_empty() {
            self.terminate_line();
        }
    }

    /// The next complete line (ending removed), an error in place of an
    /// over-long line, or `None` when more input is needed.
    pub fn next_line(&mut self) -> Option<Result<Vec<u8>, LineTooLong>> {
        self.ready.pop_front()
    }
}

impl Iterator for LineSplitter {
    type Item = Result<Vec<u8>, LineTooLong>;

    /// Same as [`LineSplitter::next_line`]; `None` only means "no line yet".
    fn next(&mut self) -> Option<Self::Item> {
        self.next_line()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> DateTime {
        DateTime::new(y, mo, d, h, mi, s).expect("valid test date")
    }

    /// A fixed "now" for LIST tests: 2026-11-30T12:00:00Z.
    fn now() -> DateTime {
        dt(2026, 11, 30, 12, 0, 0)
    }

    fn list(line: &[u8]) -> Entry {
        parse_list_line(line, now())
            .unwrap_or_else(|| panic!("no parse: {:?}", String::from_utf8_lossy(line)))
    }

    fn mlsx(line: &[u8]) -> Entry {
        parse_mlsx_line(line)
            .unwrap_or_else(|| panic!("no parse: {:?}", String::from_utf8_lossy(line)))
    }

    // ---------------- MLSD / MLST ----------------

    #[test]
    fn proftpd_mlsd_file() {
        let line = b"modify=20261125035200;perm=adfr;size=6;type=file;unique=803U1;UNIX.group=1001;UNIX.groupname=ftpuser;UNIX.mode=0644;UNIX.owner=1001;UNIX.ownername=ftpuser; hello.txt";
        let e = mlsx(line);
        assert_eq!(e.name, b"hello.txt");
        assert_eq!(e.kind, EntryKind::File);
        assert!(e.is_file() && !e.is_dir());
        assert_eq!(e.size, Some(6));
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        assert_eq!(e.link_target, None);
        assert_eq!(e.raw, line.to_vec());
        assert_eq!(e.facts.len(), 10);
        assert_eq!(
            e.facts[0],
            ("modify".to_string(), b"20261125035200".to_vec())
        );
        assert_eq!(e.fact("unix.groupname"), Some(&b"ftpuser"[..]));
        assert_eq!(e.fact("UNIX.GroupName"), Some(&b"ftpuser"[..]));
        assert_eq!(e.fact("perm"), Some(&b"adfr"[..]));
        assert_eq!(e.fact("unique"), Some(&b"803U1"[..]));
        assert_eq!(e.fact("nope"), None);
        assert!(
            e.facts
                .iter()
                .all(|(k, _)| k.chars().all(|c| !c.is_ascii_uppercase()))
        );
    }

    #[test]
    fn proftpd_mlsd_cdir_pdir_dir() {
        let e = mlsx(b"modify=20261125035200;perm=flcdmpe;type=cdir;unique=803U2;UNIX.group=1001;UNIX.mode=0755;UNIX.owner=1001; .");
        assert_eq!(e.kind, EntryKind::CurrentDir);
        assert_eq!(e.name, b".");
        assert!(!e.is_dir());
        assert_eq!(e.permissions.as_deref(), Some("rwxr-xr-x"));
        let e = mlsx(b"modify=20261101000000;perm=flcdmpe;type=pdir;unique=803U3;UNIX.group=0;UNIX.mode=0755;UNIX.owner=0; ..");
        assert_eq!(e.kind, EntryKind::ParentDir);
        assert_eq!(e.name, b"..");
        let e = mlsx(
            b"modify=20261125035200;perm=flcdmpe;type=dir;unique=803U4;UNIX.mode=02775; sub dir",
        );
        assert_eq!(e.kind, EntryKind::Dir);
        assert!(e.is_dir());
        assert_eq!(e.name, b"sub dir");
        assert_eq!(e.permissions.as_deref(), Some("rwxrwsr-x"));
    }

    #[test]
    fn pureftpd_mlsd() {
        let e = mlsx(b"type=file;size=6;modify=20261125035200;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=803g1a3; hello.txt\r\n");
        assert_eq!(e.name, b"hello.txt");
        assert_eq!(e.kind, EntryKind::File);
        assert_eq!(e.size, Some(6));
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        assert_eq!(e.fact("unix.uid"), Some(&b"1001"[..]));
        assert!(!e.raw.ends_with(b"\n") && !e.raw.ends_with(b"\r"));
    }

    #[test]
    fn mlsd_perm_used_without_unix_mode() {
        let e = mlsx(b"type=file;perm=rw;size=1; x");
        assert_eq!(e.permissions.as_deref(), Some("rw"));
        let e = mlsx(b"type=file;perm=rw;unix.mode=bogus; x");
        assert_eq!(e.permissions.as_deref(), Some("rw"));
        let e = mlsx(b"type=file; x");
        assert_eq!(e.permissions, None);
        let e = mlsx(b"type=file;unix.mode=4755; x");
        assert_eq!(e.permissions.as_deref(), Some("rwsr-xr-x"));
        let e = mlsx(b"type=file;unix.mode=1777; x");
        assert_eq!(e.permissions.as_deref(), Some("rwxrwxrwt"));
        let e = mlsx(b"type=file;unix.mode=1000; x");
        assert_eq!(e.permissions.as_deref(), Some("--------T"));
    }

    #[test]
    fn mlsd_symlinks_and_other_types() {
        let e = mlsx(b"type=OS.unix=symlink;size=7; link");
        assert_eq!(e.kind, EntryKind::Symlink);
        assert_eq!(e.link_target, None);
        let e = mlsx(b"type=OS.unix=slink:/srv/target dir;size=7; link");
        assert_eq!(e.kind, EntryKind::Symlink);
        assert_eq!(e.link_target.as_deref(), Some(&b"/srv/target dir"[..]));
        assert_eq!(e.name, b"link");
        let e = mlsx(b"Type=FILE;Size=5; UPPER");
        assert_eq!(e.kind, EntryKind::File);
        assert_eq!(e.size, Some(5));
        let e = mlsx(b"type=OS.unix=chr-1/3; null");
        assert_eq!(e.kind, EntryKind::Other);
        let e = mlsx(b"size=5; no-type");
        assert_eq!(e.kind, EntryKind::Other);
    }

    #[test]
    fn mlst_leading_space_and_empty_facts() {
        // MLST reply body line.
        let e = mlsx(b" type=file;size=6;modify=20261125035200; /home/ftp/hello.txt");
        assert_eq!(e.name, b"/home/ftp/hello.txt");
        assert_eq!(e.size, Some(6));
        assert_eq!(
            e.raw,
            b" type=file;size=6;modify=20261125035200; /home/ftp/hello.txt"
        );
        // MLSD entry with no facts at all.
        let e = mlsx(b" hello.txt");
        assert_eq!(e.name, b"hello.txt");
        assert!(e.facts.is_empty());
        assert_eq!(e.kind, EntryKind::Other);
        let e = mlsx(b" hello world.txt");
        assert_eq!(e.name, b"hello world.txt");
        // MLST with no facts: two spaces.
        let e = mlsx(b"  name");
        assert_eq!(e.name, b"name");
    }

    #[test]
    fn mlsd_names_with_spaces_semicolons_and_bytes() {
        let e = mlsx(b"type=file;size=1;  leading space");
        assert_eq!(e.name, b" leading space");
        let e = mlsx(b"type=file;size=1; a; b=c; d ");
        assert_eq!(e.name, b"a; b=c; d ");
        let e = mlsx(b"type=file;size=1; caf\xe9.txt");
        assert_eq!(e.name, b"caf\xe9.txt");
        assert_eq!(e.name_lossy(), "caf\u{fffd}.txt");
        let e = mlsx(b"type=file;size=1; \xff\xfe\x80bad");
        assert_eq!(e.name, b"\xff\xfe\x80bad");
        let e = mlsx(b"type=file;unix.ownername=John Doe;size=3; f");
        assert_eq!(e.fact("unix.ownername"), Some(&b"John Doe"[..]));
        assert_eq!(e.size, Some(3));
        assert_eq!(e.name, b"f");
        let e = mlsx("type=file;size=2; ünïcødé.txt".as_bytes());
        assert_eq!(e.name_lossy(), "ünïcødé.txt");
    }

    #[test]
    fn mlsd_lenient_missing_final_semicolon() {
        let e = mlsx(b"type=file;size=6 hello;world.txt");
        assert_eq!(e.name, b"hello;world.txt");
        assert_eq!(e.size, Some(6));
        assert_eq!(e.kind, EntryKind::File);
    }

    #[test]
    fn mlsd_sizes_and_dates() {
        assert_eq!(mlsx(b"type=dir;sizd=4096; d").size, Some(4096));
        assert_eq!(
            mlsx(b"type=file;size=18446744073709551615; f").size,
            Some(u64::MAX)
        );
        assert_eq!(mlsx(b"type=file;size=18446744073709551616; f").size, None);
        assert_eq!(mlsx(b"type=file;size=99999999999999999999; f").size, None);
        assert_eq!(mlsx(b"type=file;size=-1; f").size, None);
        assert_eq!(mlsx(b"type=file;size=; f").size, None);
        assert_eq!(mlsx(b"type=file;size= 5; f").size, None);
        let e = mlsx(b"type=file;modify=20261125035200.123; f");
        assert_eq!(e.modified.unwrap().nanosecond, 123_000_000);
        assert_eq!(mlsx(b"type=file;modify=20230229000000; f").modified, None);
        assert_eq!(
            mlsx(b"type=file;modify=20240229000000; f").modified,
            Some(dt(2024, 2, 29, 0, 0, 0))
        );
        assert_eq!(mlsx(b"type=file;modify=garbage; f").modified, None);
        // Duplicate facts: the first wins, both are kept.
        let e = mlsx(b"size=1;size=2; f");
        assert_eq!(e.size, Some(1));
        assert_eq!(e.facts.len(), 2);
    }

    #[test]
    fn mlsd_rejects() {
        for bad in [
            &b""[..],
            b"\r\n",
            b" ",
            b"hello.txt",
            b"type=file;size=6;",
            b"type=file;size=6; ",
            b"type=file",
            b"notafact; name",
            b"type=file;junk; name",
            b"     ",
            b" \t \r\n",
        ] {
            assert_eq!(
                parse_mlsx_line(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    // ---------------- LIST: Unix ----------------

    #[test]
    fn vsftpd_list_file() {
        let line = b"-rw-r--r--    1 1001     1001            6 Nov 25 03:52 hello.txt";
        let e = list(line);
        assert_eq!(e.name, b"hello.txt");
        assert_eq!(e.kind, EntryKind::File);
        assert_eq!(e.size, Some(6));
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        assert!(e.facts.is_empty());
        assert_eq!(e.raw, line.to_vec());
    }

    #[test]
    fn vsftpd_list_dir_with_year() {
        let e = list(b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2024 dir\r\n");
        assert_eq!(e.name, b"dir");
        assert_eq!(e.kind, EntryKind::Dir);
        assert!(e.is_dir());
        assert_eq!(e.size, Some(4096));
        assert_eq!(e.modified, Some(dt(2024, 1, 1, 0, 0, 0)));
        assert_eq!(e.permissions.as_deref(), Some("rwxr-xr-x"));
        assert_eq!(
            e.raw,
            b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2024 dir".to_vec()
        );
    }

    #[test]
    fn list_names_with_spaces() {
        let e = list(b"-rw-r--r--    1 1001     1001           12 Nov 25 03:52 my file  name.txt ");
        assert_eq!(e.name, b"my file  name.txt ");
        let e = list(b"-rw-r--r--    1 1001     1001           12 Nov 25 03:52   two leading");
        assert_eq!(e.name, b"  two leading");
        let e = list(b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2024 Nov 25 03:52 x");
        assert_eq!(e.name, b"Nov 25 03:52 x");
        assert_eq!(e.modified, Some(dt(2024, 1, 1, 0, 0, 0)));
    }

    #[test]
    fn list_symlinks() {
        let e = list(b"lrwxrwxrwx    1 0        0              11 Nov 25 03:52 link -> target.txt");
        assert_eq!(e.kind, EntryKind::Symlink);
        assert!(e.is_symlink());
        assert_eq!(e.name, b"link");
        assert_eq!(e.link_target.as_deref(), Some(&b"target.txt"[..]));
        assert_eq!(e.size, Some(11));
        let e =
            list(b"lrwxrwxrwx    1 0        0              11 Nov 25 03:52 my link -> ../a -> b");
        assert_eq!(e.name, b"my link");
        assert_eq!(e.link_target.as_deref(), Some(&b"../a -> b"[..]));
        // Without an arrow the whole rest is the name.
        let e = list(b"lrwxrwxrwx    1 0        0              11 Nov 25 03:52 lonely");
        assert_eq!(e.name, b"lonely");
        assert_eq!(e.link_target, None);
        // A regular file whose name contains an arrow is not split.
        let e = list(b"-rw-r--r--    1 0        0              11 Nov 25 03:52 a -> b");
        assert_eq!(e.name, b"a -> b");
        assert_eq!(e.link_target, None);
    }

    #[test]
    fn filezilla_server_style() {
        let e = list(b"-rw-r--r-- 1 ftp ftp            6 Nov 25 03:52 hello.txt");
        assert_eq!(e.name, b"hello.txt");
        assert_eq!(e.size, Some(6));
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        let e = list(b"drwxr-xr-x 1 ftp ftp            0 Nov 24  2025 folder");
        assert_eq!(e.kind, EntryKind::Dir);
        assert_eq!(e.modified, Some(dt(2025, 11, 24, 0, 0, 0)));
    }

    #[test]
    fn list_without_group_or_link_count() {
        let e = list(b"-rw-r--r--   1 owner    1234 Nov 25 03:52 nogroup.txt");
        assert_eq!(e.size, Some(1234));
        assert_eq!(e.name, b"nogroup.txt");
        let e = list(b"drwxr-xr-x   folder        0 Nov 25 03:52 nolinks");
        assert_eq!(e.size, Some(0));
        assert_eq!(e.kind, EntryKind::Dir);
        assert_eq!(e.name, b"nolinks");
        let e = list(b"-rw-r--r-- 42 Nov 25 03:52 minimal");
        assert_eq!(e.size, Some(42));
    }

    #[test]
    fn list_mode_suffixes_and_types() {
        let e = list(b"-rw-r--r--+   1 user grp 5 Nov 25 03:52 acl");
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        assert_eq!(e.name, b"acl");
        let e = list(b"drwxr-xr-x@  3 user  staff  96 Nov 25 03:52 mac");
        assert_eq!(e.kind, EntryKind::Dir);
        let e = list(b"-rw-r--r--.  1 root root 10 Nov 25 03:52 selinux");
        assert_eq!(e.name, b"selinux");
        let e = list(b"drwxrwxrwt   9 root root 4096 Nov 25 03:52 tmp");
        assert_eq!(e.permissions.as_deref(), Some("rwxrwxrwt"));
        let e = list(b"-rwsr-xr-x   1 root root 4096 Nov 25 03:52 su");
        assert_eq!(e.permissions.as_deref(), Some("rwsr-xr-x"));
        let e = list(b"prw-r--r--   1 root root 0 Nov 25 03:52 fifo");
        assert_eq!(e.kind, EntryKind::Other);
        let e = list(b"srwxrwxrwx   1 root root 0 Nov 25 03:52 sock");
        assert_eq!(e.kind, EntryKind::Other);
        assert_eq!(
            parse_list_line(b"-rw-r--r--# 1 a b 5 Nov 25 03:52 x", now()),
            None
        );
        assert_eq!(
            parse_list_line(b"-rw-r--r-Q  1 a b 5 Nov 25 03:52 x", now()),
            None
        );
    }

    #[test]
    fn list_device_files() {
        let e = list(b"crw-rw-rw-    1 0        0          1,   3 Nov 25 03:52 null");
        assert_eq!(e.kind, EntryKind::Other);
        assert_eq!(e.size, None);
        assert_eq!(e.name, b"null");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        let e = list(b"brw-rw----    1 0        6          8,0 Nov 25 03:52 sda");
        assert_eq!(e.name, b"sda");
        assert_eq!(e.size, None);
    }

    #[test]
    fn list_dot_dirs() {
        let e = list(b"drwxr-xr-x    2 ftp      ftp          4096 Nov 25 03:52 .");
        assert_eq!(e.kind, EntryKind::CurrentDir);
        let e = list(b"drwxr-xr-x    2 ftp      ftp          4096 Nov 25 03:52 ..");
        assert_eq!(e.kind, EntryKind::ParentDir);
        let e = list(b"drwxr-xr-x    2 ftp      ftp          4096 Nov 25 03:52 ...");
        assert_eq!(e.kind, EntryKind::Dir);
        let e = list(b"-rw-r--r--    2 ftp      ftp          4096 Nov 25 03:52 .");
        assert_eq!(e.kind, EntryKind::File);
    }

    #[test]
    fn list_numeric_and_other_dates() {
        let e = list(b"-rw-r--r--   1 user  group  6 2026-11-25 03:52 hello.txt");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        assert_eq!(e.name, b"hello.txt");
        let e = list(b"-rw-r--r--   1 user  group  6 2026-11-25 03:52:17 s");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 17)));
        assert_eq!(e.name, b"s");
        let e = list(b"-rw-r--r-- 1 root root 6 2026-11-25 03:52:00.123456789 +0100 full");
        assert_eq!(
            e.modified,
            Some(
                dt(2026, 11, 25, 2, 52, 0)
                    .with_nanosecond(123_456_789)
                    .unwrap()
            )
        );
        assert_eq!(e.name, b"full");
        let e = list(b"-rw-r--r-- 1 root root 6 2026-11-25 23:30:00.000000000 -0100 west");
        assert_eq!(e.modified, Some(dt(2026, 11, 26, 0, 30, 0)));
        let e = list(b"-rw-r--r--   1 user  group  6 25 Nov 03:52 dayfirst");
        assert_eq!(e.modified, Some(dt(2026, 11, 25, 3, 52, 0)));
        assert_eq!(e.name, b"dayfirst");
        let e = list(b"-rw-r--r--   1 user  group  6 25 Nov  2020 dayfirst");
        assert_eq!(e.modified, Some(dt(2020, 11, 25, 0, 0, 0)));
        let e = list(b"-rw-r--r--   1 user  group  6 NOV  5 3:52 upper");
        assert_eq!(e.modified, Some(dt(2026, 11, 5, 3, 52, 0)));
        // Shape matches but date invalid: entry kept, no date.
        let e = list(b"-rw-r--r--   1 user  group  6 Feb 30  2024 bad-date");
        assert_eq!(e.modified, None);
        assert_eq!(e.name, b"bad-date");
        let e = list(b"-rw-r--r--   1 user  group  6 Feb 29  2024 leap");
        assert_eq!(e.modified, Some(dt(2024, 2, 29, 0, 0, 0)));
        let e = list(b"-rw-r--r--   1 user  group  6 Feb 29  2023 notleap");
        assert_eq!(e.modified, None);
    }

    #[test]
    fn list_year_inference() {
        let line = b"-rw-r--r-- 1 u g 1 Nov 25 03:52 f";
        let at = |now: DateTime| parse_list_line(line, now).unwrap().modified.unwrap();
        // Same year, in the past.
        assert_eq!(at(dt(2026, 11, 30, 0, 0, 0)).year, 2026);
        // Slightly in the future (within a day): still this year.
        assert_eq!(at(dt(2026, 11, 24, 12, 0, 0)).year, 2026);
        // More than a day in the future: previous year.
        assert_eq!(at(dt(2026, 11, 20, 0, 0, 0)).year, 2025);
        assert_eq!(at(dt(2026, 3, 1, 0, 0, 0)).year, 2025);

        // Around new year.
        let dec = b"-rw-r--r-- 1 u g 1 Dec 31 23:59 f";
        let jan = b"-rw-r--r-- 1 u g 1 Jan  1 00:01 f";
        let new_year = dt(2027, 1, 1, 0, 30, 0);
        assert_eq!(
            parse_list_line(dec, new_year).unwrap().modified,
            Some(dt(2026, 12, 31, 23, 59, 0))
        );
        assert_eq!(
            parse_list_line(jan, new_year).unwrap().modified,
            Some(dt(2027, 1, 1, 0, 1, 0))
        );
        // Server clock/time zone ahead: on Dec 31 a "Jan 1" file is next year's.
        let eve = dt(2026, 12, 31, 20, 0, 0);
        assert_eq!(
            parse_list_line(jan, eve).unwrap().modified,
            Some(dt(2027, 1, 1, 0, 1, 0))
        );
        assert_eq!(
            parse_list_line(dec, eve).unwrap().modified,
            Some(dt(2026, 12, 31, 23, 59, 0))
        );
        // Early January: a December file is from last year.
        let jan5 = dt(2027, 1, 5, 0, 0, 0);
        assert_eq!(
            parse_list_line(dec, jan5).unwrap().modified.unwrap().year,
            2026
        );
        // Feb 29 without a year picks the most recent leap year.
        let feb29 = b"-rw-r--r-- 1 u g 1 Feb 29 12:00 f";
        assert_eq!(
            parse_list_line(feb29, dt(2026, 11, 30, 0, 0, 0))
                .unwrap()
                .modified,
            Some(dt(2024, 2, 29, 12, 0, 0))
        );
        assert_eq!(
            parse_list_line(feb29, dt(2028, 3, 1, 0, 0, 0))
                .unwrap()
                .modified,
            Some(dt(2028, 2, 29, 12, 0, 0))
        );
        // Extreme "now" values do not panic.
        let _ = parse_list_line(line, dt(9999, 12, 31, 23, 59, 59));
        let _ = parse_list_line(line, dt(0, 1, 1, 0, 0, 0));
    }

    #[test]
    fn list_netware() {
        let e = list(b"d [R----F--] supervisor            512       Jan 16 18:53    login");
        assert_eq!(e.kind, EntryKind::Dir);
        assert_eq!(e.name, b"login");
        assert_eq!(e.size, Some(512));
        assert_eq!(e.permissions.as_deref(), Some("R----F--"));
        let e = list(b"- [RWCEAFMS] rhesus             214059       Oct 20 15:27    cx.exe");
        assert_eq!(e.kind, EntryKind::File);
        assert_eq!(e.size, Some(214_059));
        assert_eq!(e.name, b"cx.exe");
    }

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

    // ---------------- LIST: DOS / IIS ----------------

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

    // ---------------- NLST ----------------

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

    // ---------------- whole listings ----------------

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

    // ---------------- LineSplitter ----------------

    fn drain(s: &mut LineSplitter) -> Vec<Result<Vec<u8>, LineTooLong>> {
        std::iter::from_fn(|| s.next_line()).collect()
    }

    #[test]
    fn splitter_basic() {
        let mut s = LineSplitter::new(100);
        s.push(b"one\r\ntwo\nthr");
        assert_eq!(
            drain(&mut s),
            vec![Ok(b"one".to_vec()), Ok(b"two".to_vec())]
        );
        s.push(b"ee\r");
        assert_eq!(drain(&mut s), vec![]);
        s.push(b"\n\r\n\n\nfour");
        assert_eq!(drain(&mut s), vec![Ok(b"three".to_vec())]);
        s.finish();
        assert_eq!(drain(&mut s), vec![Ok(b"four".to_vec())]);
        s.finish();
        assert_eq!(drain(&mut s), vec![]);
        // Lone CR inside a line is kept.
        s.push(b"a\rb\n");
        assert_eq!(s.next(), Some(Ok(b"a\rb".to_vec())));
        assert_eq!(s.next(), None);
    }

    #[test]
    fn splitter_byte_by_byte_equals_whole() {
        let data: &[u8] = b"-rw-r--r-- 1 u g 6 Nov 25 03:52 a\r\n\r\nb\nc\r\n\xe9\xff\r\nlast";
        let mut whole = LineSplitter::new(64);
        whole.push(data);
        whole.finish();
        let expected = drain(&mut whole);
        assert_eq!(expected.len(), 5);
        let mut bytewise = LineSplitter::new(64);
        let mut got = Vec::new();
        for b in data {
            bytewise.push(std::slice::from_ref(b));
            got.extend(drain(&mut bytewise));
        }
        bytewise.finish();
        got.extend(drain(&mut bytewise));
        assert_eq!(got, expected);
    }

    #[test]
    fn splitter_too_long() {
        let mut s = LineSplitter::new(5);
        assert_eq!(s.max_line(), 5);
        s.push(b"12345\r\n123456\nok\n");
        assert_eq!(
            drain(&mut s),
            vec![
                Ok(b"12345".to_vec()),
                Err(LineTooLong { max_line: 5 }),
                Ok(b"ok".to_vec())
            ]
        );
        // Over-long line arriving in pieces: reported once, bytes dropped.
        s.push(b"abc");
        s.push(b"defgh");
        s.push(b"ijklmnop");
        assert!(s.partial.is_empty());
        assert_eq!(drain(&mut s), vec![]);
        s.push(b"qrs\r\nnext\n");
        let err = LineTooLong { max_line: 5 };
        assert_eq!(drain(&mut s), vec![Err(err), Ok(b"next".to_vec())]);
        assert_eq!(err.to_string(), "listing line longer than 5 bytes");
        // Over-long unterminated last line.
        s.push(b"0123456789");
        s.finish();
        assert_eq!(drain(&mut s), vec![Err(err)]);
        // A 6-byte line followed by CR, split before the LF.
        s.push(b"123456\r");
        s.push(b"\n");
        assert_eq!(drain(&mut s), vec![Err(err)]);
        // Exactly max_line followed by CR arriving separately.
        s.push(b"12345");
        s.push(b"\r");
        s.push(b"\n");
        assert_eq!(drain(&mut s), vec![Ok(b"12345".to_vec())]);
    }

    #[test]
    fn splitter_one_mib_junk_is_bounded() {
        let mut s = LineSplitter::new(1024);
        let junk = vec![b'x'; 1 << 20];
        for chunk in junk.chunks(4096) {
            s.push(chunk);
            assert!(s.partial.len() <= 1025);
            assert!(s.partial.capacity() <= 8192);
        }
        s.push(b"\nfine\n");
        assert_eq!(
            drain(&mut s),
            vec![Err(LineTooLong { max_line: 1024 }), Ok(b"fine".to_vec())]
        );
        let mut zero = LineSplitter::new(0);
        zero.push(b"a\n\n");
        assert_eq!(drain(&mut zero), vec![Err(LineTooLong { max_line: 0 })]);
        assert_eq!(
            LineSplitter::default().max_line(),
            LineSplitter::DEFAULT_MAX_LINE
        );
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
