//! Reading a file that came from outside (a descriptor, a `$text` target, a `-c` path, a
//! template skeleton, a config, keymap or theme file): regular files only, with a size limit,
//! and never blocking. A named pipe would hang a plain `read` forever, a device could be
//! endless, and opening one can have effects; so the type is checked before opening, the file
//! is opened non-blocking, checked again on the open handle (the path may have been swapped),
//! and read no further than one byte past the limit.
//!
//! Every reader of outside files goes through [`read_regular`]; the message of a
//! [`ReadError`] is written to follow `path: `.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A FIFO, device, socket or directory.
    #[error("it is {0}, not a regular file; greenroom reads only regular files")]
    NotRegular(&'static str),
    #[error("{}", too_large(*.size, *.limit))]
    TooLarge { size: Option<u64>, limit: u64 },
    #[error("it is not valid UTF-8")]
    NotUtf8,
}

fn too_large(size: Option<u64>, limit: u64) -> String {
    match size {
        Some(size) => format!("it is {size} bytes, over the {limit} byte limit"),
        None => format!("it is larger than the {limit} byte limit"),
    }
}

impl ReadError {
    /// Whether the file does not exist (callers often treat that as "use the defaults").
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> io::Error {
        match e {
            ReadError::Io(e) => e,
            ReadError::NotRegular(_) => io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
            ReadError::TooLarge { .. } => {
                io::Error::new(io::ErrorKind::FileTooLarge, e.to_string())
            }
            ReadError::NotUtf8 => io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
        }
    }
}

/// What a non-regular file is, for the message.
fn file_type_name(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

fn check_regular(meta: &Metadata) -> Result<(), ReadError> {
    match file_type_name(meta) {
        None => Ok(()),
        Some(name) => Err(ReadError::NotRegular(name)),
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// The bytes of the regular file at `path` (symlinks followed), at most `max_bytes` of them.
pub fn read_regular(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    check_regular(&std::fs::metadata(path)?)?;
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    check_regular(&meta)?;
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
            limit: max_bytes,
        });
    }
    // The length can lie (files in /proc say 0, a file can grow): the read is bounded anyway.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge {
            size: None,
            limit: max_bytes,
        });
    }
    Ok(bytes)
}

/// [`read_regular`] for text that must be UTF-8 (settings files).
pub fn read_regular_string(path: &Path, max_bytes: u64) -> Result<String, ReadError> {
    String::from_utf8(read_regular(path, max_bytes)?).map_err(|_| ReadError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(read_regular(&p, 5).unwrap(), b"hello");
        let e = read_regular(&p, 4).unwrap_err();
        assert_eq!(e.to_string(), "it is 5 bytes, over the 4 byte limit");
        assert!(
            read_regular(&dir.path().join("none"), 5)
                .unwrap_err()
                .is_not_found()
        );
        let e = read_regular(dir.path(), 5).unwrap_err();
        assert!(e.to_string().starts_with("it is a directory"), "{e}");
        std::fs::write(&p, b"\xff").unwrap();
        assert!(matches!(
            read_regular_string(&p, 5),
            Err(ReadError::NotUtf8)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Nobody ever writes to the pipe: a blocking open or read would never return.
        let e = read_regular(&fifo, 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is a named pipe (FIFO), not a regular file; greenroom reads only regular files"
        );
        // Through a symlink too.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        assert!(matches!(
            read_regular(&link, 100),
            Err(ReadError::NotRegular(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn endless_devices_are_refused() {
        let e = read_regular(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(
            matches!(e, ReadError::NotRegular("a character device")),
            "{e}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_that_lie_about_their_size_stay_bounded() {
        // /proc files say they are empty; the read still stops past the limit.
        let e = read_regular(Path::new("/proc/self/maps"), 10).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { size: None, .. }), "{e}");
    }
}
