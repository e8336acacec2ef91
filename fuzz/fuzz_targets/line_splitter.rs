//! `LineSplitter`: the bounded, incremental splitter of the data connection's stream.
//!
//! The input is a listing byte stream; it is split under several line limits and
//! several chunkings (1 byte, odd sizes, the whole input), draining at different
//! moments. Asserts: no panic; every line is non-empty, has no `\n`, and is at most
//! `max_line` bytes; the result does not depend on the chunking or on when lines are
//! drained, and equals a plain reference model (split at `\n`, drop one `\r`, skip
//! empty lines, `Err` in place of a line over the limit).
#![no_main]

use ftps_core::parsers::{LineSplitter, LineTooLong};
use libfuzzer_sys::fuzz_target;

type Lines = Vec<Result<Vec<u8>, LineTooLong>>;

fn model(data: &[u8], max_line: usize) -> Lines {
    let mut out = Vec::new();
    let segs: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    for seg in segs {
        let line = seg.strip_suffix(b"\r").unwrap_or(seg);
        if line.len() > max_line {
            out.push(Err(LineTooLong { max_line }));
        } else if !line.is_empty() {
            out.push(Ok(line.to_vec()));
        }
    }
    out
}

fn split(data: &[u8], max_line: usize, chunk: usize, drain_every: bool) -> Lines {
    let mut s = LineSplitter::new(max_line);
    assert_eq!(s.max_line(), max_line);
    let mut out = Vec::new();
    let drain = |s: &mut LineSplitter, out: &mut Lines| {
        while let Some(l) = s.next_line() {
            if let Ok(l) = &l {
                assert!(!l.is_empty(), "empty line returned");
                assert!(
                    l.len() <= max_line,
                    "line of {} bytes over {max_line}",
                    l.len()
                );
                assert!(!l.contains(&b'\n'));
            }
            out.push(l);
        }
    };
    for c in data.chunks(chunk.max(1)) {
        s.push(c);
        if drain_every {
            drain(&mut s, &mut out);
        }
    }
    s.finish();
    drain(&mut s, &mut out);
    assert!(s.next().is_none());
    // finish() twice adds nothing.
    s.finish();
    assert!(s.next_line().is_none());
    out
}

fuzz_target!(|data: &[u8]| {
    for max_line in [0, 1, 7, 40, LineSplitter::DEFAULT_MAX_LINE] {
        let want = model(data, max_line);
        for (chunk, drain_every) in [(data.len(), false), (1, true), (5, false), (64, true)] {
            let got = split(data, max_line, chunk, drain_every);
            assert_eq!(got, want, "max_line {max_line}, chunks of {chunk}");
        }
    }
});
