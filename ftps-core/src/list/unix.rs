//! Unix `ls -l` style and NetWare style `LIST` lines.

use super::bytes::{Tokens, is_blank, parse_u64, slice, special_dir_kind, trim_start_blanks};
use super::date::date_at;
use super::{Entry, EntryKind};
use crate::time::DateTime;

/// How many leading whitespace-separated columns of a Unix `LIST` line are
/// searched for the date. Bounds the work and memory for junk lines.
pub const MAX_HEADER_TOKENS: usize = 24;

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

pub(super) fn parse_unix(raw: &[u8], now: DateTime) -> Option<Entry> {
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

#[cfg(test)]
mod tests {
    use crate::list::testutil::*;
    use crate::list::{EntryKind, parse_list_line};

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
}
