//! Handles: opaque boxes handed to C, and the registry of the live ones.
//!
//! Every handle the library gives out is recorded with its type. A pointer is only
//! dereferenced when the registry says it is a live handle of the expected type, so
//! NULL, a pointer that was already freed (double free, use after free: unless the
//! address was reused by a newer handle of the same type), a pointer of another handle
//! type, or one that never came from this library gives an error instead of undefined
//! behaviour.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::result::ftps_result;

/// The handle types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    ConfigBuilder,
    Config,
    Client,
    Listing,
    Report,
    Batch,
}

/// A type handed to C as an opaque pointer.
pub(crate) trait Handle: Sized + 'static {
    /// Its entry in the registry.
    const KIND: Kind;
}

static LIVE: Mutex<BTreeMap<usize, Kind>> = Mutex::new(BTreeMap::new());

fn live() -> MutexGuard<'static, BTreeMap<usize, Kind>> {
    // A panic while the lock was held cannot leave the map half-updated: every
    // update is a single insert or remove.
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Boxes `value`, records it and returns the pointer for C.
pub(crate) fn into_raw<T: Handle>(value: T) -> *mut T {
    let p = Box::into_raw(Box::new(value));
    live().insert(p as usize, T::KIND);
    p
}

/// The handle behind `p`: `NullParameter` for NULL, `InvalidHandle` when `p` is not a
/// live handle of type `T`.
pub(crate) fn get<'a, T: Handle>(p: *const T) -> Result<&'a T, ftps_result> {
    if p.is_null() {
        return Err(ftps_result::NullParameter);
    }
    if live().get(&(p as usize)) != Some(&T::KIND) {
        return Err(ftps_result::InvalidHandle);
    }
    // SAFETY: the registry says `p` came from `into_raw::<T>` and has not been freed
    // since; the box stays alive until `free` removes it from the registry. C callers
    // promise not to free a handle while another thread uses it (README.md).
    Ok(unsafe { &*p })
}

/// Frees the handle behind `p`. NULL, an unknown pointer, or a second free of the
/// same pointer do nothing. `may_free` runs under the registry lock and can veto (a
/// client in the middle of a call refuses).
pub(crate) fn free<T: Handle>(p: *const T, may_free: impl FnOnce(&T) -> bool) {
    if p.is_null() {
        return;
    }
    let mut live = live();
    let addr = p as usize;
    if live.get(&addr) != Some(&T::KIND) {
        return;
    }
    // SAFETY: as in `get`: `p` is a live `T` from `into_raw`, and the registry lock
    // keeps any other `free` of it out while we look.
    if !may_free(unsafe { &*p }) {
        return;
    }
    live.remove(&addr);
    drop(live);
    // SAFETY: `p` came from `Box::into_raw` in `into_raw::<T>` and was just removed
    // from the registry, so this is the one and only place that frees it.
    drop(unsafe { Box::from_raw(p as *mut T) });
}
