// SPDX-License-Identifier: GPL-2.0

//! fpkt: send and capture raw Ethernet frames over AF_PACKET, for fponic's VM selftests.
//!
//! ```text
//! fpkt send  <ifname> <frame-hex> [count]      send a frame (bypassing the qdisc) count times
//! fpkt flood <ifname> <frame-hex> <seconds>    send a frame back to back for <seconds>, print count
//! fpkt idle <pid>...                           move tasks (threaded NAPI too) to SCHED_IDLE
//! fpkt rthog <seconds>                         spin at SCHED_FIFO priority 10 for <seconds>: with
//!                                              RT throttling off, nothing else runs on its CPU
//! fpkt sniff <ifname> <timeout-ms> [max] [idle-ms]  print each received frame as one hex line;
//!                                              stop at the timeout, after max frames, or
//!                                              idle-ms after the last frame (once one came)
//! fpkt frame <dst> <src> <ethertype> [payload-hex]   print a frame in hex (MACs as aa:bb:..)
//! fpkt build key=value...                     print a frame in hex, built from header fields:
//!     dst= src= (MACs)  vlan=ID[:PRIO]  svlan=ID[:PRIO] (802.1ad outer)  eth=HEX (non-IP)
//!     sip= dip= (IPv4) or sip6= dip6= (IPv6, full 8-group form)  proto=tcp|udp|icmp|sctp|N
//!     tos= ttl= sport= dport= flags=HEX seq= ack= win= (TCP)  type= code= (ICMP)
//!     frag=first|later  pad=N (payload bytes)
//!     tags=TPID:ID[,TPID:ID...] (hex TPIDs, before svlan/vlan)  ihl=N (IPv4 header length
//!     field; options are NOPs, below 5 the header stays 20 bytes)  v6ext=N (IPv6 destination
//!     options headers before the upper layer)
//!     vlan and svlan take ID[:PRIO[:DEI]]; totlen=N (IPv4 total length, as given)
//!     l4csum=HEX (IPv4 TCP/UDP checksum, as given)  hbh=1 (IPv6 hop-by-hop options header)
//! fpkt verify <frame-hex>                     check the IPv4 header and TCP/UDP checksums
//! fpkt stream <ifname> <frame-hex> <pps> <seconds>  send at a fixed rate, a sequence number in
//!                                              bytes 14..18, print the count sent
//! fpkt seqsink <ifname> <seconds>              receive sequenced 88b5 frames, print
//!                                              "received N lost L outage_ms X"
//! fpkt pathsink <if-a> <if-b> <seconds>       receive sequenced 88b5 frames on two ports, print
//!                                              "received N lost L switch_ms X": X is the gap
//!                                              between the last frame on if-a and the next one,
//!                                              on if-b, by kernel receive timestamps (-1: none)
//! fpkt send-file <ifname> <file> [gap-us]      send each hex line of <file> once, in order
//! fpkt gen-frames <seed> <n>                   random frames for differential tests, one per line
//! fpkt gen-conns <seed> <n> [mac-a mac-b]    TCP/UDP conversations for the conntrack differential
//!                                              test: "PHASE SIDE FRAME-HEX" lines
//! fpkt converse <ns-a> <if-a> <ns-b> <if-b> <file> [gap-us]  send "SIDE FRAME-HEX" lines in
//!                                              order from two namespaces (/run/netns; "-": own)
//! fpkt gen-rules <seed> <n>                    random flower rules: "chain prio|selector|action"
//! fpkt tcp-sink <port> [timeout-s] [conns]    accept conns (1) TCP connections one after the
//!                                              other, read each to EOF, print the bytes in all
//! fpkt tcp-send <ip> <port> <bytes> [conns]    send <bytes> over TCP, over conns (1) connections
//!                                              one after the other; print bytes, seconds, Mbit/s
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

    pub const CLONE_NEWNET: c_int = 0x4000_0000;
    pub const AF_PACKET: c_int = 17;
    pub const SOCK_RAW: c_int = 3;
    pub const ETH_P_ALL: u16 = 0x0003;
    pub const SOL_PACKET: c_int = 263;
    pub const PACKET_QDISC_BYPASS: c_int = 20;
    pub const PACKET_AUXDATA: c_int = 8;
    pub const SOL_SOCKET: c_int = 1;
    pub const SO_RCVBUFFORCE: c_int = 33;
    pub const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
    pub const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;

    #[repr(C)]
    pub struct Iovec {
        pub base: *mut c_void,
        pub len: usize,
    }

    #[repr(C)]
    pub struct Msghdr {
        pub name: *mut c_void,
        pub namelen: u32,
        pub iov: *mut Iovec,
        pub iovlen: usize,
        pub control: *mut c_void,
        pub controllen: usize,
        pub flags: c_int,
    }

    #[repr(C)]
    pub struct Cmsghdr {
        pub len: usize,
        pub level: c_int,
        pub ty: c_int,
    }

    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    pub struct TpacketAuxdata {
        pub status: u32,
        pub len: u32,
        pub snaplen: u32,
        pub mac: u16,
        pub net: u16,
        pub vlan_tci: u16,
        pub vlan_tpid: u16,
    }
    pub const PACKET_OUTGOING: u8 = 4;
    /// `SIOCGSTAMPNS`: kernel receive time of the last frame read from the socket.
    pub const SIOCGSTAMPNS: u64 = 0x8907;

    #[repr(C)]
    #[derive(Default)]
    pub struct Timespec {
        pub sec: i64,
        pub nsec: i64,
    }
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

    /// Receives one frame.
    ///
    /// # Safety
    ///
    /// `buf` is valid for `len` bytes.
    pub unsafe fn send_recv(fd: c_int, buf: *mut c_void, len: usize) -> isize {
        // SAFETY: by the caller's guarantee.
        unsafe { recv(fd, buf, len, 0) }
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
        pub fn poll(fds: *mut PollFd, n: u64, timeout: c_int) -> c_int;
        pub fn recvmsg(fd: c_int, msg: *mut Msghdr, flags: c_int) -> isize;
        pub fn recv(fd: c_int, buf: *mut c_void, len: usize, flags: c_int) -> isize;
        pub fn ioctl(fd: c_int, req: u64, arg: *mut c_void) -> c_int;
        pub fn if_nametoindex(name: *const c_char) -> c_uint;
        pub fn sched_setscheduler(pid: c_int, policy: c_int, param: *const c_int) -> c_int;
        pub fn close(fd: c_int) -> c_int;
        pub fn setns(fd: c_int, nstype: c_int) -> c_int;
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

/// Moves tasks (kernel threads included) to SCHED_IDLE: they run only when nothing else wants
/// the CPU, which starves a threaded NAPI instance deterministically next to busy loops.
fn idle(pids: &[String]) -> io::Result<()> {
    const SCHED_IDLE: i32 = 5;
    for p in pids {
        let pid: i32 = p
            .parse()
            .map_err(|_| io::Error::other("pid is not a number"))?;
        let prio: i32 = 0;
        // SAFETY: a valid pid and a pointer to a `struct sched_param` (one int).
        if unsafe { sys::sched_setscheduler(pid, SCHED_IDLE, &prio) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Spins at SCHED_FIFO for `seconds`, then exits: pinned to a CPU (taskset) with RT throttling
/// off, it keeps every normal task bound to that CPU (a threaded NAPI instance) from running.
fn rthog(seconds: u64) -> io::Result<()> {
    const SCHED_FIFO: i32 = 1;
    let prio: i32 = 10;
    // SAFETY: this process, and a pointer to a `struct sched_param` (one int).
    if unsafe { sys::sched_setscheduler(0, SCHED_FIFO, &prio) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        core::hint::spin_loop();
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

fn sniff(ifname: &str, timeout_ms: u64, max: u64, idle_ms: u64) -> io::Result<()> {
    let s = PacketSocket::bind(ifname)?;
    let one: i32 = 1;
    let rcvbuf: i32 = 16 << 20;
    // SAFETY: valid fd and option buffers. A VLAN tag the stack moved to metadata is printed back
    // in the frame (as tcpdump shows it), so captures compare across drivers.
    unsafe {
        if sys::setsockopt(
            s.0,
            sys::SOL_PACKET,
            sys::PACKET_AUXDATA,
            (&one as *const i32).cast(),
            4,
        ) < 0
            || sys::setsockopt(
                s.0,
                sys::SOL_SOCKET,
                sys::SO_RCVBUFFORCE,
                (&rcvbuf as *const i32).cast(),
                4,
            ) < 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    let mut buf = vec![0u8; 65536];
    let mut cbuf = [0u64; 16];
    let mut seen = 0;
    // The idle limit counts from the last frame only: a slow start of the sender (a debug
    // kernel) must not end the capture before anything arrived.
    let mut last: Option<Instant> = None;
    while seen < max {
        let mut left = deadline.saturating_duration_since(Instant::now());
        if let (true, Some(last)) = (idle_ms > 0, last) {
            left = left.min(
                (last + Duration::from_millis(idle_ms)).saturating_duration_since(Instant::now()),
            );
        }
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
        let mut iov = sys::Iovec {
            base: buf.as_mut_ptr().cast(),
            len: buf.len(),
        };
        let mut msg = sys::Msghdr {
            name: (&mut addr as *mut sys::SockaddrLl).cast(),
            namelen: std::mem::size_of::<sys::SockaddrLl>() as u32,
            iov: &mut iov,
            iovlen: 1,
            control: cbuf.as_mut_ptr().cast(),
            controllen: std::mem::size_of_val(&cbuf),
            flags: 0,
        };
        // SAFETY: all buffers are valid for the sizes given.
        let n = unsafe { sys::recvmsg(s.0, &mut msg, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        // Only frames received by the interface, not our own transmissions.
        if addr.pkttype == sys::PACKET_OUTGOING {
            continue;
        }
        let mut frame = buf[..n as usize].to_vec();
        if msg.controllen
            >= std::mem::size_of::<sys::Cmsghdr>() + std::mem::size_of::<sys::TpacketAuxdata>()
        {
            // SAFETY: the kernel wrote one cmsg header followed by its data into `cbuf`.
            let (h, aux) = unsafe {
                let h = &*(cbuf.as_ptr() as *const sys::Cmsghdr);
                let d = (cbuf.as_ptr() as *const u8).add(std::mem::size_of::<sys::Cmsghdr>());
                (h, std::ptr::read_unaligned(d as *const sys::TpacketAuxdata))
            };
            if h.level == sys::SOL_PACKET
                && h.ty == sys::PACKET_AUXDATA
                && aux.status & sys::TP_STATUS_VLAN_VALID != 0
            {
                let tpid = if aux.status & sys::TP_STATUS_VLAN_TPID_VALID != 0 {
                    aux.vlan_tpid
                } else {
                    0x8100
                };
                if frame.len() >= 12 {
                    let tag = [tpid.to_be_bytes(), aux.vlan_tci.to_be_bytes()].concat();
                    frame.splice(12..12, tag);
                }
            }
        }
        println!("{}", hex_encode(&frame));
        seen += 1;
        last = Some(Instant::now());
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

fn tcp_sink(port: u16, timeout_s: u64, conns: u64) -> io::Result<()> {
    let l = std::net::TcpListener::bind(("0.0.0.0", port))?;
    l.set_nonblocking(true)?;
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    let mut buf = vec![0u8; 1 << 16];
    let mut total: u64 = 0;
    for _ in 0..conns {
        total += tcp_sink_one(&l, deadline, timeout_s, &mut buf)?;
    }
    println!("{total}");
    Ok(())
}

/// Accepts one connection on `l` (before `deadline`) and reads it to EOF: the bytes read.
fn tcp_sink_one(
    l: &std::net::TcpListener,
    deadline: Instant,
    timeout_s: u64,
    buf: &mut [u8],
) -> io::Result<u64> {
    use std::io::Read;
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
    let mut total: u64 = 0;
    loop {
        let n = s.read(buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    Ok(total)
}

fn tcp_send(ip: &str, port: u16, bytes: u64, conns: u64) -> io::Result<()> {
    let ip: std::net::IpAddr = ip.parse().map_err(|_| io::Error::other("bad IP address"))?;
    let start = Instant::now();
    for _ in 0..conns {
        tcp_send_one(ip, port, bytes)?;
    }
    let secs = start.elapsed().as_secs_f64();
    let all = bytes * conns;
    println!("{all} {secs:.3} {:.1}", all as f64 * 8.0 / secs / 1e6);
    Ok(())
}

/// Sends `bytes` over one connection to `ip`:`port`, and waits for the peer to close it.
fn tcp_send_one(ip: std::net::IpAddr, port: u16, bytes: u64) -> io::Result<()> {
    use std::io::Write;
    // The sink may not listen yet (it starts in another namespace at the same time): a refused
    // connection is retried for a while. The time counts from the attempt that connected.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut s = loop {
        match std::net::TcpStream::connect_timeout(&(ip, port).into(), Duration::from_secs(5)) {
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            r => break r?,
        }
    };
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
    Ok(())
}

fn parse_ip4(s: &str) -> Option<[u8; 4]> {
    let v: Vec<u8> = s
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    v.try_into().ok()
}

fn parse_ip6(s: &str) -> Option<[u8; 16]> {
    let groups: Vec<u16> = s
        .split(':')
        .map(|p| u16::from_str_radix(p, 16).ok())
        .collect::<Option<_>>()?;
    if groups.len() != 8 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, g) in groups.iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&g.to_be_bytes());
    }
    Some(out)
}

fn csum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from(c[0]) << 8
        };
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn build(args: &[String]) -> Result<String, String> {
    let mut kv = std::collections::HashMap::new();
    for a in args {
        let (k, v) = a
            .split_once('=')
            .ok_or(format!("expected key=value, got {a}"))?;
        kv.insert(k.to_string(), v.to_string());
    }
    let get = |k: &str| kv.get(k).map(String::as_str);
    let num = |k: &str, d: u32| -> Result<u32, String> {
        match get(k) {
            None => Ok(d),
            Some(v) => {
                let r = if let Some(h) = v.strip_prefix("0x") {
                    u32::from_str_radix(h, 16)
                } else {
                    v.parse()
                };
                r.map_err(|_| format!("bad number for {k}: {v}"))
            }
        }
    };
    let mac = |k: &str, d: &str| {
        hex_decode(get(k).unwrap_or(d))
            .filter(|m| m.len() == 6)
            .ok_or(format!("bad MAC {k}"))
    };
    let mut f = [
        mac("dst", "02:00:00:00:00:02")?,
        mac("src", "02:00:00:00:00:01")?,
    ]
    .concat();
    let tag = |f: &mut Vec<u8>, tpid: u16, spec: &str| -> Result<(), String> {
        let mut it = spec.split(':');
        let mut field = |d: &str| it.next().unwrap_or(d).parse::<u16>();
        let id = field("0").map_err(|_| "bad vlan id")?;
        let prio = field("0").map_err(|_| "bad vlan prio")?;
        let dei = field("0").map_err(|_| "bad vlan dei")?;
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&((prio << 13) | ((dei & 1) << 12) | (id & 0xfff)).to_be_bytes());
        Ok(())
    };
    if let Some(list) = get("tags") {
        for t in list.split(',') {
            let (tpid, id) = t.split_once(':').ok_or("tags: TPID:ID")?;
            let tpid = u16::from_str_radix(tpid, 16).map_err(|_| "bad tag TPID")?;
            tag(&mut f, tpid, id)?;
        }
    }
    if let Some(v) = get("svlan") {
        tag(&mut f, 0x88a8, v)?;
    }
    if let Some(v) = get("vlan") {
        tag(&mut f, 0x8100, v)?;
    }
    let proto = match get("proto").unwrap_or("udp") {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => {
            if get("sip6").is_some() {
                58
            } else {
                1
            }
        }
        "sctp" => 132,
        n => n.parse::<u8>().map_err(|_| "bad proto")?,
    };
    let frag = get("frag");
    let l4 = |sport: u32, dport: u32| -> Result<Vec<u8>, String> {
        Ok(match proto {
            6 => {
                let mut h = vec![0u8; 20];
                h[0..2].copy_from_slice(&(sport as u16).to_be_bytes());
                h[2..4].copy_from_slice(&(dport as u16).to_be_bytes());
                h[4..8].copy_from_slice(&num("seq", 0)?.to_be_bytes());
                h[8..12].copy_from_slice(&num("ack", 0)?.to_be_bytes());
                let fl = num("flags", 0x02)? as u16;
                h[12..14].copy_from_slice(&((5u16 << 12) | (fl & 0xfff)).to_be_bytes());
                h[14..16].copy_from_slice(&(num("win", 0)? as u16).to_be_bytes());
                h
            }
            17 | 132 => {
                let mut h = vec![0u8; if proto == 17 { 8 } else { 12 }];
                h[0..2].copy_from_slice(&(sport as u16).to_be_bytes());
                h[2..4].copy_from_slice(&(dport as u16).to_be_bytes());
                if proto == 17 {
                    h[4..6].copy_from_slice(&8u16.to_be_bytes());
                }
                h
            }
            1 | 58 => vec![
                num("type", 8)? as u8,
                num("code", 0)? as u8,
                0,
                0,
                0,
                0,
                0,
                0,
            ],
            _ => vec![0u8; 8],
        })
    };
    let (sport, dport) = (num("sport", 1234)?, num("dport", 80)?);
    let pad = num("pad", 16)? as usize;
    if let (Some(s4), Some(d4)) = (get("sip").map(parse_ip4), get("dip").map(parse_ip4)) {
        let (s4, d4) = (s4.ok_or("bad sip")?, d4.ok_or("bad dip")?);
        f.extend_from_slice(&0x0800u16.to_be_bytes());
        let payload = [l4(sport, dport)?, vec![0x5a; pad]].concat();
        let ihl = num("ihl", 5)?;
        if ihl > 15 {
            return Err("ihl is 4 bits".into());
        }
        let mut h = vec![
            0x40 | ihl as u8,
            num("tos", 0)? as u8,
            0,
            0,
            0,
            1,
            0,
            0,
            num("ttl", 64)? as u8,
            proto,
            0,
            0,
        ];
        let fo: u16 = match frag {
            Some("first") => 0x2000,
            Some("later") => 0x0010,
            _ => 0x4000,
        };
        h[6..8].copy_from_slice(&fo.to_be_bytes());
        h.extend_from_slice(&s4);
        h.extend_from_slice(&d4);
        // Options: NOPs up to the header length.
        h.resize(h.len().max(ihl as usize * 4), 1);
        let total = num("totlen", (h.len() + payload.len()) as u32)? as u16;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        let c = csum(&h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        let mut payload = payload;
        // Valid TCP/UDP checksums (pseudo header), unless the packet is a fragment.
        if frag.is_none() && (proto == 6 || proto == 17) {
            let mut ph = Vec::new();
            ph.extend_from_slice(&s4);
            ph.extend_from_slice(&d4);
            ph.extend_from_slice(&[0, proto]);
            ph.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            if proto == 17 {
                let ulen = (payload.len() as u16).to_be_bytes();
                payload[4..6].copy_from_slice(&ulen);
            }
            ph.extend_from_slice(&payload);
            let mut c = csum(&ph);
            if proto == 17 && c == 0 {
                c = 0xffff;
            }
            if get("l4csum").is_some() {
                c = num("l4csum", 0)? as u16;
            }
            let at = if proto == 6 { 16 } else { 6 };
            payload[at..at + 2].copy_from_slice(&c.to_be_bytes());
        }
        f.extend_from_slice(&h);
        f.extend_from_slice(&payload);
    } else if let (Some(s6), Some(d6)) = (get("sip6").map(parse_ip6), get("dip6").map(parse_ip6)) {
        let (s6, d6) = (s6.ok_or("bad sip6")?, d6.ok_or("bad dip6")?);
        f.extend_from_slice(&0x86ddu16.to_be_bytes());
        let mut payload = l4(sport, dport)?;
        let mut next = proto;
        if num("hbh", 0)? != 0 {
            // Hop-by-hop options: 8 bytes, one PadN option.
            payload = [vec![next, 0, 1, 4, 0, 0, 0, 0], payload].concat();
            next = 0;
        }
        if let Some(fr) = frag {
            let off: u16 = if fr == "later" { 8 << 3 } else { 1 };
            let mut fh = vec![next, 0];
            fh.extend_from_slice(&off.to_be_bytes());
            fh.extend_from_slice(&[0, 0, 0, 9]);
            payload = [fh, payload].concat();
            next = 44;
        }
        // Destination options headers (8 bytes, a PadN option each) before the rest.
        for _ in 0..num("v6ext", 0)? {
            payload = [vec![next, 0, 1, 4, 0, 0, 0, 0], payload].concat();
            next = 60;
        }
        payload.extend(std::iter::repeat_n(0x5a, pad));
        let tc = num("tos", 0)? as u8;
        f.extend_from_slice(&[0x60 | (tc >> 4), tc << 4, 0, 0]);
        f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        f.push(next);
        f.push(num("ttl", 64)? as u8);
        f.extend_from_slice(&s6);
        f.extend_from_slice(&d6);
        f.extend_from_slice(&payload);
    } else {
        let et = u16::from_str_radix(get("eth").unwrap_or("88b5"), 16).map_err(|_| "bad eth")?;
        f.extend_from_slice(&et.to_be_bytes());
        f.extend(std::iter::repeat_n(0x5a, pad.max(46)));
    }
    f.resize(f.len().max(60), 0);
    Ok(hex_encode(&f))
}

/// Checks the IPv4 header checksum and the TCP or UDP checksum of an Ethernet frame (VLAN tags
/// skipped). A UDP checksum of 0 means none and passes.
fn verify(frame: &str) -> Result<(), String> {
    let f = hex_decode(frame).ok_or("bad frame hex")?;
    let be16 = |o: usize| -> Result<u16, String> {
        f.get(o..o + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or("frame too short".to_string())
    };
    let mut o = 12;
    while matches!(be16(o)?, 0x8100 | 0x88a8) {
        o += 4;
    }
    if be16(o)? != 0x0800 {
        return Err("not IPv4".into());
    }
    let ip = o + 2;
    let ihl = usize::from(f.get(ip).ok_or("frame too short")? & 0xf) * 4;
    let tot = usize::from(be16(ip + 2)?);
    let h = f.get(ip..ip + ihl).ok_or("IP header cut short")?;
    if csum(h) != 0 {
        return Err(format!("bad IPv4 header checksum {:04x}", be16(ip + 10)?));
    }
    let proto = h[9];
    let l4 = f.get(ip + ihl..ip + tot).ok_or("IP payload cut short")?;
    let mut ph = [&h[12..20], &[0, proto]].concat();
    ph.extend_from_slice(&(l4.len() as u16).to_be_bytes());
    ph.extend_from_slice(l4);
    match proto {
        6 | 17 => {
            if proto == 17 && be16(ip + ihl + 6)? == 0 {
                return Ok(());
            }
            if csum(&ph) != 0 {
                let at = if proto == 6 { 16 } else { 6 };
                return Err(format!("bad L4 checksum {:04x}", be16(ip + ihl + at)?));
            }
            Ok(())
        }
        _ => Err(format!("IP protocol {proto} not checked")),
    }
}

/// xorshift64*, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Conversations for the conntrack differential test: `n` TCP and UDP conversations between
/// side "a" (10.3.0.1, MAC `mac_a`) and side "b" (MAC `mac_b`), with consistent TCP sequence
/// numbers, printed as `PHASE SIDE FRAME-HEX` lines in sending order. Phase 1 sets connections
/// up, phase 2 carries data, phase 3 ends them (FIN, RST), phase 4 sends after the end.
/// Destinations: 10.3.0.2 (plain), 10.3.0.3 (answered from there: a rule SNATs the source to
/// 10.3.0.100) and 10.3.0.50 (a rule DNATs it to 10.3.0.2, which answers). Some TCP segments
/// are out of window and one conversation starts mid-stream (no SYN).
fn gen_conns(seed: u64, n: u64, mac_a: &str, mac_b: &str) -> Result<(), String> {
    let mut r = Rng(seed.max(1));
    let mut phases: [Vec<String>; 4] = Default::default();
    for c in 0..n {
        let kind = r.below(6);
        let (dst, nat) = match r.below(3) {
            0 => ("10.3.0.2", ""),
            1 => ("10.3.0.3", "snat"),
            _ => ("10.3.0.50", "dnat"),
        };
        // What b sees and answers: SNAT changes the source, DNAT the destination.
        let (b_peer, b_self) = match nat {
            "snat" => ("10.3.0.100", dst),
            "dnat" => ("10.3.0.1", "10.3.0.2"),
            _ => ("10.3.0.1", dst),
        };
        let sport = 20000 + c as u32 * 7 + r.below(7) as u32;
        let dport = 5000 + c as u32;
        let proto = if kind < 4 { "tcp" } else { "udp" };
        let frame = |from_a: bool, extra: &[String]| -> Result<String, String> {
            let mut a = vec![
                format!("proto={proto}"),
                if from_a {
                    format!("dst={mac_b}")
                } else {
                    format!("dst={mac_a}")
                },
                if from_a {
                    format!("src={mac_a}")
                } else {
                    format!("src={mac_b}")
                },
            ];
            if from_a {
                a.extend([
                    "sip=10.3.0.1".to_string(),
                    format!("dip={dst}"),
                    format!("sport={sport}"),
                    format!("dport={dport}"),
                ]);
            } else {
                a.extend([
                    format!("sip={b_self}"),
                    format!("dip={b_peer}"),
                    format!("sport={dport}"),
                    format!("dport={sport}"),
                ]);
            }
            a.extend_from_slice(extra);
            let f = build(&a)?;
            Ok(format!("{} {f}", if from_a { "a" } else { "b" }))
        };
        let tcp = |seq: u32, ack: u32, flags: u32, len: u64| {
            vec![
                format!("seq={seq}"),
                format!("ack={ack}"),
                format!("flags=0x{flags:x}"),
                "win=64240".to_string(),
                format!("pad={len}"),
            ]
        };
        if proto == "udp" {
            // kind 4: both ways; kind 5: one way only.
            let both = kind == 4;
            phases[0].push(frame(true, &["pad=32".into()])?);
            if both {
                phases[0].push(frame(false, &["pad=40".into()])?);
            }
            for i in 0..3 + r.below(6) {
                phases[1].push(frame(true, &[format!("pad={}", 20 + i)])?);
                if both && r.below(2) == 0 {
                    phases[1].push(frame(false, &[format!("pad={}", 30 + i)])?);
                }
            }
            phases[3].push(frame(true, &["pad=64".into()])?);
            continue;
        }
        let (x, y) = (r.next() as u32, r.next() as u32);
        let (mut sa, mut sb) = (x.wrapping_add(1), y.wrapping_add(1));
        // kind 3: starts mid-stream (no handshake): conntrack picks it up as new.
        if kind != 3 {
            phases[0].push(frame(true, &tcp(x, 0, 0x02, 0))?);
            phases[0].push(frame(false, &tcp(y, sa, 0x12, 0))?);
        }
        phases[0].push(frame(true, &tcp(sa, sb, 0x10, 0))?);
        for _ in 0..2 + r.below(6) {
            let len = 1 + r.below(600);
            phases[1].push(frame(true, &tcp(sa, sb, 0x18, len))?);
            sa = sa.wrapping_add(len as u32);
            phases[1].push(frame(false, &tcp(sb, sa, 0x10, 0))?);
            if r.below(3) == 0 {
                let len = 1 + r.below(300);
                phases[1].push(frame(false, &tcp(sb, sa, 0x18, len))?);
                sb = sb.wrapping_add(len as u32);
                phases[1].push(frame(true, &tcp(sa, sb, 0x10, 0))?);
            }
        }
        if r.below(4) == 0 {
            // Far out of window: conntrack finds it invalid.
            phases[1].push(frame(true, &tcp(sa.wrapping_add(1 << 30), sb, 0x18, 10))?);
        }
        match kind {
            // b resets the connection; a sends on at once, before act_ct's flow table tells
            // the eswitch that the connection is gone.
            1 => {
                phases[2].push(frame(false, &tcp(sb, sa, 0x14, 0))?);
                phases[2].push(frame(true, &tcp(sa, sb, 0x18, 16))?);
            }
            // Left open.
            2 => {}
            _ => {
                phases[2].push(frame(true, &tcp(sa, sb, 0x11, 0))?);
                sa = sa.wrapping_add(1);
                phases[2].push(frame(false, &tcp(sb, sa, 0x11, 0))?);
                sb = sb.wrapping_add(1);
                phases[2].push(frame(true, &tcp(sa, sb, 0x10, 0))?);
            }
        }
        // After the end: a data segment from a.
        phases[3].push(frame(true, &tcp(sa, sb, 0x18, 8))?);
    }
    for (i, p) in phases.iter().enumerate() {
        for l in p {
            println!("{} {l}", i + 1);
        }
    }
    Ok(())
}

/// Opens a packet socket on `ifname` in the network namespace `/run/netns/<ns>` ("-": this
/// process's), bypassing the qdisc.
fn bind_in(ns: &str, ifname: &str) -> io::Result<PacketSocket> {
    if ns != "-" {
        let f = std::fs::File::open(format!("/run/netns/{ns}"))?;
        // SAFETY: `f` is an open namespace file; the process is single threaded.
        if unsafe { sys::setns(std::os::fd::AsRawFd::as_raw_fd(&f), sys::CLONE_NEWNET) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let s = PacketSocket::bind(ifname)?;
    s.bypass_qdisc()?;
    Ok(s)
}

/// Sends the frames of `path` (`SIDE FRAME-HEX` lines, SIDE "a" or "b") in order, side a's on
/// `if_a` in namespace `ns_a`, side b's on `if_b` in `ns_b`, `gap_us` apart.
fn converse(
    ns_a: &str,
    if_a: &str,
    ns_b: &str,
    if_b: &str,
    path: &str,
    gap_us: u64,
) -> io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let a = bind_in(ns_a, if_a)?;
    let b = bind_in(ns_b, if_b)?;
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (side, hex) = line
            .split_once(' ')
            .ok_or_else(|| io::Error::other("expected SIDE FRAME-HEX"))?;
        let s = match side {
            "a" => &a,
            "b" => &b,
            _ => return Err(io::Error::other(format!("side {side}: not a or b"))),
        };
        let frame = hex_decode(hex).ok_or_else(|| io::Error::other("frame is not hex"))?;
        // SAFETY: valid fd and buffer.
        if unsafe { sys::send(s.0, frame.as_ptr().cast(), frame.len(), 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        std::thread::sleep(Duration::from_micros(gap_us));
    }
    Ok(())
}

/// Frames drawn from a small value space (so random rules match often), each with a unique id
/// in its payload. Besides plain frames: non-linear ones (over a page: AF_PACKET puts all but
/// the Ethernet header in page fragments), IPv4 fragments, IPv6 with long destination options
/// chains (up to past the flow dissector's header limit), and QinQ or triple-tagged frames.
fn gen_frames(seed: u64, n: u64) -> Result<(), String> {
    let mut r = Rng(seed.max(1));
    for id in 0..n {
        let mut args = vec![
            format!("dst=02:00:00:00:00:{:02x}", r.below(4)),
            format!("src=02:00:00:00:01:{:02x}", r.below(4)),
        ];
        let kind = r.below(10);
        match kind {
            7 => {
                let (a, b, c) = (1 + r.below(3), 1 + r.below(3), 1 + r.below(3));
                args.push(match r.below(3) {
                    0 => format!("tags=88a8:{a},8100:{b}"),
                    1 => format!("svlan={a}"),
                    _ => format!("tags=88a8:{a},8100:{b},8100:{c}"),
                });
            }
            _ if r.below(4) == 0 => args.push(format!("vlan={}", 1 + r.below(3))),
            _ => {}
        }
        if kind == 8 {
            args.push(format!("sip6=2001:db8:0:0:0:0:0:{}", r.below(4)));
            args.push(format!("dip6=2001:db8:0:0:0:0:1:{}", r.below(4)));
            args.push(format!("proto={}", ["udp", "tcp"][r.below(2) as usize]));
            args.push(format!("dport={}", 1 + r.below(4)));
            args.push(format!(
                "v6ext={}",
                [0, 1, 9, 14, 15, 16, 17][r.below(7) as usize]
            ));
            if r.below(4) == 0 {
                args.push(format!("frag={}", ["first", "later"][r.below(2) as usize]));
            }
        } else if r.below(8) != 0 {
            args.push(format!("sip=10.0.0.{}", r.below(8)));
            args.push(format!("dip=10.0.1.{}", r.below(8)));
            args.push(format!(
                "proto={}",
                ["udp", "tcp", "udp", "icmp"][r.below(4) as usize]
            ));
            args.push(format!("dport={}", 1 + r.below(4)));
            args.push(format!("ttl={}", 1 + r.below(4)));
            args.push(format!("tos={}", 4 * r.below(3)));
            if kind == 9 {
                args.push(format!("frag={}", ["first", "later"][r.below(2) as usize]));
            }
        } else {
            args.push(format!("eth=88b{}", 5 + r.below(2)));
        }
        // Non-linear: 5042 bytes for a plain IPv4/UDP frame.
        args.push(if kind == 6 { "pad=5000" } else { "pad=8" }.to_string());
        let f = build(&args)?;
        // Stamp the id into the last payload bytes (before the minimum-size padding, if any).
        let mut b = hex_decode(&f).ok_or("bad frame")?;
        let at = b.len() - 4;
        b[at..].copy_from_slice(&(id as u32).to_be_bytes());
        println!("{}", hex_encode(&b));
    }
    Ok(())
}

/// Random flower rules over the fields `gen_frames` varies. Output per line:
/// `<chain> <prio>|<tc filter selector>|<action>` where action is `drop`, `r1`, `r2`, `goto1`,
/// `ttl:<N>:r1` (pedit ttl + csum + redirect), `vlan:<ID>:r2` (push + redirect),
/// `vmod:<ID>:r1` (vlan modify + redirect), `ptcp:<PORT>:r2` (pedit tcp dport + csum tcp +
/// redirect) or `mirror:r1` (mirror, then the packet goes on).
fn gen_rules(seed: u64, n: u64) {
    let mut r = Rng(seed.max(1));
    for i in 0..n {
        let chain = if r.below(4) == 0 { 1 } else { 0 };
        let prio = 1 + i;
        let mut sel: Vec<String> = Vec::new();
        let kind = r.below(6);
        let proto = match kind {
            0 => "all",
            1 => "802.1Q",
            2 => "ip",
            3 => "ipv6",
            4 => ["802.1Q", "802.1ad"][r.below(2) as usize],
            _ => "802.1ad",
        };
        if r.below(2) == 0 {
            sel.push(format!("dst_mac 02:00:00:00:00:{:02x}", r.below(4)));
        }
        if r.below(3) == 0 {
            sel.push(format!("src_mac 02:00:00:00:01:{:02x}", r.below(4)));
        }
        if kind == 1 {
            sel.push(format!("vlan_id {}", 1 + r.below(3)));
        }
        if kind == 2 {
            if r.below(2) == 0 {
                sel.push(format!(
                    "src_ip 10.0.0.{}/{}",
                    r.below(8),
                    [32, 31, 30][r.below(3) as usize]
                ));
            }
            if r.below(2) == 0 {
                sel.push(format!("dst_ip 10.0.1.{}", r.below(8)));
            }
            match r.below(3) {
                0 => sel.push(format!("ip_proto udp dst_port {}", 1 + r.below(4))),
                1 => {
                    let lo = 1 + r.below(2);
                    sel.push(format!(
                        "ip_proto tcp dst_port {}-{}",
                        lo,
                        lo + 1 + r.below(3)
                    ));
                }
                _ => {}
            }
            if r.below(3) == 0 {
                sel.push(format!("ip_ttl {}", 1 + r.below(4)));
            }
            if r.below(4) == 0 {
                sel.push(format!("ip_tos {}", 4 * r.below(3)));
            }
        }
        if kind == 3 {
            if r.below(2) == 0 {
                sel.push(format!("dst_ip 2001:db8::1:{}", r.below(4)));
            }
            sel.push(format!(
                "ip_proto {} dst_port {}",
                ["udp", "tcp"][r.below(2) as usize],
                1 + r.below(4)
            ));
        }
        if kind == 4 {
            // The ethertype after the outer tag.
            sel.push("vlan_ethtype ip".to_string());
            if r.below(2) == 0 {
                sel.push(format!("ip_proto udp dst_port {}", 1 + r.below(4)));
            }
        }
        if kind == 5 {
            if r.below(2) == 0 {
                sel.push(format!("vlan_id {}", 1 + r.below(3)));
            }
            sel.push("vlan_ethtype 802.1q".to_string());
            if r.below(2) == 0 {
                sel.push(format!("cvlan_id {}", 1 + r.below(3)));
            }
            if r.below(2) == 0 {
                sel.push(format!(
                    "cvlan_ethtype {}",
                    ["ip", "802.1q"][r.below(2) as usize]
                ));
            }
        }
        if sel.is_empty() {
            // Every rule selects something: a match-all rule would hide the rest.
            sel.push(format!("dst_mac 02:00:00:00:00:{:02x}", r.below(4)));
        }
        // Rewrites (IPv4 TTL, a pushed tag) only on the plain kinds.
        // Also actions that apply to some frames only (vlan modify of an untagged frame, pedit
        // of a TCP port on a UDP frame) and a mirror after which the packet goes on.
        let actions = if kind < 3 { 9 } else { 5 };
        let action = match r.below(actions) {
            0 | 1 => "drop".to_string(),
            2 => "r1".to_string(),
            3 => "r2".to_string(),
            4 if chain == 0 => "goto1".to_string(),
            4 if kind >= 3 => "drop".to_string(),
            4 => format!("ttl:{}:r1", 10 + r.below(50)),
            5 => format!("vlan:{}:r2", 100 + r.below(50)),
            6 => format!("vmod:{}:r1", 200 + r.below(50)),
            7 => format!("ptcp:{}:r2", 1000 + r.below(50)),
            _ => "mirror:r1".to_string(),
        };
        println!(
            "{chain} {prio}|protocol {proto} flower {}|{action}",
            sel.join(" ")
        );
    }
}

fn stream(ifname: &str, frame: &str, pps: u64, seconds: u64) -> io::Result<()> {
    let mut frame = hex_decode(frame).ok_or_else(|| io::Error::other("frame is not hex"))?;
    if frame.len() < 18 || pps == 0 {
        return Err(io::Error::other("frame too short or rate zero"));
    }
    let s = PacketSocket::bind(ifname)?;
    let start = Instant::now();
    let total = pps * seconds;
    for seq in 0..total {
        let due = start + Duration::from_nanos(seq * 1_000_000_000 / pps);
        while Instant::now() < due {
            std::hint::spin_loop();
        }
        frame[14..18].copy_from_slice(&(seq as u32).to_be_bytes());
        // SAFETY: valid fd and buffer. Errors (carrier loss) are the point of the test: keep going.
        let _ = unsafe { sys::send(s.0, frame.as_ptr().cast(), frame.len(), 0) };
    }
    println!("{total}");
    Ok(())
}

fn seqsink(ifname: &str, seconds: u64) -> io::Result<()> {
    let s = PacketSocket::bind(ifname)?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut buf = vec![0u8; 2048];
    let (mut n, mut first, mut last_seq) = (0u64, None::<u32>, 0u32);
    let mut last_at: Option<Instant> = None;
    let mut outage = Duration::ZERO;
    while Instant::now() < deadline {
        let mut pfd = sys::PollFd {
            fd: s.0,
            events: sys::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { sys::poll(&mut pfd, 1, 20) } <= 0 {
            continue;
        }
        // SAFETY: valid buffer.
        let r = unsafe { sys::send_recv(s.0, buf.as_mut_ptr().cast(), buf.len()) };
        if r < 18 || buf[12..14] != [0x88, 0xb5] {
            continue;
        }
        let now = Instant::now();
        let seq = u32::from_be_bytes([buf[14], buf[15], buf[16], buf[17]]);
        first.get_or_insert(seq);
        if let Some(t) = last_at {
            outage = outage.max(now - t);
        }
        last_at = Some(now);
        last_seq = last_seq.max(seq);
        n += 1;
    }
    let span = first.map_or(0, |f| u64::from(last_seq - f) + 1);
    println!(
        "received {n} lost {} outage_ms {:.1}",
        span.saturating_sub(n),
        outage.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Kernel receive time (ns) of the frame just read from `fd`.
fn rx_stamp_ns(fd: std::ffi::c_int) -> Option<i64> {
    let mut ts = sys::Timespec::default();
    // SAFETY: valid fd and output buffer.
    let r = unsafe {
        sys::ioctl(
            fd,
            sys::SIOCGSTAMPNS,
            (&mut ts as *mut sys::Timespec).cast(),
        )
    };
    (r == 0).then_some(ts.sec * 1_000_000_000 + ts.nsec)
}

fn pathsink(if_a: &str, if_b: &str, seconds: u64) -> io::Result<()> {
    let socks = [PacketSocket::bind(if_a)?, PacketSocket::bind(if_b)?];
    // The first query turns receive timestamps on (it fails: nothing received yet).
    for s in socks.iter() {
        let _ = rx_stamp_ns(s.0);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut buf = vec![0u8; 2048];
    let (mut n, mut first, mut last_seq) = (0u64, None::<u32>, 0u32);
    // Last frame on the failed path: (seq, time); every frame on the surviving path.
    let mut last_a = None::<(u32, i64)>;
    let mut on_b: Vec<(u32, i64)> = Vec::new();
    while Instant::now() < deadline {
        let mut pfd = [0, 1].map(|i| sys::PollFd {
            fd: socks[i].0,
            events: sys::POLLIN,
            revents: 0,
        });
        // SAFETY: two valid pollfds.
        if unsafe { sys::poll(pfd.as_mut_ptr(), 2, 20) } <= 0 {
            continue;
        }
        for (i, p) in pfd.iter().enumerate() {
            if p.revents & sys::POLLIN == 0 {
                continue;
            }
            // SAFETY: valid buffer.
            let r = unsafe { sys::send_recv(p.fd, buf.as_mut_ptr().cast(), buf.len()) };
            if r < 18 || buf[12..14] != [0x88, 0xb5] {
                continue;
            }
            let Some(t) = rx_stamp_ns(p.fd) else {
                continue;
            };
            let seq = u32::from_be_bytes([buf[14], buf[15], buf[16], buf[17]]);
            first.get_or_insert(seq);
            last_seq = last_seq.max(seq);
            n += 1;
            if i == 0 {
                if last_a.is_none_or(|(s, _)| seq > s) {
                    last_a = Some((seq, t));
                }
            } else {
                on_b.push((seq, t));
            }
        }
    }
    let span = first.map_or(0, |f| u64::from(last_seq - f) + 1);
    // The switch: the first frame on the surviving path sent after the last one on the failed
    // path (frames seen there earlier belong to a previous failover).
    let first_b = last_a.and_then(|(sa, _)| {
        on_b.iter()
            .filter(|(s, _)| *s > sa)
            .min_by_key(|(s, _)| *s)
            .map(|(_, t)| *t)
    });
    let switch_ms = match (last_a, first_b) {
        (Some((_, a)), Some(b)) => (b - a) as f64 / 1e6,
        _ => -1.0,
    };
    println!(
        "received {n} lost {} switch_ms {switch_ms:.3}",
        span.saturating_sub(n)
    );
    Ok(())
}

fn send_file(ifname: &str, path: &str, gap_us: u64) -> io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let s = PacketSocket::bind(ifname)?;
    s.bypass_qdisc()?;
    for line in text.lines().filter(|l| !l.is_empty()) {
        let frame = hex_decode(line).ok_or_else(|| io::Error::other("line is not hex"))?;
        loop {
            // SAFETY: valid fd and buffer.
            let r = unsafe { sys::send(s.0, frame.as_ptr().cast(), frame.len(), 0) };
            if r >= 0 {
                break;
            }
            let e = io::Error::last_os_error();
            // Queue full (backpressure): retry shortly, never drop a test frame here.
            if !matches!(e.raw_os_error(), Some(105 | 11)) {
                return Err(e);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if gap_us > 0 {
            std::thread::sleep(Duration::from_micros(gap_us));
        }
    }
    Ok(())
}

fn usage() -> ExitCode {
    eprintln!("usage: fpkt send <ifname> <frame-hex> [count]");
    eprintln!("       fpkt flood <ifname> <frame-hex> <seconds>");
    eprintln!("       fpkt idle <pid>...");
    eprintln!("       fpkt rthog <seconds>");
    eprintln!("       fpkt sniff <ifname> <timeout-ms> [max] [idle-ms]");
    eprintln!("       fpkt frame <dst-mac> <src-mac> <ethertype-hex> [payload-hex]");
    eprintln!("       fpkt build key=value...");
    eprintln!("       fpkt verify <frame-hex>");
    eprintln!("       fpkt tcp-sink <port> [timeout-s] [conns]");
    eprintln!("       fpkt tcp-send <ip> <port> <bytes> [conns]");
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
        (Some("idle"), Some(_), _) => idle(&args[2..]),
        (Some("rthog"), Some(s), _) => match s.parse() {
            Ok(s) => rthog(s),
            Err(_) => return usage(),
        },
        (Some("flood"), Some(ifn), Some(f)) => match num(4, 1) {
            Some(n) => flood(ifn, f, n),
            None => return usage(),
        },
        (Some("sniff"), Some(ifn), Some(t)) => {
            match (t.parse().ok(), num(4, u64::MAX), num(5, 0)) {
                (Some(t), Some(m), Some(idle)) => sniff(ifn, t, m, idle),
                _ => return usage(),
            }
        }
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
        (Some("stream"), Some(ifn), Some(f)) => match (num(4, 0), num(5, 1)) {
            (Some(pps), Some(secs)) => stream(ifn, f, pps, secs),
            _ => return usage(),
        },
        (Some("seqsink"), Some(ifn), Some(secs)) => match secs.parse() {
            Ok(secs) => seqsink(ifn, secs),
            Err(_) => return usage(),
        },
        (Some("pathsink"), Some(a), Some(b)) => match args.get(4).and_then(|v| v.parse().ok()) {
            Some(secs) => pathsink(a, b, secs),
            None => return usage(),
        },
        (Some("send-file"), Some(ifn), Some(path)) => match num(4, 0) {
            Some(g) => send_file(ifn, path, g),
            None => return usage(),
        },
        (Some("gen-frames"), Some(seed), Some(n)) => match (seed.parse().ok(), n.parse().ok()) {
            (Some(seed), Some(n)) => gen_frames(seed, n).map_err(io::Error::other),
            _ => return usage(),
        },
        (Some("gen-conns"), Some(seed), Some(n)) => match (seed.parse().ok(), n.parse().ok()) {
            (Some(seed), Some(n)) => gen_conns(
                seed,
                n,
                arg(4).unwrap_or("02:00:00:00:00:01"),
                arg(5).unwrap_or("02:00:00:00:00:02"),
            )
            .map_err(io::Error::other),
            _ => return usage(),
        },
        (Some("converse"), Some(ns_a), Some(if_a)) => {
            match (arg(4), arg(5), arg(6), num(7, 2000)) {
                (Some(ns_b), Some(if_b), Some(path), Some(g)) => {
                    converse(ns_a, if_a, ns_b, if_b, path, g)
                }
                _ => return usage(),
            }
        }
        (Some("gen-rules"), Some(seed), Some(n)) => match (seed.parse().ok(), n.parse().ok()) {
            (Some(seed), Some(n)) => {
                gen_rules(seed, n);
                Ok(())
            }
            _ => return usage(),
        },
        (Some("verify"), Some(f), _) => match verify(f) {
            Ok(()) => {
                println!("ok");
                Ok(())
            }
            Err(e) => Err(io::Error::other(e)),
        },
        (Some("build"), _, _) => match build(&args[2..]) {
            Ok(f) => {
                println!("{f}");
                Ok(())
            }
            Err(e) => Err(io::Error::other(e)),
        },
        (Some("tcp-sink"), Some(p), _) => match (p.parse().ok(), num(3, 30), num(4, 1)) {
            (Some(p), Some(t), Some(c)) if c > 0 => tcp_sink(p, t, c),
            _ => return usage(),
        },
        (Some("tcp-send"), Some(ip), Some(p)) => match (p.parse().ok(), num(4, 0), num(5, 1)) {
            (Some(p), Some(b), Some(c)) if b > 0 && c > 0 => tcp_send(ip, p, b, c),
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
