//! [`TestServer`]: listeners, threads, shutdown, and the state all sessions share.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls_pki_types::CertificateDer;

use crate::config::{Builder, Config, UserPlans};
use crate::faults::Plan;
use crate::fs::{VPath, Vfs};
use crate::limits::Limits;
use crate::log::{Recorder, SessionLog};
use crate::session;
use crate::tls::{self, Certs, Leaf};

/// How long [`TestServer::shutdown`] waits for threads before leaving them behind.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// `now + d`, saturating far in the future instead of overflowing.
pub(crate) fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every live socket, so shutdown can unblock threads stuck in a read or write.
#[derive(Default)]
pub(crate) struct Registry {
    next: AtomicU64,
    closed: AtomicBool,
    socks: Mutex<HashMap<u64, TcpStream>>,
}

/// Removes its socket from the registry when dropped.
pub(crate) struct Registered {
    reg: Arc<Registry>,
    id: Option<u64>,
}

impl Registry {
    pub fn register(self: &Arc<Self>, sock: &TcpStream) -> Registered {
        if self.closed.load(Ordering::SeqCst) {
            let _ = sock.shutdown(Shutdown::Both);
        }
        let id = sock.try_clone().ok().map(|clone| {
            let id = self.next.fetch_add(1, Ordering::Relaxed);
            lock(&self.socks).insert(id, clone);
            id
        });
        Registered {
            reg: self.clone(),
            id,
        }
    }

    fn close_all(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for sock in lock(&self.socks).values() {
            let _ = sock.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            lock(&self.reg.socks).remove(&id);
        }
    }
}

/// State shared by the listeners and all sessions.
pub(crate) struct Shared {
    pub cfg: Config,
    pub plan: Arc<Plan>,
    /// Plans of the users with faults of their own ([`Builder::fault_user`]).
    pub user_plans: UserPlans,
    pub certs: Certs,
    pub fs: Vfs,
    pub rec: Recorder,
    pub conns: Arc<Registry>,
    /// Open connections and logged-in sessions per user ([`Builder::max_clients`],
    /// [`Builder::max_sessions_per_user`]).
    pub limits: Arc<Limits>,
    stop: AtomicBool,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleep up to `d`, waking early when the server shuts down. Returns false if it did.
    pub fn sleep(&self, d: Duration) -> bool {
        let end = deadline_after(d);
        while !self.stopping() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
        false
    }

    fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) {
        let mut threads = lock(&self.threads);
        threads.retain(|t| !t.is_finished());
        if let Ok(handle) = std::thread::Builder::new().name(name.to_string()).spawn(f) {
            threads.push(handle);
        }
    }
}

/// A running FTPS test server with an Implicit TLS listener and an Explicit (`AUTH TLS`)
/// listener on 127.0.0.1. Stops on [`TestServer::shutdown`] or drop.
///
/// ```no_run
/// use ftps_testserver::{Fault, TestServer};
///
/// let srv = TestServer::builder()
///     .user("alice", "secret")
///     .file("hello.txt", b"hello\n")
///     .fault(Fault::EpsvRefused)
///     .start()?;
/// println!("explicit FTPS on {}", srv.explicit_addr());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TestServer {
    shared: Arc<Shared>,
    implicit: SocketAddr,
    explicit: SocketAddr,
    acceptors: Vec<JoinHandle<()>>,
    stopped: bool,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("implicit", &self.implicit)
            .field("explicit", &self.explicit)
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

fn accept_loop(shared: Arc<Shared>, listener: TcpListener, implicit: bool) {
    for conn in listener.incoming() {
        if shared.stopping() {
            break;
        }
        match conn {
            Ok(tcp) => {
                // Counted here, in the order of arrival; `None`: over the limit, the
                // session only says 421.
                let slot = shared.limits.client(shared.cfg.max_clients);
                let sh = shared.clone();
                shared.spawn("ftps-testserver-session", move || {
                    session::run(sh, tcp, implicit, slot)
                });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

impl TestServer {
    /// Start configuring a server.
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub(crate) fn start(builder: Builder) -> io::Result<TestServer> {
        let (cfg, plan, user_plans, fs) = builder.into_parts()?;
        let certs = Certs::generate()?;
        if cfg.tls.versions.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no TLS version allowed",
            ));
        }
        // Surface TLS configuration errors here rather than in every session.
        tls::session_config(&certs, &cfg.tls, Leaf::Main, Default::default())?;
        let implicit_listener = TcpListener::bind("127.0.0.1:0")?;
        let explicit_listener = TcpListener::bind("127.0.0.1:0")?;
        let implicit = implicit_listener.local_addr()?;
        let explicit = explicit_listener.local_addr()?;
        let shared = Arc::new(Shared {
            cfg,
            plan: Arc::new(plan),
            user_plans,
            certs,
            fs,
            rec: Recorder::default(),
            conns: Arc::new(Registry::default()),
            limits: Arc::new(Limits::default()),
            stop: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        });
        let mut acceptors = Vec::new();
        for (listener, is_implicit) in [(implicit_listener, true), (explicit_listener, false)] {
            let sh = shared.clone();
            acceptors.push(
                std::thread::Builder::new()
                    .name("ftps-testserver-accept".into())
                    .spawn(move || accept_loop(sh, listener, is_implicit))?,
            );
        }
        Ok(TestServer {
            shared,
            implicit,
            explicit,
            acceptors,
            stopped: false,
        })
    }

    /// Address of the Implicit TLS listener (TLS from the first byte).
    pub fn implicit_addr(&self) -> SocketAddr {
        self.implicit
    }

    /// Address of the Explicit listener (`AUTH TLS`; plain FTP too with
    /// [`Builder::allow_plain`]).
    pub fn explicit_addr(&self) -> SocketAddr {
        self.explicit
    }

    /// The CA certificate (CN "ftps-testserver CA") in PEM form.
    pub fn ca_pem(&self) -> &str {
        &self.shared.certs.ca_pem
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.shared.certs.ca_der
    }

    /// The leaf certificate the control connection (and normally every data connection)
    /// presents: DNS `localhost`, IP `127.0.0.1` and `::1`.
    pub fn leaf_cert_der(&self) -> &CertificateDer<'static> {
        &self.shared.certs.leaf_der
    }

    /// The second leaf, same CA and names, different key: presented on data connections by
    /// [`Fault::DifferentCertOnData`](crate::Fault::DifferentCertOnData).
    pub fn other_leaf_cert_der(&self) -> &CertificateDer<'static> {
        &self.shared.certs.other_leaf_der
    }

    /// Write the CA certificate as PEM to `path`.
    pub fn write_ca(&self, path: impl AsRef<Path>) -> io::Result<()> {
        std::fs::write(path, self.ca_pem())
    }

    /// The accepted user names and passwords.
    pub fn users(&self) -> &[(String, String)] {
        &self.shared.cfg.users
    }

    /// Every raw command line received, in order, across sessions, without line endings
    /// (password lines included verbatim; invalid UTF-8 replaced).
    pub fn commands(&self) -> Vec<String> {
        self.shared.rec.commands()
    }

    /// One log per control connection, in order of arrival.
    pub fn sessions(&self) -> Vec<SessionLog> {
        self.shared.rec.sessions()
    }

    /// Contents of a file in the served tree (`None` if missing or a directory).
    pub fn file(&self, path: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        self.shared
            .fs
            .read(&VPath::root().resolve(path.as_ref()))
            .ok()
            .map(Arc::unwrap_or_clone)
    }

    /// Create or replace a file in the served tree (parents are created).
    pub fn put_file(&self, path: impl AsRef<[u8]>, contents: impl AsRef<[u8]>) -> io::Result<()> {
        self.shared.fs.put(
            &VPath::root().resolve(path.as_ref()),
            contents.as_ref().to_vec(),
        )
    }

    /// Connections accepted by the canary listener of
    /// [`Fault::PasvPointsToCanary`](crate::Fault::PasvPointsToCanary).
    pub fn canary_connections(&self) -> usize {
        self.shared.rec.canary()
    }

    /// Data connections cut mid-transfer so far (server-wide), by
    /// [`Fault::CutData`](crate::Fault::CutData),
    /// [`Fault::CutDataOnce`](crate::Fault::CutDataOnce) and
    /// [`Fault::DropSessionMidTransfer`](crate::Fault::DropSessionMidTransfer). Counted
    /// before the `426` goes out (or the control connection is dropped).
    pub fn cuts(&self) -> usize {
        self.shared.rec.cuts()
    }

    /// Stop: close the listeners and every connection, then join the threads, waiting at
    /// most a few seconds (a thread still stuck after that is left behind). Logs stay readable.
    /// Idempotent; also done on drop.
    pub fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.shared.stop.store(true, Ordering::SeqCst);
        for addr in [self.implicit, self.explicit] {
            let _ = TcpStream::connect_timeout(&addr, Duration::from_millis(500));
        }
        self.shared.conns.close_all();
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        let mut handles: Vec<JoinHandle<()>> = self.acceptors.drain(..).collect();
        handles.extend(lock(&self.shared.threads).drain(..));
        for handle in handles {
            while !handle.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
