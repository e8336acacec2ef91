//! The plain types of the TLS settings: certificate pins and protocol versions. The
//! configuration takes them and [`crate::tls`] uses them; neither needs the other for it.

use crate::error::{Error, Result};
use crate::named::named_enum;

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

named_enum!(TlsVersion, "tls_version", [
    Tls12 => "1.2" | "TLSv1.2" | "TLSv1_2",
    Tls13 => "1.3" | "TLSv1.3" | "TLSv1_3",
]);

/// A SHA-256 pin of the server certificate or of its public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pin(pub [u8; 32]);

impl Pin {
    /// Parses a pin: 64 hex digits (colons allowed, any case), or `sha256//` followed
    /// by the base64 of the digest (the curl `--pinnedpubkey` form).
    pub fn parse(s: &str) -> Result<Pin> {
        let s = s.trim();
        let bytes = if let Some(b64) = s.strip_prefix("sha256//") {
            base64_decode(b64).ok_or_else(|| Error::Config(format!("bad base64 pin {s:?}")))?
        } else {
            let hex: Vec<u8> = s.bytes().filter(|&b| b != b':').collect();
            if hex.len() != 64 {
                return Err(Error::Config(format!(
                    "a sha-256 pin has 64 hex digits, got {:?}",
                    s
                )));
            }
            hex.chunks(2)
                .map(|p| {
                    let hi = (p[0] as char).to_digit(16)?;
                    let lo = (p[1] as char).to_digit(16)?;
                    Some((hi * 16 + lo) as u8)
                })
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| Error::Config(format!("bad hex pin {s:?}")))?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Config(format!("a sha-256 pin is 32 bytes: {s:?}")))?;
        Ok(Pin(arr))
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse_in_both_forms() {
        let hex = "AB".repeat(32);
        assert_eq!(Pin::parse(&hex).unwrap().0, [0xab; 32]);
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(Pin::parse(&colons).unwrap().0, [0xab; 32]);
        // base64 of 32 bytes of 0xab
        let b64 = "sha256//q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=";
        assert_eq!(Pin::parse(b64).unwrap().0, [0xab; 32]);
        assert!(Pin::parse("abc").is_err());
        assert!(Pin::parse(&"zz".repeat(32)).is_err());
    }
}
