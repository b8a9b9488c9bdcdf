//! Listening sockets from the kernel's tables (`/proc/net/tcp`, `tcp6`,
//! `udp`, `udp6`) — what `ss -tuln` prints, without running `ss`.
//!
//! Addresses are hexadecimal in host (little-endian) byte order per 32-bit
//! word; TCP listeners have state `0A`, bound UDP sockets state `07`.
//! Malformed rows are problems, never a failure.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Loc, Problem};
use crate::root::FileText;

/// One listening (TCP) or bound (UDP) socket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Socket {
    /// `tcp` or `udp` (IPv6 tables give the same names).
    pub proto: &'static str,
    pub addr: IpAddr,
    pub port: u16,
    /// Socket inode, to find the owning process under `/proc/<pid>/fd`.
    pub inode: u64,
    pub loc: Loc,
}

impl Socket {
    /// Bound to a loopback address only.
    pub fn is_loopback(&self) -> bool {
        match self.addr {
            IpAddr::V4(a) => a.is_loopback(),
            IpAddr::V6(a) => {
                a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        }
    }
}

fn parse_addr(hex: &str) -> Option<IpAddr> {
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(hex, 16).ok()?.to_le_bytes(),
        ))),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                let w = u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok()?;
                chunk.copy_from_slice(&w.to_le_bytes());
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// The listening sockets of one table; `udp` selects the UDP state.
pub fn parse_table(text: &FileText, udp: bool) -> (Vec<Socket>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.numbered_lines().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let parsed = (|| {
            let (addr, port) = f.get(1)?.split_once(':')?;
            let state = *f.get(3)?;
            let inode = f.get(9)?.parse::<u64>().ok()?;
            Some((
                parse_addr(addr)?,
                u16::from_str_radix(port, 16).ok()?,
                state,
                inode,
            ))
        })();
        match parsed {
            Some((addr, port, state, inode)) => {
                let listening = if udp { state == "07" } else { state == "0A" };
                if listening {
                    out.push(Socket {
                        proto: if udp { "udp" } else { "tcp" },
                        addr,
                        port,
                        inode,
                        loc: Loc::new(&text.path, n),
                    });
                }
            }
            None => problems.push(Problem {
                file: text.path.clone(),
                line: n,
                message: "not a socket table row".into(),
            }),
        }
    }
    (out, problems)
}

/// The inode of a `/proc/<pid>/fd/<n>` link target `socket:[12345]`.
pub fn socket_inode(link_target: &str) -> Option<u64> {
    link_target
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_address_port_and_inode() {
        let t = FileText::from_bytes(
            "/proc/net/tcp",
            b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   114        0 20114 1 0 100 0 0 10 0\n   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 19010 1 0 100 0 0 10 0\n   2: 0F02000A:0016 0100000A:D2F0 01 00000000:00000000 02:0009A6B8 00000000     0        0 39071 4 0 20 4 30 10 -1\n   3: garbage\n",
        );
        let (s, problems) = parse_table(&t, false);
        assert_eq!(s.len(), 2, "the established connection is not a listener");
        assert_eq!(s[0].addr.to_string(), "127.0.0.1");
        assert_eq!((s[0].port, s[0].inode), (3306, 20114));
        assert!(s[0].is_loopback());
        assert_eq!((s[1].addr.to_string().as_str(), s[1].port), ("0.0.0.0", 22));
        assert_eq!(problems.len(), 1);
        let t6 = FileText::from_bytes(
            "/proc/net/tcp6",
            b"header\n   0: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21000 1\n",
        );
        let (s6, _) = parse_table(&t6, false);
        assert_eq!(s6[0].addr.to_string(), "::1");
        assert_eq!(socket_inode("socket:[21000]"), Some(21000));
        assert_eq!(socket_inode("pipe:[1]"), None);
    }
}
