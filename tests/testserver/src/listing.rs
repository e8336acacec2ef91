//! Directory listings (`LIST` in `ls -l` form, `NLST`, RFC 3659 `MLSD`/`MLST` facts) and the
//! UTC time formats they and `MDTM`/`MFMT` use.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::fs::Meta;

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Utc {
    pub fn of(t: SystemTime) -> Utc {
        let secs = unix_secs(t);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400) as u32;
        Utc {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }
}

/// `YYYYMMDDHHMMSS`, as in `MDTM` replies and the `modify` fact.
pub(crate) fn mdtm(t: SystemTime) -> String {
    let u = Utc::of(t);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        u.year, u.month, u.day, u.hour, u.minute, u.second
    )
}

/// Parse `YYYYMMDDHHMMSS[.fff]` (the `MFMT` argument).
pub(crate) fn parse_mdtm(text: &str) -> Option<SystemTime> {
    let digits = text.split('.').next()?;
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u32>().ok();
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(8..10)?, num(10..12)?, num(12..14)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ls -l` time: `Nov 25 03:54` within six months of `now`, else `Nov 25  2024`.
fn ls_time(t: SystemTime, now: SystemTime) -> String {
    let u = Utc::of(t);
    let month = MONTHS[(u.month as usize).saturating_sub(1) % 12];
    let age = unix_secs(now) - unix_secs(t);
    if (-3600..183 * 86_400).contains(&age) {
        format!("{month} {:>2} {:02}:{:02}", u.day, u.hour, u.minute)
    } else {
        format!("{month} {:>2}  {}", u.day, u.year)
    }
}

/// One `ls -l` line (with CRLF).
pub(crate) fn list_line(name: &[u8], meta: &Meta, now: SystemTime) -> Vec<u8> {
    let (mode, links) = if meta.is_dir {
        ("drwxr-xr-x", 2)
    } else {
        ("-rw-r--r--", 1)
    };
    let mut line = format!(
        "{mode} {links:>3} ftp      ftp      {:>12} {} ",
        meta.size,
        ls_time(meta.mtime, now)
    )
    .into_bytes();
    line.extend_from_slice(name);
    line.extend_from_slice(b"\r\n");
    line
}

/// RFC 3659 facts for an entry, ending in `"; "`.
fn facts(kind: &str, meta: &Meta) -> String {
    let modify = mdtm(meta.mtime);
    if meta.is_dir {
        format!("type={kind};modify={modify};perm=flcdmpe; ")
    } else {
        format!("type=file;size={};modify={modify};perm=adfrw; ", meta.size)
    }
}

/// A whole `LIST` body.
pub(crate) fn list(entries: &[(Vec<u8>, Meta)], now: SystemTime) -> Vec<u8> {
    entries
        .iter()
        .flat_map(|(name, meta)| list_line(name, meta, now))
        .collect()
}

/// A whole `NLST` body.
pub(crate) fn nlst(entries: &[(Vec<u8>, Meta)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, _) in entries {
        out.extend_from_slice(name);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A whole `MLSD` body, with `cdir` and `pdir` entries first as ProFTPD sends them.
pub(crate) fn mlsd(dir: &Meta, entries: &[(Vec<u8>, Meta)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(facts("cdir", dir).as_bytes());
    out.extend_from_slice(b".\r\n");
    out.extend_from_slice(facts("pdir", dir).as_bytes());
    out.extend_from_slice(b"..\r\n");
    for (name, meta) in entries {
        out.extend_from_slice(facts("dir", meta).as_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The fact line of an `MLST` reply (leading space, path, no line ending).
pub(crate) fn mlst_line(path: &[u8], meta: &Meta) -> Vec<u8> {
    let mut line = b" ".to_vec();
    line.extend_from_slice(facts("dir", meta).as_bytes());
    line.extend_from_slice(path);
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let t = parse_mdtm("20240229235958").unwrap();
        assert_eq!(mdtm(t), "20240229235958");
        assert_eq!(mdtm(UNIX_EPOCH), "19700101000000");
        assert_eq!(parse_mdtm("20241301000000"), None);
        assert_eq!(parse_mdtm("2024"), None);
        assert_eq!(
            mdtm(parse_mdtm("19991231120000.123").unwrap()),
            "19991231120000"
        );
    }

    #[test]
    fn ls_lines() {
        let now = parse_mdtm("20251125035400").unwrap();
        let meta = Meta {
            is_dir: false,
            size: 6,
            mtime: now,
        };
        let line = String::from_utf8(list_line(b"hello.txt", &meta, now)).unwrap();
        assert_eq!(
            line,
            "-rw-r--r--   1 ftp      ftp                 6 Nov 25 03:54 hello.txt\r\n"
        );
        let old = Meta {
            mtime: parse_mdtm("20200105000000").unwrap(),
            ..meta
        };
        assert!(
            String::from_utf8(list_line(b"x", &old, now))
                .unwrap()
                .contains("Jan  5  2020 x")
        );
    }

    #[test]
    fn mlsd_facts() {
        let meta = Meta {
            is_dir: false,
            size: 3,
            mtime: UNIX_EPOCH,
        };
        let body = mlsd(
            &Meta {
                is_dir: true,
                size: 0,
                mtime: UNIX_EPOCH,
            },
            &[(b"a".to_vec(), meta)],
        );
        let text = String::from_utf8(body).unwrap();
        assert!(text.ends_with("type=file;size=3;modify=19700101000000;perm=adfrw; a\r\n"));
        assert!(text.starts_with("type=cdir;"));
    }
}
