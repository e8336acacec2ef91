//! The download direction: [`Client::sync`] with
//! [`SyncDirection::Download`](super::SyncDirection::Download).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use super::local::{join_os, lio, remove_local_tree, scan_local, set_local_mtime};
use super::{
    CONFLICT, LOCAL_MTIME, Links, LocalEntry, LocalKind, MAX_DEPTH, Run, Scan, SyncAction,
    SyncReason, TOO_DEEP, Verdict, precise_mtime,
};
use crate::client::Client;
use crate::error::Result;
use crate::list::Entry;
use crate::mirror::{join_remote, local_component};

impl Client {
    /// The remote time of a downloaded file onto the local one: from the listing, else
    /// `MDTM` when offered. A failure is reported.
    fn pull_mtime(
        &mut self,
        run: &mut Run<'_>,
        rel: &[u8],
        local: &Path,
        entry: &Entry,
        remote: &[u8],
    ) -> Result<()> {
        let t = match precise_mtime(entry) {
            Some(t) => Some(t),
            None if self.features().has("MDTM") => match self.mdtm(remote) {
                Ok(t) => Some(t),
                Err(e) if e.is_fatal() => return Err(e),
                Err(_) => None,
            },
            None => None,
        };
        if let Some(t) = t
            && set_local_mtime(local, t).is_err()
        {
            run.skip(rel, LOCAL_MTIME);
        }
        Ok(())
    }

    /// Remote directory `remote` into local directory `local` (`rel` below the
    /// roots). `exists`: whether the local directory is there (not after a dry-run
    /// `MakeDir`).
    pub(super) fn sync_down(
        &mut self,
        run: &mut Run<'_>,
        rel: &[u8],
        local: &Path,
        exists: bool,
        remote: &[u8],
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            run.skip(rel, TOO_DEEP);
            return Ok(());
        }
        let (remotes, rskipped) = self.remote_entries(remote)?;
        if depth == 0
            && remotes.is_empty()
            && rskipped.is_empty()
            && let Some(missing) = self.remote_dir_missing(remote)?
        {
            // A missing source is an error, not an empty tree (with `delete`, that
            // would empty the local one).
            return Err(missing);
        }
        let mut leave: HashSet<Vec<u8>> = HashSet::new();
        for (n, why) in rskipped {
            run.skip(&join_remote(rel, &n), why);
            leave.insert(n);
        }
        let (locals, lskipped) = if exists {
            scan_local(local, &run.root, Links::Never)?
        } else {
            Scan::default()
        };
        for (n, why) in lskipped {
            run.skip(&join_os(rel, &n), why);
            leave.insert(n.to_string_lossy().as_bytes().to_vec());
        }
        let mine: HashMap<&[u8], &LocalEntry> =
            locals.iter().map(|l| (l.name.as_slice(), l)).collect();
        let recursive = run.opts.recursive;
        let mut subdirs = Vec::new();
        for e in &remotes {
            if leave.contains(&e.name) {
                continue;
            }
            let path = join_remote(rel, &e.name);
            let source = join_remote(remote, &e.name);
            let target = local.join(local_component(&e.name));
            let other = mine.get(e.name.as_slice()).copied();
            if e.is_dir() {
                if !recursive {
                    continue;
                }
                match other {
                    Some(l) if !l.is_dir() => run.skip(&path, CONFLICT),
                    other => subdirs.push((path, source, target, other.is_some())),
                }
                continue;
            }
            let verdict = match other.map(|l| (l, &l.kind)) {
                None => Verdict::Transfer(SyncReason::Missing),
                Some((_, LocalKind::Dir)) => {
                    run.skip(&path, CONFLICT);
                    continue;
                }
                Some((l, LocalKind::File { len, mtime })) => {
                    self.verdict(run, &l.path, *len, *mtime, e, &source)?
                }
            };
            match verdict {
                Verdict::Same => {}
                Verdict::Transfer(reason) => {
                    if run.dry() {
                        run.report.bytes += e.size.unwrap_or(0);
                    } else {
                        run.report.bytes += self.download_file(&source, &target, false, None)?;
                        if run.opts.preserve_mtime {
                            self.pull_mtime(run, &path, &target, e, &source)?;
                        }
                    }
                    run.act(SyncAction::Download { path, reason });
                }
                Verdict::FixMtime => {
                    let Some(t) = precise_mtime(e) else {
                        continue;
                    };
                    if !run.dry() && set_local_mtime(&target, t).is_err() {
                        run.skip(&path, LOCAL_MTIME);
                        continue;
                    }
                    run.act(SyncAction::SetMtime { path });
                }
            }
        }
        for (path, source, target, there) in subdirs {
            if !there {
                if !run.dry() {
                    fs::create_dir(&target).map_err(lio(&target))?;
                }
                run.act(SyncAction::MakeDir { path: path.clone() });
            }
            let exists = there || !run.dry();
            self.sync_down(run, &path, &target, exists, &source, depth + 1)?;
        }
        if run.opts.delete {
            let theirs: HashSet<&[u8]> = remotes.iter().map(|e| e.name.as_slice()).collect();
            for l in &locals {
                if theirs.contains(l.name.as_slice()) || leave.contains(&l.name) {
                    continue;
                }
                let path = join_remote(rel, &l.name);
                match l.kind {
                    LocalKind::Dir if recursive => {
                        remove_local_tree(run, &path, &l.path, depth + 1)?;
                    }
                    LocalKind::Dir => {}
                    LocalKind::File { .. } => {
                        if !run.dry() {
                            fs::remove_file(&l.path).map_err(lio(&l.path))?;
                        }
                        run.act(SyncAction::Delete { path });
                    }
                }
            }
        }
        Ok(())
    }
}
