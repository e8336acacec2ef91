//! [`Builder`]: everything a test can set before the server starts.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::faults::{Fault, Plan};
use crate::fs::{VPath, Vfs};
use crate::server::TestServer;
use crate::tls::{TLS12, TLS13, TlsPolicy, TlsVersion};

/// Default user name when no [`Builder::user`] is given.
pub const DEFAULT_USER: &str = "ftpuser";
/// Default password when no [`Builder::user`] is given.
pub const DEFAULT_PASSWORD: &str = "ftppass";

/// Configures and starts a [`TestServer`]. Get one from [`TestServer::builder`].
///
/// Defaults: user `ftpuser`/`ftppass`, an empty in-memory tree, TLS 1.2 and 1.3, two TLS 1.3
/// tickets per handshake, session reuse required on data connections (like vsftpd), MLSD
/// offered, `HASH` and `XSHA1`/`XSHA256`/`XSHA512` offered, no clear-text login, uploads
/// must end with close_notify, uploads of up to 4 GiB kept, no connection limits, no faults.
#[derive(Debug, Clone)]
pub struct Builder {
    users: Vec<(String, String)>,
    files: Vec<(Vec<u8>, Vec<u8>)>,
    dirs: Vec<Vec<u8>>,
    root_dir: Option<PathBuf>,
    tls13_tickets: usize,
    ticket_lifetime: Duration,
    tls_versions: Vec<TlsVersion>,
    require_session_reuse: bool,
    mlsd: bool,
    hash: bool,
    xsha: bool,
    mfmt: bool,
    missing_dirs_list_empty: bool,
    allow_plain: bool,
    strict_upload_eof: bool,
    only_p256: bool,
    control_timeout: Duration,
    data_timeout: Duration,
    max_upload: u64,
    max_sessions_per_user: Option<usize>,
    max_clients: Option<usize>,
    faults: Vec<Fault>,
    user_faults: Vec<(String, Vec<Fault>)>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            users: Vec::new(),
            files: Vec::new(),
            dirs: Vec::new(),
            root_dir: None,
            tls13_tickets: 2,
            ticket_lifetime: Duration::from_secs(6 * 60 * 60),
            tls_versions: vec![TLS12, TLS13],
            require_session_reuse: true,
            mlsd: true,
            hash: true,
            xsha: true,
            mfmt: true,
            missing_dirs_list_empty: false,
            allow_plain: false,
            strict_upload_eof: true,
            only_p256: false,
            control_timeout: Duration::from_secs(30),
            data_timeout: Duration::from_secs(10),
            max_upload: DEFAULT_MAX_UPLOAD,
            max_sessions_per_user: None,
            max_clients: None,
            faults: Vec::new(),
            user_faults: Vec::new(),
        }
    }
}

/// Default of [`Builder::max_upload`]: 4 GiB, room for the 1 GiB transfers of the
/// client's tests and then some.
const DEFAULT_MAX_UPLOAD: u64 = 4 << 30;

/// The fault plans of users with faults of their own, by user name.
pub(crate) type UserPlans = HashMap<String, Arc<Plan>>;

/// The settings sessions read (everything but files and faults).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub users: Vec<(String, String)>,
    pub tls: TlsPolicy,
    pub require_session_reuse: bool,
    pub mlsd: bool,
    pub hash: bool,
    pub xsha: bool,
    pub mfmt: bool,
    pub missing_dirs_list_empty: bool,
    pub allow_plain: bool,
    pub strict_upload_eof: bool,
    pub control_timeout: Duration,
    pub data_timeout: Duration,
    pub max_upload: u64,
    pub max_sessions_per_user: Option<usize>,
    pub max_clients: Option<usize>,
}

impl Builder {
    /// Accept these credentials. May be called several times; once called, the default
    /// `ftpuser`/`ftppass` is no longer accepted.
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.to_string(), password.to_string()));
        self
    }

    /// Put a file into the in-memory tree (parent directories are created). Names are bytes,
    /// so non-UTF-8 names work. With [`Builder::root_dir`] the file is written into that
    /// directory at start-up.
    pub fn file(mut self, path: impl AsRef<[u8]>, contents: impl AsRef<[u8]>) -> Self {
        self.files
            .push((path.as_ref().to_vec(), contents.as_ref().to_vec()));
        self
    }

    /// Create an (empty) directory, with its parents.
    pub fn dir(mut self, path: impl AsRef<[u8]>) -> Self {
        self.dirs.push(path.as_ref().to_vec());
        self
    }

    /// Serve a real directory instead of the in-memory tree.
    pub fn root_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_dir = Some(path.into());
        self
    }

    /// TLS 1.3 tickets sent per handshake (0, 1, 2, many). Default 2, like OpenSSL.
    pub fn tls13_tickets(mut self, n: usize) -> Self {
        self.tls13_tickets = n;
        self
    }

    /// Lifetime announced in tickets; older tickets are refused. Default 6 hours.
    pub fn ticket_lifetime(mut self, lifetime: Duration) -> Self {
        self.ticket_lifetime = lifetime;
        self
    }

    /// TLS versions the server allows, e.g. `&[TLS12]`. Default both.
    pub fn tls_versions(mut self, versions: &[TlsVersion]) -> Self {
        self.tls_versions = versions.to_vec();
        self
    }

    /// Refuse a protected data connection that does not resume this control session's TLS
    /// session with `522 SSL connection failed: session reuse required` (vsftpd's default).
    /// Default true.
    pub fn require_session_reuse(mut self, on: bool) -> Self {
        self.require_session_reuse = on;
        self
    }

    /// Offer and implement MLSD/MLST. With false the server behaves like vsftpd (LIST only,
    /// `502` for MLSD/MLST). Default true.
    pub fn mlsd(mut self, on: bool) -> Self {
        self.mlsd = on;
        self
    }

    /// Offer and implement `HASH` (draft-bryan-ftpext-hash): `FEAT` lists
    /// `HASH SHA-256*;SHA-512;SHA-1` (the `*` marks the session's selected algorithm,
    /// SHA-256 at first), `OPTS HASH` answers `200 <selected>`, `OPTS HASH <algo>` selects
    /// one for the session (`200 <algo>`; `504 Unsupported algorithm` for others), and
    /// `HASH <path>` answers `213 <algo> 0-<size> <lowercase hex> <path>` (the path as
    /// given; `550` for a missing file, `553` for a directory). With false, `FEAT` lists no
    /// `HASH`, `HASH` gets `502` and `OPTS HASH` `501`. Default true.
    pub fn hash(mut self, on: bool) -> Self {
        self.hash = on;
        self
    }

    /// Offer and implement ProFTPD mod_digest's `XSHA1`, `XSHA256` and `XSHA512` (each listed
    /// in `FEAT`): `XSHA256 <path>` answers `250 <lowercase hex>`, with the same errors as
    /// [`Builder::hash`]. With false they are not listed and get `502`. Default true.
    pub fn xsha(mut self, on: bool) -> Self {
        self.xsha = on;
        self
    }

    /// Offer `MFMT` (set a file's modification time; listed in `FEAT`). With false it is
    /// not listed and gets `502`, as on vsftpd, so an uploaded file keeps
    /// the time of its upload. Default true.
    pub fn mfmt(mut self, on: bool) -> Self {
        self.mfmt = on;
        self
    }

    /// Answer `LIST`, `NLST` and `MLSD` of a path that does not exist like those of an
    /// empty directory (`150`, no lines, `226`), as vsftpd does, instead of `550`.
    /// Default false.
    pub fn missing_dirs_list_empty(mut self, on: bool) -> Self {
        self.missing_dirs_list_empty = on;
        self
    }

    /// Let a client log in on the explicit port without `AUTH TLS` (plain FTP). Default false:
    /// `USER` in clear text gets `530`.
    pub fn allow_plain(mut self, on: bool) -> Self {
        self.allow_plain = on;
        self
    }

    /// Answer a TLS upload that ends without close_notify with `426` (vsftpd's
    /// `strict_ssl_read_eof`); the bytes are stored anyway. Default true.
    pub fn strict_upload_eof(mut self, on: bool) -> Self {
        self.strict_upload_eof = on;
        self
    }

    /// Offer only the P-256 key exchange group, like vsftpd and pure-ftpd (a client offering
    /// X25519 first gets a HelloRetryRequest). Default false.
    pub fn only_p256(mut self, on: bool) -> Self {
        self.only_p256 = on;
        self
    }

    /// Idle limit on the control connection (read and write). Default 30 s.
    pub fn control_timeout(mut self, timeout: Duration) -> Self {
        self.control_timeout = timeout;
        self
    }

    /// Limit for opening a data connection and for each read/write on it. Default 10 s.
    pub fn data_timeout(mut self, timeout: Duration) -> Self {
        self.data_timeout = timeout;
        self
    }

    /// Most bytes one upload (`STOR`, `APPE`) stores; the rest is read and dropped. Default
    /// 4 GiB. Uploads are stored as they arrive, so the in-memory tree holds at most the file
    /// itself.
    pub fn max_upload(mut self, bytes: u64) -> Self {
        self.max_upload = bytes;
        self
    }

    /// Let at most `n` sessions of one user be logged in at a time, like ProFTPD's
    /// `MaxClientsPerUser`: while `n` sessions of a user name are logged in, a further
    /// `PASS` of that user with the right password is answered
    /// `530 Sorry, the maximum number of clients (n) for this user are already connected.`
    /// and the session stays not logged in (it may try again). A session counts from its
    /// `230` until it ends (QUIT, disconnect, reset, timeout, server stop) or starts a new
    /// login with `USER`; at `QUIT` its place is given back before the `221` goes out.
    /// Counted per user name, for every user alike (the default and demo users and those
    /// of [`Builder::fault_user`]). `0` refuses every login. Default: no limit.
    pub fn max_sessions_per_user(mut self, n: usize) -> Self {
        self.max_sessions_per_user = Some(n);
        self
    }

    /// Let at most `n` control connections be open at a time (both ports together), like
    /// vsftpd's `max_clients`: while `n` are open, a new connection gets
    /// `421 There are too many connected users, please try later.` and is closed. On the
    /// explicit port the `421` is the greeting, in clear text; on the implicit port it comes
    /// after the TLS handshake, as vsftpd does over implicit TLS. A connection counts from
    /// its accept until it ends; at `QUIT` its place is given back before the `221` goes
    /// out. Refused connections do not count (they still appear in
    /// [`TestServer::sessions`]). `0` refuses every connection. Default: no limit.
    pub fn max_clients(mut self, n: usize) -> Self {
        self.max_clients = Some(n);
        self
    }

    /// Add a fault; see [`Fault`]. Several may be combined.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Add several faults.
    pub fn faults(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.faults.extend(faults);
        self
    }

    /// Accept `name`/`password` as [`Builder::user`] does, and give the sessions of that user
    /// these faults on top of the server-wide ones, from the moment it has logged in (`230`).
    /// Meant for data-connection faults ([`Fault::parse_data_faults`] lists them): faults that
    /// act before login (greeting, `AUTH`, `USER`/`PASS`) and the TLS policy faults
    /// ([`Fault::Tls13Tickets`], [`Fault::TicketLifetime`]) have no effect here. Several calls
    /// for the same name add up.
    pub fn fault_user(
        mut self,
        name: &str,
        password: &str,
        faults: impl IntoIterator<Item = Fault>,
    ) -> Self {
        if !self.users.iter().any(|(u, p)| u == name && p == password) {
            self.users.push((name.to_string(), password.to_string()));
        }
        self.user_faults
            .push((name.to_string(), faults.into_iter().collect()));
        self
    }

    /// Make the certificates, bind the two listeners on 127.0.0.1 (ephemeral ports) and start
    /// serving.
    pub fn start(self) -> io::Result<TestServer> {
        TestServer::start(self)
    }

    /// Split into what the server needs: settings, fault plan, the plans of the users with
    /// faults of their own, the populated tree.
    pub(crate) fn into_parts(self) -> io::Result<(Config, Plan, UserPlans, Vfs)> {
        let plan = Plan::new(&self.faults);
        let mut per_user: HashMap<String, Vec<Fault>> = HashMap::new();
        for (name, faults) in self.user_faults {
            per_user
                .entry(name)
                .or_insert_with(|| self.faults.clone())
                .extend(faults);
        }
        let user_plans = per_user
            .into_iter()
            .map(|(name, faults)| (name, Arc::new(Plan::new(&faults))))
            .collect();
        let users = if self.users.is_empty() {
            vec![(DEFAULT_USER.to_string(), DEFAULT_PASSWORD.to_string())]
        } else {
            self.users
        };
        let vfs = match self.root_dir {
            Some(dir) => Vfs::Disk(dir),
            None => Vfs::memory(),
        };
        for dir in &self.dirs {
            vfs.mkdir_all(&VPath::root().resolve(dir))?;
        }
        for (path, contents) in self.files {
            vfs.put(&VPath::root().resolve(&path), contents)?;
        }
        let config = Config {
            users,
            tls: TlsPolicy {
                versions: self.tls_versions,
                tls13_tickets: plan.tls13_tickets.unwrap_or(self.tls13_tickets),
                ticket_lifetime: plan.ticket_lifetime.unwrap_or(self.ticket_lifetime),
                only_p256: self.only_p256,
            },
            require_session_reuse: self.require_session_reuse,
            mlsd: self.mlsd,
            hash: self.hash,
            xsha: self.xsha,
            mfmt: self.mfmt,
            missing_dirs_list_empty: self.missing_dirs_list_empty,
            allow_plain: self.allow_plain,
            strict_upload_eof: self.strict_upload_eof,
            control_timeout: self.control_timeout,
            data_timeout: self.data_timeout,
            max_upload: self.max_upload,
            max_sessions_per_user: self.max_sessions_per_user,
            max_clients: self.max_clients,
        };
        Ok((config, plan, user_plans, vfs))
    }
}
