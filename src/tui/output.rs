//! A session's output that goes quiet after its first failure.
//!
//! When the client's terminal goes away (a dropped SSH link, a closed window, a hang-up while
//! the editor had the terminal), the first failed write ends the session with that error. What
//! runs after it must not fail again: ratatui's `Terminal` shows the cursor when dropped and,
//! if that write fails, prints to stderr, and printing to a hung-up terminal panics — a crash
//! report for what is an ordinary hang-up. So after the first real error every later write
//! and flush succeeds and writes nothing.

use std::io::{self, Write};

pub struct LatchedOutput<W> {
    inner: W,
    failed: bool,
}

impl<W> LatchedOutput<W> {
    pub fn new(inner: W) -> LatchedOutput<W> {
        LatchedOutput {
            inner,
            failed: false,
        }
    }

    /// The client's writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// A write has failed: nothing more reaches the client.
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn latch<T>(&mut self, result: io::Result<T>, quiet: T) -> io::Result<T> {
        match result {
            // Worth another try: not the end of the client.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                ) =>
            {
                Err(e)
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
            Ok(_) if self.failed => Ok(quiet),
            ok => ok,
        }
    }
}

impl<W: Write> Write for LatchedOutput<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.latch(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.latch(result, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `room` bytes, then fails as a hung-up terminal does.
    struct HangsUp {
        room: usize,
        written: Vec<u8>,
        flushes_after: usize,
    }

    impl Write for HangsUp {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.written.len() >= self.room {
                return Err(io::Error::from_raw_os_error(libc::EIO));
            }
            let n = buf.len().min(self.room - self.written.len());
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            if self.written.len() >= self.room {
                self.flushes_after += 1;
                return Err(io::Error::from_raw_os_error(libc::EIO));
            }
            Ok(())
        }
    }

    #[test]
    fn the_first_error_is_told_and_everything_after_is_swallowed() {
        let mut out = LatchedOutput::new(HangsUp {
            room: 4,
            written: Vec::new(),
            flushes_after: 0,
        });
        out.write_all(b"ab").unwrap();
        out.flush().unwrap();
        assert!(!out.failed());
        let err = out.write_all(b"cdef").unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EIO));
        assert!(out.failed());
        // What a terminal's drop writes afterwards (show the cursor) no longer fails.
        out.write_all(b"\x1b[?25h").unwrap();
        out.flush().unwrap();
        assert_eq!(out.inner.written, b"abcd");
        assert_eq!(out.inner.flushes_after, 0);
    }

    #[test]
    fn an_interrupted_write_is_not_the_end() {
        struct Interrupted(bool);
        impl Write for Interrupted {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, false) {
                    return Err(io::ErrorKind::Interrupted.into());
                }
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = LatchedOutput::new(Interrupted(true));
        out.write_all(b"x").unwrap();
        assert!(!out.failed());
    }
}
