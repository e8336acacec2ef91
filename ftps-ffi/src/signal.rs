//! No SIGPIPE for the C program.
//!
//! A write to a socket whose peer is gone raises SIGPIPE, and its default action ends
//! the process. Rust programs never see it (their runtime ignores SIGPIPE at start-up),
//! but a C program calling libftps does: rustls writes TLS records with `writev`, which
//! has no `MSG_NOSIGNAL`, so a server that resets the connection while the client
//! writes (a lost session, a close_notify to a dead peer) would kill the caller.
//!
//! Each client call that may touch a socket holds a [`NoSigpipe`] (the way libpq does
//! it): SIGPIPE is blocked in the calling thread for the call, a SIGPIPE the call's own
//! writes raised (the write itself fails with `EPIPE`, which the core reports) is
//! discarded, and the thread's signal mask is put back. Nothing is process-wide, so
//! other threads and the program's own SIGPIPE handling are left alone; a SIGPIPE that
//! was already pending, or a mask that already blocked it, is not touched.

/// Blocks SIGPIPE in this thread until dropped, then discards the one raised meanwhile.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
))]
pub(crate) struct NoSigpipe {
    /// The mask to put back; `None` when SIGPIPE was blocked already (or blocking failed).
    restore: Option<libc::sigset_t>,
    /// A SIGPIPE was pending before the call: it is the program's, not ours.
    was_pending: bool,
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
))]
impl NoSigpipe {
    /// An empty signal set.
    fn empty() -> libc::sigset_t {
        // SAFETY: a sigset_t is plain data; all zeroes is a valid value, and sigemptyset
        // makes it the empty set in any case.
        let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is a valid, writable sigset_t.
        unsafe { libc::sigemptyset(&mut set) };
        set
    }

    fn has_pipe(set: &libc::sigset_t) -> bool {
        // SAFETY: `set` is an initialised sigset_t.
        unsafe { libc::sigismember(set, libc::SIGPIPE) == 1 }
    }

    fn pipe_set() -> libc::sigset_t {
        let mut set = NoSigpipe::empty();
        // SAFETY: `set` is an initialised, writable sigset_t.
        unsafe { libc::sigaddset(&mut set, libc::SIGPIPE) };
        set
    }

    fn pending() -> bool {
        let mut set = NoSigpipe::empty();
        // SAFETY: sigpending fills the valid, writable set it is given.
        let ok = unsafe { libc::sigpending(&mut set) } == 0;
        ok && NoSigpipe::has_pipe(&set)
    }

    pub(crate) fn new() -> NoSigpipe {
        let pipe = NoSigpipe::pipe_set();
        let mut old = NoSigpipe::empty();
        // SAFETY: valid sets; pthread_sigmask only changes this thread's mask.
        let blocked = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &pipe, &mut old) } == 0;
        if !blocked || NoSigpipe::has_pipe(&old) {
            return NoSigpipe {
                restore: None,
                was_pending: false,
            };
        }
        NoSigpipe {
            restore: Some(old),
            was_pending: NoSigpipe::pending(),
        }
    }
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
))]
impl Drop for NoSigpipe {
    fn drop(&mut self) {
        let Some(old) = self.restore else {
            return;
        };
        if !self.was_pending && NoSigpipe::pending() {
            let pipe = NoSigpipe::pipe_set();
            let zero = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: valid set and timeout; with a zero timeout it never blocks. It
            // takes the SIGPIPE that is pending (blocked in this thread).
            unsafe { libc::sigtimedwait(&pipe, std::ptr::null_mut(), &zero) };
        }
        // SAFETY: puts back the mask pthread_sigmask gave us.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    }
}

/// Elsewhere (Windows has no SIGPIPE; macOS has no `sigtimedwait`): nothing.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
)))]
pub(crate) struct NoSigpipe;

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
)))]
impl NoSigpipe {
    pub(crate) fn new() -> NoSigpipe {
        NoSigpipe
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A write to a socket pair whose other end is closed: EPIPE, and no SIGPIPE is left
    /// pending or blocked afterwards (the test binary ignores SIGPIPE, so look at the
    /// pending set and the mask).
    #[test]
    fn a_write_to_a_closed_peer_leaves_no_sigpipe() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors.
        let r = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, fds.as_mut_ptr()) };
        assert_eq!(r, 0);
        // SAFETY: closes a descriptor this test owns.
        unsafe { libc::close(fds[1]) };
        {
            let _g = NoSigpipe::new();
            let iov = libc::iovec {
                iov_base: b"x".as_ptr() as *mut _,
                iov_len: 1,
            };
            // SAFETY: a valid iovec of one byte.
            let n = unsafe { libc::writev(fds[0], &iov, 1) };
            assert_eq!(n, -1);
            assert!(
                NoSigpipe::pending(),
                "writev raised SIGPIPE, held by the mask"
            );
        }
        assert!(!NoSigpipe::pending());
        let mut now = NoSigpipe::empty();
        // SAFETY: reads this thread's mask into a valid set.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut now) };
        assert!(!NoSigpipe::has_pipe(&now));
        // SAFETY: closes a descriptor this test owns.
        unsafe { libc::close(fds[0]) };
    }
}
