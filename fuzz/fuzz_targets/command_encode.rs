//! Command encoding: `encode`, `split_raw`, `check_arg` (docs/threats.md, classes E1/E3:
//! no caller or server string may smuggle a second command).
//!
//! The input is a raw command line `VERB[ arg]`. Asserts: no panic; whenever `encode`
//! returns Ok the output is exactly `VERB[ arg]` + one CRLF, at the end, with no NUL,
//! CR or LF elsewhere; `encode` succeeds exactly when the verb is ASCII alphanumeric
//! and the argument has no CR/LF/NUL; `split_raw` agrees with `check_arg` and its
//! parts re-encode.
#![no_main]

use ftps_core::parsers::{check_arg, encode, split_raw};
use libfuzzer_sys::fuzz_target;

fn clean(b: &[u8]) -> bool {
    !b.iter().any(|&c| c == b'\r' || c == b'\n' || c == 0)
}

fn check_encoded(verb: &str, arg: Option<&[u8]>) {
    let res = encode(verb, arg);
    let verb_ok = !verb.is_empty() && verb.bytes().all(|b| b.is_ascii_alphanumeric());
    let arg_ok = arg.is_none_or(clean);
    assert_eq!(res.is_ok(), verb_ok && arg_ok, "encode({verb:?}, {arg:?})");
    let Ok(out) = res else {
        return;
    };
    let body = out.strip_suffix(b"\r\n").expect("no CRLF at the end");
    assert!(clean(body), "CR/LF/NUL inside an encoded command: {out:?}");
    assert_eq!(out.iter().filter(|&&b| b == b'\r').count(), 1);
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
    let mut want = verb.as_bytes().to_vec();
    if let Some(a) = arg {
        want.push(b' ');
        want.extend_from_slice(a);
    }
    assert_eq!(body, &want[..]);
}

fuzz_target!(|data: &[u8]| {
    assert_eq!(check_arg("fuzz", data).is_ok(), clean(data));

    // VERB = up to the first space (lossily as text, as a binding would pass it), arg = the rest.
    let (verb, arg) = match data.iter().position(|&b| b == b' ') {
        Some(p) => (&data[..p], Some(&data[p + 1..])),
        None => (data, None),
    };
    let verb = String::from_utf8_lossy(verb);
    check_encoded(&verb, arg);
    check_encoded(&verb, None);
    check_encoded("SITE", Some(data));
    check_encoded("PASS", Some(data));

    match split_raw(data) {
        Ok((v, a)) => {
            assert!(clean(data));
            assert!(!v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(!v.bytes().any(|b| b.is_ascii_lowercase()));
            let out = encode(&v, a.as_deref()).expect("split_raw output must encode");
            assert_eq!(out.len(), data.len() + 2);
            assert!(out[..data.len()].eq_ignore_ascii_case(data));
        }
        Err(_) => {
            let verb_ok = !verb.is_empty() && verb.bytes().all(|b| b.is_ascii_alphanumeric());
            assert!(!clean(data) || !verb_ok, "split_raw refused {data:?}");
        }
    }
});
