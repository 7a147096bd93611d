//! The explorer's HTTP/1.1 server: `GET` requests, one per connection, read through a bounded
//! reader and parsed by `httparse` (the parser hyper uses). Nothing a client sends can grow the
//! server's memory without bound or hold it for ever:
//!
//! - the request line and headers together are at most [`MAX_HEAD`] bytes (16 KiB, the
//!   common default of nginx's large header buffers): beyond that, `431` and the connection
//!   closes — an unterminated 256 MB request line used to grow the server by 256 MB;
//! - at most [`MAX_HEADERS`] headers;
//! - a client that sends nothing for [`TIMEOUT`] gets `408`;
//! - at most [`MAX_CONNECTIONS`] connections are served at once (each on its own thread);
//!   another gets `503` at once.
//!
//! Request bodies are never read (GET has none), and every response closes its connection.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The most bytes of request line and headers read from one connection.
pub const MAX_HEAD: usize = 16 * 1024;
/// The most headers a request may carry.
pub const MAX_HEADERS: usize = 64;
/// How long a connection may stay silent before it gets `408`.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once.
pub const MAX_CONNECTIONS: usize = 64;

/// A request: its method and target (path and query, as sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ….
    pub method: String,
    /// The target, e.g. `/api/view?v_rest=50`.
    pub target: String,
}

/// A response: status, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl Response {
    /// A plain-text response.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}

/// Serves connections from `listener` with `handle` until the listener fails.
///
/// # Errors
/// Never returns on its own; an accept error other than a dropped connection ends it.
pub fn serve<H>(listener: &TcpListener, handle: &H) -> std::io::Result<()>
where
    H: Fn(&Request) -> Response + Sync,
{
    let open = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for stream in listener.incoming() {
            let mut stream = match stream {
                Ok(s) => s,
                // A client that went away before it was accepted is not the server's problem.
                Err(e) if is_transient(&e) => continue,
                Err(e) => return Err(e),
            };
            if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
                open.fetch_sub(1, Ordering::AcqRel);
                let busy = Response::text(503, "too many connections; try again");
                write_response(&mut stream, &busy).ok();
                continue;
            }
            let open = &open;
            scope.spawn(move || {
                connection(stream, handle);
                open.fetch_sub(1, Ordering::AcqRel);
            });
        }
        Ok(())
    })
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock | TimedOut
    )
}

/// One connection: read the head (bounded), answer, close.
fn connection<H: Fn(&Request) -> Response>(mut stream: TcpStream, handle: &H) {
    stream.set_read_timeout(Some(TIMEOUT)).ok();
    stream.set_write_timeout(Some(TIMEOUT)).ok();
    let response = match read_head(&mut stream) {
        Ok(request) if request.method != "GET" => Response::text(405, "only GET"),
        Ok(request) => handle(&request),
        Err(response) => response,
    };
    // A client that went away is not the server's problem.
    write_response(&mut stream, &response).ok();
    stream.shutdown(std::net::Shutdown::Both).ok();
}

/// Reads the request line and headers, at most [`MAX_HEAD`] bytes; an error response for a
/// head that is too long, malformed, incomplete or too slow.
fn read_head(stream: &mut impl Read) -> Result<Request, Response> {
    let mut buf = vec![0u8; MAX_HEAD];
    let mut n = 0;
    loop {
        if n == MAX_HEAD {
            return Err(Response::text(
                431,
                format!("the request line and headers exceed {MAX_HEAD} bytes"),
            ));
        }
        let k = match stream.read(&mut buf[n..]) {
            Ok(0) => return Err(Response::text(400, "the request ended before its headers")),
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(Response::text(408, "no complete request in time")),
        };
        n += k;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buf[..n]) {
            Ok(httparse::Status::Complete(_)) => {
                return Ok(Request {
                    method: request.method.unwrap_or_default().to_owned(),
                    target: request.path.unwrap_or_default().to_owned(),
                });
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Response::text(
                    431,
                    format!("more than {MAX_HEADERS} headers"),
                ));
            }
            Err(e) => return Err(Response::text(400, format!("malformed request: {e}"))),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        422 => "Unprocessable Entity",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

fn write_response(stream: &mut impl Write, r: &Response) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         Connection: close\r\n\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(r.body.as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_bounded_and_parsed() {
        let ok = read_head(&mut &b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n"[..]).unwrap();
        assert_eq!((ok.method.as_str(), ok.target.as_str()), ("GET", "/a?b=1"));
        // An endless request line stops at the limit (the reader is never drained).
        let mut endless = std::io::repeat(b'A');
        assert_eq!(read_head(&mut endless).unwrap_err().status, 431);
        let many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("H{i}: v\r\n"))
            .collect();
        let text = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(read_head(&mut text.as_bytes()).unwrap_err().status, 431);
        assert_eq!(read_head(&mut &b"GET / HT"[..]).unwrap_err().status, 400);
        assert_eq!(
            read_head(&mut &b"\x00\x01 / HTTP/1.1\r\n\r\n"[..])
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn responses_say_their_length_and_close() {
        let mut out = Vec::new();
        write_response(&mut out, &Response::text(404, "no page /x")).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
        assert!(text.contains("Content-Length: 10\r\n") && text.contains("Connection: close"));
        assert!(text.ends_with("\r\n\r\nno page /x"));
    }
}
