//! [`LineSplitter`]: a listing byte stream cut into lines, incrementally and with
//! bounded memory.

use std::collections::VecDeque;
use std::fmt;

/// A listing line was longer than the [`LineSplitter`]'s limit. The line's
/// bytes were discarded; splitting continues with the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong {
    /// The limit that was exceeded, in bytes (line ending excluded).
    pub max_line: usize,
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "listing line longer than {} bytes", self.max_line)
    }
}

impl std::error::Error for LineTooLong {}

/// Splits a listing byte stream into lines, incrementally and with bounded
/// memory.
///
/// Accepts CRLF and bare LF endings (one `\r` before the `\n` is removed),
/// and skips empty lines. A line longer than `max_line` bytes is reported
/// once as `Err(LineTooLong)` in its place; its bytes are dropped as they
/// arrive, so the partial line held never exceeds `max_line + 1` bytes.
///
/// Usage: [`push`](Self::push) each chunk read from the data connection and
/// drain [`next_line`](Self::next_line) until it returns `None` (the
/// splitter is also an [`Iterator`]); at end of stream call
/// [`finish`](Self::finish) and drain again to get a last line that had no
/// line ending. Memory held is the current partial line plus complete lines
/// not yet drained.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    ready: VecDeque<Result<Vec<u8>, LineTooLong>>,
    partial: Vec<u8>,
    overlong: bool,
    max_line: usize,
}

impl Default for LineSplitter {
    /// A splitter with [`LineSplitter::DEFAULT_MAX_LINE`].
    fn default() -> Self {
        LineSplitter::new(LineSplitter::DEFAULT_MAX_LINE)
    }
}

impl LineSplitter {
    /// A generous default limit: 64 KiB per line.
    pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

    /// A splitter that rejects lines longer than `max_line` bytes (not
    /// counting the line ending).
    pub fn new(max_line: usize) -> Self {
        LineSplitter {
            ready: VecDeque::new(),
            partial: Vec::new(),
            overlong: false,
            max_line,
        }
    }

    /// The configured maximum line length.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Appends bytes of the partial line, dropping them once it is too long.
    fn extend_partial(&mut self, bytes: &[u8]) {
        if self.overlong {
            return;
        }
        // Room for max_line bytes plus a possible '\r' before the '\n'.
        let room = self
            .max_line
            .saturating_add(1)
            .saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.overlong = true;
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Ends the partial line and queues it (or its error).
    fn terminate_line(&mut self) {
        let line = std::mem::take(&mut self.partial);
        if std::mem::take(&mut self.overlong) {
            self.ready.push_back(Err(LineTooLong {
                max_line: self.max_line,
            }));
            return;
        }
        let mut line = line;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.max_line {
            self.ready.push_back(Err(LineTooLong {
                max_line: self.max_line,
            }));
        } else if !line.is_empty() {
            self.ready.push_back(Ok(line));
        }
    }

    /// Feeds the next chunk of the stream.
    pub fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            self.extend_partial(rest.get(..nl).unwrap_or(&[]));
            self.terminate_line();
            rest = rest.get(nl + 1..).unwrap_or(&[]);
        }
        self.extend_partial(rest);
    }

    /// Marks the end of the stream: a pending last line without a line
    /// ending becomes available from [`next_line`](Self::next_line). Pushing
    /// more data afterwards starts a new line.
    pub fn finish(&mut self) {
        if self.overlong || !self.partial.is_empty() {
            self.terminate_line();
        }
    }

    /// The next complete line (ending removed), an error in place of an
    /// over-long line, or `None` when more input is needed.
    pub fn next_line(&mut self) -> Option<Result<Vec<u8>, LineTooLong>> {
        self.ready.pop_front()
    }
}

impl Iterator for LineSplitter {
    type Item = Result<Vec<u8>, LineTooLong>;

    /// Same as [`LineSplitter::next_line`]; `None` only means "no line yet".
    fn next(&mut self) -> Option<Self::Item> {
        self.next_line()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(s: &mut LineSplitter) -> Vec<Result<Vec<u8>, LineTooLong>> {
        std::iter::from_fn(|| s.next_line()).collect()
    }

    #[test]
    fn splitter_basic() {
        let mut s = LineSplitter::new(100);
        s.push(b"one\r\ntwo\nthr");
        assert_eq!(
            drain(&mut s),
            vec![Ok(b"one".to_vec()), Ok(b"two".to_vec())]
        );
        s.push(b"ee\r");
        assert_eq!(drain(&mut s), vec![]);
        s.push(b"\n\r\n\n\nfour");
        assert_eq!(drain(&mut s), vec![Ok(b"three".to_vec())]);
        s.finish();
        assert_eq!(drain(&mut s), vec![Ok(b"four".to_vec())]);
        s.finish();
        assert_eq!(drain(&mut s), vec![]);
        // Lone CR inside a line is kept.
        s.push(b"a\rb\n");
        assert_eq!(s.next(), Some(Ok(b"a\rb".to_vec())));
        assert_eq!(s.next(), None);
    }

    #[test]
    fn splitter_byte_by_byte_equals_whole() {
        let data: &[u8] = b"-rw-r--r-- 1 u g 6 Nov 25 03:52 a\r\n\r\nb\nc\r\n\xe9\xff\r\nlast";
        let mut whole = LineSplitter::new(64);
        whole.push(data);
        whole.finish();
        let expected = drain(&mut whole);
        assert_eq!(expected.len(), 5);
        let mut bytewise = LineSplitter::new(64);
        let mut got = Vec::new();
        for b in data {
            bytewise.push(std::slice::from_ref(b));
            got.extend(drain(&mut bytewise));
        }
        bytewise.finish();
        got.extend(drain(&mut bytewise));
        assert_eq!(got, expected);
    }

    #[test]
    fn splitter_too_long() {
        let mut s = LineSplitter::new(5);
        assert_eq!(s.max_line(), 5);
        s.push(b"12345\r\n123456\nok\n");
        assert_eq!(
            drain(&mut s),
            vec![
                Ok(b"12345".to_vec()),
                Err(LineTooLong { max_line: 5 }),
                Ok(b"ok".to_vec())
            ]
        );
        // Over-long line arriving in pieces: reported once, bytes dropped.
        s.push(b"abc");
        s.push(b"defgh");
        s.push(b"ijklmnop");
        assert!(s.partial.is_empty());
        assert_eq!(drain(&mut s), vec![]);
        s.push(b"qrs\r\nnext\n");
        let err = LineTooLong { max_line: 5 };
        assert_eq!(drain(&mut s), vec![Err(err), Ok(b"next".to_vec())]);
        assert_eq!(err.to_string(), "listing line longer than 5 bytes");
        // Over-long unterminated last line.
        s.push(b"0123456789");
        s.finish();
        assert_eq!(drain(&mut s), vec![Err(err)]);
        // A 6-byte line followed by CR, split before the LF.
        s.push(b"123456\r");
        s.push(b"\n");
        assert_eq!(drain(&mut s), vec![Err(err)]);
        // Exactly max_line followed by CR arriving separately.
        s.push(b"12345");
        s.push(b"\r");
        s.push(b"\n");
        assert_eq!(drain(&mut s), vec![Ok(b"12345".to_vec())]);
    }

    #[test]
    fn splitter_one_mib_junk_is_bounded() {
        let mut s = LineSplitter::new(1024);
        let junk = vec![b'x'; 1 << 20];
        for chunk in junk.chunks(4096) {
            s.push(chunk);
            assert!(s.partial.len() <= 1025);
            assert!(s.partial.capacity() <= 8192);
        }
        s.push(b"\nfine\n");
        assert_eq!(
            drain(&mut s),
            vec![Err(LineTooLong { max_line: 1024 }), Ok(b"fine".to_vec())]
        );
        let mut zero = LineSplitter::new(0);
        zero.push(b"a\n\n");
        assert_eq!(drain(&mut zero), vec![Err(LineTooLong { max_line: 0 })]);
        assert_eq!(
            LineSplitter::default().max_line(),
            LineSplitter::DEFAULT_MAX_LINE
        );
    }
}
