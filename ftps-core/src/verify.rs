//! Integrity checks after a transfer (docs/threats.md, class G5): which hash a server
//! offers, hashing the bytes as they stream, and asking the server for its hash.
//!
//! Servers offer hashes two ways: `HASH` (draft-bryan-ftpext-hash: FEAT
//! `HASH SHA-256*;SHA-512;...`, `OPTS HASH <algo>` selects, `213 <algo> <range> <hex>
//! <path>`) and the older per-algorithm commands of ProFTPD's mod_digest and others
//! (`XSHA512`, `XSHA256`, `XSHA1`: `250 <hex>`). The strongest algorithm wins; `MD5` and
//! `CRC32` are not used (MD5 is broken, and neither is in the crypto provider).

use std::io::{self, Read, Write};

use aws_lc_rs::digest;

use crate::client::Features;
use crate::error::{Error, Result};
use crate::named::named_enum;
use crate::reply::Reply;

/// A hash algorithm a server can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (weak against forgery, still fine against a transfer that went wrong).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

named_enum!(HashAlgorithm, "hash algorithm", [
    Sha512 => "SHA-512" | "sha-512" | "sha512",
    Sha256 => "SHA-256" | "sha-256" | "sha256",
    Sha1 => "SHA-1" | "sha-1" | "sha1",
]);

impl HashAlgorithm {
    fn digest(self) -> &'static digest::Algorithm {
        match self {
            HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgorithm::Sha256 => &digest::SHA256,
            HashAlgorithm::Sha512 => &digest::SHA512,
        }
    }

    /// The verb of the older per-algorithm command.
    fn x_verb(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "XSHA1",
            HashAlgorithm::Sha256 => "XSHA256",
            HashAlgorithm::Sha512 => "XSHA512",
        }
    }

    fn hex_len(self) -> usize {
        self.digest().output_len() * 2
    }
}

/// How to ask a server for a file's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// `HASH`, after `OPTS HASH <algo>` unless the algorithm is already selected.
    Hash {
        algorithm: HashAlgorithm,
        selected: bool,
    },
    /// `XSHA512`, `XSHA256` or `XSHA1`.
    X(HashAlgorithm),
}

impl Method {
    pub(crate) fn algorithm(self) -> HashAlgorithm {
        match self {
            Method::Hash { algorithm, .. } | Method::X(algorithm) => algorithm,
        }
    }

    /// The strongest hash the server's `FEAT` offers: `HASH` first (one command for
    /// every algorithm), else the `X` commands.
    pub(crate) fn choose(features: &Features) -> Option<Method> {
        let from_hash = features.get("HASH").and_then(|list| {
            list.split(';')
                .filter_map(|a| {
                    let a = a.trim();
                    let selected = a.ends_with('*');
                    let algorithm = a.trim_end_matches('*').parse::<HashAlgorithm>().ok()?;
                    Some(Method::Hash {
                        algorithm,
                        selected,
                    })
                })
                .max_by_key(|m| m.algorithm())
        });
        from_hash.or_else(|| {
            [
                HashAlgorithm::Sha512,
                HashAlgorithm::Sha256,
                HashAlgorithm::Sha1,
            ]
            .into_iter()
            .find(|a| features.has(a.x_verb()))
            .map(Method::X)
        })
    }

    /// The command that asks for the hash of `path`, after the `OPTS HASH` that selects
    /// the algorithm (`None` when no selection is needed).
    pub(crate) fn commands(self) -> (Option<String>, &'static str) {
        match self {
            Method::Hash {
                algorithm,
                selected,
            } => ((!selected).then(|| format!("HASH {algorithm}")), "HASH"),
            Method::X(a) => (None, a.x_verb()),
        }
    }

    /// The lowercase hex digest in the server's answer to [`Method::commands`]: its last
    /// line (ProFTPD sends `213-Computing SHA-512 digest` and ` Computing...` lines
    /// while it hashes, then the answer).
    pub(crate) fn parse(self, reply: &Reply) -> Result<String> {
        let last = reply.lines().last().map(Vec::as_slice).unwrap_or_default();
        let last = match last.get(3) {
            Some(b' ' | b'-') if last[..3].iter().all(u8::is_ascii_digit) => &last[4..],
            _ => last,
        };
        let text = String::from_utf8_lossy(last).into_owned();
        let algorithm = self.algorithm();
        let bad = |why: &str| {
            Error::protocol(format!(
                "the {algorithm} hash reply {reply} cannot be read: {why}"
            ))
        };
        if !matches!(reply.code(), 213 | 250 | 200) {
            return Err(bad("not a 2xx answer"));
        }
        let mut words = text.split_ascii_whitespace();
        let hex = match self {
            // 213 SHA-256 0-49 <hex> <path>
            Method::Hash { .. } => {
                let named = words.next().ok_or_else(|| bad("empty"))?;
                if named.parse::<HashAlgorithm>().ok() != Some(algorithm) {
                    return Err(bad("another algorithm than the one asked for"));
                }
                let _range = words.next();
                words.next().ok_or_else(|| bad("no digest"))?
            }
            // 250 <hex>; some servers add the path after it, or put it first.
            Method::X(_) => words
                .find(|w| w.len() == algorithm.hex_len())
                .ok_or_else(|| bad("no digest of the right length"))?,
        };
        if hex.len() != algorithm.hex_len() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("the digest is not hex of the algorithm's length"));
        }
        Ok(hex.to_ascii_lowercase())
    }
}

/// The running hash of a transfer's bytes.
pub(crate) struct Hasher {
    ctx: digest::Context,
}

impl Hasher {
    pub(crate) fn new(algorithm: HashAlgorithm) -> Hasher {
        Hasher {
            ctx: digest::Context::new(algorithm.digest()),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.ctx.update(bytes);
    }

    /// Hashes the first `len` bytes `input` yields (a local file's part that is already
    /// on the server, before a resumed transfer).
    pub(crate) fn update_from(&mut self, input: &mut dyn Read, len: u64) -> io::Result<()> {
        let mut buf = vec![0u8; 256 * 1024];
        let mut left = len;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = input.read(&mut buf[..want])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the local file is shorter than the part to hash",
                ));
            }
            self.ctx.update(&buf[..n]);
            left -= n as u64;
        }
        Ok(())
    }

    /// The digest, lowercase hex.
    pub(crate) fn finish(self) -> String {
        self.ctx
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A writer that hashes what its inner writer accepted and counts it.
pub(crate) struct Tee<'a> {
    pub out: &'a mut dyn Write,
    pub hasher: Option<&'a mut Hasher>,
    pub written: u64,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A reader that hashes what it yields.
pub(crate) struct TeeReader<'a> {
    pub input: &'a mut dyn Read,
    pub hasher: Option<&'a mut Hasher>,
}

impl Read for TeeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(lines: &[&str]) -> Features {
        let mut text = String::from("211-Features:\r\n");
        for l in lines {
            text.push_str(&format!(" {l}\r\n"));
        }
        text.push_str("211 End\r\n");
        Features::parse(&crate::reply::testing::parse(text.as_bytes()))
    }

    #[test]
    fn g5_the_strongest_offered_hash_is_chosen() {
        let f = features(&["SIZE", "HASH SHA-1*;SHA-256;SHA-512;MD5;CRC32", "XSHA1"]);
        assert_eq!(
            Method::choose(&f),
            Some(Method::Hash {
                algorithm: HashAlgorithm::Sha512,
                selected: false
            })
        );
        let f = features(&["HASH SHA-256*;MD5"]);
        assert_eq!(
            Method::choose(&f),
            Some(Method::Hash {
                algorithm: HashAlgorithm::Sha256,
                selected: true
            })
        );
        assert_eq!(
            Method::choose(&features(&["XCRC", "XMD5", "XSHA1", "XSHA256"])),
            Some(Method::X(HashAlgorithm::Sha256))
        );
        assert_eq!(
            Method::choose(&features(&["HASH MD5*;CRC32", "XSHA1"])),
            Some(Method::X(HashAlgorithm::Sha1))
        );
        assert_eq!(Method::choose(&features(&["SIZE", "XMD5", "XCRC"])), None);
    }

    #[test]
    fn g5_hash_replies_are_read_strictly() {
        let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let hash = Method::Hash {
            algorithm: HashAlgorithm::Sha256,
            selected: true,
        };
        let r = |t: &str| crate::reply::testing::parse(format!("{t}\r\n").as_bytes());
        assert_eq!(
            hash.parse(&r(&format!(
                "213 SHA-256 0-0 {} a b.txt",
                sha256.to_uppercase()
            )))
            .unwrap(),
            sha256
        );
        let x = Method::X(HashAlgorithm::Sha256);
        assert_eq!(x.parse(&r(&format!("250 {sha256}"))).unwrap(), sha256);
        assert_eq!(x.parse(&r(&format!("213 {sha256} /f"))).unwrap(), sha256);
        // ProFTPD's mod_digest: lines while it hashes, uppercase hex in the X replies.
        let proftpd = crate::reply::testing::parse(
            format!(
                "213-Computing SHA-256 digest\r\n Computing...\r\n213 SHA-256 0-61 {sha256} h.txt\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(hash.parse(&proftpd).unwrap(), sha256);
        let proftpd = crate::reply::testing::parse(
            format!(
                "250-Computing SHA256 digest\r\n250 {}\r\n",
                sha256.to_uppercase()
            )
            .as_bytes(),
        );
        assert_eq!(x.parse(&proftpd).unwrap(), sha256);
        assert_eq!(
            Method::choose(&features(&["HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;"])),
            Some(Method::Hash {
                algorithm: HashAlgorithm::Sha512,
                selected: false
            })
        );
        for bad in [
            format!("213 SHA-512 0-0 {sha256} f"),
            "213 SHA-256 0-0 xyz f".into(),
            format!("213 SHA-256 0-0 {}zz f", &sha256[..62]),
            format!("550 {sha256}"),
        ] {
            assert!(
                matches!(hash.parse(&r(&bad)), Err(Error::Protocol(_))),
                "{bad}"
            );
        }
        assert!(x.parse(&r("250 abc")).is_err());
    }

    #[test]
    fn hashers_match_the_known_digests() {
        let mut h = Hasher::new(HashAlgorithm::Sha256);
        h.update(b"ab");
        h.update_from(&mut &b"cdef"[..], 1).unwrap();
        assert_eq!(
            h.finish(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(
            Hasher::new(HashAlgorithm::Sha1)
                .update_from(&mut &b"ab"[..], 3)
                .is_err()
        );
    }
}
