//! The served file tree: in memory (default) or a real directory. Names are bytes, so
//! non-UTF-8 names survive a round trip (H6).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

/// A normalised absolute path inside the served tree: starts with `/`, no `.`/`..`, no
/// trailing slash (except the root itself). Never escapes the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct VPath(Vec<u8>);

impl VPath {
    pub fn root() -> VPath {
        VPath(b"/".to_vec())
    }

    /// Resolve a client-supplied path against this directory.
    pub fn resolve(&self, arg: &[u8]) -> VPath {
        let mut parts: Vec<&[u8]> = if arg.starts_with(b"/") {
            Vec::new()
        } else {
            self.components().collect()
        };
        for part in arg.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    parts.pop();
                }
                name => parts.push(name),
            }
        }
        let mut path = Vec::new();
        for part in &parts {
            path.push(b'/');
            path.extend_from_slice(part);
        }
        if path.is_empty() {
            path.push(b'/');
        }
        VPath(path)
    }

    fn components(&self) -> impl Iterator<Item = &[u8]> {
        self.0.split(|&b| b == b'/').filter(|p| !p.is_empty())
    }

    /// Whether this is `dir` itself or lies below it.
    pub fn is_within(&self, dir: &VPath) -> bool {
        self.0 == dir.0
            || (self.0.starts_with(&dir.0)
                && (dir.is_root() || self.0.get(dir.0.len()) == Some(&b'/')))
    }

    pub fn is_root(&self) -> bool {
        self.0 == b"/"
    }

    pub fn parent(&self) -> VPath {
        self.resolve(b"..")
    }

    /// Last component (empty for the root).
    pub fn name(&self) -> &[u8] {
        self.components().last().unwrap_or(b"")
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lossy text form, for logs and replies that do not need exact bytes.
    pub fn display(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

/// What a listing needs to know about an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meta {
    pub is_dir: bool,
    pub size: u64,
    pub mtime: SystemTime,
}

/// How an upload is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// `STOR`: replace the file.
    Replace,
    /// `REST n` + `STOR`: keep the first n bytes, write from there.
    At(u64),
    /// `APPE`: append.
    Append,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Dir { mtime: SystemTime },
    File { data: Vec<u8>, mtime: SystemTime },
}

impl Node {
    fn meta(&self) -> Meta {
        match self {
            Node::Dir { mtime } => Meta {
                is_dir: true,
                size: 0,
                mtime: *mtime,
            },
            Node::File { data, mtime } => Meta {
                is_dir: false,
                size: data.len() as u64,
                mtime: *mtime,
            },
        }
    }
}

/// The served tree.
pub(crate) enum Vfs {
    Memory(Mutex<BTreeMap<VPath, Node>>),
    Disk(PathBuf),
}

fn not_found() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "no such file or directory")
}

fn err(kind: io::ErrorKind, msg: &str) -> io::Error {
    io::Error::new(kind, msg.to_string())
}

#[cfg(unix)]
fn os_path(root: &Path, path: &VPath) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    root.join(std::ffi::OsStr::from_bytes(
        path.as_bytes().get(1..).unwrap_or(b""),
    ))
}

#[cfg(not(unix))]
fn os_path(root: &Path, path: &VPath) -> PathBuf {
    root.join(String::from_utf8_lossy(path.as_bytes().get(1..).unwrap_or(b"")).as_ref())
}

#[cfg(unix)]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    name.to_string_lossy().into_owned().into_bytes()
}

fn disk_meta(m: &std::fs::Metadata) -> Meta {
    Meta {
        is_dir: m.is_dir(),
        size: if m.is_dir() { 0 } else { m.len() },
        mtime: m.modified().unwrap_or_else(|_| SystemTime::now()),
    }
}

impl Vfs {
    pub fn memory() -> Vfs {
        let mut tree = BTreeMap::new();
        tree.insert(
            VPath::root(),
            Node::Dir {
                mtime: SystemTime::now(),
            },
        );
        Vfs::Memory(Mutex::new(tree))
    }

    fn tree(m: &Mutex<BTreeMap<VPath, Node>>) -> MutexGuard<'_, BTreeMap<VPath, Node>> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stat(&self, path: &VPath) -> Option<Meta> {
        match self {
            Vfs::Memory(m) => Self::tree(m).get(path).map(Node::meta),
            Vfs::Disk(root) => std::fs::metadata(os_path(root, path))
                .ok()
                .map(|m| disk_meta(&m)),
        }
    }

    /// Entries of a directory, sorted by name.
    pub fn list(&self, dir: &VPath) -> io::Result<Vec<(Vec<u8>, Meta)>> {
        match self {
            Vfs::Memory(m) => {
                let tree = Self::tree(m);
                match tree.get(dir) {
                    Some(Node::Dir { .. }) => {}
                    Some(_) => return Err(err(io::ErrorKind::NotADirectory, "not a directory")),
                    None => return Err(not_found()),
                }
                let mut out: Vec<_> = tree
                    .iter()
                    .filter(|(p, _)| !p.is_root() && p.parent() == *dir)
                    .map(|(p, n)| (p.name().to_vec(), n.meta()))
                    .collect();
                out.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(out)
            }
            Vfs::Disk(root) => {
                let mut out = Vec::new();
                for entry in std::fs::read_dir(os_path(root, dir))? {
                    let entry = entry?;
                    if let Ok(m) = entry.metadata() {
                        out.push((name_bytes(&entry.file_name()), disk_meta(&m)));
                    }
                }
                out.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(out)
            }
        }
    }

    pub fn read(&self, path: &VPath) -> io::Result<Vec<u8>> {
        match self {
            Vfs::Memory(m) => match Self::tree(m).get(path) {
                Some(Node::File { data, .. }) => Ok(data.clone()),
                Some(Node::Dir { .. }) => Err(err(io::ErrorKind::IsADirectory, "is a directory")),
                None => Err(not_found()),
            },
            Vfs::Disk(root) => {
                let p = os_path(root, path);
                if p.is_dir() {
                    return Err(err(io::ErrorKind::IsADirectory, "is a directory"));
                }
                std::fs::read(p)
            }
        }
    }

    pub fn write(&self, path: &VPath, mode: WriteMode, data: &[u8]) -> io::Result<()> {
        if path.is_root() {
            return Err(err(io::ErrorKind::IsADirectory, "is a directory"));
        }
        match self {
            Vfs::Memory(m) => {
                let mut tree = Self::tree(m);
                if !matches!(tree.get(&path.parent()), Some(Node::Dir { .. })) {
                    return Err(not_found());
                }
                let old = match tree.get(path) {
                    Some(Node::File { data, .. }) => data.clone(),
                    Some(Node::Dir { .. }) => {
                        return Err(err(io::ErrorKind::IsADirectory, "is a directory"));
                    }
                    None => Vec::new(),
                };
                let new = splice(old, mode, data);
                tree.insert(
                    path.clone(),
                    Node::File {
                        data: new,
                        mtime: SystemTime::now(),
                    },
                );
                Ok(())
            }
            Vfs::Disk(root) => {
                let p = os_path(root, path);
                let old = match mode {
                    WriteMode::Replace => Vec::new(),
                    _ => std::fs::read(&p).or_else(|e| match e.kind() {
                        io::ErrorKind::NotFound => Ok(Vec::new()),
                        _ => Err(e),
                    })?,
                };
                std::fs::write(p, splice(old, mode, data))
            }
        }
    }

    /// Store a file, creating missing parent directories (builder and test helpers).
    pub fn put(&self, path: &VPath, data: &[u8]) -> io::Result<()> {
        self.mkdir_all(&path.parent())?;
        self.write(path, WriteMode::Replace, data)
    }

    /// Create a directory and its missing parents.
    pub fn mkdir_all(&self, dir: &VPath) -> io::Result<()> {
        let mut missing = Vec::new();
        let mut at = dir.clone();
        while self.stat(&at).is_none() {
            missing.push(at.clone());
            at = at.parent();
        }
        for dir in missing.iter().rev() {
            self.mkdir(dir)?;
        }
        Ok(())
    }

    pub fn mkdir(&self, path: &VPath) -> io::Result<()> {
        match self {
            Vfs::Memory(m) => {
                let mut tree = Self::tree(m);
                if tree.contains_key(path) {
                    return Err(err(io::ErrorKind::AlreadyExists, "exists"));
                }
                if !matches!(tree.get(&path.parent()), Some(Node::Dir { .. })) {
                    return Err(not_found());
                }
                tree.insert(
                    path.clone(),
                    Node::Dir {
                        mtime: SystemTime::now(),
                    },
                );
                Ok(())
            }
            Vfs::Disk(root) => std::fs::create_dir(os_path(root, path)),
        }
    }

    pub fn rmdir(&self, path: &VPath) -> io::Result<()> {
        if path.is_root() {
            return Err(err(io::ErrorKind::PermissionDenied, "cannot remove root"));
        }
        match self {
            Vfs::Memory(m) => {
                let mut tree = Self::tree(m);
                match tree.get(path) {
                    Some(Node::Dir { .. }) => {}
                    Some(_) => return Err(err(io::ErrorKind::NotADirectory, "not a directory")),
                    None => return Err(not_found()),
                }
                if tree.keys().any(|p| !p.is_root() && p.parent() == *path) {
                    return Err(err(io::ErrorKind::DirectoryNotEmpty, "not empty"));
                }
                tree.remove(path);
                Ok(())
            }
            Vfs::Disk(root) => std::fs::remove_dir(os_path(root, path)),
        }
    }

    pub fn delete(&self, path: &VPath) -> io::Result<()> {
        match self {
            Vfs::Memory(m) => {
                let mut tree = Self::tree(m);
                match tree.get(path) {
                    Some(Node::File { .. }) => {
                        tree.remove(path);
                        Ok(())
                    }
                    Some(_) => Err(err(io::ErrorKind::IsADirectory, "is a directory")),
                    None => Err(not_found()),
                }
            }
            Vfs::Disk(root) => std::fs::remove_file(os_path(root, path)),
        }
    }

    pub fn rename(&self, from: &VPath, to: &VPath) -> io::Result<()> {
        if from.is_root() || to.is_root() || to.is_within(from) {
            return Err(err(io::ErrorKind::InvalidInput, "bad rename"));
        }
        match self {
            Vfs::Memory(m) => {
                let mut tree = Self::tree(m);
                if !tree.contains_key(from) {
                    return Err(not_found());
                }
                if !matches!(tree.get(&to.parent()), Some(Node::Dir { .. })) {
                    return Err(not_found());
                }
                let moved: Vec<VPath> =
                    tree.keys().filter(|p| p.is_within(from)).cloned().collect();
                for old in moved {
                    if let Some(node) = tree.remove(&old) {
                        let mut new = to.as_bytes().to_vec();
                        new.extend_from_slice(&old.as_bytes()[from.as_bytes().len()..]);
                        tree.insert(VPath(new), node);
                    }
                }
                Ok(())
            }
            Vfs::Disk(root) => std::fs::rename(os_path(root, from), os_path(root, to)),
        }
    }

    pub fn set_mtime(&self, path: &VPath, when: SystemTime) -> io::Result<()> {
        match self {
            Vfs::Memory(m) => match Self::tree(m).get_mut(path) {
                Some(Node::File { mtime, .. } | Node::Dir { mtime }) => {
                    *mtime = when;
                    Ok(())
                }
                None => Err(not_found()),
            },
            Vfs::Disk(root) => std::fs::File::options()
                .write(true)
                .open(os_path(root, path))?
                .set_modified(when),
        }
    }
}

fn splice(mut old: Vec<u8>, mode: WriteMode, data: &[u8]) -> Vec<u8> {
    match mode {
        WriteMode::Replace => data.to_vec(),
        WriteMode::Append => {
            old.extend_from_slice(data);
            old
        }
        WriteMode::At(offset) => {
            let keep = usize::try_from(offset).unwrap_or(usize::MAX).min(old.len());
            old.truncate(keep);
            old.extend_from_slice(data);
            old
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_never_escape_the_root() {
        let cwd = VPath::root().resolve(b"a/b");
        assert_eq!(cwd.as_bytes(), b"/a/b");
        assert_eq!(cwd.resolve(b"../../../..").as_bytes(), b"/");
        assert_eq!(cwd.resolve(b"/x//y/./z/").as_bytes(), b"/x/y/z");
        assert_eq!(cwd.resolve(b"..").as_bytes(), b"/a");
        assert_eq!(cwd.name(), b"b");
        assert_eq!(VPath::root().name(), b"");
    }

    #[test]
    fn memory_tree_operations() {
        let fs = Vfs::memory();
        let f = VPath::root().resolve(b"d/e/f.txt");
        fs.put(&f, b"hello").unwrap();
        assert!(fs.stat(&f.parent()).unwrap().is_dir);
        fs.write(&f, WriteMode::At(2), b"LP").unwrap();
        fs.write(&f, WriteMode::Append, b"!").unwrap();
        assert_eq!(fs.read(&f).unwrap(), b"heLP!");
        let d = VPath::root().resolve(b"d");
        assert!(fs.rmdir(&d).is_err());
        fs.rename(&d, &VPath::root().resolve(b"z")).unwrap();
        assert_eq!(
            fs.read(&VPath::root().resolve(b"z/e/f.txt")).unwrap(),
            b"heLP!"
        );
        let names: Vec<_> = fs
            .list(&VPath::root())
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(names, vec![b"z".to_vec()]);
    }
}
