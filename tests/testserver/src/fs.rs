//! The served file tree: in memory (default) or a real directory. Names are bytes, so
//! non-UTF-8 names survive a round trip (H6).
//!
//! Sized for files of a few GiB: a file in memory is one shared buffer (a download holds a
//! reference, not a copy), an upload goes into the tree chunk by chunk as it arrives (a resumed
//! upload, `REST n` + `STOR` or `APPE`, truncates or extends the buffer in place), and hashing
//! reads the file where it lies (in chunks from disk).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

/// Read size when a file on disk is read in pieces.
const DISK_CHUNK: usize = 64 * 1024;

/// A file's contents in memory, shared with running downloads.
// A Vec, not a slice: uploads grow it in place (`Arc::get_mut` / `Arc::make_mut`), so a
// resumed upload of a big file neither copies nor moves what is already there.
#[allow(clippy::rc_buffer)]
pub(crate) type Contents = Arc<Vec<u8>>;

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
    Dir {
        mtime: SystemTime,
    },
    /// The contents are shared with running downloads; a write while one runs copies them
    /// once (`Arc::make_mut`).
    File {
        data: Contents,
        mtime: SystemTime,
    },
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

/// An upload being stored. [`Vfs::open_write`] has already replaced or truncated the file as
/// the [`WriteMode`] says; each [`FileWriter::write`] adds a chunk at the end, so whatever
/// arrived before a transfer broke off is in the tree, as on a real server.
pub(crate) enum FileWriter<'a> {
    Memory {
        tree: &'a Mutex<BTreeMap<VPath, Node>>,
        path: VPath,
    },
    Disk(File),
}

impl FileWriter<'_> {
    /// Add `chunk` at the end of the file.
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        match self {
            FileWriter::Memory { tree, path } => match Vfs::tree(tree).get_mut(path) {
                Some(Node::File { data, mtime }) => {
                    Arc::make_mut(data).extend_from_slice(chunk);
                    *mtime = SystemTime::now();
                    Ok(())
                }
                // Deleted or replaced by a directory meanwhile.
                _ => Err(not_found()),
            },
            FileWriter::Disk(file) => file.write_all(chunk),
        }
    }
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

    /// The whole contents of a file: shared, not copied, for the in-memory tree.
    pub fn read(&self, path: &VPath) -> io::Result<Contents> {
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
                Ok(Arc::new(std::fs::read(p)?))
            }
        }
    }

    /// Feed a file's contents to `f` (in one piece from memory, in chunks from disk, never
    /// copied whole); returns the file's size.
    pub fn read_each(&self, path: &VPath, mut f: impl FnMut(&[u8])) -> io::Result<u64> {
        let Vfs::Disk(root) = self else {
            let data = self.read(path)?;
            f(&data);
            return Ok(data.len() as u64);
        };
        let p = os_path(root, path);
        if p.is_dir() {
            return Err(err(io::ErrorKind::IsADirectory, "is a directory"));
        }
        let mut file = File::open(p)?;
        let mut buf = vec![0u8; DISK_CHUNK];
        let mut size = 0u64;
        loop {
            match file.read(&mut buf) {
                Ok(0) => return Ok(size),
                Ok(n) => {
                    f(&buf[..n]);
                    size += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Start storing an upload: replace the file (`STOR`), keep its first n bytes (`REST n` +
    /// `STOR`; a file shorter than n is kept whole) or keep it all (`APPE`), creating it if it
    /// is missing; the returned writer adds the data at the end. In memory the kept part is
    /// neither copied nor moved (unless a download of it is running, which keeps the old one).
    pub fn open_write(&self, path: &VPath, mode: WriteMode) -> io::Result<FileWriter<'_>> {
        if path.is_root() {
            return Err(err(io::ErrorKind::IsADirectory, "is a directory"));
        }
        match self {
            Vfs::Memory(m) => {
                let mut tree = Self::tree(m);
                if !matches!(tree.get(&path.parent()), Some(Node::Dir { .. })) {
                    return Err(not_found());
                }
                let now = SystemTime::now();
                match tree.get_mut(path) {
                    Some(Node::Dir { .. }) => {
                        return Err(err(io::ErrorKind::IsADirectory, "is a directory"));
                    }
                    Some(Node::File { data, mtime }) => {
                        match mode {
                            WriteMode::Replace => *data = Arc::default(),
                            WriteMode::At(offset) => truncate_shared(data, offset),
                            WriteMode::Append => {}
                        }
                        *mtime = now;
                    }
                    None => {
                        tree.insert(
                            path.clone(),
                            Node::File {
                                data: Arc::default(),
                                mtime: now,
                            },
                        );
                    }
                }
                Ok(FileWriter::Memory {
                    tree: m,
                    path: path.clone(),
                })
            }
            Vfs::Disk(root) => {
                let p = os_path(root, path);
                let file = match mode {
                    WriteMode::Replace => File::create(p)?,
                    WriteMode::Append => File::options().append(true).create(true).open(p)?,
                    WriteMode::At(offset) => {
                        let mut file = File::options()
                            .write(true)
                            .create(true)
                            .truncate(false)
                            .open(p)?;
                        let len = file.metadata()?.len();
                        file.set_len(offset.min(len))?;
                        file.seek(SeekFrom::End(0))?;
                        file
                    }
                };
                Ok(FileWriter::Disk(file))
            }
        }
    }

    /// Store `data` as [`WriteMode`] says (see [`Vfs::open_write`]).
    pub fn write(&self, path: &VPath, mode: WriteMode, data: &[u8]) -> io::Result<()> {
        self.open_write(path, mode)?.write(data)
    }

    /// Store a file, creating missing parent directories (builder and test helpers). The
    /// buffer becomes the file as it is, without a copy, in the in-memory tree.
    pub fn put(&self, path: &VPath, data: Vec<u8>) -> io::Result<()> {
        self.mkdir_all(&path.parent())?;
        match self {
            Vfs::Memory(m) => {
                // Checks the path and creates the (empty) file, which is then replaced.
                drop(self.open_write(path, WriteMode::Replace)?);
                if let Some(Node::File { data: old, .. }) = Self::tree(m).get_mut(path) {
                    *old = Arc::new(data);
                }
                Ok(())
            }
            Vfs::Disk(_) => self.write(path, WriteMode::Replace, &data),
        }
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

/// Keep the first `offset` bytes of a file in memory: in place, or, while a download holds
/// the old contents, as a copy of just the part kept.
fn truncate_shared(data: &mut Contents, offset: u64) {
    let keep = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(data.len());
    match Arc::get_mut(data) {
        Some(own) => own.truncate(keep),
        None => *data = Arc::new(data[..keep].to_vec()),
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
        fs.put(&f, b"hello".to_vec()).unwrap();
        assert!(fs.stat(&f.parent()).unwrap().is_dir);
        fs.write(&f, WriteMode::At(2), b"LP").unwrap();
        fs.write(&f, WriteMode::Append, b"!").unwrap();
        assert_eq!(*fs.read(&f).unwrap(), b"heLP!");
        let d = VPath::root().resolve(b"d");
        assert!(fs.rmdir(&d).is_err());
        fs.rename(&d, &VPath::root().resolve(b"z")).unwrap();
        assert_eq!(
            *fs.read(&VPath::root().resolve(b"z/e/f.txt")).unwrap(),
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

    #[test]
    fn uploads_grow_in_place_and_leave_running_downloads_alone() {
        let fs = Vfs::memory();
        let f = VPath::root().resolve(b"f");
        fs.put(&f, b"0123456789".to_vec()).unwrap();
        let before = fs.read(&f).unwrap().as_ptr();
        let mut w = fs.open_write(&f, WriteMode::At(4)).unwrap();
        w.write(b"ab").unwrap();
        w.write(b"c").unwrap();
        assert_eq!(*fs.read(&f).unwrap(), b"0123abc");
        // Truncated and extended in place: no copy of the kept part.
        assert_eq!(fs.read(&f).unwrap().as_ptr(), before);
        // A download holds the contents: the upload works on its own copy.
        let download = fs.read(&f).unwrap();
        fs.write(&f, WriteMode::Append, b"!").unwrap();
        fs.write(&f, WriteMode::At(2), b"Z").unwrap();
        assert_eq!(*download, b"0123abc");
        assert_eq!(*fs.read(&f).unwrap(), b"01Z");
        // Replace, and REST beyond the end keeps the file whole.
        fs.write(&f, WriteMode::Replace, b"new").unwrap();
        fs.write(&f, WriteMode::At(99), b"+").unwrap();
        assert_eq!(*fs.read(&f).unwrap(), b"new+");
        // A writer whose file went away fails.
        let mut w = fs.open_write(&f, WriteMode::Append).unwrap();
        fs.delete(&f).unwrap();
        assert!(w.write(b"x").is_err());
        assert!(fs.open_write(&VPath::root(), WriteMode::Replace).is_err());
        assert!(
            fs.open_write(&VPath::root().resolve(b"no/such"), WriteMode::Replace)
                .is_err()
        );
    }
}
