//! `257` replies to PWD/MKD: the quoted path, `""` standing for `"` (RFC 959).
//!
//! Properties:
//! 1. the input, as a reply line (whole and after `ddd `), never panics; when it parses
//!    to `p`, the text from its first `"` starts with `"` + escape(p) + `"` and the byte
//!    after that is not `"` (the parser returns exactly the first quoted string);
//! 2. quoting round-trips arbitrary bytes: for x = the input (any bytes, `"` and CR/LF
//!    included), `prefix "escape(x)" suffix` parses back to x for prefixes without `"`
//!    and suffixes not starting with `"`; when x has no `"`, `"x"` parses to x unescaped.
#![no_main]

use ftps_core::parsers::parse_257;
use ftps_core_fuzz::{escape_257, reply_text};
use libfuzzer_sys::fuzz_target;

fn quoted(prefix: &[u8], x: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut s = prefix.to_vec();
    s.push(b'"');
    s.extend_from_slice(&escape_257(x));
    s.push(b'"');
    s.extend_from_slice(suffix);
    s
}

fn check_parse(text: &[u8]) {
    let Ok(p) = parse_257(text) else {
        return;
    };
    let open = text
        .iter()
        .position(|&b| b == b'"')
        .expect("257 accepted without a quote");
    let expect = quoted(b"", &p, b"");
    let from = &text[open..];
    assert!(
        from.starts_with(&expect),
        "257 {:?} parsed as {:?}",
        String::from_utf8_lossy(text),
        String::from_utf8_lossy(&p)
    );
    assert_ne!(
        from.get(expect.len()),
        Some(&b'"'),
        "257 stopped inside a doubled quote"
    );
    assert!(p.len() < text.len());
}

fuzz_target!(|data: &[u8]| {
    check_parse(data);
    check_parse(reply_text(data));

    let x = data;
    for (prefix, suffix) in [
        (&b""[..], &b""[..]),
        (b"", b" is the current directory"),
        (b"MKD command successful: ", b""),
        (b"Entering directory ", b" - created."),
        (b"", b" \"quoted\" afterwards"),
        (b"257-", b"\r\n"),
    ] {
        let line = quoted(prefix, x, suffix);
        assert_eq!(
            parse_257(&line).ok().as_deref(),
            Some(x),
            "257 quoting does not round-trip {:?}",
            String::from_utf8_lossy(x)
        );
    }
    if !x.contains(&b'"') {
        let mut line = b"\"".to_vec();
        line.extend_from_slice(x);
        line.extend_from_slice(b"\" is the current directory");
        assert_eq!(parse_257(&line).ok().as_deref(), Some(x));
    }
});
