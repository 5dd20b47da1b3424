//! For tests of the HTTP body limits: a server on 127.0.0.1 that answers every request with a
//! body larger than any limit (endless, or announced as 2 GB), and counts the body bytes the
//! client took from it, so a test can see that reading stopped near the limit.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Copy, Debug)]
pub enum Body {
    /// `200`, no Content-Length, bytes until the client goes away.
    Endless,
    /// `200` with `Content-Length: 2147483648`, then nothing until the client goes away.
    Announced2Gb,
}

/// A running server: its URL and the body bytes written to clients so far.
pub struct BodyServer {
    pub url: String,
    served: Arc<AtomicU64>,
}

impl BodyServer {
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }
}

/// Small socket buffers, so bytes "served" are close to bytes the client read.
fn small_send_buffer(stream: &TcpStream) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let size: libc::c_int = 16 * 1024;
        // SAFETY: a valid socket and a pointer to a c_int of the given size.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUF,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
}

fn serve(mut stream: TcpStream, body: Body, served: &AtomicU64) {
    small_send_buffer(&stream);
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    match body {
        Body::Endless => {
            let head =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = vec![b' '; 16 * 1024];
            // Counted before the write: the client can read a chunk before this thread
            // returns from writing it, and a test reading `served` then must not see less
            // than the client was given.
            loop {
                served.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                if stream.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
        Body::Announced2Gb => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2147483648\r\nconnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            // Wait for the client to hang up.
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
        }
    }
}

/// Starts the server on an ephemeral port; it lives until the test process ends.
pub fn start(body: Body) -> BodyServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = Arc::new(AtomicU64::new(0));
    let counter = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || serve(stream, body, &counter));
        }
    });
    BodyServer { url, served }
}
