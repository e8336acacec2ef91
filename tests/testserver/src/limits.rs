//! Connection limits ([`Builder::max_clients`](crate::Builder::max_clients),
//! [`Builder::max_sessions_per_user`](crate::Builder::max_sessions_per_user)): counters and
//! the slots that hold them. A slot gives its place back when dropped, so every way a
//! connection or session ends (QUIT, disconnect, reset, timeout, server stop, a panic)
//! releases it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Open control connections and logged-in sessions per user name.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    clients: Mutex<usize>,
    per_user: Mutex<HashMap<String, usize>>,
}

/// One open control connection; counted until dropped.
#[derive(Debug)]
pub(crate) struct ClientSlot {
    limits: Arc<Limits>,
}

/// One logged-in session of a user; counted until dropped.
#[derive(Debug)]
pub(crate) struct UserSlot {
    limits: Arc<Limits>,
    name: String,
}

impl Limits {
    /// A place for one more control connection, or `None` if `max` are open already.
    pub fn client(self: &Arc<Self>, max: Option<usize>) -> Option<ClientSlot> {
        let mut open = lock(&self.clients);
        if max.is_some_and(|max| *open >= max) {
            return None;
        }
        *open += 1;
        Some(ClientSlot {
            limits: self.clone(),
        })
    }

    /// A place for one more logged-in session of `name`, or `None` if `max` sessions of
    /// that user are logged in already.
    pub fn user(self: &Arc<Self>, name: &str, max: Option<usize>) -> Option<UserSlot> {
        let mut per_user = lock(&self.per_user);
        let count = per_user.entry(name.to_string()).or_insert(0);
        if max.is_some_and(|max| *count >= max) {
            if *count == 0 {
                per_user.remove(name);
            }
            return None;
        }
        *count += 1;
        Some(UserSlot {
            limits: self.clone(),
            name: name.to_string(),
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.limits.clients);
        *open = open.saturating_sub(1);
    }
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut per_user = lock(&self.limits.per_user);
        if let Some(count) = per_user.get_mut(&self.name) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                per_user.remove(&self.name);
            }
        }
    }
}
