//! What a client can tell: the detailed message of its last call, the last server
//! reply, the greeting, the server's features, and the TLS facts of the session.
//! All of these are getters: they take the busy flag like every call, but never
//! change the message or the last reply.

use std::ffi::c_char;

use ftps_core::{Client, TlsInfo};

use crate::client::{ClientState, ftps_client, ftps_session_stat, ftps_tls_connection, read};
use crate::panic::ffi_panic_boundary;
use crate::result::{Failure, Integrity, ftps_result};
use crate::util::{check_out, copy_text_out, str_arg, write_out};

/// Returns true when the client is connected and logged in; false otherwise, and for
/// NULL, invalid or busy handles.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_is_logged_in(client: *const ftps_client) -> bool {
    ffi_panic_boundary! {
        let mut yes = false;
        read(client, |st| {
            yes = st.client.as_ref().is_some_and(Client::is_logged_in);
            Ok(())
        });
        yes
    }
}

/// Returns true when this session sends the commands after a transfer (its check, the
/// next `EPSV` of a batch) before the transfer's final reply: the configuration's
/// `ftps_pipelining` applied to the server's greeting, false once the server refused
/// one. False when not connected, and for NULL, invalid or busy handles.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_pipelining(client: *const ftps_client) -> bool {
    ffi_panic_boundary! {
        let mut yes = false;
        read(client, |st| {
            yes = st.client.as_ref().is_some_and(Client::pipelining);
            Ok(())
        });
        yes
    }
}

/// Writes to `*fatal_out` whether the last failed call lost the connection (the
/// client must reconnect before anything else: `ftps_client_reconnect()` logs in
/// again, `ftps_client_connect()` starts over; the download and upload calls
/// reconnect by themselves while resume attempts are set); false
/// after a successful call and for errors such as `FTPS_RESULT_REPLY` or
/// `FTPS_RESULT_INVALID_ARGUMENT` that leave the session usable. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_last_error_is_fatal(
    client: *const ftps_client,
    fatal_out: *mut bool,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(fatal_out, "fatal_out")?;
            write_out(fatal_out, st.fatal);
            Ok(())
        })
    }
}

/// Copies the detailed message of the client's last call into `buf` (`len` bytes),
/// NUL-terminated, and its length into `*out_n`: the error's full text after a
/// failure, empty after a success. Calls that return `FTPS_RESULT_BUSY`,
/// `FTPS_RESULT_NULL_PARAMETER` for the client itself, or `FTPS_RESULT_INVALID_HANDLE`
/// leave it alone, as do the getters. If `len` is too small:
/// `FTPS_RESULT_INSUFFICIENT_SIZE`, `*out_n` = the size needed, `buf` untouched
/// (`buf` may be NULL with `len` 0). Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_error_message(
    client: *const ftps_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| copy_text_out(st.message.as_bytes(), buf, len, out_n))
    }
}

/// Writes the code of the last reply from the server (100..599) to `*code_out`: the
/// reply to the last command, or the one that came with the last error. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`,
/// `FTPS_RESULT_NOT_AVAILABLE` (no reply yet).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_last_reply_code(
    client: *const ftps_client,
    code_out: *mut u16,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(code_out, "code_out")?;
            let r = st.last_reply.as_ref().ok_or_else(no_reply)?;
            write_out(code_out, r.code());
            Ok(())
        })
    }
}

fn no_reply() -> Failure {
    Failure::new(ftps_result::NotAvailable, "no reply yet")
}

/// Copies the text of the last reply (each line without its code, lines joined by
/// `\n`, invalid UTF-8 replaced by U+FFFD) into `buf` (`len` bytes), NUL-terminated,
/// and its length into `*out_n`. Buffer rules as `ftps_client_error_message()`.
/// Errors: as `ftps_client_last_reply_code()`, and `FTPS_RESULT_INSUFFICIENT_SIZE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_last_reply_text(
    client: *const ftps_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let r = st.last_reply.as_ref().ok_or_else(no_reply)?;
            copy_text_out(r.text().as_bytes(), buf, len, out_n)
        })
    }
}

/// Copies the text of the server's greeting (as `ftps_client_last_reply_text()`)
/// into `buf`. Errors as `ftps_client_last_reply_text()`, and `FTPS_RESULT_STATE`
/// when not connected.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_greeting(
    client: *const ftps_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let c = st.client.as_ref().ok_or_else(not_connected)?;
            copy_text_out(c.greeting().text().as_bytes(), buf, len, out_n)
        })
    }
}

fn not_connected() -> Failure {
    Failure::new(ftps_result::State, "not connected")
}

/// Looks up the feature `name` (NUL-terminated, case-insensitive, e.g. `"MLST"`,
/// `"REST"`) in the server's `FEAT` reply (known after login). When offered, copies
/// its parameters (e.g. `"STREAM"` for `REST STREAM`, often empty) into `buf` like
/// `ftps_client_error_message()` and returns `FTPS_RESULT_OK`; when not offered,
/// returns `FTPS_RESULT_NOT_AVAILABLE`. Other errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_STATE`,
/// `FTPS_RESULT_INVALID_ARGUMENT`, `FTPS_RESULT_INSUFFICIENT_SIZE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_feature(
    client: *const ftps_client,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            let name = str_arg(name, "name")?;
            check_out(out_n, "out_n")?;
            let c = st.client.as_ref().ok_or_else(not_connected)?;
            let value = c
                .features()
                .get(name)
                .ok_or_else(|| Failure::new(ftps_result::NotAvailable, "not offered"))?;
            copy_text_out(value.as_bytes(), buf, len, out_n)
        })
    }
}

/// Writes the number of feature lines in the server's `FEAT` reply to `*count_out`
/// (0 before login). Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_STATE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_feature_count(
    client: *const ftps_client,
    count_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(count_out, "count_out")?;
            let c = st.client.as_ref().ok_or_else(not_connected)?;
            write_out(count_out, c.features().lines().len());
            Ok(())
        })
    }
}

/// Copies feature line `index` (0-based, e.g. `"REST STREAM"`) into `buf` like
/// `ftps_client_error_message()`. Errors as `ftps_client_feature_count()`, and
/// `FTPS_RESULT_INVALID_ARGUMENT` (index out of range),
/// `FTPS_RESULT_INSUFFICIENT_SIZE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_feature_line(
    client: *const ftps_client,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let c = st.client.as_ref().ok_or_else(not_connected)?;
            let line = c
                .features()
                .lines()
                .get(index)
                .ok_or_else(|| Failure::invalid("index out of range"))?;
            copy_text_out(line.as_bytes(), buf, len, out_n)
        })
    }
}

/// The TLS facts of one connection, owned.
fn tls_of(st: &ClientState, which: u32) -> Result<TlsInfo, Failure> {
    let c = st.client.as_ref().ok_or_else(not_connected)?;
    let none = || Failure::new(ftps_result::NotAvailable, "no TLS on that connection");
    if which == ftps_tls_connection::Control as u32 {
        c.tls_info().ok_or_else(none)
    } else if which == ftps_tls_connection::LastData as u32 {
        c.last_data_tls().cloned().ok_or_else(none)
    } else {
        Err(Failure::invalid(format!(
            "unknown ftps_tls_connection value {which}"
        )))
    }
}

/// Copies the TLS protocol version of a connection (`which`, one of
/// `ftps_tls_connection`), such as `"TLSv1.3"`, into `buf` like
/// `ftps_client_error_message()`. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_STATE` (not
/// connected), `FTPS_RESULT_NOT_AVAILABLE` (plain FTP, or no data connection yet),
/// `FTPS_RESULT_INVALID_ARGUMENT`, `FTPS_RESULT_INSUFFICIENT_SIZE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_tls_version(
    client: *const ftps_client,
    which: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let info = tls_of(st, which)?;
            copy_text_out(info.version.to_string().as_bytes(), buf, len, out_n)
        })
    }
}

/// Copies the cipher suite of a connection, such as `"TLS13_AES_256_GCM_SHA384"`,
/// into `buf`. As `ftps_client_tls_version()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_tls_cipher(
    client: *const ftps_client,
    which: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let info = tls_of(st, which)?;
            copy_text_out(info.cipher.to_string().as_bytes(), buf, len, out_n)
        })
    }
}

/// Copies the key exchange group of a connection, such as `"x25519"`, into `buf`.
/// As `ftps_client_tls_version()`; `FTPS_RESULT_NOT_AVAILABLE` when unknown (e.g. a
/// resumed TLS 1.2 session).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_tls_kx_group(
    client: *const ftps_client,
    which: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let info = tls_of(st, which)?;
            let g = info
                .kx_group
                .ok_or_else(|| Failure::new(ftps_result::NotAvailable, "no key exchange group"))?;
            copy_text_out(g.to_string().as_bytes(), buf, len, out_n)
        })
    }
}

/// Copies the ALPN protocol the server chose on a connection (e.g. `"ftp"`) into
/// `buf`. As `ftps_client_tls_version()`; `FTPS_RESULT_NOT_AVAILABLE` when the server
/// chose none.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_tls_alpn(
    client: *const ftps_client,
    which: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let info = tls_of(st, which)?;
            let a = info
                .alpn
                .ok_or_else(|| Failure::new(ftps_result::NotAvailable, "no ALPN protocol"))?;
            copy_text_out(&a, buf, len, out_n)
        })
    }
}

/// Writes to `*resumed_out` whether the TLS handshake of a connection (`which`, one
/// of `ftps_tls_connection`) resumed an earlier session: for
/// `FTPS_TLS_CONNECTION_LAST_DATA`, whether the last data connection resumed the
/// control connection's session. Errors as `ftps_client_tls_version()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_tls_resumed(
    client: *const ftps_client,
    which: u32,
    resumed_out: *mut bool,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(resumed_out, "resumed_out")?;
            let info = tls_of(st, which)?;
            write_out(resumed_out, info.resumed);
            Ok(())
        })
    }
}

/// Writes one TLS session counter of the connection (`stat`, one of
/// `ftps_session_stat`) to `*value_out`: all 0 for plain FTP. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`,
/// `FTPS_RESULT_STATE` (not connected), `FTPS_RESULT_INVALID_ARGUMENT` (unknown stat).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_session_stat(
    client: *const ftps_client,
    stat: u32,
    value_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(value_out, "value_out")?;
            let c = st.client.as_ref().ok_or_else(not_connected)?;
            let s = c.session_stats();
            use ftps_session_stat as S;
            let v = [
                (S::ControlTickets, s.control_tickets),
                (S::DataTickets, s.data_tickets),
                (S::DataResumed, s.data_resumed),
                (S::DataFull, s.data_full),
                (S::TicketsExhausted, s.tickets_exhausted),
                (S::Retried, s.retried),
                (S::Reconnects, s.reconnects),
                (S::Resumes, s.resumes),
            ]
            .iter()
            .find(|(k, _)| *k as u32 == stat)
            .map(|(_, v)| *v)
            .ok_or_else(|| Failure::invalid(format!("unknown ftps_session_stat value {stat}")))?;
            write_out(value_out, v);
            Ok(())
        })
    }
}

/// Returns true while a streaming transfer (`ftps_client_start_download()`,
/// `ftps_client_start_upload()`) is open; false otherwise, and for NULL, invalid or
/// busy handles.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_transfer_open(client: *const ftps_client) -> bool {
    ffi_panic_boundary! {
        let mut yes = false;
        read(client, |st| {
            yes = st.client.as_ref().is_some_and(Client::transfer_open);
            Ok(())
        });
        yes
    }
}

/// The facts of the last call's failed integrity check.
fn integrity_of(st: &ClientState) -> Result<&Integrity, Failure> {
    st.integrity.as_deref().ok_or_else(|| {
        Failure::new(
            ftps_result::NotAvailable,
            "the last call did not fail with FTPS_RESULT_INTEGRITY",
        )
    })
}

/// After a call that failed with `FTPS_RESULT_INTEGRITY`: copies what was compared
/// into `buf` like `ftps_client_error_message()`: `"SHA-512"`, `"SHA-256"`,
/// `"SHA-1"` (the server's hash of the file against the hash of the bytes that moved),
/// `"size"` (the server's `SIZE` against the bytes), or `"none"` (`FTPS_VERIFY_REQUIRED`
/// and the server offers no hash: nothing was transferred). Like the message, it
/// belongs to the client's last call. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_NOT_AVAILABLE` (the
/// last call did not fail with `FTPS_RESULT_INTEGRITY`), `FTPS_RESULT_INSUFFICIENT_SIZE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_last_integrity_check(
    client: *const ftps_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            copy_text_out(integrity_of(st)?.check.as_bytes(), buf, len, out_n)
        })
    }
}

/// After a call that failed with `FTPS_RESULT_INTEGRITY`: copies the local value into
/// `buf`: the hash of the bytes sent or received (lowercase hex), or their count in
/// decimal for `"size"`; empty for `"none"`. As `ftps_client_last_integrity_check()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_last_integrity_local(
    client: *const ftps_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            copy_text_out(integrity_of(st)?.local.as_bytes(), buf, len, out_n)
        })
    }
}

/// After a call that failed with `FTPS_RESULT_INTEGRITY`: copies the server's value
/// into `buf` (its hash of the file, lowercase hex, or its size in decimal); empty for
/// `"none"`. As `ftps_client_last_integrity_check()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_last_integrity_remote(
    client: *const ftps_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            copy_text_out(integrity_of(st)?.remote.as_bytes(), buf, len, out_n)
        })
    }
}

/// Writes to `*count_out` how many remote temporary files of failed atomic uploads
/// could not be deleted (the connection was gone and no new one could be made), over
/// the life of the handle: `ftps_client_connect()` and `ftps_client_quit()` keep the
/// list. Delete them when the server is reachable again. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_left_behind_count(
    client: *const ftps_client,
    count_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(count_out, "count_out")?;
            write_out(count_out, st.left_behind().count());
            Ok(())
        })
    }
}

/// Copies the remote path of left-behind temporary file `index` (0-based, oldest
/// first; named `.NAME.ftps-part.RANDOM` beside the upload's target, as sent to the
/// server) into `buf` like `ftps_client_error_message()`; `*out_n` is its length, so
/// that `buf` and `*out_n` can go to `ftps_client_delete()` as they are. Errors as
/// `ftps_client_left_behind_count()`, and `FTPS_RESULT_INVALID_ARGUMENT` (index out of
/// range), `FTPS_RESULT_INSUFFICIENT_SIZE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_left_behind_path(
    client: *const ftps_client,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        read(client, |st| {
            check_out(out_n, "out_n")?;
            let path = st
                .left_behind()
                .nth(index)
                .ok_or_else(|| Failure::invalid("index out of range"))?;
            copy_text_out(path, buf, len, out_n)
        })
    }
}
