//! Where a data connection goes: `EPSV`, then `PASV`, for passive mode; a listener
//! announced with `EPRT`, then `PORT`, for active mode; and what the session learnt
//! about which of them the server refuses.

use std::io;
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};

use crate::control::Control;
use crate::error::{Error, Phase, Result};
use crate::reply::{parse_227, parse_229};

/// What a session knows about how to open data connections.
#[derive(Debug, Default)]
pub(crate) struct DataState {
    /// EPSV failed once: go straight to PASV.
    pub epsv_refused: bool,
    /// EPRT failed once: go straight to PORT.
    pub eprt_refused: bool,
}

impl DataState {
    /// Whether the next transfer's `EPSV` can be asked before it (docs/threats.md,
    /// class P3): passive mode, EPSV not refused.
    pub(crate) fn may_prefetch(&self, c: &crate::config::Inner) -> bool {
        matches!(c.data_mode, crate::config::DataConnectionMode::Passive) && !self.epsv_refused
    }
}

/// Asks for a passive data port: EPSV first, PASV when EPSV is refused (docs/threats.md,
/// class D3). The address in a `227` reply is ignored unless trusted by option (D1).
pub(super) fn passive_address(
    ctl: &mut Control,
    state: &mut DataState,
    peer: SocketAddr,
    trust_pasv: bool,
) -> Result<SocketAddr> {
    if !state.epsv_refused {
        let reply = ctl.cmd("EPSV", None)?;
        if reply.code() == 229 {
            let port = parse_229(reply.first_line_text())?;
            return Ok(SocketAddr::new(peer.ip(), port));
        }
        if !reply.is_permanent() {
            return Err(Error::Reply {
                command: "EPSV".into(),
                reply,
            });
        }
        state.epsv_refused = true;
    }
    if peer.is_ipv6() {
        return Err(Error::protocol(
            "EPSV refused on an IPv6 connection, and PASV cannot work there",
        ));
    }
    let reply = ctl.cmd("PASV", None)?;
    if reply.code() != 227 {
        return Err(Error::Reply {
            command: "PASV".into(),
            reply,
        });
    }
    let (ip, port) = parse_227(reply.first_line_text())?;
    let ip = if trust_pasv {
        IpAddr::V4(ip)
    } else {
        peer.ip()
    };
    Ok(SocketAddr::new(ip, port))
}

/// Opens a listener for active mode and tells the server with EPRT (or PORT).
pub(super) fn active_listener(
    ctl: &mut Control,
    state: &mut DataState,
    bind: Option<IpAddr>,
) -> Result<TcpListener> {
    let local = ctl
        .tcp()
        .local_addr()
        .map_err(|e| Error::from_io(e, "control connection", Phase::DataConnect))?;
    let ip = bind.unwrap_or(local.ip());
    let listener = TcpListener::bind((ip, 0))
        .map_err(|e| Error::from_io(e, "opening an active-mode listener", Phase::DataConnect))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::from_io(e, "active-mode listener", Phase::DataConnect))?;
    if !state.eprt_refused {
        let proto = if addr.is_ipv4() { 1 } else { 2 };
        let arg = format!("|{proto}|{}|{}|", addr.ip(), addr.port());
        let reply = ctl.cmd("EPRT", Some(arg.as_bytes()))?;
        if reply.is_success() {
            return Ok(listener);
        }
        if !reply.is_permanent() || addr.is_ipv6() {
            return Err(Error::Reply {
                command: "EPRT".into(),
                reply,
            });
        }
        state.eprt_refused = true;
    }
    let IpAddr::V4(v4) = addr.ip() else {
        return Err(Error::protocol("PORT cannot carry an IPv6 address"));
    };
    let o = v4.octets();
    let arg = format!(
        "{},{},{},{},{},{}",
        o[0],
        o[1],
        o[2],
        o[3],
        addr.port() >> 8,
        addr.port() & 0xff
    );
    ctl.cmd_expect("PORT", Some(arg.as_bytes()), |c| (200..300).contains(&c))?;
    Ok(listener)
}

/// Accepts one connection on the active-mode listener, only from the control connection's
/// peer (docs/threats.md, class C4). Others are closed at once; `None` means keep
/// waiting.
pub(super) fn accept_from(l: &TcpListener, want: IpAddr) -> Result<Option<TcpStream>> {
    match l.accept() {
        Ok((sock, from)) => {
            if from.ip() != want {
                let _ = sock.shutdown(Shutdown::Both);
                return Ok(None);
            }
            Ok(Some(sock))
        }
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(Error::from_io(
            e,
            "accepting the data connection",
            Phase::DataConnect,
        )),
    }
}
