//! `227` (PASV) and `229` (EPSV) replies.
//!
//! The input is a reply line; both the whole line and its text after `ddd ` are parsed
//! (the client parses `Reply::first_line_text`). Asserts: no panic; a parsed 227 port
//! is not 0, a parsed 229 port is 1..=65535; what was parsed is really in the text;
//! a parsed value survives a canonical re-encoding (with the input's own 229 delimiter).
#![no_main]

use ftps_core::parsers::{parse_227, parse_229};
use ftps_core_fuzz::{contains, reply_text};
use libfuzzer_sys::fuzz_target;

fn check_227(text: &[u8]) {
    let Ok((ip, port)) = parse_227(text) else {
        return;
    };
    assert_ne!(port, 0, "227 port 0 accepted");
    let [a, b, c, d] = ip.octets();
    let (p1, p2) = (port >> 8, port & 0xff);
    // The six numbers appear in the text, comma-separated (leading zeros aside).
    let canon = format!("{a},{b},{c},{d},{p1},{p2}");
    let squeezed: Vec<u8> = strip_leading_zeros(text);
    assert!(
        contains(&squeezed, canon.as_bytes()),
        "227 {:?} parsed as {canon}",
        String::from_utf8_lossy(text)
    );
    for form in [
        format!("Entering Passive Mode ({canon})."),
        format!("Entering Passive Mode ({canon})"),
        format!("Entering Passive Mode {canon}"),
        canon.clone(),
    ] {
        assert_eq!(parse_227(form.as_bytes()).ok(), Some((ip, port)), "{form}");
    }
}

/// `(010,0,...)` -> `(10,0,...)`: numbers without their leading zeros.
fn strip_leading_zeros(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let run = text[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run == 0 {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let digits = &text[i..i + run];
        let nz = digits.iter().position(|&b| b != b'0').unwrap_or(run - 1);
        out.extend_from_slice(&digits[nz..]);
        i += run;
    }
    out
}

fn check_229(text: &[u8]) {
    let Ok(port) = parse_229(text) else {
        return;
    };
    assert!((1..=65535).contains(&port), "229 port {port}");
    // The delimiter is the byte after the first '('.
    let open = text
        .iter()
        .position(|&b| b == b'(')
        .expect("229 accepted without '('");
    let d = text[open + 1];
    assert!(
        (33..=126).contains(&d) && !d.is_ascii_digit(),
        "229 delimiter {d}"
    );
    let d = d as char;
    let canon = format!("Entering Extended Passive Mode ({d}{d}{d}{port}{d})");
    assert_eq!(parse_229(canon.as_bytes()).ok(), Some(port), "{canon}");
    let digits = port.to_string();
    assert!(contains(text, digits.as_bytes()));
}

fuzz_target!(|data: &[u8]| {
    for text in [data, reply_text(data)] {
        check_227(text);
        check_229(text);
    }
});
