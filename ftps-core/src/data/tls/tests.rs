//! [`DataTls`] against an in-process rustls server, for every protocol version and
//! cipher suite: byte-exact both ways, clean and unclean ends, a tampered record,
//! key updates in both directions, and tickets that arrive in the middle of the data.

use super::*;
use rustls::client::{ClientSessionMemoryCache, Resumption};
use rustls::crypto::{CryptoProvider, aws_lc_rs as provider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{
    ClientConfig, ServerConfig, ServerConnection, SupportedCipherSuite, SupportedProtocolVersion,
};
use std::net::{Shutdown, TcpListener};
use std::sync::Arc;
use std::thread;

const MIB: usize = 1024 * 1024;

fn pattern(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn suites() -> Vec<(&'static SupportedProtocolVersion, SupportedCipherSuite)> {
    use provider::cipher_suite as cs;
    vec![
        (&rustls::version::TLS13, cs::TLS13_AES_128_GCM_SHA256),
        (&rustls::version::TLS13, cs::TLS13_AES_256_GCM_SHA384),
        (&rustls::version::TLS13, cs::TLS13_CHACHA20_POLY1305_SHA256),
        (
            &rustls::version::TLS12,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            &rustls::version::TLS12,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            &rustls::version::TLS12,
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ]
}

type Serve = Box<dyn FnOnce(&mut ServerConnection, &mut TcpStream) -> Vec<u8> + Send>;

struct Pair {
    client: DataTls,
    server: thread::JoinHandle<Vec<u8>>,
}

/// A rustls server on loopback running `serve` after its handshake, and a client
/// [`DataTls`] to it whose handshake is done.
fn pair(
    version: &'static SupportedProtocolVersion,
    suite: SupportedCipherSuite,
    serve: impl FnOnce(&mut ServerConnection, &mut TcpStream) -> Vec<u8> + Send + 'static,
) -> Pair {
    pair_with(version, suite, 2, Box::new(serve))
}

/// A server and a client configuration for `version` and `suite` only; the server's
/// certificate is the client's one trust anchor, and the client keeps sessions.
fn configs(
    version: &'static SupportedProtocolVersion,
    suite: SupportedCipherSuite,
) -> (ServerConfig, Arc<ClientConfig>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let der: CertificateDer<'static> = cert.der().clone();
    let prov = Arc::new(CryptoProvider {
        cipher_suites: vec![suite],
        ..provider::default_provider()
    });
    let scfg = ServerConfig::builder_with_provider(prov.clone())
        .with_protocol_versions(&[version])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).unwrap();
    let mut ccfg = ClientConfig::builder_with_provider(prov)
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    ccfg.resumption = Resumption::store(Arc::new(ClientSessionMemoryCache::new(16)));
    (scfg, Arc::new(ccfg))
}

fn pair_with(
    version: &'static SupportedProtocolVersion,
    suite: SupportedCipherSuite,
    tickets: usize,
    serve: Serve,
) -> Pair {
    let (mut scfg, config) = configs(version, suite);
    scfg.send_tls13_tickets = tickets;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut sock, _) = l.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut conn = ServerConnection::new(Arc::new(scfg)).unwrap();
        conn.set_buffer_limit(None);
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).unwrap();
        }
        serve(&mut conn, &mut sock)
    });
    let client = connect(&config, addr);
    Pair { client, server }
}

fn connect(config: &Arc<ClientConfig>, addr: std::net::SocketAddr) -> DataTls {
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let conn =
        UnbufferedClientConnection::new(config.clone(), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let mut t = DataTls::start(conn, sock).unwrap();
    while t.is_handshaking() {
        assert!(t.step_handshake().unwrap(), "closed in the handshake");
    }
    t
}

/// Sends `data` as records, flipping one ciphertext byte past `tamper_at`, and
/// calling `refresh_traffic_keys` after each of `updates_at`.
fn send(
    conn: &mut ServerConnection,
    sock: &mut TcpStream,
    data: &[u8],
    tamper_at: Option<usize>,
    updates_at: &[usize],
) {
    let mut sent = 0;
    let mut plain = 0;
    let mut tampered = false;
    for chunk in data.chunks(100_000) {
        conn.writer().write_all(chunk).unwrap();
        plain += chunk.len();
        let mut wire = Vec::new();
        while conn.wants_write() {
            conn.write_tls(&mut wire).unwrap();
        }
        if let Some(at) = tamper_at
            && !tampered
            && sent + wire.len() > at + 64
        {
            let i = at.saturating_sub(sent) + 40;
            wire[i] ^= 0x40;
            tampered = true;
        }
        sent += wire.len();
        if sock.write_all(&wire).is_err() {
            return;
        }
        if updates_at
            .iter()
            .any(|&u| u >= plain - chunk.len() && u < plain)
        {
            conn.refresh_traffic_keys().unwrap();
        }
    }
}

fn close(conn: &mut ServerConnection, sock: &mut TcpStream) {
    conn.send_close_notify();
    while conn.wants_write() {
        let _ = conn.write_tls(sock);
    }
}

/// Reads to the end, alternating between `read_with` and `Read`.
fn read_all(t: &mut DataTls) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 7000];
    loop {
        let n = if got.len() % 2 == 0 {
            t.read_with(&mut |p| {
                got.extend_from_slice(p);
                Ok(true)
            })?
        } else {
            let n = t.read(&mut buf)?;
            got.extend_from_slice(&buf[..n]);
            n
        };
        if n == 0 {
            return Ok(got);
        }
    }
}

fn upload(t: &mut DataTls, data: &[u8]) {
    let mut rest = data;
    while !rest.is_empty() {
        let n = t.write(&rest[..rest.len().min(300_000)]).unwrap();
        rest = &rest[n..];
    }
    t.send_close_notify().unwrap();
    t.sock.shutdown(Shutdown::Write).unwrap();
    while t.read_with(&mut |_| Ok(true)).unwrap() > 0 {}
}

/// The server side of an upload: read to close_notify (an unclean end is an error),
/// answer with close_notify.
fn receive(c: &mut ServerConnection, s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    rustls::Stream::new(&mut *c, &mut *s)
        .read_to_end(&mut got)
        .unwrap();
    close(c, s);
    got
}

#[test]
fn download_is_byte_exact_for_every_suite() {
    for (v, suite) in suites() {
        let data = pattern(3 * MIB + 12345);
        let d = data.clone();
        let mut p = pair(v, suite, move |c, s| {
            send(c, s, &d, None, &[]);
            close(c, s);
            Vec::new()
        });
        let got = read_all(&mut p.client).unwrap_or_else(|e| panic!("{suite:?}: {e}"));
        assert!(
            got == data,
            "{suite:?}: {} bytes, want {}",
            got.len(),
            data.len()
        );
        // The end stays the end.
        assert_eq!(p.client.read(&mut [0u8; 10]).unwrap(), 0);
        p.server.join().unwrap();
    }
}

#[test]
fn upload_is_byte_exact_and_ends_with_close_notify_for_every_suite() {
    for (v, suite) in suites() {
        let data = pattern(3 * MIB + 777);
        let mut p = pair(v, suite, receive);
        upload(&mut p.client, &data);
        let got = p.server.join().unwrap();
        assert!(
            got == data,
            "{suite:?}: server got {} bytes, want {}",
            got.len(),
            data.len()
        );
    }
}

#[test]
fn a_close_without_close_notify_is_unexpected_eof_not_the_end() {
    for (v, suite) in suites().into_iter().step_by(3) {
        let mut p = pair(v, suite, |c, s| {
            send(c, s, &pattern(2 * MIB), None, &[]);
            let _ = s.shutdown(Shutdown::Both);
            Vec::new()
        });
        let e = read_all(&mut p.client).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{suite:?}: {e}");
        p.server.join().unwrap();
    }
}

#[test]
fn a_tampered_record_fails_authentication_and_poisons_the_connection() {
    for (v, suite) in suites() {
        let mut p = pair(v, suite, |c, s| {
            send(c, s, &pattern(3 * MIB), Some(2 * MIB), &[]);
            close(c, s);
            Vec::new()
        });
        let e = read_all(&mut p.client).unwrap_err();
        let tls = |e: &io::Error| {
            e.get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .cloned()
        };
        assert_eq!(tls(&e), Some(rustls::Error::DecryptError), "{suite:?}: {e}");
        // Nothing after a failed record is ever handed out.
        let again = p.client.read(&mut [0u8; 100]).unwrap_err();
        assert_eq!(tls(&again), Some(rustls::Error::DecryptError), "{suite:?}");
        p.server.join().unwrap();
    }
}

#[test]
fn server_key_updates_in_a_download_are_followed() {
    for (v, suite) in suites().into_iter().take(3) {
        let data = pattern(4 * MIB);
        let d = data.clone();
        let mut p = pair(v, suite, move |c, s| {
            send(c, s, &d, None, &[MIB, 2 * MIB + 5]);
            close(c, s);
            Vec::new()
        });
        let got = read_all(&mut p.client).unwrap_or_else(|e| panic!("{suite:?}: {e}"));
        assert!(got == data, "{suite:?}: {} bytes", got.len());
        p.server.join().unwrap();
    }
}

/// Byte-exact whether or not the client answers (the server's receiving keys change
/// only with the answer); that it does answer is shown through the test server, in
/// the hostile suite.
#[test]
fn server_key_updates_in_an_upload_keep_it_byte_exact() {
    for (v, suite) in suites().into_iter().take(3) {
        let data = pattern(6 * MIB);
        let mut p = pair(v, suite, move |c, s| {
            let mut got = Vec::new();
            let mut buf = vec![0u8; 65536];
            let mut updated = 0;
            loop {
                let n = rustls::Stream::new(&mut *c, &mut *s)
                    .read(&mut buf)
                    .unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                // A KeyUpdate that asks for the client's: until the client answers,
                // its records still use the old keys, after that only the new ones.
                if got.len() >= (updated + 1) * 2 * MIB && updated < 2 {
                    c.refresh_traffic_keys().unwrap();
                    c.complete_io(&mut *s).unwrap();
                    updated += 1;
                }
            }
            close(c, s);
            got
        });
        upload(&mut p.client, &data);
        let got = p.server.join().unwrap();
        assert!(got == data, "{suite:?}: server got {} bytes", got.len());
    }
}

#[test]
fn tickets_sent_in_the_middle_of_a_download_are_kept_and_resume_the_next() {
    for (v, suite) in suites().into_iter().take(1) {
        let (mut scfg, ccfg) = configs(v, suite);
        // Data right after the server's Finished (0.5-RTT): the tickets, which a
        // rustls server sends once it has the client's Finished, come behind it.
        scfg.send_half_rtt_data = true;
        scfg.send_tls13_tickets = 1;
        let scfg = Arc::new(scfg);
        let data = pattern(3 * MIB);
        let d = data.clone();
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = thread::spawn(move || {
            let mut kinds = Vec::new();
            for first in [true, false] {
                let (mut s, _) = l.accept().unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let mut c = ServerConnection::new(scfg.clone()).unwrap();
                c.set_buffer_limit(None);
                if first {
                    // ClientHello in, the server's flight out.
                    while !c.wants_write() {
                        c.read_tls(&mut s).unwrap();
                        c.process_new_packets().unwrap();
                    }
                    while c.wants_write() {
                        c.write_tls(&mut s).unwrap();
                    }
                    assert!(c.is_handshaking());
                    send(&mut c, &mut s, &d[..2 * MIB], None, &[]);
                }
                while c.is_handshaking() {
                    c.complete_io(&mut s).unwrap();
                }
                kinds.push(c.handshake_kind());
                if first {
                    send(&mut c, &mut s, &d[2 * MIB..], None, &[]);
                }
                close(&mut c, &mut s);
            }
            kinds
        });
        let mut first = connect(&ccfg, addr);
        assert_eq!(
            first.state().handshake_kind(),
            Some(rustls::HandshakeKind::Full)
        );
        assert_eq!(read_all(&mut first).unwrap(), data);
        let mut second = connect(&ccfg, addr);
        assert_eq!(
            second.state().handshake_kind(),
            Some(rustls::HandshakeKind::Resumed),
            "{suite:?}: the ticket that came after 2 MiB was lost"
        );
        assert_eq!(read_all(&mut second).unwrap(), b"");
        let kinds = server.join().unwrap();
        assert_eq!(
            kinds,
            [
                Some(rustls::HandshakeKind::Full),
                Some(rustls::HandshakeKind::Resumed)
            ]
        );
    }
}
