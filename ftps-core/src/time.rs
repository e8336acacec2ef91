//! A tiny UTC date-time type for FTP.
//!
//! FTP servers send timestamps in three places: the reply to `MDTM`, the
//! `modify`/`create` facts of `MLSD`/`MLST` (both RFC 3659 `time-val`,
//! `YYYYMMDDHHMMSS[.sss]`, always UTC), and the free-form date columns of
//! `LIST` (server local time, parsed by [`crate::list`]). [`DateTime`] is the
//! one plain value type used for all of them.
//!
//! Rules chosen here:
//!
//! * Years are limited to `0..=9999` (proleptic Gregorian calendar), the
//!   range of a four-digit RFC 3659 `time-val`.
//! * [`DateTime::new`] accepts seconds `0..=59` only. [`DateTime::parse_ftp`]
//!   also accepts the leap second `60` that RFC 3659 allows and clamps it to
//!   `59.999999999` (the last representable instant of that minute), so the
//!   result stays a valid, correctly ordered value.
//! * [`DateTime::to_ftp`] writes the fraction only when the nanosecond is not
//!   zero, with trailing zeros removed, so `parse_ftp(to_ftp(t)) == t`.
//! * [`fmt::Display`] writes ISO 8601 `YYYY-MM-DDTHH:MM:SSZ` (no fraction).
//!
//! The fields are public, so a hand-built value can be out of range; every
//! method still behaves (no panic), but results for such values are
//! unspecified. Use [`DateTime::is_valid`] to check one.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix timestamp of `0000-01-01T00:00:00Z`, the earliest representable second.
const MIN_UNIX: i64 = -62_167_219_200;
/// Unix timestamp of `9999-12-31T23:59:59Z`, the latest representable second.
const MAX_UNIX: i64 = 253_402_300_799;
const NANOS_PER_SEC: u32 = 1_000_000_000;

/// A UTC timestamp as FTP servers send it (MDTM, MLSD `modify`, LIST).
///
/// Ordering compares fields from `year` down to `nanosecond`, which is
/// chronological order for valid values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// Year, `0..=9999`.
    pub year: u16,
    /// Month, `1..=12`.
    pub month: u8,
    /// Day of the month, `1..=31` (limited by the month's length).
    pub day: u8,
    /// Hour, `0..=23`.
    pub hour: u8,
    /// Minute, `0..=59`.
    pub minute: u8,
    /// Second, `0..=59` (leap seconds are clamped, see the module docs).
    pub second: u8,
    /// Fraction of the second in nanoseconds, `0..=999_999_999`.
    pub nanosecond: u32,
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Number of days in `month` (`1..=12`) of `year`; `None` for an invalid month.
pub fn days_in_month(year: u16, month: u8) -> Option<u8> {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if is_leap_year(year) => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
/// Plain `i64` arithmetic: cannot overflow for any `u16`/`u8` inputs.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = if month > 2 { month - 3 } else { month + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses exactly `N` ASCII digits into a number; `None` otherwise.
fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    if b.len() != N {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        if c.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u32::from(c - b'0'))
        } else {
            None
        }
    })
}

impl DateTime {
    /// `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: DateTime = DateTime {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
    };

    /// Builds a validated value with a zero fraction.
    ///
    /// Returns `None` unless `year <= 9999`, `1 <= month <= 12`,
    /// `1 <= day <= days in that month` (leap years honoured),
    /// `hour <= 23`, `minute <= 59` and `second <= 59` (leap second `60` is
    /// rejected here; only [`DateTime::parse_ftp`] accepts and clamps it).
    pub fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        if year > 9999 || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let dim = days_in_month(year, month)?;
        if day == 0 || day > dim {
            return None;
        }
        Some(DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanosecond: 0,
        })
    }

    /// Returns a copy with the fraction set; `None` if `nanosecond >= 1_000_000_000`.
    pub fn with_nanosecond(self, nanosecond: u32) -> Option<Self> {
        if nanosecond >= NANOS_PER_SEC {
            return None;
        }
        Some(DateTime { nanosecond, ..self })
    }

    /// Returns a copy with the fraction dropped (useful before `MFMT`, which
    /// many servers only accept without a fraction).
    pub fn truncate_to_seconds(self) -> Self {
        DateTime {
            nanosecond: 0,
            ..self
        }
    }

    /// Whether every field is within its documented range.
    pub fn is_valid(&self) -> bool {
        DateTime::new(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        )
        .is_some()
            && self.nanosecond < NANOS_PER_SEC
    }

    /// Parses an RFC 3659 `time-val`: exactly `YYYYMMDDHHMMSS`, optionally
    /// followed by `.` and 1 to 9 fraction digits.
    ///
    /// No signs, spaces, line endings or other bytes are accepted (strip the
    /// `213 ` of an `MDTM` reply first). Calendar ranges are validated; second
    /// `60` (a leap second) is clamped to `59.999999999`.
    pub fn parse_ftp(b: &[u8]) -> Option<Self> {
        let main = b.get(..14)?;
        let rest = b.get(14..)?;
        let year = digits::<4>(main.get(0..4)?)?;
        let month = digits::<2>(main.get(4..6)?)?;
        let day = digits::<2>(main.get(6..8)?)?;
        let hour = digits::<2>(main.get(8..10)?)?;
        let minute = digits::<2>(main.get(10..12)?)?;
        let second = digits::<2>(main.get(12..14)?)?;
        let mut nanosecond = 0u32;
        if !rest.is_empty() {
            let frac = rest.strip_prefix(b".")?;
            if frac.is_empty() || frac.len() > 9 {
                return None;
            }
            let mut scale = NANOS_PER_SEC;
            for &c in frac {
                if !c.is_ascii_digit() {
                    return None;
                }
                scale /= 10;
                nanosecond += u32::from(c - b'0') * scale;
            }
        }
        let (second, nanosecond) = if second == 60 {
            (59, NANOS_PER_SEC - 1)
        } else {
            (second, nanosecond)
        };
        let dt = DateTime::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
        )?;
        dt.with_nanosecond(nanosecond)
    }

    /// Formats as an RFC 3659 `time-val` (e.g. for `MFMT`): `YYYYMMDDHHMMSS`,
    /// plus `.` and the fraction only when `nanosecond != 0`, written with
    /// trailing zeros removed (`.5`, `.123`, `.000000001`).
    pub fn to_ftp(&self) -> String {
        let mut s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.nanosecond != 0 {
            let frac = format!("{:09}", self.nanosecond.min(NANOS_PER_SEC - 1));
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s
    }

    /// Seconds since `1970-01-01T00:00:00Z` (negative before), ignoring the fraction.
    pub fn unix_timestamp(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        days * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The value `secs` seconds after the Unix epoch (zero fraction);
    /// `None` outside years `0..=9999`.
    pub fn from_unix_timestamp(secs: i64) -> Option<Self> {
        if !(MIN_UNIX..=MAX_UNIX).contains(&secs) {
            return None;
        }
        let days = secs.div_euclid(86_400);
        let tod = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        DateTime::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
            u8::try_from(tod / 3_600).ok()?,
            u8::try_from(tod % 3_600 / 60).ok()?,
            u8::try_from(tod % 60).ok()?,
        )
    }

    /// The same instant as a [`SystemTime`], or `None` if the platform cannot
    /// represent it (e.g. years before 1601 on Windows).
    pub fn checked_to_system_time(&self) -> Option<SystemTime> {
        let secs = self.unix_timestamp();
        let whole = Duration::from_secs(secs.unsigned_abs());
        let base = if secs >= 0 {
            UNIX_EPOCH.checked_add(whole)
        } else {
            UNIX_EPOCH.checked_sub(whole)
        }?;
        base.checked_add(Duration::from_nanos(u64::from(
            self.nanosecond.min(NANOS_PER_SEC - 1),
        )))
    }

    /// The same instant as a [`SystemTime`].
    ///
    /// If the platform cannot represent the instant (see
    /// [`DateTime::checked_to_system_time`]) this returns [`UNIX_EPOCH`]
    /// rather than panicking.
    pub fn to_system_time(&self) -> SystemTime {
        self.checked_to_system_time().unwrap_or(UNIX_EPOCH)
    }

    /// Converts a [`SystemTime`] (fraction kept); `None` outside years `0..=9999`.
    pub fn from_system_time(t: SystemTime) -> Option<Self> {
        let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).ok()?;
                match d.subsec_nanos() {
                    0 => (-secs, 0),
                    n => ((-secs).checked_sub(1)?, NANOS_PER_SEC - n),
                }
            }
        };
        DateTime::from_unix_timestamp(secs)?.with_nanosecond(nanos)
    }

    /// The current time from the system clock (`None` only if the clock is
    /// outside years `0..=9999`). Handy as the `now` of
    /// [`crate::list::parse_list_line`].
    pub fn now() -> Option<Self> {
        DateTime::from_system_time(SystemTime::now())
    }
}

impl fmt::Display for DateTime {
    /// ISO 8601 `YYYY-MM-DDTHH:MM:SSZ`; the fraction is not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> DateTime {
        DateTime::new(y, mo, d, h, mi, s).expect("valid test date")
    }

    #[test]
    fn new_validates_ranges() {
        assert!(DateTime::new(2026, 11, 25, 3, 52, 0).is_some());
        assert!(DateTime::new(2026, 0, 1, 0, 0, 0).is_none());
        assert!(DateTime::new(2026, 13, 1, 0, 0, 0).is_none());
        assert!(DateTime::new(2026, 1, 0, 0, 0, 0).is_none());
        assert!(DateTime::new(2026, 1, 32, 0, 0, 0).is_none());
        assert!(DateTime::new(2026, 4, 31, 0, 0, 0).is_none());
        assert!(DateTime::new(2026, 4, 30, 0, 0, 0).is_some());
        assert!(DateTime::new(2026, 1, 1, 24, 0, 0).is_none());
        assert!(DateTime::new(2026, 1, 1, 0, 60, 0).is_none());
        assert!(DateTime::new(2026, 1, 1, 0, 0, 60).is_none());
        assert!(DateTime::new(10000, 1, 1, 0, 0, 0).is_none());
        assert!(DateTime::new(0, 1, 1, 0, 0, 0).is_some());
        assert!(DateTime::new(9999, 12, 31, 23, 59, 59).is_some());
    }

    #[test]
    fn leap_years() {
        assert!(DateTime::new(2024, 2, 29, 0, 0, 0).is_some());
        assert!(DateTime::new(2023, 2, 29, 0, 0, 0).is_none());
        assert!(DateTime::new(2000, 2, 29, 0, 0, 0).is_some());
        assert!(DateTime::new(1900, 2, 29, 0, 0, 0).is_none());
        assert!(DateTime::new(2100, 2, 29, 0, 0, 0).is_none());
        assert!(is_leap_year(2024) && is_leap_year(2000) && is_leap_year(0));
        assert!(!is_leap_year(2023) && !is_leap_year(1900));
        assert_eq!(days_in_month(2024, 2), Some(29));
        assert_eq!(days_in_month(2023, 2), Some(28));
        assert_eq!(days_in_month(2023, 0), None);
    }

    #[test]
    fn with_nanosecond_and_validity() {
        let t = dt(2026, 11, 25, 3, 52, 0);
        assert_eq!(
            t.with_nanosecond(999_999_999).unwrap().nanosecond,
            999_999_999
        );
        assert!(t.with_nanosecond(1_000_000_000).is_none());
        assert!(t.is_valid());
        let bad = DateTime { month: 13, ..t };
        assert!(!bad.is_valid());
        let bad = DateTime {
            nanosecond: u32::MAX,
            ..t
        };
        assert!(!bad.is_valid());
        assert_eq!(t.with_nanosecond(5).unwrap().truncate_to_seconds(), t);
    }

    #[test]
    fn parse_ftp_basic() {
        assert_eq!(
            DateTime::parse_ftp(b"20261125035200"),
            Some(dt(2026, 11, 25, 3, 52, 0))
        );
        assert_eq!(
            DateTime::parse_ftp(b"19700101000000"),
            Some(DateTime::UNIX_EPOCH)
        );
        assert_eq!(
            DateTime::parse_ftp(b"20240229120000"),
            Some(dt(2024, 2, 29, 12, 0, 0))
        );
        assert_eq!(DateTime::parse_ftp(b"20230229120000"), None);
    }

    #[test]
    fn parse_ftp_fraction() {
        let t = DateTime::parse_ftp(b"20261125035200.123").unwrap();
        assert_eq!(t.nanosecond, 123_000_000);
        assert_eq!(t.second, 0);
        let t = DateTime::parse_ftp(b"20261125035200.5").unwrap();
        assert_eq!(t.nanosecond, 500_000_000);
        let t = DateTime::parse_ftp(b"20261125035200.123456789").unwrap();
        assert_eq!(t.nanosecond, 123_456_789);
        let t = DateTime::parse_ftp(b"20261125035200.000000001").unwrap();
        assert_eq!(t.nanosecond, 1);
        assert_eq!(DateTime::parse_ftp(b"20261125035200.1234567890"), None);
        assert_eq!(DateTime::parse_ftp(b"20261125035200."), None);
        assert_eq!(DateTime::parse_ftp(b"20261125035200.12a"), None);
        assert_eq!(DateTime::parse_ftp(b"20261125035200,123"), None);
    }

    #[test]
    fn parse_ftp_rejects_junk() {
        for bad in [
            &b""[..],
            b"2026",
            b"2026112503520",
            b"202611250352000",
            b" 20261125035200",
            b"20261125035200 ",
            b"20261125035200\r\n",
            b"+0261125035200",
            b"-0261125035200",
            b"2026-11-25T035",
            b"20261325035200",
            b"20261100035200",
            b"20261125245200",
            b"20261125036000",
            b"20261125035261",
            b"2026112503520\xff",
            b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2",
        ] {
            assert_eq!(DateTime::parse_ftp(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn parse_ftp_leap_second_clamps() {
        let t = DateTime::parse_ftp(b"20161231235960").unwrap();
        assert_eq!((t.minute, t.second, t.nanosecond), (59, 59, 999_999_999));
        let t = DateTime::parse_ftp(b"20161231235960.5").unwrap();
        assert_eq!((t.second, t.nanosecond), (59, 999_999_999));
        assert!(t.is_valid());
        assert!(t > dt(2016, 12, 31, 23, 59, 59));
    }

    #[test]
    fn to_ftp_format() {
        let t = dt(2026, 11, 25, 3, 52, 0);
        assert_eq!(t.to_ftp(), "20261125035200");
        assert_eq!(
            t.with_nanosecond(123_000_000).unwrap().to_ftp(),
            "20261125035200.123"
        );
        assert_eq!(
            t.with_nanosecond(1).unwrap().to_ftp(),
            "20261125035200.000000001"
        );
        assert_eq!(dt(5, 1, 2, 3, 4, 5).to_ftp(), "00050102030405");
        for s in [
            &b"20261125035200"[..],
            b"20261125035200.5",
            b"20261125035200.123456789",
            b"00000101000000",
            b"99991231235959.999999999",
        ] {
            let t = DateTime::parse_ftp(s).unwrap();
            assert_eq!(t.to_ftp().as_bytes(), s);
            assert_eq!(DateTime::parse_ftp(t.to_ftp().as_bytes()), Some(t));
        }
    }

    #[test]
    fn display_iso8601() {
        assert_eq!(
            dt(2026, 11, 25, 3, 52, 0).to_string(),
            "2026-11-25T03:52:00Z"
        );
        let t = dt(2026, 1, 2, 3, 4, 5).with_nanosecond(7).unwrap();
        assert_eq!(t.to_string(), "2026-01-02T03:04:05Z");
        assert_eq!(dt(7, 1, 1, 0, 0, 0).to_string(), "0007-01-01T00:00:00Z");
    }

    #[test]
    fn unix_timestamp_known_values() {
        assert_eq!(DateTime::UNIX_EPOCH.unix_timestamp(), 0);
        assert_eq!(dt(2001, 9, 9, 1, 46, 40).unix_timestamp(), 1_000_000_000);
        assert_eq!(
            dt(9999, 12, 31, 23, 59, 59).unix_timestamp(),
            253_402_300_799
        );
        assert_eq!(dt(0, 1, 1, 0, 0, 0).unix_timestamp(), MIN_UNIX);
        assert_eq!(dt(1969, 12, 31, 23, 59, 59).unix_timestamp(), -1);
        assert_eq!(dt(2024, 2, 29, 0, 0, 0).unix_timestamp(), 1_709_164_800);
        assert_eq!(dt(2038, 1, 19, 3, 14, 8).unix_timestamp(), 1 << 31);
    }

    #[test]
    fn from_unix_timestamp_known_values() {
        assert_eq!(DateTime::from_unix_timestamp(0), Some(DateTime::UNIX_EPOCH));
        assert_eq!(
            DateTime::from_unix_timestamp(1_000_000_000),
            Some(dt(2001, 9, 9, 1, 46, 40))
        );
        assert_eq!(
            DateTime::from_unix_timestamp(253_402_300_799),
            Some(dt(9999, 12, 31, 23, 59, 59))
        );
        assert_eq!(DateTime::from_unix_timestamp(253_402_300_800), None);
        assert_eq!(
            DateTime::from_unix_timestamp(MIN_UNIX),
            Some(dt(0, 1, 1, 0, 0, 0))
        );
        assert_eq!(DateTime::from_unix_timestamp(MIN_UNIX - 1), None);
        assert_eq!(
            DateTime::from_unix_timestamp(-1),
            Some(dt(1969, 12, 31, 23, 59, 59))
        );
        assert_eq!(DateTime::from_unix_timestamp(i64::MAX), None);
        assert_eq!(DateTime::from_unix_timestamp(i64::MIN), None);
    }

    #[test]
    fn unix_round_trips() {
        for secs in [
            0i64,
            1,
            -1,
            86_399,
            86_400,
            951_782_400, // 2000-02-29
            1_000_000_000,
            1_709_164_800,
            4_107_542_400, // 2100-03-01
            253_402_300_799,
            MIN_UNIX,
            -2_208_988_800, // 1900-01-01
        ] {
            let t = DateTime::from_unix_timestamp(secs).unwrap();
            assert!(t.is_valid());
            assert_eq!(t.unix_timestamp(), secs, "{t}");
        }
        // A sweep over every day of a few centuries, stepping by odd amounts.
        let mut s = MIN_UNIX;
        let mut prev: Option<DateTime> = None;
        while s <= MAX_UNIX {
            let t = DateTime::from_unix_timestamp(s).unwrap();
            assert!(t.is_valid());
            assert_eq!(t.unix_timestamp(), s);
            if let Some(p) = prev {
                assert!(p < t, "ordering is chronological");
            }
            prev = Some(t);
            s += 86_400 * 7 + 3_601;
        }
    }

    #[test]
    fn calendar_walk_matches_day_counts() {
        // Walk every day from 1600 to 2400 and check consecutive day numbers.
        let mut expected = dt(1600, 1, 1, 0, 0, 0).unix_timestamp() / 86_400;
        for year in 1600..=2400u16 {
            for month in 1..=12u8 {
                for day in 1..=days_in_month(year, month).unwrap() {
                    let t = dt(year, month, day, 0, 0, 0);
                    assert_eq!(t.unix_timestamp() / 86_400, expected, "{t}");
                    assert_eq!(DateTime::from_unix_timestamp(expected * 86_400), Some(t));
                    expected += 1;
                }
            }
        }
    }

    #[test]
    fn system_time_round_trips() {
        for secs in [0i64, 1_000_000_000, 1_764_042_720, -1, -86_400 * 365] {
            for nanos in [0u32, 1, 500_000_000, 999_999_999] {
                let t = DateTime::from_unix_timestamp(secs)
                    .unwrap()
                    .with_nanosecond(nanos)
                    .unwrap();
                let st = t.to_system_time();
                assert_eq!(t.checked_to_system_time(), Some(st));
                assert_eq!(DateTime::from_system_time(st), Some(t));
            }
        }
        assert_eq!(DateTime::UNIX_EPOCH.to_system_time(), UNIX_EPOCH);
        let st = UNIX_EPOCH + Duration::new(1_000_000_000, 250);
        let t = DateTime::from_system_time(st).unwrap();
        assert_eq!(t, dt(2001, 9, 9, 1, 46, 40).with_nanosecond(250).unwrap());
        // Half a second before the epoch.
        let st = UNIX_EPOCH - Duration::from_millis(500);
        let t = DateTime::from_system_time(st).unwrap();
        assert_eq!(
            t,
            dt(1969, 12, 31, 23, 59, 59)
                .with_nanosecond(500_000_000)
                .unwrap()
        );
        assert!(DateTime::now().is_some());
    }

    #[test]
    fn hand_built_invalid_values_do_not_panic() {
        let weird = DateTime {
            year: u16::MAX,
            month: u8::MAX,
            day: u8::MAX,
            hour: u8::MAX,
            minute: u8::MAX,
            second: u8::MAX,
            nanosecond: u32::MAX,
        };
        let _ = weird.unix_timestamp();
        let _ = weird.to_system_time();
        let _ = weird.checked_to_system_time();
        let _ = weird.to_ftp();
        let _ = weird.to_string();
        assert!(!weird.is_valid());
        let zero = DateTime {
            year: 0,
            month: 0,
            day: 0,
            hour: 0,
            minute: 0,
            second: 0,
            nanosecond: 0,
        };
        let _ = zero.unix_timestamp();
        let _ = zero.to_system_time();
        let _ = zero.to_ftp();
    }

    #[test]
    fn fuzz_parse_ftp_no_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"0123456789.+- \xff";
        for _ in 0..5000 {
            let len = (next() % 26) as usize;
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            if let Some(t) = DateTime::parse_ftp(&s) {
                assert!(t.is_valid());
                assert_eq!(DateTime::parse_ftp(t.to_ftp().as_bytes()), Some(t));
            }
        }
        for secs in (0..5000).map(|_| next() as i64) {
            if let Some(t) = DateTime::from_unix_timestamp(secs) {
                assert_eq!(t.unix_timestamp(), secs);
            }
        }
    }
}
