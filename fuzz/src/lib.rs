//! Helpers shared by the fuzz targets.

/// The text of a reply line as the client hands it to a parser
/// (`Reply::first_line_text`): the line without a leading `ddd ` / `ddd-`.
/// Lets the seed files hold whole reply lines exactly as servers send them.
pub fn reply_text(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match line {
        [a, b, c, sep, rest @ ..]
            if a.is_ascii_digit()
                && b.is_ascii_digit()
                && c.is_ascii_digit()
                && (*sep == b' ' || *sep == b'-') =>
        {
            rest
        }
        _ => line,
    }
}

/// `line` without one trailing `\n`, `\r\n` or `\r` (what the listing parsers keep as `raw`).
pub fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// RFC 959 quoting of a path in a `257` reply: `"` doubled.
pub fn escape_257(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len() + 2);
    for &b in path {
        out.push(b);
        if b == b'"' {
            out.push(b'"');
        }
    }
    out
}
