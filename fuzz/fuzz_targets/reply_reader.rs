//! The control connection's reply reader: `split_line` over a byte stream, each line
//! fed to `ReplyAssembler::push_line` under several reply budgets.
//!
//! Asserts: no panic; `split_line` results are in bounds and end at a `\n`; every
//! reply has a code in 100..=599, exactly the lines pushed since the previous reply,
//! a last line that closes it, and never more than the budget (the lines the
//! assembler holds are modelled alongside it); the assembler's state is consistent.
#![no_main]

use ftps_core::parsers::{ReplyAssembler, split_line};
use libfuzzer_sys::fuzz_target;

/// Budgets from absurdly small to the library's usual order of magnitude.
const BUDGETS: [usize; 5] = [0, 16, 100, 512, 1 << 16];

fn code_of(line: &[u8]) -> Option<(u16, bool)> {
    let d = line.get(..3)?;
    if !d.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&d[0]) {
        return None;
    }
    let code = d.iter().fold(0u16, |a, b| a * 10 + u16::from(b - b'0'));
    match line.get(3) {
        None | Some(b' ') => Some((code, false)),
        Some(b'-') => Some((code, true)),
        _ => None,
    }
}

fn run(data: &[u8], budget: usize) {
    let mut asm = ReplyAssembler::default();
    // The model: the lines pushed since the last reply and their cost (len + CRLF).
    let mut held: Vec<Vec<u8>> = Vec::new();
    let mut held_bytes = 0usize;
    let mut buf = data;
    while let Some((len, used)) = split_line(buf) {
        assert!(len < used && used <= buf.len(), "split_line out of bounds");
        assert_eq!(buf[used - 1], b'\n');
        assert!(used - len <= 2);
        let line = &buf[..len];
        assert!(!line.contains(&b'\n'), "split_line left a LF in the line");
        buf = &buf[used..];

        let was_in_progress = asm.in_progress();
        match asm.push_line(line, budget) {
            Err(_) => return, // fatal for the connection: the client stops reading
            Ok(r) => {
                assert!(!line.contains(&0), "NUL accepted in a reply line");
                held.push(line.to_vec());
                held_bytes += line.len() + 2;
                assert!(
                    held_bytes <= budget,
                    "assembler holds {held_bytes} bytes over the budget {budget}"
                );
                match r {
                    None => {
                        assert!(asm.in_progress(), "Ok(None) but no reply in progress");
                        if !was_in_progress {
                            assert_eq!(code_of(line).map(|c| c.1), Some(true));
                        }
                    }
                    Some(reply) => {
                        assert!(!asm.in_progress(), "reply returned but still in progress");
                        let code = reply.code();
                        assert!((100..=599).contains(&code), "reply code {code}");
                        assert_eq!(
                            reply.lines(),
                            &held[..],
                            "reply lines differ from the pushed ones"
                        );
                        let first = code_of(&reply.lines()[0]).expect("first line has a code");
                        assert_eq!(first.0, code, "reply code is not the first line's");
                        let last = reply.lines().last().unwrap();
                        assert_eq!(
                            code_of(last).map(|c| c.1),
                            Some(false),
                            "reply not closed by `ddd `"
                        );
                        let cost: usize = reply.lines().iter().map(|l| l.len() + 2).sum();
                        assert!(cost <= budget);
                        // The accessors are total too.
                        assert_eq!(
                            reply.is_preliminary() as u8
                                + reply.is_success() as u8
                                + reply.is_intermediate() as u8
                                + reply.is_transient() as u8
                                + reply.is_permanent() as u8,
                            1
                        );
                        let _ = reply.first_line_text();
                        let text = reply.text();
                        assert_eq!(text.matches('\n').count(), reply.lines().len() - 1);
                        let shown = reply.to_string();
                        assert!(shown.starts_with(&code.to_string()));
                        assert!(
                            !shown.contains(['\r', '\n', '\0']),
                            "Display lets control bytes through"
                        );
                        held.clear();
                        held_bytes = 0;
                    }
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for budget in BUDGETS {
        run(data, budget);
    }
});
