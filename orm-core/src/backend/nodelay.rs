//! `TCP_NODELAY` on the sockets of server connections.
//!
//! sqlx 0.9.0 leaves Nagle's algorithm on (transact-rs/sqlx#4335; sqlx
//! turned it off again after that release, #4336): a small write that
//! follows one the server has not acknowledged yet waits for the server's
//! delayed acknowledgement, up to 40 ms. `COPY`'s end message after its
//! rows is such a write, and so is any statement sent in two writes. Until
//! sqlx sets the option itself, each new connection's socket is found among
//! the process's descriptors (Linux: `/proc/self/fd`) by the server port it
//! is connected to, and the option is set. Elsewhere this does nothing.

/// Sets `TCP_NODELAY` on every TCP socket of this process connected to
/// `port` of some host (the sockets of the pool being opened; setting it on
/// another client's connection to a server on that port only turns off the
/// same delay there).
#[cfg(target_os = "linux")]
pub(crate) fn set_for_server_port(port: u16) {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in dir.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<libc::c_int>().ok())
        else {
            continue;
        };
        if peer_port(fd) == Some(port) {
            let on: libc::c_int = 1;
            // SAFETY: `fd` is an open descriptor of this process (a socket,
            // as `getpeername` succeeded); the option's value is a c_int
            // that outlives the call. A descriptor closed meanwhile makes
            // the call fail, which is ignored.
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_NODELAY,
                    (&on as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn set_for_server_port(_port: u16) {}

/// The remote port of TCP socket `fd`; `None` for anything else.
#[cfg(target_os = "linux")]
fn peer_port(fd: libc::c_int) -> Option<u16> {
    // SAFETY: zeroed bytes are a valid `sockaddr_storage`; `getpeername`
    // writes at most `len` bytes into it and fails on a descriptor that is
    // not a connected socket.
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let got = unsafe {
        libc::getpeername(
            fd,
            (&mut addr as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    };
    if got != 0 {
        return None;
    }
    match libc::c_int::from(addr.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a `sockaddr_in`.
            let v4 =
                unsafe { &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(u16::from_be(v4.sin_port))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a `sockaddr_in6`.
            let v6 =
                unsafe { &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(u16::from_be(v6.sin6_port))
        }
        _ => None,
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_sockets_connected_to_the_port_get_the_option() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let theirs = std::net::TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!ours.nodelay().unwrap());
        super::set_for_server_port(port);
        assert!(ours.nodelay().unwrap());
        assert!(
            !theirs.nodelay().unwrap(),
            "a socket to another port is left alone"
        );
    }
}
