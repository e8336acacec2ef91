//! `MLSD` / `MLST` lines (RFC 3659): `fact=value;fact=value; name`.

use super::bytes::{is_blank, parse_u64, strip_eol};
use super::{Entry, EntryKind};
use crate::time::DateTime;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::testutil::*;

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
}
