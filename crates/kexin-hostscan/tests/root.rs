//! Confinement tests with real symlinks in temporary directories.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use kexin_hostscan::{FileKind, ReadError, Root, Source};

fn write(base: &Path, rel: &str, content: &[u8]) {
    let p = base.join(rel.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

/// A tree `<tmp>/root` with `<tmp>/outside` next to it holding a secret.
fn setup() -> (tempfile::TempDir, Root) {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("root");
    fs::create_dir_all(&base).unwrap();
    write(&base, "/etc/shadow", b"root:$y$inside:19000:0:99999:7:::\n");
    write(&base, "/etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n");
    write(tmp.path(), "/outside/secret", b"HOST SECRET\n");
    let root = Root::offline(&base).unwrap();
    (tmp, root)
}

#[test]
fn absolute_symlink_resolves_inside_root() {
    let (tmp, root) = setup();
    let base = tmp.path().join("root");
    symlink("/etc/shadow", base.join("etc/x")).unwrap();
    let t = root.read("/etc/x").unwrap();
    assert!(t.text.contains("$y$inside"), "{}", t.text);
    assert_eq!(t.path, "/etc/x");
    assert_eq!(root.canonicalize("/etc/x").unwrap(), "/etc/shadow");
    // Absolute link to a path that exists only on the host (outside).
    let outside = tmp.path().join("outside/secret");
    symlink(&outside, base.join("etc/leak")).unwrap();
    let err = root.read("/etc/leak").unwrap_err();
    assert!(matches!(err, ReadError::NotFound { .. }), "{err}");
}

#[test]
fn dotdot_never_climbs_above_root() {
    let (tmp, root) = setup();
    let base = tmp.path().join("root");
    assert!(
        root.read("/../../../../etc/passwd")
            .unwrap()
            .text
            .starts_with("root:x:0")
    );
    symlink("../../../../etc/passwd", base.join("etc/up")).unwrap();
    assert!(root.read("/etc/up").unwrap().text.starts_with("root:x:0"));
    // A relative link aiming at the sibling directory outside the root.
    symlink("../../outside/secret", base.join("etc/sib")).unwrap();
    let err = root.read("/etc/sib").unwrap_err();
    assert!(matches!(err, ReadError::NotFound { .. }), "{err}");
    // Directory symlink to ".." chains.
    fs::create_dir_all(base.join("a/b")).unwrap();
    symlink("../../..", base.join("a/b/c")).unwrap();
    assert_eq!(
        root.canonicalize("/a/b/c/etc/passwd").unwrap(),
        "/etc/passwd"
    );
    assert!(root.read("/a/b/c/../outside/secret").is_err());
}

#[test]
fn symlink_chains_and_loops() {
    let (tmp, root) = setup();
    let base = tmp.path().join("root");
    symlink("l2", base.join("etc/l1")).unwrap();
    symlink("/etc/l3", base.join("etc/l2")).unwrap();
    symlink("shadow", base.join("etc/l3")).unwrap();
    assert!(root.read("/etc/l1").unwrap().text.contains("inside"));
    symlink("loopb", base.join("etc/loopa")).unwrap();
    symlink("loopa", base.join("etc/loopb")).unwrap();
    let err = root.read("/etc/loopa").unwrap_err();
    assert!(matches!(err, ReadError::Loop { .. }), "{err}");
    assert!(err.to_string().contains("/etc/loopa"));
    assert!(!root.exists("/etc/loopa"));
    // A self-referencing directory link used as a path component.
    symlink(".", base.join("etc/self")).unwrap();
    let deep = format!("/etc{}/passwd", "/self".repeat(41));
    assert!(matches!(root.read(&deep), Err(ReadError::Loop { .. })));
    let ok = format!("/etc{}/passwd", "/self".repeat(39));
    assert!(root.read(&ok).is_ok());
}

#[test]
fn huge_file_is_refused() {
    let (tmp, root) = setup();
    let base = tmp.path().join("root");
    let f = fs::File::create(base.join("etc/huge")).unwrap();
    f.set_len(17 * 1024 * 1024).unwrap(); // sparse: cheap
    let err = root.read("/etc/huge").unwrap_err();
    assert!(matches!(err, ReadError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("too large"), "{err}");
    let small = root.clone().with_max_file_size(10);
    assert!(matches!(
        small.read("/etc/passwd"),
        Err(ReadError::TooLarge { .. })
    ));
    assert!(small.metadata("/etc/huge").is_ok());
}

#[test]
fn lossy_utf8_and_lines() {
    let (tmp, root) = setup();
    write(
        &tmp.path().join("root"),
        "/etc/bin",
        b"ok\n\xff\xfe bad\r\nthird",
    );
    let t = root.read("/etc/bin").unwrap();
    assert!(t.lossy);
    assert_eq!(t.line(1), Some("ok"));
    assert_eq!(t.line(2), Some("\u{fffd}\u{fffd} bad"));
    assert_eq!(t.line(3), Some("third"));
    assert_eq!(t.line(0), None);
    assert_eq!(t.line(4), None);
    assert!(!root.read("/etc/passwd").unwrap().lossy);
}

#[test]
fn metadata_with_and_without_follow() {
    let (tmp, root) = setup();
    let base = tmp.path().join("root");
    fs::set_permissions(base.join("etc/shadow"), fs::Permissions::from_mode(0o640)).unwrap();
    symlink("/etc/shadow", base.join("etc/link")).unwrap();
    let l = root.metadata("/etc/link").unwrap();
    assert_eq!(l.kind, FileKind::Symlink);
    assert_eq!(l.symlink_target.as_deref(), Some("/etc/shadow"));
    let f = root.metadata_follow("/etc/link").unwrap();
    assert_eq!(f.kind, FileKind::File);
    assert_eq!(f.mode, 0o640);
    assert_eq!(f.mode_octal(), "0640");
    assert_eq!(f.resolved, "/etc/shadow");
    assert!(!f.world_writable());
    assert_eq!(root.metadata("/etc").unwrap().kind, FileKind::Dir);
    assert!(matches!(
        root.metadata("/nope"),
        Err(ReadError::NotFound { .. })
    ));
    // A file used as a directory.
    assert!(matches!(
        root.metadata("/etc/passwd/x"),
        Err(ReadError::NotADirectory { .. })
    ));
}

#[test]
fn read_dir_and_glob() {
    let (tmp, root) = setup();
    let base = tmp.path().join("root");
    write(&base, "/etc/ssh/sshd_config.d/50-a.conf", b"a");
    write(&base, "/etc/ssh/sshd_config.d/10-b.conf", b"b");
    write(&base, "/etc/ssh/sshd_config.d/README", b"c");
    write(&base, "/etc/ssh/sshd_config.d/.hidden.conf", b"d");
    let g = root.glob("/etc/ssh/sshd_config.d/*.conf").unwrap();
    assert_eq!(
        g,
        vec![
            "/etc/ssh/sshd_config.d/10-b.conf",
            "/etc/ssh/sshd_config.d/50-a.conf"
        ]
    );
    assert_eq!(
        Source::glob(&root, "/etc/ssh/sshd_config.d/?0-a.conf")
            .unwrap()
            .len(),
        1
    );
    assert!(root.glob("/missing/*.conf").unwrap().is_empty());
    assert!(root.glob("/etc/*/x").is_err());
    assert_eq!(root.glob("/etc/passwd").unwrap(), vec!["/etc/passwd"]);
    let names: Vec<String> = root
        .read_dir("/etc/ssh/sshd_config.d")
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(
        names,
        vec![".hidden.conf", "10-b.conf", "50-a.conf", "README"]
    );
    // A directory symlink pointing outside is resolved inside.
    symlink("/etc/ssh", base.join("sshlink")).unwrap();
    assert_eq!(
        root.glob("/sshlink/sshd_config.d/5*").unwrap(),
        vec!["/sshlink/sshd_config.d/50-a.conf"]
    );
    assert!(root.read_dir("/").unwrap().iter().any(|e| e.name == "etc"));
}

#[test]
fn non_regular_files_and_bad_paths() {
    let (_tmp, root) = setup();
    assert!(matches!(
        root.read("/etc"),
        Err(ReadError::NotAFile {
            kind: FileKind::Dir,
            ..
        })
    ));
    assert!(matches!(
        root.read("etc/passwd"),
        Err(ReadError::InvalidPath { .. })
    ));
    assert!(matches!(
        root.read("/etc/\0x"),
        Err(ReadError::InvalidPath { .. })
    ));
    assert!(root.exists("/etc/passwd"));
    assert!(!root.exists("/etc/none"));
    assert!(!root.is_live());
    assert!(Root::live().is_live());
}

#[test]
fn offline_root_must_be_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("f"), b"x").unwrap();
    assert!(Root::offline(tmp.path().join("f")).is_err());
    assert!(Root::offline(tmp.path().join("none")).is_err());
}

#[test]
fn live_root_reads_proc() {
    let root = Root::live();
    // /proc files report size 0; the limit applies to bytes read.
    if let Ok(t) = root.read("/proc/sys/kernel/ostype") {
        assert_eq!(t.text.trim(), "Linux");
    }
}

#[test]
fn fifo_is_not_opened_and_optional_reads() {
    let (tmp, root) = setup();
    let fifo = tmp.path().join("root/etc/fifo");
    let st = std::process::Command::new("mkfifo").arg(&fifo).status();
    if st.is_ok_and(|s| s.success()) {
        let err = root.read("/etc/fifo").unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::NotAFile {
                    kind: FileKind::Fifo,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(root.metadata("/etc/fifo").unwrap().kind, FileKind::Fifo);
    }
    assert!(root.read_optional("/etc/none").unwrap().is_none());
    assert!(root.read_optional("/etc/passwd").unwrap().is_some());
    assert!(root.read_optional("/etc").is_err());
}

#[test]
fn parsers_through_a_hostile_offline_root() {
    use kexin_hostscan::parse::sshd::{MatchContext, SshdConfig};
    let (tmp, root) = setup();
    let base = tmp.path().join("root");
    write(tmp.path(), "/outside/host.conf", b"PermitRootLogin yes\n");
    write(
        &base,
        "/etc/ssh/sshd_config",
        b"Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n",
    );
    write(&base, "/etc/ssh/real.conf", b"MaxAuthTries 3\n");
    let d = base.join("etc/ssh/sshd_config.d");
    fs::create_dir_all(&d).unwrap();
    symlink("/etc/ssh/real.conf", d.join("10-abs.conf")).unwrap();
    symlink("../../../../../outside/host.conf", d.join("20-escape.conf")).unwrap();
    symlink(
        tmp.path().join("outside/host.conf"),
        d.join("30-hostpath.conf"),
    )
    .unwrap();
    symlink("40-loop.conf", d.join("40-loop.conf")).unwrap();
    fs::create_dir_all(d.join("50-dir.conf")).unwrap();
    let cfg = SshdConfig::load(&root).unwrap();
    let eff = cfg.effective(&MatchContext::user("root"));
    assert_eq!(
        eff.value("PermitRootLogin").as_deref(),
        Some("no"),
        "host file never read"
    );
    assert_eq!(eff.int("MaxAuthTries"), Some(3));
    assert_eq!(
        eff.get("MaxAuthTries").unwrap().loc.file,
        "/etc/ssh/sshd_config.d/10-abs.conf"
    );
    let msgs: Vec<&str> = cfg.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(msgs[0].contains("20-escape.conf: not found"), "{msgs:?}");
    assert!(msgs[1].contains("30-hostpath.conf: not found"), "{msgs:?}");
    assert!(msgs[2].contains("symbolic links"), "{msgs:?}");
    assert!(msgs[3].contains("not a regular file"), "{msgs:?}");
    assert!(
        cfg.problems
            .iter()
            .all(|p| p.file == "/etc/ssh/sshd_config" && p.line == 1)
    );
}
