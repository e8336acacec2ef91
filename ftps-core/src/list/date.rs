//! The dates of `LIST` lines: month names, clocks, numeric dates, time zone offsets,
//! and the year inference for dates shown without a year.

use super::bytes::{parse_small, slice};
use crate::time::DateTime;

/// How far in the future (relative to `now`) a year-less `LIST` date may lie
/// before the previous year is chosen instead: one day.
pub const FUTURE_GRACE_SECS: i64 = 86_400;

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
pub(super) struct Clock {
    pub(super) hour: u8,
    pub(super) minute: u8,
    pub(super) second: u8,
    pub(super) nanosecond: u32,
    pub(super) has_seconds: bool,
}

pub(super) fn parse_clock(t: &[u8]) -> Option<Clock> {
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

pub(super) fn build(year: u16, month: u8, day: u8, c: Clock) -> Option<DateTime> {
    DateTime::new(year, month, day, c.hour, c.minute, c.second)?.with_nanosecond(c.nanosecond)
}

/// Year inference for year-less dates (see the [`crate::list`] docs).
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
pub(super) fn date_at(
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

#[cfg(test)]
mod tests {
    use crate::list::parse_list_line;
    use crate::list::testutil::*;
    use crate::time::DateTime;

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
}
