//! Listings: `MLSD`, `LIST` and `NLST` over a data connection, parsed into entries.
//!
//! Memory is bounded by [`Limits::max_listing`](crate::config::Limits); a line longer
//! than `max_listing_line` or one that does not parse is skipped (and counted), never
//! fatal: one odd line never fails a listing (docs/threats.md, class H5).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::{
    Entry, EntryKind, LineSplitter, Listing, parse_list_line, parse_mlsx_line, parse_nlst_line,
};
use crate::time::DateTime;

impl Client {
    /// Lists a directory (the current one for `None`): `MLSD` when the server offers
    /// `MLST` in `FEAT`, `LIST` otherwise. Lines that did not parse are in
    /// [`Listing::skipped`]; `for entry in client.list(None)?` walks the entries.
    pub fn list(&mut self, path: Option<&[u8]>) -> Result<Listing> {
        if self.features().has("MLST") {
            self.mlsd(path)
        } else {
            self.list_unix(path)
        }
    }

    /// `MLSD`: machine-readable facts (RFC 3659).
    pub fn mlsd(&mut self, path: Option<&[u8]>) -> Result<Listing> {
        self.listing("MLSD", path, |line, _| parse_mlsx_line(line))
    }

    /// `LIST`, parsed as Unix `ls -l` or DOS/IIS lines.
    pub fn list_unix(&mut self, path: Option<&[u8]>) -> Result<Listing> {
        let now = DateTime::now().unwrap_or(DateTime::UNIX_EPOCH);
        self.listing("LIST", path, move |line, _| parse_list_line(line, now))
    }

    /// `NLST`: names only.
    pub fn nlst(&mut self, path: Option<&[u8]>) -> Result<Vec<Vec<u8>>> {
        let mut names = Vec::new();
        self.read_lines("NLST", path, |line| {
            if let Some(n) = parse_nlst_line(line) {
                names.push(n);
            }
        })?;
        Ok(names)
    }

    /// `MLST`: the facts of one path, over the control connection.
    pub fn mlst(&mut self, path: impl AsRef<[u8]>) -> Result<Entry> {
        self.ready()?;
        let path = path.as_ref();
        let reply = self.expect_ok("MLST", (!path.is_empty()).then_some(path))?;
        let lines = reply.lines();
        lines
            .iter()
            .skip(1)
            .take(lines.len().saturating_sub(2))
            .find_map(|l| parse_mlsx_line(l))
            .ok_or_else(|| Error::protocol(format!("MLST reply without facts: {reply}")))
    }

    fn listing(
        &mut self,
        verb: &'static str,
        path: Option<&[u8]>,
        parse: impl Fn(&[u8], ()) -> Option<Entry>,
    ) -> Result<Listing> {
        let mut out = Listing::default();
        self.read_lines(verb, path, |line| match parse(line, ()) {
            Some(e) if matches!(e.kind, EntryKind::CurrentDir | EntryKind::ParentDir) => {}
            Some(e) => out.entries.push(e),
            None => {
                if out.skipped.len() < 1000 {
                    out.skipped
                        .push(line.get(..line.len().min(1024)).unwrap_or(line).to_vec());
                }
            }
        })?;
        Ok(out)
    }

    /// Runs a listing transfer and hands each line to `each`, within the limits.
    fn read_lines(
        &mut self,
        verb: &'static str,
        path: Option<&[u8]>,
        mut each: impl FnMut(&[u8]),
    ) -> Result<()> {
        let limits = self.config().limits();
        self.transfer().start_listing(verb, path)?;
        let mut split = LineSplitter::new(limits.max_listing_line);
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = self.read_data(&mut buf)?;
            if n == 0 {
                split.finish();
            } else {
                total += n as u64;
                if total > limits.max_listing {
                    self.abort_transfer()?;
                    return Err(Error::protocol(format!(
                        "listing larger than {} bytes",
                        limits.max_listing
                    )));
                }
                split.push(&buf[..n]);
            }
            while let Some(line) = split.next_line() {
                match line {
                    Ok(l) => each(&l),
                    Err(_) => each(b""),
                }
            }
            if n == 0 {
                break;
            }
        }
        self.finish_transfer()?;
        Ok(())
    }
}
