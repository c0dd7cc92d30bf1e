// SPDX-License-Identifier: GPL-2.0

//! fpkt: send and capture raw Ethernet frames over AF_PACKET, for fponic's VM selftests.
//!
//! ```text
//! fpkt send  <ifname> <frame-hex> [count]      send a frame (bypassing the qdisc) count times
//! fpkt flood <ifname> <frame-hex> <seconds>    send a frame back to back for <seconds>, print count
//! fpkt sniff <ifname> <timeout-ms> [max]       print each received frame as one hex line
//! fpkt frame <dst> <src> <ethertype> [payload-hex]   print a frame in hex (MACs as aa:bb:..)
//! fpkt tcp-sink <port> [timeout-s]             accept one TCP connection, read to EOF, print bytes
//! fpkt tcp-send <ip> <port> <bytes>            send <bytes> over TCP, print bytes, seconds, Mbit/s
//! ```
//!
//! Exit status: 0 on success; `sniff` exits 0 after the timeout or `max` frames, whichever first.

use std::{
    env,
    ffi::CString,
    io,
    process::ExitCode,
    time::{
        Duration,
        Instant, //
    },
};

mod sys {
    use std::ffi::{
        c_char,
        c_int,
        c_uint,
        c_void, //
    };

    pub const AF_PACKET: c_int = 17;
    pub const SOCK_RAW: c_int = 3;
    pub const ETH_P_ALL: u16 = 0x0003;
    pub const SOL_PACKET: c_int = 263;
    pub const PACKET_QDISC_BYPASS: c_int = 20;
    pub const PACKET_OUTGOING: u8 = 4;
    pub const POLLIN: i16 = 1;

    #[repr(C)]
    #[derive(Default)]
    pub struct SockaddrLl {
        pub family: u16,
        pub protocol: u16,
        pub ifindex: c_int,
        pub hatype: u16,
        pub pkttype: u8,
        pub halen: u8,
        pub addr: [u8; 8],
    }

    #[repr(C)]
    pub struct PollFd {
        pub fd: c_int,
        pub events: i16,
        pub revents: i16,
    }

    extern "C" {
        pub fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int;
        pub fn bind(fd: c_int, addr: *const c_void, len: u32) -> c_int;
        pub fn setsockopt(
            fd: c_int,
            level: c_int,
            name: c_int,
            val: *const c_void,
            len: u32,
        ) -> c_int;
        pub fn send(fd: c_int, buf: *const c_void, len: usize, flags: c_int) -> isize;
        pub fn recvfrom(
            fd: c_int,
            buf: *mut c_void,
            len: usize,
            flags: c_int,
            addr: *mut c_void,
            addrlen: *mut u32,
        ) -> isize;
        pub fn poll(fds: *mut PollFd, n: u64, timeout: c_int) -> c_int;
        pub fn if_nametoindex(name: *const c_char) -> c_uint;
        pub fn close(fd: c_int) -> c_int;
    }
}

struct PacketSocket(i32);

impl PacketSocket {
    fn bind(ifname: &str) -> io::Result<Self> {
        let name = CString::new(ifname).map_err(|_| io::Error::other("bad interface name"))?;
        // SAFETY: `name` is a valid C string.
        let ifindex = unsafe { sys::if_nametoindex(name.as_ptr()) };
        if ifindex == 0 {
            return Err(io::Error::other(format!("no interface {ifname}")));
        }
        let proto = sys::ETH_P_ALL.to_be();
        // SAFETY: plain syscall.
        let fd = unsafe { sys::socket(sys::AF_PACKET, sys::SOCK_RAW, i32::from(proto)) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let s = Self(fd);
        let addr = sys::SockaddrLl {
            family: sys::AF_PACKET as u16,
            protocol: proto,
            ifindex: ifindex as i32,
            ..Default::default()
        };
        // SAFETY: `addr` is a valid sockaddr_ll of the given size.
        let r = unsafe {
            sys::bind(
                fd,
                (&addr as *const sys::SockaddrLl).cast(),
                std::mem::size_of::<sys::SockaddrLl>() as u32,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(s)
    }

    fn bypass_qdisc(&self) -> io::Result<()> {
        let one: i32 = 1;
        // SAFETY: valid fd and option buffer.
        let r = unsafe {
            sys::setsockopt(
                self.0,
                sys::SOL_PACKET,
                sys::PACKET_QDISC_BYPASS,
                (&one as *const i32).cast(),
                4,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for PacketSocket {
    fn drop(&mut self) {
        // SAFETY: we own the fd.
        unsafe { sys::close(self.0) };
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '.' | '-'))
        .collect();
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn send(ifname: &str, frame: &str, count: u64) -> io::Result<()> {
    let frame = hex_decode(frame).ok_or_else(|| io::Error::other("frame is not hex"))?;
    if frame.len() < 14 {
        return Err(io::Error::other("frame shorter than an Ethernet header"));
    }
    let s = PacketSocket::bind(ifname)?;
    s.bypass_qdisc()?;
    for _ in 0..count {
        // SAFETY: valid fd and buffer.
        let r = unsafe { sys::send(s.0, frame.as_ptr().cast(), frame.len(), 0) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn flood(ifname: &str, frame: &str, seconds: u64) -> io::Result<()> {
    let frame = hex_decode(frame).ok_or_else(|| io::Error::other("frame is not hex"))?;
    let s = PacketSocket::bind(ifname)?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut sent: u64 = 0;
    while Instant::now() < deadline {
        for _ in 0..64 {
            // SAFETY: valid fd and buffer.
            let r = unsafe { sys::send(s.0, frame.as_ptr().cast(), frame.len(), 0) };
            if r < 0 {
                let e = io::Error::last_os_error();
                // The device may go away or lose carrier under the test: keep trying.
                if !matches!(e.raw_os_error(), Some(105 | 100 | 19 | 6 | 11)) {
                    return Err(e);
                }
                std::thread::sleep(Duration::from_millis(1));
            } else {
                sent += 1;
            }
        }
    }
    println!("{sent}");
    Ok(())
}

fn sniff(ifname: &str, timeout_ms: u64, max: u64) -> io::Result<()> {
    let s = PacketSocket::bind(ifname)?;
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    let mut buf = vec![0u8; 65536];
    let mut seen = 0;
    while seen < max {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let mut pfd = sys::PollFd {
            fd: s.0,
            events: sys::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { sys::poll(&mut pfd, 1, left.as_millis().max(1) as i32) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        if r == 0 {
            continue;
        }
        let mut addr = sys::SockaddrLl::default();
        let mut alen = std::mem::size_of::<sys::SockaddrLl>() as u32;
        // SAFETY: valid buffers of the given sizes.
        let n = unsafe {
            sys::recvfrom(
                s.0,
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                (&mut addr as *mut sys::SockaddrLl).cast(),
                &mut alen,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        // Only frames received by the interface, not our own transmissions.
        if addr.pkttype == sys::PACKET_OUTGOING {
            continue;
        }
        println!("{}", hex_encode(&buf[..n as usize]));
        seen += 1;
    }
    Ok(())
}

fn frame(dst: &str, src: &str, ethertype: &str, payload: &str) -> Result<String, String> {
    let dst = hex_decode(dst)
        .filter(|v| v.len() == 6)
        .ok_or("bad dst MAC")?;
    let src = hex_decode(src)
        .filter(|v| v.len() == 6)
        .ok_or("bad src MAC")?;
    let et =
        u16::from_str_radix(ethertype.trim_start_matches("0x"), 16).map_err(|_| "bad ethertype")?;
    let payload = hex_decode(payload).ok_or("bad payload")?;
    let mut f = [dst, src, et.to_be_bytes().to_vec(), payload].concat();
    f.resize(f.len().max(60), 0);
    Ok(hex_encode(&f))
}

fn tcp_sink(port: u16, timeout_s: u64) -> io::Result<()> {
    use std::io::Read;
    let l = std::net::TcpListener::bind(("0.0.0.0", port))?;
    l.set_nonblocking(true)?;
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    let mut s = loop {
        match l.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(io::Error::other("no connection before the timeout"));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    };
    s.set_nonblocking(false)?;
    s.set_read_timeout(Some(Duration::from_secs(timeout_s)))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut total: u64 = 0;
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    println!("{total}");
    Ok(())
}

fn tcp_send(ip: &str, port: u16, bytes: u64) -> io::Result<()> {
    use std::io::Write;
    let ip: std::net::IpAddr = ip.parse().map_err(|_| io::Error::other("bad IP address"))?;
    let start = Instant::now();
    let mut s = std::net::TcpStream::connect_timeout(&(ip, port).into(), Duration::from_secs(5))?;
    let buf = vec![0x5au8; 1 << 16];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        s.write_all(&buf[..n])?;
        left -= n as u64;
    }
    s.shutdown(std::net::Shutdown::Write)?;
    // Wait for the peer to close, so the time covers delivery.
    let mut b = [0u8; 1];
    let _ = std::io::Read::read(&mut s, &mut b);
    let secs = start.elapsed().as_secs_f64();
    println!("{bytes} {secs:.3} {:.1}", bytes as f64 * 8.0 / secs / 1e6);
    Ok(())
}

fn usage() -> ExitCode {
    eprintln!("usage: fpkt send <ifname> <frame-hex> [count]");
    eprintln!("       fpkt flood <ifname> <frame-hex> <seconds>");
    eprintln!("       fpkt sniff <ifname> <timeout-ms> [max]");
    eprintln!("       fpkt frame <dst-mac> <src-mac> <ethertype-hex> [payload-hex]");
    eprintln!("       fpkt tcp-sink <port> [timeout-s]");
    eprintln!("       fpkt tcp-send <ip> <port> <bytes>");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let num = |i: usize, d: u64| arg(i).map_or(Some(d), |s| s.parse().ok());
    let r = match (arg(1), arg(2), arg(3)) {
        (Some("send"), Some(ifn), Some(f)) => match num(4, 1) {
            Some(n) => send(ifn, f, n),
            None => return usage(),
        },
        (Some("flood"), Some(ifn), Some(f)) => match num(4, 1) {
            Some(n) => flood(ifn, f, n),
            None => return usage(),
        },
        (Some("sniff"), Some(ifn), Some(t)) => match (t.parse().ok(), num(4, u64::MAX)) {
            (Some(t), Some(m)) => sniff(ifn, t, m),
            _ => return usage(),
        },
        (Some("frame"), Some(d), Some(s)) => match arg(4) {
            Some(et) => match frame(d, s, et, arg(5).unwrap_or("")) {
                Ok(f) => {
                    println!("{f}");
                    Ok(())
                }
                Err(e) => Err(io::Error::other(e)),
            },
            None => return usage(),
        },
        (Some("tcp-sink"), Some(p), _) => match (p.parse().ok(), num(3, 30)) {
            (Some(p), Some(t)) => tcp_sink(p, t),
            _ => return usage(),
        },
        (Some("tcp-send"), Some(ip), Some(p)) => match (p.parse().ok(), num(4, 0)) {
            (Some(p), Some(b)) if b > 0 => tcp_send(ip, p, b),
            _ => return usage(),
        },
        _ => return usage(),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fpkt: {e}");
            ExitCode::FAILURE
        }
    }
}
