//! Shared helpers of the integration tests: the real servers started by
//! `tests/servers/start.sh`, described by its `servers.env`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The servers' environment, or `None` (a skip) outside CI when they are not running.
/// In CI (`CI=true`) a missing environment is a failure.
pub fn servers() -> Option<&'static Servers> {
    static ENV: OnceLock<Option<Servers>> = OnceLock::new();
    ENV.get_or_init(|| {
        let path = std::env::var_os("FTPS_SERVERS_ENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.servers/run/servers.env")
            });
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(Servers::parse(&text)),
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!(
                        "CI=true but the test servers are not running ({}: {e}); run tests/servers/start.sh",
                        path.display()
                    );
                }
                eprintln!(
                    "SKIP: no test servers ({}: {e}); `make test` starts them",
                    path.display()
                );
                None
            }
        }
    })
    .as_ref()
}

pub struct Servers {
    vars: HashMap<String, String>,
}

impl Servers {
    fn parse(text: &str) -> Servers {
        let vars = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Servers { vars }
    }

    pub fn get(&self, key: &str) -> &str {
        self.vars
            .get(key)
            .unwrap_or_else(|| panic!("servers.env has no {key}"))
    }

    pub fn ca(&self) -> &str {
        self.get("FTPS_TEST_CA")
    }
    pub fn wrong_ca(&self) -> &str {
        self.get("FTPS_TEST_WRONG_CA")
    }
    pub fn user(&self) -> &str {
        self.get("FTPS_TEST_USER")
    }
    pub fn pass(&self) -> &str {
        self.get("FTPS_TEST_PASS")
    }

    pub fn server(&self, name: &str) -> Server {
        let key = |k: &str| format!("FTPS_TEST_{}_{k}", name.to_uppercase().replace('-', "_"));
        Server {
            name: name.to_string(),
            port: self.get(&key("PORT")).parse().expect("port"),
            implicit: self.get(&key("MODE")) == "implicit",
            root: PathBuf::from(self.get(&key("ROOT"))),
            mlsd: self.get(&key("MLSD")) == "yes",
            reuse_required: self.get(&key("REUSE_REQUIRED")) == "yes",
            tls13_resumes: self.get(&key("TLS13_RESUMES")) == "yes",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Server {
    pub name: String,
    pub port: u16,
    pub implicit: bool,
    pub root: PathBuf,
    pub mlsd: bool,
    pub reuse_required: bool,
    pub tls13_resumes: bool,
}

impl Server {
    pub fn builder(&self, env: &Servers) -> ftps_core::ConfigBuilder {
        ftps_core::Config::builder("127.0.0.1")
            .port(self.port)
            .mode(if self.implicit {
                ftps_core::Mode::Implicit
            } else {
                ftps_core::Mode::Explicit
            })
            .ca_file(env.ca())
            .timeouts(ftps_core::Timeouts {
                connect: std::time::Duration::from_secs(10),
                reply: std::time::Duration::from_secs(30),
                data_connect: std::time::Duration::from_secs(15),
                data_idle: std::time::Duration::from_secs(30),
            })
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), so files are not compressible or
/// trivially repetitive.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The configuration of the integration tests for the project's test server: its
/// explicit port and CA, timeouts short enough for a test, resumes 10 ms apart.
pub fn testserver_config(srv: &ftps_testserver::TestServer) -> ftps_core::ConfigBuilder {
    use std::time::Duration;
    ftps_core::Config::builder("127.0.0.1")
        .port(srv.explicit_addr().port())
        .mode(ftps_core::Mode::Explicit)
        .ca_pem(srv.ca_pem().as_bytes().to_vec())
        .resume_backoff(Duration::from_millis(10))
        .timeouts(ftps_core::Timeouts {
            connect: Duration::from_secs(5),
            reply: Duration::from_secs(30),
            data_connect: Duration::from_secs(5),
            data_idle: Duration::from_secs(10),
        })
}
