//! Plain data types that [`crate::error::Error`] carries and the protocol modules
//! produce. Nothing here depends on anything else in the crate, so the error type can
//! use it without a module cycle.

use std::fmt;

/// A complete reply from the server: a three-digit code and one or more lines.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    code: u16,
    lines: Vec<Vec<u8>>,
}

impl Reply {
    /// Builds a reply (mostly for tests and bindings).
    pub fn new(code: u16, lines: Vec<Vec<u8>>) -> Reply {
        Reply { code, lines }
    }

    /// The three-digit code, 100..=599.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The raw lines, without line endings, each still starting with its code where it had one.
    pub fn lines(&self) -> &[Vec<u8>] {
        &self.lines
    }

    /// The bytes of the first line after `ddd ` / `ddd-`.
    pub fn first_line_text(&self) -> &[u8] {
        self.lines.first().map(|l| strip_code(l)).unwrap_or(&[])
    }

    /// The text of the reply: each line without its code prefix, joined by `\n`,
    /// decoded lossily as UTF-8.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, l) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&String::from_utf8_lossy(strip_code(l)));
        }
        out
    }

    /// `1xx`: the server has started and will send another reply.
    pub fn is_preliminary(&self) -> bool {
        (100..200).contains(&self.code)
    }

    /// `2xx`: done.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// `3xx`: the server wants another command (password, RNTO...).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// `4xx`: failed, may work if tried again.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// `5xx`: failed for good.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }
}

fn strip_code(line: &[u8]) -> &[u8] {
    match line {
        [a, b, c, sep, rest @ ..]
            if a.is_ascii_digit()
                && b.is_ascii_digit()
                && c.is_ascii_digit()
                && (*sep == b' ' || *sep == b'-') =>
        {
            rest
        }
        [a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => &[],
        _ => line.strip_prefix(b" ").unwrap_or(line),
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        let text = self.text();
        if !text.is_empty() {
            f.write_str(" ")?;
            for ch in text.chars() {
                if ch == '\n' {
                    f.write_str(" / ")?;
                } else if ch.is_control() {
                    write!(f, "{}", ch.escape_default())?;
                } else {
                    write!(f, "{ch}")?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reply({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_escapes_control_characters() {
        let r = Reply::new(550, vec![b"550 bad\x1b[31mname".to_vec()]);
        assert_eq!(r.to_string(), "550 bad\\u{1b}[31mname");
    }
}
