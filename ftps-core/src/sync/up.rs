//! The upload direction: [`Client::upload_dir`] and [`Client::sync`] with
//! [`SyncDirection::Upload`](super::SyncDirection::Upload).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::local::{join_os, scan_local};
use super::{
    CONFLICT, DirUpload, KEPT_DIR, Links, LocalKind, MAX_DEPTH, MFMT_REFUSED, Run, SyncAction,
    SyncReason, TOO_DEEP, Verdict,
};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::Entry;
use crate::mirror::join_remote;
use crate::time::DateTime;

impl Client {
    /// `MKD`, with a permanent refusal taken as "exists already".
    pub(super) fn make_remote_dir(&mut self, remote: &[u8], out: &mut DirUpload) -> Result<()> {
        match self.mkdir(remote) {
            Ok(_) => out.dirs.push(remote.to_vec()),
            Err(Error::Reply { reply, .. }) if reply.is_permanent() => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }

    pub(super) fn upload_dir_into(
        &mut self,
        local: &Path,
        root: &Path,
        remote: &[u8],
        recursive: bool,
        depth: usize,
        out: &mut DirUpload,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            out.skipped.push((local.to_path_buf(), TOO_DEEP));
            return Ok(());
        }
        let (entries, skipped) = scan_local(local, root, Links::InTree)?;
        out.skipped
            .extend(skipped.into_iter().map(|(n, w)| (local.join(n), w)));
        for e in entries {
            let target = join_remote(remote, &e.name);
            match e.kind {
                LocalKind::Dir if recursive => {
                    self.make_remote_dir(&target, out)?;
                    self.upload_dir_into(&e.path, root, &target, true, depth + 1, out)?;
                }
                LocalKind::Dir => {}
                LocalKind::File { .. } => {
                    out.bytes += self.upload_file(&e.path, &target, false, None)?;
                    out.files.push(target);
                }
            }
        }
        Ok(())
    }

    /// `MFMT` of the local time onto an uploaded file; a refusal is reported.
    fn push_mtime(
        &mut self,
        run: &mut Run<'_>,
        rel: &[u8],
        remote: &[u8],
        t: DateTime,
    ) -> Result<()> {
        match self.set_mtime(remote, t.truncate_to_seconds()) {
            Ok(()) => {}
            Err(e) if e.is_fatal() => return Err(e),
            Err(_) => run.skip(rel, MFMT_REFUSED),
        }
        Ok(())
    }

    /// Local directory `local` onto remote directory `remote` (`rel` below the roots).
    /// `exists`: whether the remote directory is there (not after a dry-run `MakeDir`).
    pub(super) fn sync_up(
        &mut self,
        run: &mut Run<'_>,
        rel: &[u8],
        local: &Path,
        remote: &[u8],
        exists: bool,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            run.skip(rel, TOO_DEEP);
            return Ok(());
        }
        let (locals, lskipped) = scan_local(local, &run.root, Links::InTree)?;
        let mut leave: HashSet<Vec<u8>> = HashSet::new();
        for (n, why) in lskipped {
            run.skip(&join_os(rel, &n), why);
            leave.insert(n.to_string_lossy().as_bytes().to_vec());
        }
        let listed = if exists {
            match self.remote_entries(remote) {
                Ok((e, s))
                    if depth == 0
                        && e.is_empty()
                        && s.is_empty()
                        && self.remote_dir_missing(remote)?.is_some() =>
                {
                    None
                }
                Ok(l) => Some(l),
                Err(Error::Reply { reply, .. })
                    if depth == 0 && !remote.is_empty() && reply.is_permanent() =>
                {
                    None
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        if exists && listed.is_none() {
            // The root's listing was refused, or was empty and the root is missing.
            if !run.dry() {
                self.mkdir(remote)?;
            }
            run.act(SyncAction::MakeDir { path: Vec::new() });
        }
        let (remotes, rskipped) = listed.unwrap_or_default();
        for (n, why) in rskipped {
            run.skip(&join_remote(rel, &n), why);
            leave.insert(n);
        }
        let theirs: HashMap<&[u8], &Entry> =
            remotes.iter().map(|e| (e.name.as_slice(), e)).collect();
        let recursive = run.opts.recursive;
        let mut subdirs = Vec::new();
        for l in &locals {
            if leave.contains(&l.name) {
                continue;
            }
            let path = join_remote(rel, &l.name);
            let target = join_remote(remote, &l.name);
            let other = theirs.get(l.name.as_slice()).copied();
            let (len, mtime) = match l.kind {
                LocalKind::Dir if !recursive => continue,
                LocalKind::Dir => {
                    match other {
                        Some(e) if !e.is_dir() => run.skip(&path, CONFLICT),
                        other => subdirs.push((l, path, target, other.is_some())),
                    }
                    continue;
                }
                LocalKind::File { len, mtime } => (len, mtime),
            };
            let verdict = match other {
                None => Verdict::Transfer(SyncReason::Missing),
                Some(e) if e.is_dir() => {
                    run.skip(&path, CONFLICT);
                    continue;
                }
                Some(e) => self.verdict(run, &l.path, len, mtime, e, &target)?,
            };
            match verdict {
                Verdict::Same => {}
                Verdict::Transfer(reason) => {
                    if run.dry() {
                        run.report.bytes += len;
                    } else {
                        run.report.bytes += self.upload_file(&l.path, &target, false, None)?;
                        if let (true, true, Some(t)) = (run.opts.preserve_mtime, run.mfmt, mtime) {
                            self.push_mtime(run, &path, &target, t)?;
                        }
                    }
                    run.act(SyncAction::Upload { path, reason });
                }
                Verdict::FixMtime => {
                    let Some(t) = mtime.filter(|_| run.mfmt) else {
                        continue;
                    };
                    if !run.dry() {
                        self.push_mtime(run, &path, &target, t)?;
                    }
                    run.act(SyncAction::SetMtime { path });
                }
            }
        }
        for (l, path, target, there) in subdirs {
            if !there {
                if !run.dry() {
                    self.mkdir(&target)?;
                }
                run.act(SyncAction::MakeDir { path: path.clone() });
            }
            let exists = there || !run.dry();
            self.sync_up(run, &path, &l.path, &target, exists, depth + 1)?;
        }
        if run.opts.delete {
            let mine: HashSet<&[u8]> = locals.iter().map(|l| l.name.as_slice()).collect();
            for e in &remotes {
                if mine.contains(e.name.as_slice()) || leave.contains(&e.name) {
                    continue;
                }
                let path = join_remote(rel, &e.name);
                let target = join_remote(remote, &e.name);
                if e.is_dir() {
                    if recursive {
                        self.remove_remote_tree(run, &path, &target, depth + 1)?;
                    }
                } else {
                    if !run.dry() {
                        self.delete(&target)?;
                    }
                    run.act(SyncAction::Delete { path });
                }
            }
        }
        Ok(())
    }

    /// Deletes a remote directory the source does not have: its files, its
    /// subdirectories, then itself, unless it holds something sync leaves alone.
    /// Returns whether it was (or in a dry run would be) removed.
    fn remove_remote_tree(
        &mut self,
        run: &mut Run<'_>,
        rel: &[u8],
        remote: &[u8],
        depth: usize,
    ) -> Result<bool> {
        if depth > MAX_DEPTH {
            run.skip(rel, TOO_DEEP);
            return Ok(false);
        }
        let (entries, skipped) = self.remote_entries(remote)?;
        let mut clean = skipped.is_empty();
        for (n, why) in skipped {
            run.skip(&join_remote(rel, &n), why);
        }
        // Files first, then subdirectories, as the transfers go.
        let (dirs, files): (Vec<&Entry>, Vec<&Entry>) = entries.iter().partition(|e| e.is_dir());
        for e in files {
            if !run.dry() {
                self.delete(join_remote(remote, &e.name))?;
            }
            run.act(SyncAction::Delete {
                path: join_remote(rel, &e.name),
            });
        }
        for e in dirs {
            let (path, target) = (join_remote(rel, &e.name), join_remote(remote, &e.name));
            clean &= self.remove_remote_tree(run, &path, &target, depth + 1)?;
        }
        if clean {
            if !run.dry() {
                self.rmdir(remote)?;
            }
            run.act(SyncAction::RemoveDir { path: rel.to_vec() });
        } else {
            run.skip(rel, KEPT_DIR);
        }
        Ok(clean)
    }
}
