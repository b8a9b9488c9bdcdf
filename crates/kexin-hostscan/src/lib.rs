//! Foundation of Kexin's cloud-host security scanner.
//!
//! The checks of the cloud-host evaluation (key policy, identity
//! authentication, login and password policy, data transmission, logging and
//! audit, web security, access control, secure operation…) are built on two
//! layers provided here:
//!
//! * [`root`]: confined, size-limited access to the filesystem being scanned
//!   — the running host ([`Root::live`]) or an offline tree
//!   ([`Root::offline`]: an unpacked container image, a mounted VM disk, a
//!   debootstrap tree).
//! * [`parse`]: typed parsers for the configuration the checks judge
//!   (sshd, PAM, login.defs, passwd/shadow/group/gshadow, sudoers, sysctl,
//!   audit rules, nginx, Apache).
//!
//! # Why it is built this way
//!
//! **An offline root is untrusted input.** An image pulled from a registry
//! or a customer's VM disk may contain `etc/shadow -> /etc/shadow` (absolute
//! links that would point at *the scanner's* host), `../../../../` chains,
//! link loops, FIFOs and multi-gigabyte files. A scanner that calls
//! `std::fs::read(root.join(path))` follows such links out of the tree and
//! reports the scanning host's configuration as the image's — or hangs.
//! [`Root`] resolves every path component by component inside the root with
//! chroot semantics, detects loops, refuses non-regular and over-large files,
//! and names the path and reason in every [`ReadError`] so a check can report
//! "error" and the scan goes on.
//!
//! **Typed parsers beat line regexes.** Real configuration semantics defeat
//! `grep`-style checks: sshd takes the *first* value of a keyword, processes
//! `Include` in place (Debian 12 ships `Include /etc/ssh/sshd_config.d/*.conf`
//! before everything else, so a drop-in overrides the main file), and `Match`
//! blocks change settings only for some connections; `Ciphers +3des-cbc`
//! means "the defaults plus 3DES"; a PAM module can arrive through
//! `@include common-auth`; sudoers grants hide behind aliases and include
//! directories; sysctl files in `/etc/sysctl.d` mask same-named ones in
//! `/usr/lib/sysctl.d`; nginx settings are inherited into `server` and
//! `location` blocks. The parsers model those rules so a check asks a
//! question ("effective `PermitRootLogin` for user root", "the `auth` stack of
//! `sshd`", "who may run ALL without a password") instead of matching text.
//!
//! **Evidence needs file and line.** Every parsed item carries a
//! [`parse::Loc`] (in-root file path and 1-based line), including items that
//! came from included files, so a finding can say *where* to fix it.
//! Malformed lines never abort a parse: they are collected as
//! [`parse::Problem`]s with file and line; only an unreadable main file is an
//! error. No parser panics on any input (property tests and fuzz targets in
//! `/fuzz` feed them arbitrary bytes).
//!
//! # Example
//!
//! ```
//! use kexin_hostscan::parse::{MemRoot, sshd::{MatchContext, SshdConfig}};
//!
//! let root = MemRoot::new()
//!     .with("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n")
//!     .with("/etc/ssh/sshd_config.d/50-hardening.conf", "PermitRootLogin no\n");
//! let cfg = SshdConfig::load(&root).unwrap();
//! let eff = cfg.effective(&MatchContext::user("root"));
//! let s = eff.get("PermitRootLogin").unwrap();
//! assert_eq!(s.value(), "no"); // first value wins: the drop-in comes first
//! assert_eq!(s.loc.file, "/etc/ssh/sshd_config.d/50-hardening.conf");
//! ```
//!
//! With a real tree, pass a [`Root`] instead: `SshdConfig::load(&Root::offline(dir)?)`.
//!
//! # Checks
//!
//! [`checks::scan_with`] runs the catalog's 87 host checks ([`checks::CHECKS`])
//! and returns one result per check: pass, fail, error (with the reason) or
//! not applicable (with the reason — e.g. listening sockets on an offline
//! root). Facts a host cannot show by itself come from three files an
//! operator keeps in the root: the host role register
//! (`/etc/kexin/host-role.yaml`: registered listeners, services, peers,
//! break-glass and shared accounts, configuration template hashes), the
//! waiver register (`/etc/kexin/waivers.yaml`) and the previous scan
//! (`/var/lib/kexin/last-scan.json`, or [`checks::Baseline::load`] of any
//! earlier JSON output); their formats are documented in `checks/baseline.rs`.

#![forbid(unsafe_code)]

pub mod checks;
pub mod output;
pub mod parse;
pub mod patch;
pub mod root;

pub use parse::{Loc, MemRoot, Problem, Source};
pub use root::{
    DirEntry, FileKind, FileText, Metadata, ReadError, Root, RootKind, WalkEntry, WalkLimits,
    WalkSummary,
};
