//! File hashes (G5): the algorithms of `HASH` / `OPTS HASH` (draft-bryan-ftpext-hash) and of
//! the `XSHA1` / `XSHA256` / `XSHA512` commands of ProFTPD's mod_digest, computed with
//! `aws_lc_rs::digest` over the file where it lies.

use std::io;

use aws_lc_rs::digest;

use crate::fs::{VPath, Vfs};

/// A hash algorithm the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum HashAlgo {
    /// SHA-256, selected at the start of a session.
    #[default]
    Sha256,
    /// SHA-512.
    Sha512,
    /// SHA-1.
    Sha1,
}

impl HashAlgo {
    /// Every algorithm, in the order `FEAT` lists them.
    pub const ALL: [HashAlgo; 3] = [HashAlgo::Sha256, HashAlgo::Sha512, HashAlgo::Sha1];

    /// The name in `FEAT`, `OPTS HASH` and `213` replies.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Sha256 => "SHA-256",
            HashAlgo::Sha512 => "SHA-512",
            HashAlgo::Sha1 => "SHA-1",
        }
    }

    /// The algorithm called `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<HashAlgo> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The algorithm of an `XSHA1` / `XSHA256` / `XSHA512` verb.
    pub fn of_x_verb(verb: &str) -> Option<HashAlgo> {
        match verb {
            "XSHA1" => Some(HashAlgo::Sha1),
            "XSHA256" => Some(HashAlgo::Sha256),
            "XSHA512" => Some(HashAlgo::Sha512),
            _ => None,
        }
    }

    fn digest(self) -> &'static digest::Algorithm {
        match self {
            HashAlgo::Sha256 => &digest::SHA256,
            HashAlgo::Sha512 => &digest::SHA512,
            HashAlgo::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        }
    }
}

/// The `FEAT` line of `HASH`, the `selected` algorithm marked with `*`:
/// `" HASH SHA-256*;SHA-512;SHA-1"`.
pub(crate) fn feat_line(selected: HashAlgo) -> String {
    let list: Vec<String> = HashAlgo::ALL
        .iter()
        .map(|&a| {
            let star = if a == selected { "*" } else { "" };
            format!("{}{star}", a.name())
        })
        .collect();
    format!(" HASH {}", list.join(";"))
}

/// A file's size and lowercase hex digest. `lying` (`Fault::LyingHash`): the digest of the
/// contents followed by one zero byte instead, well-formed and wrong.
pub(crate) fn file_digest(
    fs: &Vfs,
    path: &VPath,
    algo: HashAlgo,
    lying: bool,
) -> io::Result<(u64, String)> {
    let mut ctx = digest::Context::new(algo.digest());
    let size = fs.read_each(path, |chunk| ctx.update(chunk))?;
    if lying {
        ctx.update(&[0]);
    }
    Ok((size, hex(ctx.finish().as_ref())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_feat() {
        assert_eq!(HashAlgo::parse("sha-512"), Some(HashAlgo::Sha512));
        assert_eq!(HashAlgo::parse("MD5"), None);
        assert_eq!(HashAlgo::of_x_verb("XSHA1"), Some(HashAlgo::Sha1));
        assert_eq!(feat_line(HashAlgo::Sha256), " HASH SHA-256*;SHA-512;SHA-1");
        assert_eq!(feat_line(HashAlgo::Sha1), " HASH SHA-256;SHA-512;SHA-1*");
    }

    #[test]
    fn digests_of_the_tree() {
        let fs = Vfs::memory();
        let path = VPath::root().resolve(b"abc");
        fs.put(&path, b"abc".to_vec()).unwrap();
        let (size, sha256) = file_digest(&fs, &path, HashAlgo::Sha256, false).unwrap();
        assert_eq!(size, 3);
        assert_eq!(
            sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (_, sha1) = file_digest(&fs, &path, HashAlgo::Sha1, false).unwrap();
        assert_eq!(sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        let (_, lie) = file_digest(&fs, &path, HashAlgo::Sha256, true).unwrap();
        assert_ne!(lie, sha256);
        assert_eq!(lie.len(), sha256.len());
        assert!(file_digest(&fs, &VPath::root(), HashAlgo::Sha256, false).is_err());
    }
}
