//! Commands on the file tree that need no data connection: PWD, CWD, CDUP, MKD, RMD, DELE,
//! RNFR/RNTO, SIZE, MDTM, MFMT, MLST, and the hashes: HASH, XSHA1, XSHA256, XSHA512.

use std::io;

use super::{Session, lossy};
use crate::fs::VPath;
use crate::hash::{self, HashAlgo};
use crate::listing;

/// RFC 959 quoting for `257`: the path in double quotes, inner quotes doubled.
pub(crate) fn quote_path(path: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &b in path {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
    out
}

impl Session {
    /// Handle a file-tree command; `false` if `verb` is not one.
    pub(super) fn fs_command(&mut self, verb: &str, arg: &[u8]) -> io::Result<bool> {
        let needs_arg = matches!(
            verb,
            "CWD"
                | "XCWD"
                | "MKD"
                | "XMKD"
                | "RMD"
                | "XRMD"
                | "DELE"
                | "RNFR"
                | "RNTO"
                | "SIZE"
                | "MDTM"
                | "MFMT"
                | "HASH"
                | "XSHA1"
                | "XSHA256"
                | "XSHA512"
        );
        let offered = match verb {
            "HASH" => self.sh.cfg.hash,
            "XSHA1" | "XSHA256" | "XSHA512" => self.sh.cfg.xsha,
            "MFMT" => self.sh.cfg.mfmt,
            _ => true,
        };
        if !offered {
            return Ok(false);
        }
        if needs_arg && arg.is_empty() {
            self.reply(501, "Syntax error in parameters or arguments.")?;
            return Ok(true);
        }
        let target = self.cwd.resolve(arg);
        match verb {
            "PWD" | "XPWD" => {
                let mut text = quote_path(self.cwd.as_bytes());
                text.extend_from_slice(b" is the current directory");
                self.reply(257, text)?;
            }
            "CWD" | "XCWD" => self.change_dir(target)?,
            "CDUP" | "XCUP" => self.change_dir(self.cwd.parent())?,
            "MKD" | "XMKD" => match self.sh.fs.mkdir(&target) {
                Ok(()) => {
                    let mut text = quote_path(target.as_bytes());
                    text.extend_from_slice(b" created");
                    self.reply(257, text)?;
                }
                Err(_) => self.reply(550, "Create directory operation failed.")?,
            },
            "RMD" | "XRMD" => match self.sh.fs.rmdir(&target) {
                Ok(()) => self.reply(250, "Remove directory operation successful.")?,
                Err(_) => self.reply(550, "Remove directory operation failed.")?,
            },
            "DELE" => match self.sh.fs.delete(&target) {
                Ok(()) => self.reply(250, "Delete operation successful.")?,
                Err(_) => self.reply(550, "Delete operation failed.")?,
            },
            "RNFR" => {
                if self.sh.fs.stat(&target).is_some() {
                    self.rename_from = Some(target);
                    self.reply(350, "Ready for RNTO.")?;
                } else {
                    self.reply(550, "RNFR command failed.")?;
                }
            }
            "RNTO" => match self.rename_from.take() {
                None => self.reply(503, "RNFR required first.")?,
                Some(_)
                    if self.plan.no_rename_onto_existing && self.sh.fs.stat(&target).is_some() =>
                {
                    self.reply(553, "Rename failed: file exists.")?
                }
                Some(from) => match self.sh.fs.rename(&from, &target) {
                    Ok(()) => self.reply(250, "Rename successful.")?,
                    Err(_) => self.reply(550, "Rename failed.")?,
                },
            },
            "SIZE" => match self.sh.fs.stat(&target) {
                Some(meta) if !meta.is_dir => self.reply(213, meta.size.to_string())?,
                _ => self.reply(550, "Could not get file size.")?,
            },
            "MDTM" => match self.sh.fs.stat(&target) {
                Some(meta) => self.reply(213, listing::mdtm(meta.mtime))?,
                None => self.reply(550, "Could not get file modification time.")?,
            },
            "MFMT" => self.cmd_mfmt(arg)?,
            "MLST" => self.cmd_mlst(arg)?,
            "HASH" => self.cmd_hash(None, arg, &target)?,
            "XSHA1" | "XSHA256" | "XSHA512" => {
                self.cmd_hash(HashAlgo::of_x_verb(verb), arg, &target)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn change_dir(&mut self, target: VPath) -> io::Result<()> {
        match self.sh.fs.stat(&target) {
            Some(meta) if meta.is_dir => {
                self.cwd = target;
                self.reply(250, "Directory successfully changed.")
            }
            _ => self.reply(550, "Failed to change directory."),
        }
    }

    fn cmd_mfmt(&mut self, arg: &[u8]) -> io::Result<()> {
        let Some(space) = arg.iter().position(|&b| b == b' ') else {
            return self.reply(501, "Syntax error in parameters or arguments.");
        };
        let (stamp, path) = (lossy(&arg[..space]), &arg[space + 1..]);
        let Some(when) = listing::parse_mdtm(&stamp) else {
            return self.reply(501, "Bad time value.");
        };
        let target = self.cwd.resolve(path);
        match self.sh.fs.set_mtime(&target, when) {
            Ok(()) => {
                let mut text = format!("Modify={}; ", listing::mdtm(when)).into_bytes();
                text.extend_from_slice(path);
                self.reply(213, text)
            }
            Err(_) => self.reply(550, "Could not set file modification time."),
        }
    }

    /// `HASH` (`x: None`, the session's algorithm): `213 <algo> 0-<size> <hex> <path>`;
    /// `XSHA*` (`x: Some(algo)`): `250 <hex>`. Wrong on purpose under `Fault::LyingHash`.
    fn cmd_hash(&mut self, x: Option<HashAlgo>, arg: &[u8], target: &VPath) -> io::Result<()> {
        match self.sh.fs.stat(target) {
            None => return self.reply(550, "No such file or directory."),
            Some(meta) if meta.is_dir => return self.reply(553, "Not a regular file."),
            Some(_) => {}
        }
        let algo = x.unwrap_or(self.hash_algo);
        let lying = self.plan.lying_hash;
        let Ok((size, hex)) = hash::file_digest(&self.sh.fs, target, algo, lying) else {
            return self.reply(550, "Could not read file.");
        };
        if x.is_some() {
            return self.reply(250, hex);
        }
        let mut text = format!("{} 0-{size} {hex} ", algo.name()).into_bytes();
        text.extend_from_slice(arg);
        self.reply(213, text)
    }

    fn cmd_mlst(&mut self, arg: &[u8]) -> io::Result<()> {
        if !self.sh.cfg.mlsd {
            return self.reply(502, "Command not implemented.");
        }
        let target = self.cwd.resolve(arg);
        match self.sh.fs.stat(&target) {
            Some(meta) => {
                let line = listing::mlst_line(target.as_bytes(), &meta);
                let first = format!("Listing {}", target.display());
                self.reply_multi(250, &first, &[line], "End")
            }
            None => self.reply(550, "Could not get facts."),
        }
    }
}
