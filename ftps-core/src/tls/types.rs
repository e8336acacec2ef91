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
    Tls12 => "TLSv1.2" | "1.2" | "TLSv1_2",
    Tls13 => "TLSv1.3" | "1.3" | "TLSv1_3",
]);

impl TlsVersion {
    /// The version's number on the wire (`0x0303` for TLS 1.2, `0x0304` for 1.3).
    pub fn wire(self) -> u16 {
        match self {
            TlsVersion::Tls12 => 0x0303,
            TlsVersion::Tls13 => 0x0304,
        }
    }
}

/// A TLS cipher suite, by its IANA number. `Display` writes its IANA name as rustls
/// spells it (`TLS13_AES_256_GCM_SHA384`,
/// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`), or `0x` and the number for a suite
/// rustls has no name for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CipherSuite(pub u16);

impl CipherSuite {
    /// The IANA name, when rustls knows the suite.
    pub fn name(self) -> Option<&'static str> {
        rustls::CipherSuite::from(self.0).as_str()
    }
}

impl std::fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:04x}", self.0),
        }
    }
}

/// A TLS key exchange group (a "named group"), by its IANA number. `Display` writes
/// its name in lower case, as ftps always has: `x25519`, `secp256r1`, `secp384r1`,
/// `x25519mlkem768`; `0x` and the number for a group rustls has no name for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KxGroup(pub u16);

impl KxGroup {
    /// The IANA name as rustls spells it (`X25519`, `secp256r1`), when known.
    pub fn name(self) -> Option<&'static str> {
        rustls::NamedGroup::from(self.0).as_str()
    }
}

impl std::fmt::Display for KxGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(&n.to_ascii_lowercase()),
            None => write!(f, "0x{:04x}", self.0),
        }
    }
}

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

    #[test]
    fn tls_facts_have_stable_names() {
        assert_eq!(TlsVersion::Tls13.to_string(), "TLSv1.3");
        assert_eq!(TlsVersion::Tls12.to_string(), "TLSv1.2");
        assert_eq!("1.2".parse::<TlsVersion>().unwrap(), TlsVersion::Tls12);
        assert_eq!(TlsVersion::Tls13.wire(), 0x0304);
        assert_eq!(CipherSuite(0x1302).to_string(), "TLS13_AES_256_GCM_SHA384");
        assert_eq!(
            CipherSuite(0xc02f).to_string(),
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
        assert_eq!(CipherSuite(0xfafa).to_string(), "0xfafa");
        assert_eq!(KxGroup(0x001d).to_string(), "x25519");
        assert_eq!(KxGroup(0x0017).to_string(), "secp256r1");
        assert_eq!(KxGroup(0x11ec).to_string(), "x25519mlkem768");
        assert_eq!(KxGroup(0x0a0a).to_string(), "0x0a0a");
    }

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
