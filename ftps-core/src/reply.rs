//! FTP replies: the reply type ([`Reply`], a plain type defined in `types` and shown here),
//! the bounded reply assembler and the parsers for the replies whose text carries data
//! (`227`, `229`, `257`, `213`, `150`).
//!
//! Everything here is a total function over bytes: no I/O, no panics.

use std::net::Ipv4Addr;

use crate::error::{Error, Result};
use crate::time::DateTime;
pub use crate::types::Reply;

/// Parses the code of a reply line: three digits, first one 1..=5, followed by
/// a space, a dash or the end of the line.
fn line_code(line: &[u8]) -> Option<(u16, bool)> {
    let (digits, rest) = (line.get(..3)?, line.get(3..)?);
    if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    match rest.first() {
        None | Some(b' ') => Some((code, false)),
        Some(b'-') => Some((code, true)),
        _ => None,
    }
}

/// Assembles replies from lines, one line at a time, within fixed bounds.
///
/// The caller splits the byte stream into lines (see [`split_line`]) and feeds them
/// here; this type knows where a reply begins and ends.
#[derive(Debug, Default)]
pub struct ReplyAssembler {
    code: Option<u16>,
    lines: Vec<Vec<u8>>,
    bytes: usize,
}

impl ReplyAssembler {
    /// Feeds one line (without its line ending). Returns the reply when this line ended it.
    pub fn push_line(&mut self, line: &[u8], max_reply_bytes: usize) -> Result<Option<Reply>> {
        if line.contains(&0) {
            return Err(Error::protocol("NUL byte in a reply line"));
        }
        self.bytes = self.bytes.saturating_add(line.len() + 2);
        if self.bytes > max_reply_bytes {
            return Err(Error::protocol(format!(
                "reply longer than {max_reply_bytes} bytes"
            )));
        }
        match self.code {
            None => {
                let Some((code, more)) = line_code(line) else {
                    return Err(Error::protocol(format!(
                        "not an FTP reply: {:?}",
                        String::from_utf8_lossy(line.get(..line.len().min(60)).unwrap_or(line))
                    )));
                };
                self.lines.push(line.to_vec());
                if more {
                    self.code = Some(code);
                    Ok(None)
                } else {
                    Ok(Some(self.take(code)))
                }
            }
            Some(code) => {
                self.lines.push(line.to_vec());
                match line_code(line) {
                    // RFC 959: the reply ends with "ddd " of the same code. Some servers end
                    // it with another code; take the end of the reply, keep the first code.
                    Some((_, false)) => Ok(Some(self.take(code))),
                    _ => Ok(None),
                }
            }
        }
    }

    fn take(&mut self, code: u16) -> Reply {
        self.code = None;
        self.bytes = 0;
        Reply::new(code, std::mem::take(&mut self.lines))
    }

    /// True when a multi-line reply has begun and not ended.
    pub fn in_progress(&self) -> bool {
        self.code.is_some()
    }
}

/// Finds the end of the first line in `buf`: returns `(line_len_without_ending, consumed)`.
/// Accepts CRLF and bare LF. `None` when no complete line is buffered.
pub fn split_line(buf: &[u8]) -> Option<(usize, usize)> {
    let lf = buf.iter().position(|&b| b == b'\n')?;
    let len = if lf > 0 && buf.get(lf - 1) == Some(&b'\r') {
        lf - 1
    } else {
        lf
    };
    Some((len, lf + 1))
}

/// Parses the address and port of a `227` reply: six numbers `h1,h2,h3,h4,p1,p2`,
/// with or without parentheses. Octets over 255 and port 0 are rejected.
pub fn parse_227(text: &[u8]) -> Result<(Ipv4Addr, u16)> {
    let bad = || Error::protocol(format!("malformed 227 reply: {:?}", lossy_head(text)));
    let start = text
        .iter()
        .position(|&b| b == b'(')
        .map(|p| p + 1)
        .or_else(|| text.iter().position(u8::is_ascii_digit))
        .ok_or_else(bad)?;
    let mut nums = [0u16; 6];
    let mut rest = text.get(start..).ok_or_else(bad)?;
    for (i, slot) in nums.iter_mut().enumerate() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            return Err(bad());
        }
        let n = parse_u64(rest.get(..digits).ok_or_else(bad)?).ok_or_else(bad)?;
        if n > 255 {
            return Err(bad());
        }
        *slot = n as u16;
        rest = rest.get(digits..).ok_or_else(bad)?;
        if i < 5 {
            rest = rest.strip_prefix(b",").ok_or_else(bad)?;
        }
    }
    let ip = Ipv4Addr::new(nums[0] as u8, nums[1] as u8, nums[2] as u8, nums[3] as u8);
    let port = nums[4] * 256 + nums[5];
    if port == 0 {
        return Err(bad());
    }
    Ok((ip, port))
}

/// Parses the port of a `229` reply: `(<d><d><d>port<d>)` with one delimiter
/// character used four times (RFC 2428).
pub fn parse_229(text: &[u8]) -> Result<u16> {
    let bad = || Error::protocol(format!("malformed 229 reply: {:?}", lossy_head(text)));
    let open = text.iter().position(|&b| b == b'(').ok_or_else(bad)?;
    let inner = text.get(open + 1..).ok_or_else(bad)?;
    let close = inner.iter().position(|&b| b == b')').ok_or_else(bad)?;
    let inner = inner.get(..close).ok_or_else(bad)?;
    let (&d, rest) = inner.split_first().ok_or_else(bad)?;
    if !(33..=126).contains(&d) || d.is_ascii_digit() {
        return Err(bad());
    }
    let rest = rest.strip_prefix(&[d, d][..]).ok_or_else(bad)?;
    let port_bytes = rest.strip_suffix(&[d][..]).ok_or_else(bad)?;
    if port_bytes.is_empty() || port_bytes.len() > 5 {
        return Err(bad());
    }
    let port = parse_u64(port_bytes).ok_or_else(bad)?;
    if port == 0 || port > 65535 {
        return Err(bad());
    }
    Ok(port as u16)
}

/// Parses the quoted path of a `257` reply (RFC 959: `""` inside stands for `"`).
pub fn parse_257(text: &[u8]) -> Result<Vec<u8>> {
    let bad = || Error::protocol(format!("malformed 257 reply: {:?}", lossy_head(text)));
    let open = text.iter().position(|&b| b == b'"').ok_or_else(bad)?;
    let mut out = Vec::new();
    let mut it = text.get(open + 1..).ok_or_else(bad)?.iter().peekable();
    while let Some(&b) = it.next() {
        if b == b'"' {
            if it.peek() == Some(&&b'"') {
                it.next();
                out.push(b'"');
            } else {
                return Ok(out);
            }
        } else {
            out.push(b);
        }
    }
    Err(bad())
}

/// Parses a decimal `u64` made of digits only (no sign, no spaces, no overflow).
pub fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        if d.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        } else {
            None
        }
    })
}

/// Parses the size in a `213` reply to `SIZE`: the text must be a decimal number.
pub fn parse_213_size(text: &[u8]) -> Result<u64> {
    parse_u64(text.trim_ascii())
        .ok_or_else(|| Error::protocol(format!("malformed SIZE reply: {:?}", lossy_head(text))))
}

/// Parses the time in a `213` reply to `MDTM` (`YYYYMMDDHHMMSS[.fff]`, UTC).
pub fn parse_213_time(text: &[u8]) -> Result<DateTime> {
    DateTime::parse_ftp(text.trim_ascii())
        .ok_or_else(|| Error::protocol(format!("malformed MDTM reply: {:?}", lossy_head(text))))
}

/// Finds the size a `150` reply announces, as in `150 Opening BINARY mode data
/// connection for f (1234 bytes)`. `None` when there is none or it is malformed.
pub fn parse_150_size(text: &[u8]) -> Option<u64> {
    let open = text.iter().rposition(|&b| b == b'(')?;
    let inner = text.get(open + 1..)?;
    let digits = inner.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = inner.get(digits..)?;
    if !rest.starts_with(b" bytes)") && !rest.starts_with(b" Bytes)") {
        return None;
    }
    parse_u64(inner.get(..digits)?)
}

fn lossy_head(b: &[u8]) -> String {
    String::from_utf8_lossy(b.get(..b.len().min(80)).unwrap_or(b)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assemble(input: &[u8]) -> Result<Vec<Reply>> {
        let mut asm = ReplyAssembler::default();
        let mut out = Vec::new();
        let mut buf = input;
        while let Some((len, used)) = split_line(buf) {
            if let Some(r) = asm.push_line(&buf[..len], 1 << 20)? {
                out.push(r);
            }
            buf = &buf[used..];
        }
        Ok(out)
    }

    #[test]
    fn single_and_multi_line_replies() {
        let r = assemble(b"220 (vsFTPd 3.0.3)\r\n").unwrap();
        assert_eq!(r[0].code(), 220);
        assert_eq!(r[0].text(), "(vsFTPd 3.0.3)");
        let feat = b"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n";
        let r = assemble(feat).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), 211);
        assert_eq!(r[0].lines().len(), 11);
        assert!(r[0].text().contains("REST STREAM"));
    }

    #[test]
    fn multi_line_with_inner_code_lines() {
        // ProFTPD-style multi-line greeting where inner lines repeat the code with a dash.
        let r = assemble(b"230-Welcome\r\n230-line two\r\n  230 indented\r\n230 done\r\n").unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].lines().len(), 4);
    }

    #[test]
    fn lf_only_and_bare_code() {
        let r = assemble(b"200\n226 ok\n").unwrap();
        assert_eq!(r[0].code(), 200);
        assert_eq!(r[0].text(), "");
        assert_eq!(r[1].code(), 226);
    }

    #[test]
    fn pipelined_150_and_226() {
        let r = assemble(b"150 Opening BINARY mode data connection for f (6 bytes).\r\n226 Transfer complete.\r\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(parse_150_size(r[0].first_line_text()), Some(6));
        assert_eq!(r[1].code(), 226);
    }

    #[test]
    fn not_ftp_is_rejected() {
        assert!(assemble(b"HTTP/1.1 400 Bad Request\r\n").is_err());
        assert!(assemble(b"\x16\x03\x01\x00\x05hello\n").is_err());
        assert!(assemble(b"600 nope\r\n").is_err());
        assert!(assemble(b"22 short\r\n").is_err());
        assert!(assemble(b"220 nul\0inside\r\n").is_err());
    }

    #[test]
    fn reply_budget_is_enforced() {
        let mut asm = ReplyAssembler::default();
        assert!(asm.push_line(b"211-start", 100).unwrap().is_none());
        let mut err = None;
        for _ in 0..100 {
            if let Err(e) = asm.push_line(b" filler filler filler", 100) {
                err = Some(e);
                break;
            }
        }
        assert!(matches!(err, Some(Error::Protocol(_))));
    }

    #[test]
    fn pasv_227_variants() {
        let ok = |t: &[u8]| parse_227(t).unwrap();
        assert_eq!(
            ok(b"Entering Passive Mode (127,0,0,1,156,65)."),
            (Ipv4Addr::new(127, 0, 0, 1), 40001)
        );
        // Without parentheses (Windows servers), with text before.
        assert_eq!(
            ok(b"Entering Passive Mode 10,0,0,5,4,1"),
            (Ipv4Addr::new(10, 0, 0, 5), 1025)
        );
        for bad in [
            &b"Entering Passive Mode (256,0,0,1,1,1)"[..],
            b"Entering Passive Mode (127,0,0,1,0,0)",
            b"Entering Passive Mode (127,0,0,1,1)",
            b"Entering Passive Mode (",
            b"Entering Passive Mode (1,2,3,4,5,6000)",
            b"Entering Passive Mode (-1,2,3,4,5,6)",
            b"",
        ] {
            assert!(
                parse_227(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn epsv_229_variants() {
        assert_eq!(
            parse_229(b"Entering Extended Passive Mode (|||40123|)").unwrap(),
            40123
        );
        assert_eq!(
            parse_229(b"Entering Extended Passive Mode (!!!40123!)").unwrap(),
            40123
        );
        for bad in [
            &b"Entering Extended Passive Mode (|||0|)"[..],
            b"Entering Extended Passive Mode (|||65536|)",
            b"Entering Extended Passive Mode (|!|40123|)",
            b"Entering Extended Passive Mode (|||40123!)",
            b"Entering Extended Passive Mode (|||40123|",
            b"Entering Extended Passive Mode (",
            b"Entering Extended Passive Mode (|||+123|)",
            b"Entering Extended Passive Mode (1112341)",
        ] {
            assert!(
                parse_229(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn pwd_257_quoting() {
        assert_eq!(
            parse_257(b"\"/home/ftp\" is the current directory").unwrap(),
            b"/home/ftp"
        );
        assert_eq!(
            parse_257(b"\"/a \"\"quoted\"\" dir\" created").unwrap(),
            b"/a \"quoted\" dir"
        );
        assert_eq!(parse_257(b"MKD ok: \"/x\"").unwrap(), b"/x");
        assert_eq!(parse_257(b"\"\"").unwrap(), b"");
        assert_eq!(parse_257(b"\"caf\xe9\"").unwrap(), b"caf\xe9");
        assert!(parse_257(b"\"/unterminated").is_err());
        assert!(parse_257(b"no quotes").is_err());
    }

    #[test]
    fn size_and_mdtm_213() {
        assert_eq!(parse_213_size(b"1048576").unwrap(), 1 << 20);
        assert_eq!(parse_213_size(b" 18446744073709551615 ").unwrap(), u64::MAX);
        for bad in [
            &b"18446744073709551616"[..],
            b"-1",
            b"+5",
            b"12a",
            b"",
            b"1 2",
        ] {
            assert!(parse_213_size(bad).is_err());
        }
        let t = parse_213_time(b"20261125035200").unwrap();
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2026, 11, 25, 3, 52, 0)
        );
        assert!(parse_213_time(b"2026112503520").is_err());
        assert!(parse_213_time(b"20261325035200").is_err());
    }

    #[test]
    fn size_in_150() {
        assert_eq!(
            parse_150_size(b"Opening BINARY mode data connection for x (1234 bytes)."),
            Some(1234)
        );
        assert_eq!(parse_150_size(b"Opening data connection"), None);
        assert_eq!(parse_150_size(b"x (99999999999999999999999 bytes)"), None);
        assert_eq!(parse_150_size(b"x (12a bytes)"), None);
    }
}

/// Replies made from text, for the unit tests of other modules.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Reply, ReplyAssembler, split_line};

    /// The one reply `text` holds (lines ending in CRLF). Panics when it holds none.
    pub(crate) fn parse(text: &[u8]) -> Reply {
        let mut asm = ReplyAssembler::default();
        let mut buf = text;
        while let Some((len, used)) = split_line(buf) {
            if let Some(r) = asm.push_line(&buf[..len], 1 << 20).expect("a reply") {
                return r;
            }
            buf = &buf[used..];
        }
        panic!("no complete reply in {:?}", String::from_utf8_lossy(text))
    }
}
