//! Arguments in, values out: the checks every exported function shares.
//!
//! Inputs come in two shapes. Text that never contains NUL (host names, user names,
//! passwords, local file paths, pins) is a NUL-terminated `const char *`. Byte strings
//! that go to the server (remote paths, SITE and raw commands) are a pointer and a
//! length, so that names from a listing can be sent back byte for byte; an interior
//! NUL or a length of 0 is refused here, before anything is sent (docs/threats.md,
//! class E2). CR and LF are refused by the core at the one place that writes commands
//! (E1).

use std::ffi::{CStr, c_char};
use std::path::PathBuf;

use crate::result::{Failure, ftps_result};

/// A required byte-string argument: not NULL, not empty, no NUL byte.
pub(crate) fn bytes_arg<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> Result<&'a [u8], Failure> {
    match opt_bytes_arg(ptr, len, what)? {
        Some(b) => Ok(b),
        None if ptr.is_null() => Err(Failure::null(what)),
        None => Err(Failure::invalid(format!("{what} is empty (length 0)"))),
    }
}

/// An optional byte-string argument: NULL with length 0 means "none"; otherwise as
/// [`bytes_arg`], except that a length of 0 also means "none".
pub(crate) fn opt_bytes_arg<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> Result<Option<&'a [u8]>, Failure> {
    if ptr.is_null() {
        if len != 0 {
            return Err(Failure::null(what));
        }
        return Ok(None);
    }
    if len == 0 {
        return Ok(None);
    }
    if len > isize::MAX as usize {
        return Err(Failure::invalid(format!(
            "{what}: length {len} is too large"
        )));
    }
    // SAFETY: `ptr` is not NULL and the caller promises `len` readable bytes at it
    // (documented on every function taking a pointer and a length); `len` fits isize.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(Failure::invalid(format!(
            "{what} contains a NUL byte at offset {pos}"
        )));
    }
    Ok(Some(bytes))
}

/// A byte buffer (`uint8_t *`, length) that may contain anything, NUL included.
pub(crate) fn raw_bytes_arg<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    if len > isize::MAX as usize {
        return Err(Failure::invalid(format!(
            "{what}: length {len} is too large"
        )));
    }
    // SAFETY: not NULL, and the caller promises `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A writable byte buffer (`uint8_t *`, length).
pub(crate) fn raw_bytes_out<'a>(
    ptr: *mut u8,
    len: usize,
    what: &str,
) -> Result<&'a mut [u8], Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    if len > isize::MAX as usize {
        return Err(Failure::invalid(format!(
            "{what}: length {len} is too large"
        )));
    }
    // SAFETY: not NULL, and the caller promises `len` writable bytes that nothing else
    // accesses during the call.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// A required NUL-terminated UTF-8 string.
pub(crate) fn str_arg<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: not NULL, and the caller promises a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map_err(|e| Failure::invalid(format!("{what} is not valid UTF-8: {e}")))
}

/// A required NUL-terminated local file path (any bytes on Unix).
pub(crate) fn path_arg(ptr: *const c_char, what: &str) -> Result<PathBuf, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: not NULL, and the caller promises a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(ptr) };
    if c.is_empty() {
        return Err(Failure::invalid(format!("{what} is empty")));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(c.to_bytes())))
    }
    #[cfg(not(unix))]
    {
        c.to_str()
            .map(PathBuf::from)
            .map_err(|e| Failure::invalid(format!("{what} is not valid UTF-8: {e}")))
    }
}

/// Checks an out-pointer before any work is done.
pub(crate) fn check_out<T>(ptr: *mut T, what: &str) -> Result<(), Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    Ok(())
}

/// Writes a result through an out-pointer already checked by [`check_out`].
pub(crate) fn write_out<T>(ptr: *mut T, value: T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: not NULL (checked again here), and the caller promises it points to a
    // writable, aligned `T`. `write` does not drop the old (possibly uninitialized)
    // contents.
    unsafe { ptr.write(value) }
}

/// Checks the arguments of a copy-out before any work is done (see [`copy_text_out`]).
pub(crate) fn check_text_out(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> Result<(), Failure> {
    check_out(out_n, "out_n")?;
    if buf.is_null() && len != 0 {
        return Err(Failure::null("buf"));
    }
    Ok(())
}

/// Copies `text` and a terminating NUL into `buf` of `len` bytes, and its length
/// (without the NUL) into `*out_n`.
///
/// When it does not fit, nothing goes to `buf`, `*out_n` receives the size needed
/// (length + 1) and the result is `InsufficientSize`: the documented exception to
/// "out-parameters only on success", so that callers can allocate and call again.
/// `buf` may be NULL when `len` is 0 (a size query). A NUL inside `text` (which the
/// core never lets through from a server) is copied as `?`, so the copy is always a
/// proper C string.
pub(crate) fn copy_text_out(
    text: &[u8],
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> Result<(), Failure> {
    check_text_out(buf, len, out_n)?;
    let need = text.len() + 1;
    if len < need {
        write_out(out_n, need);
        return Err(Failure::new(
            ftps_result::InsufficientSize,
            format!("{need} bytes needed, buffer has {len}"),
        ));
    }
    let out = raw_bytes_out(buf.cast::<u8>(), need, "buf")?;
    for (dst, &src) in out.iter_mut().zip(text) {
        *dst = if src == 0 { b'?' } else { src };
    }
    out[text.len()] = 0;
    write_out(out_n, text.len());
    Ok(())
}

/// A pointer that may cross threads inside a callback closure. The C caller owns what
/// it points to and promises it may be used from whichever thread calls the client.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub *mut std::ffi::c_void);

// SAFETY: libftps never dereferences it; it only hands it back to the caller's own
// callback, on the thread that is making the call (see the callback docs).
unsafe impl Send for UserData {}
