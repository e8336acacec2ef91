//! Commands: the argument checks and the encoding of a command line.
//!
//! [`encode`] is the only function that turns a verb and an argument into bytes for the
//! wire, and it refuses CR, LF and NUL in either (docs/threats.md, classes E1/E3), so
//! that no caller or server-supplied string can smuggle a second command.

use crate::error::{Error, Result};

/// Refuses CR, LF and NUL in a value that will be sent on the control connection.
pub fn check_arg(what: &'static str, arg: &[u8]) -> Result<()> {
    if let Some(bad) = arg.iter().find(|&&b| b == b'\r' || b == b'\n' || b == 0) {
        let name = match bad {
            b'\r' => "CR",
            b'\n' => "LF",
            _ => "NUL",
        };
        return Err(Error::invalid(
            what,
            format!("contains a {name} byte, which would end the command"),
        ));
    }
    Ok(())
}

/// A verb the raw-command call refuses because the client must manage it itself:
/// data-connection set-up (docs/threats.md, class D5), the TLS state, restart offsets.
pub fn reserved_verb(verb: &str) -> bool {
    const RESERVED: [&str; 11] = [
        "PORT", "EPRT", "PASV", "EPSV", "LPRT", "LPSV", "CCC", "AUTH", "PROT", "PBSZ", "REIN",
    ];
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(verb))
}

/// Encodes `VERB[ arg]\r\n`, refusing CR/LF/NUL anywhere.
pub fn encode(verb: &str, arg: Option<&[u8]>) -> Result<Vec<u8>> {
    if verb.is_empty() || !verb.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid("command", format!("bad verb {verb:?}")));
    }
    let mut line = Vec::with_capacity(verb.len() + arg.map_or(0, <[u8]>::len) + 3);
    line.extend_from_slice(verb.as_bytes());
    if let Some(arg) = arg {
        check_arg(arg_name(verb), arg)?;
        line.push(b' ');
        line.extend_from_slice(arg);
    }
    line.extend_from_slice(b"\r\n");
    Ok(line)
}

/// What the argument of `verb` is, for error messages.
fn arg_name(verb: &str) -> &'static str {
    match verb.to_ascii_uppercase().as_str() {
        "USER" => "user name",
        "PASS" => "password",
        "ACCT" => "account",
        "SITE" => "SITE command",
        _ => "path or argument",
    }
}

/// True when the argument of `verb` is a secret that transcripts must mask.
pub fn is_secret(verb: &str) -> bool {
    verb.eq_ignore_ascii_case("PASS") || verb.eq_ignore_ascii_case("ACCT")
}

/// Splits a raw command line given by a caller into verb and argument.
pub fn split_raw(line: &[u8]) -> Result<(String, Option<Vec<u8>>)> {
    check_arg("raw command", line)?;
    let (verb, arg) = match line.iter().position(|&b| b == b' ') {
        Some(p) => (&line[..p], Some(line[p + 1..].to_vec())),
        None => (line, None),
    };
    let verb = std::str::from_utf8(verb)
        .ok()
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| Error::invalid("raw command", "the verb must be ASCII letters or digits"))?;
    Ok((verb.to_ascii_uppercase(), arg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e1_cr_lf_nul_rejected_in_every_argument() {
        for bad in [&b"a\r\nDELE x"[..], b"a\nb", b"a\rb", b"a\0b", b"\n"] {
            for verb in ["USER", "PASS", "ACCT", "CWD", "SITE", "RETR"] {
                let err = encode(verb, Some(bad)).unwrap_err();
                assert!(matches!(err, Error::InvalidArgument { .. }), "{verb}");
            }
        }
        assert!(split_raw(b"NOOP\r\nDELE x").is_err());
    }

    #[test]
    fn encoding() {
        assert_eq!(encode("NOOP", None).unwrap(), b"NOOP\r\n");
        assert_eq!(
            encode("RETR", Some(b"a b.txt")).unwrap(),
            b"RETR a b.txt\r\n"
        );
        assert_eq!(
            encode("RETR", Some(b"caf\xe9")).unwrap(),
            b"RETR caf\xe9\r\n"
        );
        assert!(encode("RE TR", None).is_err());
        assert!(encode("", None).is_err());
    }

    #[test]
    fn d5_reserved_verbs() {
        for v in ["PORT", "eprt", "Pasv", "EPSV", "CCC", "AUTH"] {
            assert!(reserved_verb(v));
        }
        assert!(!reserved_verb("SITE"));
        assert_eq!(
            split_raw(b"site chmod 644 x").unwrap(),
            ("SITE".to_string(), Some(b"chmod 644 x".to_vec()))
        );
    }
}
