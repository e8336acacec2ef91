//! `ftps_listing`: a directory listing, read through per-entry accessors.

use std::ffi::c_char;

use ftps_core::{Entry, EntryKind, Listing};

use crate::client::{call, ftps_client, ftps_time};
use crate::handle::{self, Handle, Kind};
use crate::panic::ffi_panic_boundary;
use crate::result::{Failure, ftps_result};
use crate::util::{bytes_arg, check_out, opt_bytes_arg, str_arg, write_out};

/// What kind of thing an entry is.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_entry_kind {
    /// A regular file.
    File = 1,
    /// A directory.
    Dir = 2,
    /// A symbolic link (see `ftps_listing_entry_link_target()`).
    Symlink = 3,
    /// Anything else (device, pipe, unknown type; every `NLST` entry).
    Other = 4,
    /// The listed directory itself (`MLST`/`MLSD` `type=cdir`).
    CurrentDir = 5,
    /// Its parent (`type=pdir`).
    ParentDir = 6,
}

/// The result of a listing call: entries in the server's order (`.` and `..` left
/// out), and the lines that could not be parsed. Immutable: any number of threads may
/// read it at once. Independent of the client it came from; free it with
/// `ftps_listing_free()`.
pub struct ftps_listing {
    entries: Vec<Entry>,
    skipped: Vec<Vec<u8>>,
}

impl Handle for ftps_listing {
    const KIND: Kind = Kind::Listing;
}

fn kind_of(k: EntryKind) -> ftps_entry_kind {
    match k {
        EntryKind::File => ftps_entry_kind::File,
        EntryKind::Dir => ftps_entry_kind::Dir,
        EntryKind::Symlink => ftps_entry_kind::Symlink,
        EntryKind::CurrentDir => ftps_entry_kind::CurrentDir,
        EntryKind::ParentDir => ftps_entry_kind::ParentDir,
        _ => ftps_entry_kind::Other,
    }
}

/// Which listing command a call runs.
#[derive(Clone, Copy)]
enum Verb {
    Best,
    Mlsd,
    List,
    Nlst,
}

fn run_listing(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    listing_out: *mut *mut ftps_listing,
    verb: Verb,
) -> ftps_result {
    call(client, |st| {
        let path = opt_bytes_arg(path, path_len, "path")?;
        check_out(listing_out, "listing_out")?;
        let c = st.conn()?;
        let listing = match verb {
            Verb::Best => c.list(path)?,
            Verb::Mlsd => c.mlsd(path)?,
            Verb::List => c.list_unix(path)?,
            Verb::Nlst => {
                Listing::from_entries(c.nlst(path)?.into_iter().map(Entry::name_only).collect())
            }
        };
        let l = ftps_listing {
            entries: listing.entries,
            skipped: listing.skipped,
        };
        write_out(listing_out, handle::into_raw(l));
        Ok(())
    })
}

/// Lists the remote directory `path` (`path_len` bytes), or the current one when
/// `path` is NULL and `path_len` 0: `MLSD` when the server offers it, `LIST`
/// (Unix and DOS formats parsed) otherwise. On success writes a new listing to
/// `*listing_out`, owned by the caller (free with `ftps_listing_free()`).
///
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_BUSY`, `FTPS_RESULT_INVALID_ARGUMENT` (NUL, CR or LF in the path),
/// `FTPS_RESULT_STATE`, `FTPS_RESULT_REPLY`, `FTPS_RESULT_PROTOCOL` (listing over the
/// size limit), `FTPS_RESULT_TRUNCATED`, `FTPS_RESULT_SESSION_REUSE_REFUSED`, and
/// other network errors.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_list(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    listing_out: *mut *mut ftps_listing,
) -> ftps_result {
    ffi_panic_boundary! {
        run_listing(client, path, path_len, listing_out, Verb::Best)
    }
}

/// `MLSD` (RFC 3659 machine-readable listing) of `path`, or of the current directory
/// for NULL/0. Lines that do not parse are kept (see `ftps_listing_skipped_count()`).
/// Otherwise as `ftps_client_list()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_mlsd(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    listing_out: *mut *mut ftps_listing,
) -> ftps_result {
    ffi_panic_boundary! {
        run_listing(client, path, path_len, listing_out, Verb::Mlsd)
    }
}

/// `LIST` of `path` (or the current directory for NULL/0), parsed as Unix `ls -l` or
/// DOS/IIS lines. Lines that do not parse are kept (see
/// `ftps_listing_skipped_count()`). Otherwise as `ftps_client_list()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_list_unix(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    listing_out: *mut *mut ftps_listing,
) -> ftps_result {
    ffi_panic_boundary! {
        run_listing(client, path, path_len, listing_out, Verb::List)
    }
}

/// `NLST` of `path` (or the current directory for NULL/0): names only, every entry
/// of kind `FTPS_ENTRY_KIND_OTHER`. Otherwise as `ftps_client_list()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_nlst(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    listing_out: *mut *mut ftps_listing,
) -> ftps_result {
    ffi_panic_boundary! {
        run_listing(client, path, path_len, listing_out, Verb::Nlst)
    }
}

/// `MLST`: the facts of the one remote `path` (`path_len` bytes), over the control
/// connection, as a listing of one entry. Errors as `ftps_client_list()`, and
/// `FTPS_RESULT_PROTOCOL` for a reply without facts.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_mlst(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    listing_out: *mut *mut ftps_listing,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let path = bytes_arg(path, path_len, "path")?;
            check_out(listing_out, "listing_out")?;
            let entry = st.conn()?.mlst(path)?;
            let l = ftps_listing { entries: vec![entry], skipped: Vec::new() };
            write_out(listing_out, handle::into_raw(l));
            Ok(())
        })
    }
}

/// Frees a listing and every pointer its accessors gave out. NULL, or a listing
/// already freed, is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_free(listing: *mut ftps_listing) {
    ffi_panic_boundary! {
        handle::free(listing.cast_const(), |_| true)
    }
}

/// The number of entries; 0 for NULL or an invalid handle.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_count(listing: *const ftps_listing) -> usize {
    ffi_panic_boundary! {
        handle::get(listing).map_or(0, |l| l.entries.len())
    }
}

/// The number of lines that could not be parsed (at most 1000 are kept, each cut at
/// 1024 bytes); 0 for NULL or an invalid handle.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_skipped_count(listing: *const ftps_listing) -> usize {
    ffi_panic_boundary! {
        handle::get(listing).map_or(0, |l| l.skipped.len())
    }
}

/// Runs an accessor on entry `index`.
fn on_entry(
    listing: *const ftps_listing,
    index: usize,
    f: impl FnOnce(&Entry) -> Result<(), Failure>,
) -> ftps_result {
    let l = match handle::get(listing) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let r = match l.entries.get(index) {
        Some(e) => f(e),
        None => Err(Failure::invalid("index out of range")),
    };
    r.err().map_or(ftps_result::Ok, |f| f.code)
}

/// Hands out a borrowed byte string.
fn lend(bytes: &[u8], data_out: *mut *const c_char, len_out: *mut usize) -> Result<(), Failure> {
    check_out(data_out, "data_out")?;
    check_out(len_out, "len_out")?;
    write_out(data_out, bytes.as_ptr().cast());
    write_out(len_out, bytes.len());
    Ok(())
}

/// Writes a pointer to the name of entry `index` to `*data_out` and its length to
/// `*len_out`: the bytes exactly as the server sent them (not NUL-terminated, not
/// necessarily UTF-8, never empty), ready to pass back as a path. The pointer is
/// owned by the listing and valid until `ftps_listing_free()`. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (index out of range).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_name(
    listing: *const ftps_listing,
    index: usize,
    data_out: *mut *const c_char,
    len_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| lend(&e.name, data_out, len_out))
    }
}

/// Writes the whole original line of entry `index` (without its line ending) like
/// `ftps_listing_entry_name()`. Errors as `ftps_listing_entry_name()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_raw(
    listing: *const ftps_listing,
    index: usize,
    data_out: *mut *const c_char,
    len_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| lend(&e.raw, data_out, len_out))
    }
}

/// Writes the kind of entry `index` to `*kind_out`. Errors as
/// `ftps_listing_entry_name()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_kind(
    listing: *const ftps_listing,
    index: usize,
    kind_out: *mut ftps_entry_kind,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| {
            check_out(kind_out, "kind_out")?;
            write_out(kind_out, kind_of(e.kind));
            Ok(())
        })
    }
}

fn unknown(what: &str) -> Failure {
    Failure::new(ftps_result::NotAvailable, format!("{what} not known"))
}

/// Writes the size in bytes of entry `index` to `*size_out`. Errors as
/// `ftps_listing_entry_name()`, and `FTPS_RESULT_NOT_AVAILABLE` when the listing did
/// not say.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_size(
    listing: *const ftps_listing,
    index: usize,
    size_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| {
            check_out(size_out, "size_out")?;
            write_out(size_out, e.size.ok_or_else(|| unknown("size"))?);
            Ok(())
        })
    }
}

/// Writes the modification time (UTC) of entry `index` to `*time_out`. `LIST` dates
/// are the server's local time taken as UTC, to the minute, or to the day for old
/// files. Errors as `ftps_listing_entry_size()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_mtime(
    listing: *const ftps_listing,
    index: usize,
    time_out: *mut ftps_time,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| {
            check_out(time_out, "time_out")?;
            let t = e.modified.as_ref().ok_or_else(|| unknown("modification time"))?;
            write_out(time_out, ftps_time::of(t));
            Ok(())
        })
    }
}

/// Writes the target of symbolic link entry `index` like `ftps_listing_entry_name()`.
/// Errors as `ftps_listing_entry_size()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_link_target(
    listing: *const ftps_listing,
    index: usize,
    data_out: *mut *const c_char,
    len_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| {
            let t = e.link_target.as_deref().ok_or_else(|| unknown("link target"))?;
            lend(t, data_out, len_out)
        })
    }
}

/// Writes the permissions of entry `index` like `ftps_listing_entry_name()`: for
/// `LIST`, the nine mode characters (`rwxr-xr-x`); for `MLSD`, `unix.mode` rendered
/// the same way, or else the raw `perm` fact (`adfr`). Errors as
/// `ftps_listing_entry_size()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_permissions(
    listing: *const ftps_listing,
    index: usize,
    data_out: *mut *const c_char,
    len_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| {
            let p = e.permissions.as_deref().ok_or_else(|| unknown("permissions"))?;
            lend(p.as_bytes(), data_out, len_out)
        })
    }
}

/// Writes the raw value of the `MLSD`/`MLST` fact `name` (NUL-terminated,
/// case-insensitive, e.g. `"unique"`, `"unix.owner"`) of entry `index` like
/// `ftps_listing_entry_name()` (may be empty). Errors as
/// `ftps_listing_entry_size()`, and `FTPS_RESULT_INVALID_ARGUMENT` for a name that is
/// not UTF-8.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_entry_fact(
    listing: *const ftps_listing,
    index: usize,
    name: *const c_char,
    data_out: *mut *const c_char,
    len_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        on_entry(listing, index, |e| {
            let name = str_arg(name, "name")?;
            let v = e.fact(name).ok_or_else(|| unknown("fact"))?;
            lend(v, data_out, len_out)
        })
    }
}

/// Writes skipped line `index` (0-based, one that did not parse) like
/// `ftps_listing_entry_name()`. Errors as `ftps_listing_entry_name()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_listing_skipped_line(
    listing: *const ftps_listing,
    index: usize,
    data_out: *mut *const c_char,
    len_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        let l = match handle::get(listing) {
            Ok(l) => l,
            Err(code) => return code,
        };
        let r = match l.skipped.get(index) {
            Some(line) => lend(line, data_out, len_out),
            None => Err(Failure::invalid("index out of range")),
        };
        r.err().map_or(ftps_result::Ok, |f| f.code)
    }
}
