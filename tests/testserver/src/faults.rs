//! Fault injection: the public [`Fault`] list and the [`Plan`] the session logic consults.
//!
//! A test hands the builder any number of [`Fault`]s. At start-up they are compiled once into a
//! [`Plan`], a plain struct of "what to do differently at this hook" answers. The normal server
//! logic asks the plan at a few fixed hooks (send a reply, accept a connection, open / secure /
//! write / close a data connection) and otherwise reads like an ordinary FTP server.

use std::time::Duration;

/// Pseudo-verb that selects the connection greeting in reply-selecting faults.
pub const GREETING: &str = "GREETING";

/// Pseudo-verb that selects every reply (greeting included) in reply-mangling faults.
pub const EVERY_REPLY: &str = "*";

/// A deliberate misbehaviour of the server. Several may be combined.
///
/// Each variant names the class of the project's threat catalogue, `docs/threats.md`
/// (A1...H6), that it reproduces. Commands are
/// selected by verb, case-insensitively (`"pwd"` matches `PWD`); the pseudo-verb
/// [`GREETING`] selects the greeting and [`EVERY_REPLY`] (`"*"`) every reply where noted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// A1: send these raw bytes instead of the `220` greeting (e.g. `"230 logged in\r\n"`).
    Greeting(Vec<u8>),
    /// A2/A5: answer `AUTH TLS` / `AUTH SSL` with these raw bytes (e.g. `"502 no\r\n"`,
    /// `"334 ADAT=x\r\n"`) and stay in clear text.
    AuthReply(Vec<u8>),
    /// A3: send `234 ...\r\n` followed by these bytes in ONE write, then do the handshake.
    JunkAfter234(Vec<u8>),
    /// A5: for this long after `234`, keep reading the control connection as FTP commands
    /// (as some servers do for a moment): whatever arrives, a ClientHello included, is
    /// answered in clear text with `502 Command not allowed: ...`. Only then the handshake.
    CommandsAfter234(Duration),
    /// A5/A6/F7: instead of a ServerHello send these bytes and close. On the explicit port this
    /// happens after `234` once the client's ClientHello has arrived; on the implicit port right
    /// after accept (like a plain FTP server's banner, e.g. `"220 plain FTP\r\n"`).
    PlainTextInsteadOfServerHello(Vec<u8>),
    /// A5/A6/F7: like [`Fault::PlainTextInsteadOfServerHello`] but with binary junk that is not
    /// a TLS record (first byte 0x00, content type invalid).
    GarbageInsteadOfServerHello,
    /// Any class: send `reply` (raw bytes: several lines, pipelined extras, no CRLF...) instead of
    /// carrying out `command`. The command is logged but has no effect. `nth` (1-based) limits
    /// this to one occurrence of the verb; `None` means every occurrence.
    /// `command` may be [`GREETING`].
    ReplyOverride {
        /// Verb to intercept (case-insensitive) or [`GREETING`].
        command: String,
        /// Raw bytes sent instead of the normal reply.
        reply: Vec<u8>,
        /// Only the nth (1-based) occurrence of the verb; `None` for all.
        nth: Option<usize>,
    },
    /// D1/D4: advertise this address in `227` replies; the real data listener stays on the
    /// control connection's address and port.
    Pasv227Address([u8; 4]),
    /// D1: bind a canary listener on `127.0.0.2` and the real data listener on the control
    /// address, both on the same port; `227` advertises `127.0.0.2`. A client that trusts the
    /// `227` address hits the canary, which counts the connection
    /// ([`TestServer::canary_connections`](crate::TestServer::canary_connections)) and closes it.
    PasvPointsToCanary,
    /// D2: send these raw bytes as the `PASV` reply (a data listener is still opened).
    /// `{p1}`, `{p2}` and `{port}` are replaced by the real port's high byte, low byte and value.
    MalformedPasv(Vec<u8>),
    /// D2: send these raw bytes as the `EPSV` reply, with the same placeholders as
    /// [`Fault::MalformedPasv`].
    MalformedEpsv(Vec<u8>),
    /// D3: answer `EPSV` with `500`, so the client must fall back to `PASV`.
    EpsvRefused,
    /// F1: pad the reply to `command` with `x` until its last line is `len` bytes long
    /// (CRLF not counted). The original text stays in front, so a `257` keeps its path.
    OverlongReply {
        /// Verb whose reply is padded, [`GREETING`] or [`EVERY_REPLY`].
        command: String,
        /// Length of the padded line without CRLF.
        len: usize,
    },
    /// F2: answer `command` with a multi-line reply that never ends (`<code>-line N`), one line
    /// every `line_delay` (zero: as fast as the socket takes it), until the client goes away
    /// or the server shuts down.
    EndlessReply {
        /// Verb to answer this way, or [`GREETING`].
        command: String,
        /// Pause between lines.
        line_delay: Duration,
    },
    /// F4: put a NUL byte into the text of the reply to `command` (right after `"<code> "`).
    NulInReply {
        /// Verb whose reply gets the NUL, [`GREETING`] or [`EVERY_REPLY`].
        command: String,
    },
    /// F5: end the lines of the reply to `command` with a bare LF instead of CRLF.
    LfOnlyLines {
        /// Verb whose reply is affected, [`GREETING`] or [`EVERY_REPLY`].
        command: String,
    },
    /// H1/H2/H5/H6: send `body` as the data of `LIST`, `NLST` or `MLSD` (selected by `command`;
    /// [`EVERY_REPLY`] for all three) instead of the real listing: names with `..` or `/`,
    /// duplicates, symlinks, 1 MiB lines, truncated lines, non-UTF-8 bytes...
    ListingBody {
        /// `LIST`, `NLST`, `MLSD` or [`EVERY_REPLY`].
        command: String,
        /// Raw listing bytes.
        body: Vec<u8>,
    },
    /// F5: send these raw bytes on their own right after the `230` login reply.
    Unsolicited(Vec<u8>),
    /// F5: send `150` and `226` together in one write before the data flows (the data is then
    /// sent completely and correctly; no further reply).
    Reply150And226Together,
    /// F5: send `226` when half of a download has been sent, then send the rest of the data.
    Early226,
    /// G1: end a download with a plain TCP FIN and no TLS close_notify; `226` follows.
    DataNoCloseNotify,
    /// G1: send only the first n bytes of a download, then FIN (no close_notify), then `226`.
    TruncateAfter(u64),
    /// G1: send only the first n bytes of a download (counted from the `REST` offset), then end
    /// the data connection CLEANLY (close_notify + FIN), then `226`: a server that stops early
    /// and says nothing of it.
    CleanCutAfter(u64),
    /// F9/G1: end a download with a TCP RST (SO_LINGER 0) instead of close_notify + FIN; `226`
    /// follows. Combine with [`Fault::TruncateAfter`] to cut the file short as well.
    RstInsteadOfFin,
    /// G1: after `REST n`, announce the WHOLE file's size in the `150` reply of `RETR`
    /// (`"(100000 bytes)"`), as vsftpd does, instead of the bytes still to come (what ProFTPD
    /// and this server do by default). Without `REST` both are the same number.
    Announce150Whole,
    /// G1/G2: on TLS 1.3 data connections, the server renews its sending keys every `n`
    /// payload bytes (rustls `refresh_traffic_keys`): in a download after every `n` bytes sent
    /// (not after the last byte), in an upload after every `n` bytes received. Each renewal
    /// is a `KeyUpdate` with `update_requested`, which the client must answer with a `KeyUpdate`
    /// of its own before its next application data record (RFC 8446 4.6.3). The data
    /// connection's log shows both sides:
    /// [`DataConnLog::key_updates_sent`](crate::DataConnLog::key_updates_sent) and
    /// [`DataConnLog::client_key_updates`](crate::DataConnLog::client_key_updates). In a
    /// download the server waits (up to 2 s) for the client to close after its close_notify,
    /// to see a `KeyUpdate` the client sends in front of its own close_notify. `0` and TLS 1.2
    /// connections: no renewals.
    KeyUpdateEvery(u64),
    /// C3: on a TLS 1.3 data connection, send the first `n` bytes of a download as 0.5-RTT
    /// data: right behind the server's Finished, before the client's Finished is read. A
    /// rustls server sends its session tickets only once it has the client's Finished, so the
    /// tickets of that connection arrive in the middle of the data, after `n` bytes. Only on
    /// handshakes the server accepts (resumed, or any when session reuse is not required).
    /// See [`DataConnLog::half_rtt_bytes`](crate::DataConnLog::half_rtt_bytes).
    LateTicket(u64),
    /// A9: after `PROT P`, the data connection carries clear text (no TLS handshake).
    DataTlsPlaintext,
    /// G3: send `150` but never accept or connect the data connection. After `reply_after` the
    /// server gives up with `425`; with `None` it never answers that command.
    NoDataConnection {
        /// When to give up with `425`; `None` for never.
        reply_after: Option<Duration>,
    },
    /// G3: answer transfer commands with `425` instead of `150`.
    Reply425InsteadOf150,
    /// G3/F9: answer transfer commands with `421` instead of `150` and close the session.
    Reply421InsteadOf150,
    /// C3: number of TLS 1.3 tickets sent per handshake (also
    /// [`Builder::tls13_tickets`](crate::Builder::tls13_tickets)).
    Tls13Tickets(usize),
    /// C3: ticket lifetime in seconds; the server also refuses tickets older than this (also
    /// [`Builder::ticket_lifetime`](crate::Builder::ticket_lifetime)).
    TicketLifetime(u32),
    /// B2: data connections present the second leaf certificate (same CA, different key) in a
    /// full handshake; session reuse is not required for them.
    DifferentCertOnData,
    /// C4: in active mode, a third party connects from `127.0.0.3` to the client's PORT/EPRT
    /// address before the server does; see [`SessionLog::racers`](crate::SessionLog::racers).
    ActiveRacer,
    /// G4: write control replies one byte at a time with this pause after each byte.
    SlowReplies {
        /// Pause after each byte.
        delay_per_byte: Duration,
    },
    /// G4: write download data in `chunk_size` pieces with a pause after each.
    SlowData {
        /// Bytes per write (at least 1).
        chunk_size: usize,
        /// Pause after each chunk.
        delay_per_chunk: Duration,
    },
    /// G4: after this many commands, read and log commands but never answer again.
    Stall {
        /// Commands answered normally before the stall.
        after_commands: usize,
    },
    /// A9: refuse `PBSZ` with `502`.
    RefusePbsz,
    /// A9: refuse `PROT` with `534`.
    RefuseProt,
    /// Login variant: ask for an account (`332`) after a correct `PASS`; `ACCT` completes login.
    Reply332ForAcct,
    /// F9: on this verb, send `421` and close the control connection.
    CloseAfter(String),
    /// F9: on this verb, reset the control connection (RST, no reply).
    ResetAfter(String),
    /// G5: `HASH`, `XSHA1`, `XSHA256` and `XSHA512` answer a well-formed digest that is
    /// wrong: the digest of the file's contents followed by one zero byte.
    LyingHash,
    /// G6: a connection lost in the middle of a transfer. On every `every`-th data connection
    /// that carries a file (`RETR`, `STOR`, `APPE`; listings do not count), once `after`
    /// bytes of the transfer have gone through (a download counts from the `REST` offset) and
    /// more would follow, the server resets the data connection (RST, no close_notify) and
    /// answers `426 Connection closed; transfer aborted.`; the control connection stays
    /// usable. An upload keeps exactly the first `after` bytes it received (stored as they
    /// came, as a real server writes them), so a client can resume with `REST` + `STOR` or
    /// `APPE`; a download whose rest is `after` bytes or less, or an upload that ends by
    /// then, is not cut.
    ///
    /// The file-transfer data connections are counted server-wide, across sessions, 1-based:
    /// those of the sessions the fault applies to (all of them, or with
    /// [`Builder::fault_user`](crate::Builder::fault_user) that user's from its login on).
    /// `every: 1` cuts each one, `every: 2` the 2nd, 4th, 6th..., `0` none.
    /// [`TestServer::cuts`](crate::TestServer::cuts) counts the connections cut. Bytes still
    /// in the server's socket buffer when the RST goes out are lost, as in a real drop: the
    /// client may have received fewer than `after` bytes of a download (the data log's
    /// [`DataConnLog::bytes`](crate::DataConnLog::bytes) says `after`).
    CutData {
        /// Bytes of the transfer that go through before the cut.
        after: u64,
        /// Cut every `every`-th file-transfer data connection (`0`: none).
        every: u32,
    },
    /// G6: like [`Fault::CutData`], but only on the first file-transfer data connection of
    /// the server, after this many bytes.
    CutDataOnce(u64),
    /// G6: like [`Fault::CutData`], but the control connection is lost too: once an upload's
    /// partial data is stored, the server resets the control connection (RST) without a
    /// reply, as a network drop looks to the client. The transfer's data log has an empty
    /// [`DataConnLog::reply`](crate::DataConnLog::reply).
    DropSessionMidTransfer {
        /// Bytes of the transfer that go through before the drop.
        after: u64,
        /// Drop on every `every`-th file-transfer data connection (`0`: none).
        every: u32,
    },
    /// Rename variant: `RNTO` onto an existing file or directory answers
    /// `553 Rename failed: file exists.` and changes nothing (as Windows-based servers do);
    /// a client must delete the target first.
    NoRenameOntoExisting,
    /// P3: commands that arrive before a transfer's final reply is sent are refused, as a
    /// server that reads the control connection during a transfer does: `450 VERB: data
    /// transfer in progress`, each before the final reply (the server waits 200 ms for
    /// them after the data connection closed).
    BusyUntilFinal,
}

impl Fault {
    /// Parse a comma-separated list of data-connection faults, as the `--fault-user` option
    /// of the `ftps-testserver` binary takes it:
    ///
    /// | item | fault |
    /// |---|---|
    /// | `announce-whole` | [`Fault::Announce150Whole`] |
    /// | `no-close-notify` | [`Fault::DataNoCloseNotify`] |
    /// | `truncate-after=N` | [`Fault::TruncateAfter`]`(N)` |
    /// | `clean-cut-after=N` | [`Fault::CleanCutAfter`]`(N)` |
    /// | `rst` | [`Fault::RstInsteadOfFin`] |
    /// | `key-update-every=N` | [`Fault::KeyUpdateEvery`]`(N)` |
    /// | `late-ticket=N` | [`Fault::LateTicket`]`(N)` |
    /// | `lying-hash` | [`Fault::LyingHash`] |
    /// | `cut-data-after=N` | [`Fault::CutData`]` { after: N, every: 1 }` |
    /// | `cut-every-second=N` | [`Fault::CutData`]` { after: N, every: 2 }` |
    /// | `cut-once=N` | [`Fault::CutDataOnce`]`(N)` |
    /// | `drop-session-after=N` | [`Fault::DropSessionMidTransfer`]` { after: N, every: 1 }` |
    /// | `drop-session-every-second=N` | [`Fault::DropSessionMidTransfer`]` { after: N, every: 2 }` |
    /// | `no-rename-onto-existing` | [`Fault::NoRenameOntoExisting`] |
    /// | `busy-until-final` | [`Fault::BusyUntilFinal`] |
    /// | `size-without-number` | [`Fault::reply_override`]`("SIZE", "213 File status")` |
    /// | `commands-after-234=MS` | [`Fault::CommandsAfter234`]`(MS milliseconds)`: before login, so only for every session (`--fault`) |
    ///
    /// Spaces around items are ignored; an empty list is an error, and so is an unknown item
    /// or a number that is not a decimal `u64`.
    ///
    /// ```
    /// use ftps_testserver::Fault;
    /// assert_eq!(
    ///     Fault::parse_data_faults("announce-whole,truncate-after=10").unwrap(),
    ///     vec![Fault::Announce150Whole, Fault::TruncateAfter(10)]
    /// );
    /// assert_eq!(
    ///     Fault::parse_data_faults("cut-every-second=1048576").unwrap(),
    ///     vec![Fault::CutData { after: 1 << 20, every: 2 }]
    /// );
    /// assert_eq!(
    ///     Fault::parse_data_faults("size-without-number, commands-after-234=250").unwrap(),
    ///     vec![
    ///         Fault::reply_override("SIZE", b"213 File status\r\n".to_vec()),
    ///         Fault::CommandsAfter234(std::time::Duration::from_millis(250)),
    ///     ]
    /// );
    /// assert!(Fault::parse_data_faults("truncate-after=ten").is_err());
    /// ```
    pub fn parse_data_faults(spec: &str) -> Result<Vec<Fault>, String> {
        let mut faults = Vec::new();
        for item in spec.split(',').map(str::trim) {
            let (name, value) = match item.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim())),
                None => (item, None),
            };
            let number = || -> Result<u64, String> {
                let value = value.ok_or(format!("{name:?} needs a value: {name}=N"))?;
                value
                    .parse()
                    .map_err(|_| format!("{name:?}: {value:?} is not a byte count"))
            };
            let no_value = |fault: Fault| match value {
                None => Ok(fault),
                Some(_) => Err(format!("{name:?} takes no value")),
            };
            faults.push(match name {
                "announce-whole" => no_value(Fault::Announce150Whole)?,
                "no-close-notify" => no_value(Fault::DataNoCloseNotify)?,
                "rst" => no_value(Fault::RstInsteadOfFin)?,
                "truncate-after" => Fault::TruncateAfter(number()?),
                "clean-cut-after" => Fault::CleanCutAfter(number()?),
                "key-update-every" => Fault::KeyUpdateEvery(number()?),
                "late-ticket" => Fault::LateTicket(number()?),
                "lying-hash" => no_value(Fault::LyingHash)?,
                "cut-data-after" => Fault::CutData {
                    after: number()?,
                    every: 1,
                },
                "cut-every-second" => Fault::CutData {
                    after: number()?,
                    every: 2,
                },
                "cut-once" => Fault::CutDataOnce(number()?),
                "drop-session-after" => Fault::DropSessionMidTransfer {
                    after: number()?,
                    every: 1,
                },
                "drop-session-every-second" => Fault::DropSessionMidTransfer {
                    after: number()?,
                    every: 2,
                },
                "no-rename-onto-existing" => no_value(Fault::NoRenameOntoExisting)?,
                "busy-until-final" => no_value(Fault::BusyUntilFinal)?,
                "size-without-number" => no_value(Fault::reply_override(
                    "SIZE",
                    b"213 File status\r\n".to_vec(),
                ))?,
                "commands-after-234" => {
                    Fault::CommandsAfter234(std::time::Duration::from_millis(number()?))
                }
                "" => return Err(format!("empty item in fault list {spec:?}")),
                other => {
                    return Err(format!(
                        "unknown fault {other:?} (known: announce-whole, no-close-notify, \
                         truncate-after=N, clean-cut-after=N, rst, key-update-every=N, \
                         late-ticket=N, lying-hash, cut-data-after=N, cut-every-second=N, \
                         cut-once=N, drop-session-after=N, drop-session-every-second=N, \
                         no-rename-onto-existing, busy-until-final, size-without-number, \
                         commands-after-234=MS)"
                    ));
                }
            });
        }
        Ok(faults)
    }

    /// [`Fault::ReplyOverride`] for every occurrence of `command`.
    pub fn reply_override(command: &str, reply: impl Into<Vec<u8>>) -> Fault {
        Fault::ReplyOverride {
            command: command.to_string(),
            reply: reply.into(),
            nth: None,
        }
    }

    /// [`Fault::ReplyOverride`] for the `nth` (1-based) occurrence of `command` only.
    pub fn reply_override_nth(command: &str, nth: usize, reply: impl Into<Vec<u8>>) -> Fault {
        Fault::ReplyOverride {
            command: command.to_string(),
            reply: reply.into(),
            nth: Some(nth),
        }
    }
}

/// Bytes sent by [`Fault::GarbageInsteadOfServerHello`]: not FTP, not a TLS record.
pub(crate) const GARBAGE: &[u8] =
    b"\x00\xff\x13\x37garbage\x00\x01\x02\x03\xfe\xfd\xfc\x80\x81\x82\
\x90\x91junk-that-is-not-a-tls-record\x00\xde\xad\xbe\xef\r\n\x7f\x7f\x7f";

/// How a reply is mangled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mangle {
    Overlong(usize),
    Nul,
    LfOnly,
}

/// What a transfer command does before any data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum TransferStart {
    #[default]
    Normal,
    NoConnection(Option<Duration>),
    Reply425,
    Reply421,
}

/// How a download's data connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DataEnd {
    /// close_notify, FIN.
    #[default]
    Clean,
    /// FIN without close_notify.
    Fin,
    /// RST.
    Rst,
}

/// Which file-transfer data connections a [`Cut`] hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CutWhen {
    /// Every nth (never for 0).
    Every(u32),
    /// The first only.
    Once,
}

/// A data connection lost mid-transfer (`Fault::CutData`, `CutDataOnce`,
/// `DropSessionMidTransfer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Bytes that go through first.
    pub after: u64,
    pub when: CutWhen,
    /// Lose the control connection too.
    pub drop_session: bool,
}

impl Cut {
    fn hits(&self, transfer: usize) -> bool {
        match self.when {
            CutWhen::Once => transfer == 1,
            CutWhen::Every(0) => false,
            CutWhen::Every(n) => transfer.is_multiple_of(n as usize),
        }
    }
}

/// Where `227` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PasvTarget {
    #[default]
    Real,
    Address([u8; 4]),
    Canary,
}

#[derive(Debug, Clone)]
struct Override {
    verb: String,
    reply: Vec<u8>,
    nth: Option<usize>,
}

/// The compiled fault list: one answer per hook.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    overrides: Vec<Override>,
    mangles: Vec<(String, Mangle)>,
    endless: Vec<(String, Duration)>,
    listings: Vec<(String, Vec<u8>)>,
    pub junk_after_234: Option<Vec<u8>>,
    pub commands_after_234: Option<Duration>,
    pub instead_of_server_hello: Option<Vec<u8>>,
    pub pasv_target: PasvTarget,
    pub malformed_pasv: Option<Vec<u8>>,
    pub malformed_epsv: Option<Vec<u8>>,
    pub epsv_refused: bool,
    pub unsolicited_after_login: Option<Vec<u8>>,
    pub together_150_226: bool,
    pub early_226: bool,
    pub truncate_after: Option<u64>,
    pub data_end: DataEnd,
    pub announce_whole: bool,
    pub key_update_every: Option<u64>,
    pub late_ticket: Option<u64>,
    pub data_plaintext: bool,
    pub transfer_start: TransferStart,
    pub tls13_tickets: Option<usize>,
    pub ticket_lifetime: Option<Duration>,
    pub different_cert_on_data: bool,
    pub active_racer: bool,
    pub slow_replies: Option<Duration>,
    pub slow_data: Option<(usize, Duration)>,
    pub stall_after: Option<usize>,
    pub refuse_pbsz: bool,
    pub refuse_prot: bool,
    pub acct_332: bool,
    close_after: Vec<String>,
    reset_after: Vec<String>,
    pub lying_hash: bool,
    cuts: Vec<Cut>,
    pub no_rename_onto_existing: bool,
    pub busy_until_final: bool,
}

/// What to do with a command before the normal handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CommandHook {
    /// Handle normally.
    Normal,
    /// Log it, answer nothing.
    Ignore,
    /// Send these raw bytes instead.
    Override(Vec<u8>),
    /// Never-ending multi-line reply.
    Endless(Duration),
    /// `421` then close.
    Close,
    /// RST.
    Reset,
}

fn verb_matches(selector: &str, verb: &str) -> bool {
    selector == EVERY_REPLY || selector.eq_ignore_ascii_case(verb)
}

impl Plan {
    /// Compile the faults; later faults of the same kind win.
    pub fn new(faults: &[Fault]) -> Plan {
        let mut plan = Plan::default();
        for fault in faults {
            plan.add(fault.clone());
        }
        plan
    }

    fn add(&mut self, fault: Fault) {
        let upper = |s: &str| s.to_ascii_uppercase();
        match fault {
            Fault::Greeting(reply) => self.overrides.push(Override {
                verb: GREETING.into(),
                reply,
                nth: None,
            }),
            Fault::AuthReply(reply) => self.overrides.push(Override {
                verb: "AUTH".into(),
                reply,
                nth: None,
            }),
            Fault::ReplyOverride {
                command,
                reply,
                nth,
            } => self.overrides.push(Override {
                verb: upper(&command),
                reply,
                nth,
            }),
            Fault::JunkAfter234(junk) => self.junk_after_234 = Some(junk),
            Fault::CommandsAfter234(d) => self.commands_after_234 = Some(d),
            Fault::PlainTextInsteadOfServerHello(b) => self.instead_of_server_hello = Some(b),
            Fault::GarbageInsteadOfServerHello => {
                self.instead_of_server_hello = Some(GARBAGE.to_vec())
            }
            Fault::Pasv227Address(a) => self.pasv_target = PasvTarget::Address(a),
            Fault::PasvPointsToCanary => self.pasv_target = PasvTarget::Canary,
            Fault::MalformedPasv(b) => self.malformed_pasv = Some(b),
            Fault::MalformedEpsv(b) => self.malformed_epsv = Some(b),
            Fault::EpsvRefused => self.epsv_refused = true,
            Fault::OverlongReply { command, len } => {
                self.mangles.push((upper(&command), Mangle::Overlong(len)))
            }
            Fault::EndlessReply {
                command,
                line_delay,
            } => self.endless.push((upper(&command), line_delay)),
            Fault::NulInReply { command } => self.mangles.push((upper(&command), Mangle::Nul)),
            Fault::LfOnlyLines { command } => self.mangles.push((upper(&command), Mangle::LfOnly)),
            Fault::ListingBody { command, body } => self.listings.push((upper(&command), body)),
            Fault::Unsolicited(b) => self.unsolicited_after_login = Some(b),
            Fault::Reply150And226Together => self.together_150_226 = true,
            Fault::Early226 => self.early_226 = true,
            Fault::DataNoCloseNotify => {
                if self.data_end == DataEnd::Clean {
                    self.data_end = DataEnd::Fin;
                }
            }
            Fault::TruncateAfter(n) => {
                self.truncate_after = Some(n);
                if self.data_end == DataEnd::Clean {
                    self.data_end = DataEnd::Fin;
                }
            }
            Fault::CleanCutAfter(n) => {
                self.truncate_after = Some(n);
                self.data_end = DataEnd::Clean;
            }
            Fault::RstInsteadOfFin => self.data_end = DataEnd::Rst,
            Fault::Announce150Whole => self.announce_whole = true,
            Fault::KeyUpdateEvery(n) => self.key_update_every = (n > 0).then_some(n),
            Fault::LateTicket(n) => self.late_ticket = (n > 0).then_some(n),
            Fault::DataTlsPlaintext => self.data_plaintext = true,
            Fault::NoDataConnection { reply_after } => {
                self.transfer_start = TransferStart::NoConnection(reply_after)
            }
            Fault::Reply425InsteadOf150 => self.transfer_start = TransferStart::Reply425,
            Fault::Reply421InsteadOf150 => self.transfer_start = TransferStart::Reply421,
            Fault::Tls13Tickets(n) => self.tls13_tickets = Some(n),
            Fault::TicketLifetime(secs) => {
                self.ticket_lifetime = Some(Duration::from_secs(u64::from(secs)))
            }
            Fault::DifferentCertOnData => self.different_cert_on_data = true,
            Fault::ActiveRacer => self.active_racer = true,
            Fault::SlowReplies { delay_per_byte } => self.slow_replies = Some(delay_per_byte),
            Fault::SlowData {
                chunk_size,
                delay_per_chunk,
            } => self.slow_data = Some((chunk_size.max(1), delay_per_chunk)),
            Fault::Stall { after_commands } => self.stall_after = Some(after_commands),
            Fault::RefusePbsz => self.refuse_pbsz = true,
            Fault::RefuseProt => self.refuse_prot = true,
            Fault::Reply332ForAcct => self.acct_332 = true,
            Fault::CloseAfter(verb) => self.close_after.push(upper(&verb)),
            Fault::ResetAfter(verb) => self.reset_after.push(upper(&verb)),
            Fault::LyingHash => self.lying_hash = true,
            Fault::CutData { after, every } => self.cuts.push(Cut {
                after,
                when: CutWhen::Every(every),
                drop_session: false,
            }),
            Fault::CutDataOnce(after) => self.cuts.push(Cut {
                after,
                when: CutWhen::Once,
                drop_session: false,
            }),
            Fault::DropSessionMidTransfer { after, every } => self.cuts.push(Cut {
                after,
                when: CutWhen::Every(every),
                drop_session: true,
            }),
            Fault::NoRenameOntoExisting => self.no_rename_onto_existing = true,
            Fault::BusyUntilFinal => self.busy_until_final = true,
        }
    }

    /// Whether file-transfer data connections are counted for cuts at all.
    pub fn counts_transfers(&self) -> bool {
        !self.cuts.is_empty()
    }

    /// Hook "file transfer starts": the cut for the `transfer`-th (1-based, server-wide)
    /// file-transfer data connection, if any (the last matching fault wins).
    pub fn cut_for(&self, transfer: usize) -> Option<Cut> {
        self.cuts.iter().rev().find(|c| c.hits(transfer)).copied()
    }

    /// Hook "command received": `count` is the 1-based number of commands so far in the session,
    /// `nth` the 1-based occurrence of this verb.
    pub fn on_command(&self, verb: &str, count: usize, nth: usize) -> CommandHook {
        if self.stall_after.is_some_and(|after| count > after) {
            return CommandHook::Ignore;
        }
        if self.reset_after.iter().any(|v| v == verb) {
            return CommandHook::Reset;
        }
        if self.close_after.iter().any(|v| v == verb) {
            return CommandHook::Close;
        }
        if let Some(reply) = self.override_for(verb, nth) {
            return CommandHook::Override(reply);
        }
        if let Some(delay) = self.endless_for(verb) {
            return CommandHook::Endless(delay);
        }
        CommandHook::Normal
    }

    /// Raw replacement for the `nth` occurrence of `verb` (or the greeting).
    pub fn override_for(&self, verb: &str, nth: usize) -> Option<Vec<u8>> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.verb == verb && o.nth.is_none_or(|n| n == nth))
            .map(|o| o.reply.clone())
    }

    /// Endless reply for `verb` (or the greeting).
    pub fn endless_for(&self, verb: &str) -> Option<Duration> {
        self.endless
            .iter()
            .rev()
            .find(|(v, _)| v == verb)
            .map(|(_, d)| *d)
    }

    /// Hook "listing": raw body to send for a LIST/NLST/MLSD instead of the real one.
    pub fn listing_body(&self, verb: &str) -> Option<&[u8]> {
        self.listings
            .iter()
            .rev()
            .find(|(s, _)| verb_matches(s, verb))
            .map(|(_, body)| body.as_slice())
    }

    /// Hook "send reply": mangle the normal reply bytes of `verb`.
    pub fn mangle_reply(&self, verb: &str, mut reply: Vec<u8>) -> Vec<u8> {
        for (_, mangle) in self.mangles.iter().filter(|(s, _)| verb_matches(s, verb)) {
            reply = match *mangle {
                Mangle::Overlong(len) => pad_last_line(reply, len),
                Mangle::Nul => insert_nul(reply),
                Mangle::LfOnly => lf_only(&reply),
            };
        }
        reply
    }

    /// Bytes a download of `full` bytes really sends (less with [`Fault::TruncateAfter`]).
    pub fn download_len(&self, full: usize) -> usize {
        match self.truncate_after {
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(full),
            None => full,
        }
    }
}

/// Pad the last line (before its CRLF) with `x` to `len` bytes.
fn pad_last_line(mut reply: Vec<u8>, len: usize) -> Vec<u8> {
    let body_end = if reply.ends_with(b"\r\n") {
        reply.len() - 2
    } else {
        reply.len()
    };
    let line_start = reply[..body_end]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let current = body_end - line_start;
    if current < len {
        let pad = vec![b'x'; len - current];
        reply.splice(body_end..body_end, pad);
    }
    reply
}

fn insert_nul(mut reply: Vec<u8>) -> Vec<u8> {
    let at = reply.len().min(4);
    reply.insert(at, 0);
    reply
}

fn lf_only(reply: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(reply.len());
    let mut i = 0;
    while i < reply.len() {
        if reply[i] == b'\r' && reply.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(reply[i]);
        i += 1;
    }
    out
}

/// Replace `{p1}`, `{p2}` and `{port}` in a raw PASV/EPSV reply.
pub(crate) fn fill_port(template: &[u8], port: u16) -> Vec<u8> {
    let text = String::from_utf8_lossy(template);
    if !text.contains('{') {
        return template.to_vec();
    }
    text.replace("{p1}", &(port >> 8).to_string())
        .replace("{p2}", &(port & 0xff).to_string())
        .replace("{port}", &port.to_string())
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_keeps_text_and_crlf() {
        let out = pad_last_line(b"257 \"/\" is cwd\r\n".to_vec(), 20);
        assert_eq!(out, b"257 \"/\" is cwdxxxxxx\r\n");
        let multi = pad_last_line(b"211-a\r\n211 b\r\n".to_vec(), 7);
        assert_eq!(multi, b"211-a\r\n211 bxx\r\n");
    }

    #[test]
    fn nul_and_lf() {
        assert_eq!(insert_nul(b"200 ok\r\n".to_vec()), b"200 \0ok\r\n");
        assert_eq!(lf_only(b"211-a\r\n211 b\r\n"), b"211-a\n211 b\n");
    }

    #[test]
    fn hooks_select_by_verb_and_occurrence() {
        let plan = Plan::new(&[
            Fault::reply_override_nth("pwd", 2, b"257 \"/x\"\r\n".to_vec()),
            Fault::Stall { after_commands: 5 },
            Fault::CloseAfter("stor".into()),
        ]);
        assert_eq!(plan.on_command("PWD", 1, 1), CommandHook::Normal);
        assert!(matches!(
            plan.on_command("PWD", 2, 2),
            CommandHook::Override(_)
        ));
        assert_eq!(plan.on_command("STOR", 3, 1), CommandHook::Close);
        assert_eq!(plan.on_command("NOOP", 6, 1), CommandHook::Ignore);
    }

    #[test]
    fn cuts_select_the_nth_file_transfer() {
        let plan = Plan::new(&[Fault::CutData {
            after: 10,
            every: 2,
        }]);
        assert!(plan.counts_transfers());
        let hit: Vec<bool> = (1..=5).map(|n| plan.cut_for(n).is_some()).collect();
        assert_eq!(hit, [false, true, false, true, false]);
        let once = Plan::new(&[Fault::CutDataOnce(3)]);
        assert_eq!(once.cut_for(1).map(|c| c.after), Some(3));
        assert_eq!(once.cut_for(2), None);
        let drop = Plan::new(&[Fault::DropSessionMidTransfer { after: 1, every: 1 }]);
        assert!(drop.cut_for(7).is_some_and(|c| c.drop_session));
        let never = Plan::new(&[Fault::CutData { after: 1, every: 0 }]);
        assert_eq!(never.cut_for(1), None);
        assert!(!Plan::new(&[]).counts_transfers());
    }

    #[test]
    fn ports_fill_in() {
        assert_eq!(fill_port(b"227 ({p1},{p2}) {port}", 258), b"227 (1,2) 258");
    }
}
