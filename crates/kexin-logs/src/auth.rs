//! Linux authentication messages (sshd, sudo, su, PAM, shadow-utils) parsed from
//! a syslog APP-NAME and MSG without allocating: every field borrows from MSG.

/// What an auth message says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Not a recognised auth message.
    #[default]
    Other,
    /// sshd `Accepted <method> for U from IP port P`.
    SshLoginSuccess,
    /// sshd `Failed <method> for [invalid user] U from IP port P`.
    SshLoginFailure,
    /// sshd `Invalid user U from IP [port P]`.
    SshInvalidUser,
    /// sshd `maximum authentication attempts exceeded` / `Too many authentication failures`.
    SshMaxAuthAttempts,
    /// sshd `Connection closed by …`.
    SshConnectionClosed,
    /// sshd `Disconnected from …` / `Received disconnect from …`.
    SshDisconnected,
    /// sshd `Connection from IP port P on IP port P` (LogLevel VERBOSE).
    SshConnectionOpened,
    /// sshd gave up before authentication: `Did not receive identification
    /// string`, `Unable to negotiate`, `banner exchange: … invalid format`,
    /// `Timeout before authentication`.
    SshConnectionFailed,
    /// `pam_*(svc:auth): authentication failure` and `PAM n more authentication failures`.
    PamAuthFailure,
    /// `pam_*(svc:session): session opened for user U`.
    SessionOpened,
    /// `pam_*(svc:session): session closed for user U`.
    SessionClosed,
    /// sudo ran a command.
    SudoCommand,
    /// sudo `n incorrect password attempts`.
    SudoAuthFailure,
    /// sudo refused (`user NOT in sudoers`, `command not allowed`, …).
    SudoDenied,
    /// su succeeded.
    SuSuccess,
    /// su failed.
    SuFailure,
    /// useradd `new user: name=…`.
    UserCreated,
    /// groupadd/useradd `new group: name=…` / `group added to …`.
    GroupCreated,
    /// usermod/gpasswd `add 'U' to group 'G'`.
    UserAddedToGroup,
    /// usermod `change user 'U' …`.
    UserModified,
    /// userdel `delete user 'U'`.
    UserDeleted,
    /// groupdel/userdel `removed group 'G'` / `group 'G' removed`.
    GroupDeleted,
    /// passwd/chpasswd `password changed for U`.
    PasswordChanged,
    /// pam_faillock `account temporarily locked`, usermod `lock user`.
    AccountLocked,
}

impl AuthKind {
    /// Stable snake_case name (the `EventType` field).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Other => "other",
            Self::SshLoginSuccess => "ssh_login_success",
            Self::SshLoginFailure => "ssh_login_failure",
            Self::SshInvalidUser => "ssh_invalid_user",
            Self::SshMaxAuthAttempts => "ssh_max_auth_attempts",
            Self::SshConnectionClosed => "ssh_connection_closed",
            Self::SshDisconnected => "ssh_disconnected",
            Self::SshConnectionOpened => "ssh_connection_opened",
            Self::SshConnectionFailed => "ssh_connection_failed",
            Self::PamAuthFailure => "pam_auth_failure",
            Self::SessionOpened => "session_opened",
            Self::SessionClosed => "session_closed",
            Self::SudoCommand => "sudo_command",
            Self::SudoAuthFailure => "sudo_auth_failure",
            Self::SudoDenied => "sudo_denied",
            Self::SuSuccess => "su_success",
            Self::SuFailure => "su_failure",
            Self::UserCreated => "user_created",
            Self::GroupCreated => "group_created",
            Self::UserAddedToGroup => "user_added_to_group",
            Self::UserModified => "user_modified",
            Self::UserDeleted => "user_deleted",
            Self::GroupDeleted => "group_deleted",
            Self::PasswordChanged => "password_changed",
            Self::AccountLocked => "account_locked",
        }
    }
}

/// Fields extracted from one auth message. All borrow from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuthEvent<'a> {
    /// What happened.
    pub kind: AuthKind,
    /// The account authenticated, created or acted upon (sudo/su: the target user).
    pub user: Option<&'a str>,
    /// Who acted (sudo/su invoking user, PAM `ruser`/`by`).
    pub actor: Option<&'a str>,
    /// Remote address (sshd, PAM `rhost`).
    pub src_ip: Option<&'a str>,
    /// Remote port.
    pub src_port: Option<u16>,
    /// Auth method (`password`, `publickey`, `keyboard-interactive/pam`, …).
    pub method: Option<&'a str>,
    /// Protocol (`ssh2`).
    pub protocol: Option<&'a str>,
    /// sshd said `invalid user`.
    pub invalid_user: bool,
    /// Terminal.
    pub tty: Option<&'a str>,
    /// sudo `PWD`.
    pub pwd: Option<&'a str>,
    /// sudo `COMMAND`.
    pub command: Option<&'a str>,
    /// PAM module, e.g. `pam_unix`.
    pub pam_module: Option<&'a str>,
    /// PAM service, e.g. `sshd`.
    pub pam_service: Option<&'a str>,
    /// Group name (group events, usermod).
    pub group: Option<&'a str>,
    /// UID (useradd).
    pub uid: Option<&'a str>,
    /// GID (useradd/groupadd).
    pub gid: Option<&'a str>,
    /// Home directory (useradd).
    pub home: Option<&'a str>,
    /// Login shell (useradd).
    pub shell: Option<&'a str>,
    /// Count of failures (sudo `3 incorrect password attempts`, `PAM 2 more`).
    pub attempts: Option<u32>,
    /// Free-text reason (sudo refusal, sshd disconnect reason).
    pub detail: Option<&'a str>,
    /// Local address (sshd `Connection from … on IP port P`).
    pub dst_ip: Option<&'a str>,
    /// Local port.
    pub dst_port: Option<u16>,
    /// rsyslog collapsed this many identical messages into this one
    /// (`message repeated N times: [ … ]`).
    pub repeated: Option<u32>,
}

/// Parses `msg` as logged by `app` (the syslog APP-NAME / TAG).
///
/// Returns `None` when the message is not a recognised auth message.
pub fn parse_auth<'a>(app: &str, msg: &'a str) -> Option<AuthEvent<'a>> {
    // rsyslog's reduction of repeated messages: `message repeated 3 times: [ Failed password …]`
    if let Some(r) = msg.strip_prefix("message repeated ")
        && let Some((n, inner)) = r.split_once(" times: [ ")
    {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        let mut ev = parse_auth(app, inner)?;
        ev.repeated = n.parse().ok();
        return Some(ev);
    }
    if msg.starts_with("pam_")
        && let Some(ev) = parse_pam(msg)
    {
        return Some(ev);
    }
    match app {
        "sshd" | "sshd-session" => parse_sshd(msg),
        "sudo" => parse_sudo(msg),
        "su" => parse_su(msg),
        "useradd" | "groupadd" | "usermod" | "userdel" | "groupdel" | "groupmod" | "gpasswd"
        | "passwd" | "chpasswd" | "chage" => parse_shadow(msg),
        _ => None,
    }
}

fn port(s: &str) -> Option<u16> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

fn fill_user_from<'a>(s: &'a str, ev: &mut AuthEvent<'a>) -> bool {
    let s = match s.strip_prefix("invalid user ") {
        Some(r) => {
            ev.invalid_user = true;
            r
        }
        None => s,
    };
    let Some(i) = s.rfind(" from ") else {
        return false;
    };
    ev.user = Some(&s[..i]).filter(|u| !u.is_empty());
    let rest = &s[i + 6..];
    let (ip, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    ev.src_ip = Some(ip);
    if let Some(r) = rest.strip_prefix("port ") {
        ev.src_port = port(r);
        let after = r.split_once(' ').map_or("", |x| x.1);
        let proto = after.split([' ', ':']).next().unwrap_or("");
        if proto.starts_with("ssh") {
            ev.protocol = Some(proto);
        }
    }
    true
}

/// `[authenticating user U |invalid user U |user U ]IP port P[…]`
fn fill_user_ip_port<'a>(s: &'a str, ev: &mut AuthEvent<'a>) {
    let Some(i) = s.find(" port ") else {
        let ip = s.split(' ').next().unwrap_or(s);
        if !ip.is_empty() {
            ev.src_ip = Some(ip);
        }
        return;
    };
    ev.src_port = port(&s[i + 6..]);
    let head = &s[..i];
    let (who, ip) = match head.rfind(' ') {
        Some(j) => (&head[..j], &head[j + 1..]),
        None => ("", head),
    };
    ev.src_ip = Some(ip);
    let who = if let Some(u) = who.strip_prefix("authenticating user ") {
        u
    } else if let Some(u) = who.strip_prefix("invalid user ") {
        ev.invalid_user = true;
        u
    } else {
        who.strip_prefix("user ").unwrap_or_default()
    };
    if !who.is_empty() {
        ev.user = Some(who);
    }
}

fn parse_sshd(msg: &str) -> Option<AuthEvent<'_>> {
    let m = msg.strip_prefix("error: ").unwrap_or(msg);
    let mut ev = AuthEvent {
        protocol: None,
        ..AuthEvent::default()
    };
    if let Some(r) = m
        .strip_prefix("Accepted ")
        .or_else(|| m.strip_prefix("Failed "))
    {
        ev.kind = if m.starts_with('A') {
            AuthKind::SshLoginSuccess
        } else {
            AuthKind::SshLoginFailure
        };
        let (method, r) = r.split_once(" for ")?;
        ev.method = Some(method);
        if !fill_user_from(r, &mut ev) {
            return None;
        }
        return Some(ev);
    }
    if let Some(r) = m.strip_prefix("Invalid user ") {
        ev.kind = AuthKind::SshInvalidUser;
        ev.invalid_user = true;
        match r.rfind(" from ") {
            Some(i) => {
                ev.user = Some(&r[..i]).filter(|u| !u.is_empty());
                let rest = &r[i + 6..];
                let (ip, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                ev.src_ip = Some(ip);
                ev.src_port = rest.strip_prefix("port ").and_then(port);
            }
            None => ev.user = Some(r),
        }
        return Some(ev);
    }
    if let Some(r) = m.strip_prefix("maximum authentication attempts exceeded for ") {
        ev.kind = AuthKind::SshMaxAuthAttempts;
        fill_user_from(r, &mut ev);
        return Some(ev);
    }
    if let Some(r) = m.strip_prefix("Disconnecting ") {
        if let Some((who, reason)) = r.split_once(": ")
            && reason.starts_with("Too many authentication failures")
        {
            ev.kind = AuthKind::SshMaxAuthAttempts;
            ev.detail = Some(reason.trim_end_matches(" [preauth]"));
            fill_user_ip_port(who, &mut ev);
            return Some(ev);
        }
        return None;
    }
    if let Some(r) = m.strip_prefix("Connection from ") {
        // Connection from 198.51.100.23 port 41870 on 10.0.0.5 port 22 rdomain ""
        ev.kind = AuthKind::SshConnectionOpened;
        let (src, dst) = r.split_once(" on ").unwrap_or((r, ""));
        fill_user_ip_port(src, &mut ev);
        if let Some((ip, p)) = dst.split_once(" port ") {
            ev.dst_ip = Some(ip);
            ev.dst_port = port(p);
        }
        return Some(ev);
    }
    for (prefix, detail) in [
        (
            "Did not receive identification string from ",
            "no identification string",
        ),
        ("Unable to negotiate with ", "unable to negotiate"),
        ("banner exchange: Connection from ", "invalid banner"),
        (
            "Timeout before authentication for ",
            "timeout before authentication",
        ),
        (
            "fatal: Timeout before authentication for ",
            "timeout before authentication",
        ),
        (
            "Bad protocol version identification ",
            "bad protocol version",
        ),
    ] {
        if let Some(r) = m.strip_prefix(prefix) {
            ev.kind = AuthKind::SshConnectionFailed;
            ev.detail = Some(detail);
            let r = match r.find(" from ") {
                Some(i) if prefix.starts_with("Bad") => &r[i + 6..],
                _ => r,
            };
            let r = r.split_once(": ").map_or(r, |x| x.0);
            fill_user_ip_port(r, &mut ev);
            return Some(ev);
        }
    }
    if let Some(r) = m.strip_prefix("Connection closed by ") {
        ev.kind = AuthKind::SshConnectionClosed;
        fill_user_ip_port(r, &mut ev);
        return Some(ev);
    }
    if let Some(r) = m.strip_prefix("Connection reset by ") {
        ev.kind = AuthKind::SshConnectionClosed;
        ev.detail = Some("connection reset");
        fill_user_ip_port(r, &mut ev);
        return Some(ev);
    }
    if let Some(r) = m.strip_prefix("Disconnected from ") {
        ev.kind = AuthKind::SshDisconnected;
        fill_user_ip_port(r, &mut ev);
        return Some(ev);
    }
    if let Some(r) = m.strip_prefix("Received disconnect from ") {
        ev.kind = AuthKind::SshDisconnected;
        fill_user_ip_port(r, &mut ev);
        if let Some((_, reason)) = r.split_once(": ") {
            ev.detail = Some(reason.trim_end_matches(" [preauth]"));
        }
        return Some(ev);
    }
    if let Some(r) = m.strip_prefix("PAM ") {
        // PAM 2 more authentication failures; logname= uid=0 … rhost=IP  user=U
        let (n, rest) = r.split_once(' ')?;
        if rest.starts_with("more authentication failure") {
            ev.kind = AuthKind::PamAuthFailure;
            ev.attempts = n.parse().ok();
            ev.pam_service = Some("sshd");
            if let Some((_, kv)) = rest.split_once("; ") {
                pam_kv(kv, &mut ev);
            }
            return Some(ev);
        }
    }
    None
}

/// `logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root`
fn pam_kv<'a>(kv: &'a str, ev: &mut AuthEvent<'a>) {
    for part in kv.split_ascii_whitespace() {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        match k {
            "user" => ev.user = Some(v),
            "ruser" => ev.actor = Some(v),
            "rhost" => ev.src_ip = Some(v),
            "tty" => ev.tty = Some(v),
            _ => {}
        }
    }
}

/// `pam_MODULE(SERVICE:TYPE): text`
fn parse_pam(msg: &str) -> Option<AuthEvent<'_>> {
    let (head, text) = msg.split_once("): ")?;
    let (module, svc_type) = head.split_once('(')?;
    let (service, _type) = svc_type.split_once(':').unwrap_or((svc_type, ""));
    let mut ev = AuthEvent {
        pam_module: Some(module),
        pam_service: Some(service),
        ..AuthEvent::default()
    };
    if let Some(kv) = text.strip_prefix("authentication failure; ") {
        ev.kind = AuthKind::PamAuthFailure;
        pam_kv(kv, &mut ev);
    } else if let Some(r) = text.strip_prefix("session opened for user ") {
        ev.kind = AuthKind::SessionOpened;
        let (user, by) = r.split_once(" by ").unwrap_or((r, ""));
        ev.user = Some(strip_uid(user));
        let by = strip_uid(by);
        if !by.is_empty() {
            ev.actor = Some(by);
        }
    } else if let Some(r) = text.strip_prefix("session closed for user ") {
        ev.kind = AuthKind::SessionClosed;
        ev.user = Some(strip_uid(r.trim_end()));
    } else if let Some(r) = text.strip_prefix("password changed for ") {
        ev.kind = AuthKind::PasswordChanged;
        ev.user = Some(r.trim_end());
    } else if let Some(r) = text.strip_prefix("Consecutive login failures for user ") {
        ev.kind = AuthKind::AccountLocked;
        ev.user = Some(r.split(' ').next().unwrap_or(r));
        ev.detail = Some("account temporarily locked");
    } else if let Some(r) = text.strip_prefix("Authentication failure for user ") {
        // pam_faillock in some versions / pam_unix variants
        ev.kind = AuthKind::PamAuthFailure;
        ev.user = Some(r.split(' ').next().unwrap_or(r));
    } else {
        return None;
    }
    Some(ev)
}

/// `alice(uid=1000)` → `alice`; `(uid=0)` → ``.
fn strip_uid(s: &str) -> &str {
    s.split('(').next().unwrap_or(s).trim()
}

/// `   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id`
fn parse_sudo(msg: &str) -> Option<AuthEvent<'_>> {
    let m = msg.trim_start();
    let (actor, rest) = m.split_once(" : ")?;
    let mut ev = AuthEvent {
        actor: Some(actor.trim()),
        kind: AuthKind::SudoCommand,
        ..AuthEvent::default()
    };
    let (head, command) = match rest.find("COMMAND=") {
        Some(i) => (&rest[..i], Some(rest[i + 8..].trim_end())),
        None => (rest, None),
    };
    ev.command = command;
    for part in head.split(" ; ") {
        let part = part.trim().trim_end_matches(';').trim_end();
        if let Some(v) = part.strip_prefix("TTY=") {
            ev.tty = Some(v);
        } else if let Some(v) = part.strip_prefix("PWD=") {
            ev.pwd = Some(v);
        } else if let Some(v) = part.strip_prefix("USER=") {
            ev.user = Some(v);
        } else if part.contains('=') || part.is_empty() {
            // GROUP=, ENV=, TSID=… are not extracted.
        } else if part.contains("incorrect password attempt") {
            ev.kind = AuthKind::SudoAuthFailure;
            ev.attempts = part.split(' ').next().and_then(|n| n.parse().ok());
            ev.detail = Some(part);
        } else {
            ev.kind = AuthKind::SudoDenied;
            ev.detail = Some(part);
        }
    }
    if ev.command.is_none() && ev.kind == AuthKind::SudoCommand {
        return None;
    }
    Some(ev)
}

/// Debian: `(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`;
/// RHEL/util-linux: `FAILED su for root by alice`, `Successful su for root by alice`.
fn parse_su(msg: &str) -> Option<AuthEvent<'_>> {
    let mut ev = AuthEvent::default();
    let (failed, m) = match msg.strip_prefix("FAILED SU ") {
        Some(r) => (true, r),
        None => (false, msg),
    };
    if let Some(r) = m.strip_prefix("(to ") {
        let (target, r) = r.split_once(") ")?;
        ev.user = Some(target);
        let (actor, tty) = r.split_once(" on ").unwrap_or((r, ""));
        ev.actor = Some(actor);
        if !tty.is_empty() {
            ev.tty = Some(tty);
        }
        ev.kind = if failed {
            AuthKind::SuFailure
        } else {
            AuthKind::SuSuccess
        };
        return Some(ev);
    }
    let (kind, r) = if let Some(r) = msg.strip_prefix("FAILED su for ") {
        (AuthKind::SuFailure, r)
    } else if let Some(r) = msg.strip_prefix("Successful su for ") {
        (AuthKind::SuSuccess, r)
    } else {
        return None;
    };
    let (target, actor) = r.split_once(" by ")?;
    ev.kind = kind;
    ev.user = Some(target);
    ev.actor = Some(actor.trim_end());
    Some(ev)
}

/// Text between the first pair of single quotes after `s`'s start.
fn quoted(s: &str) -> Option<(&str, &str)> {
    let a = s.find('\'')?;
    let rest = &s[a + 1..];
    let b = rest.find('\'')?;
    Some((&rest[..b], &rest[b + 1..]))
}

fn shadow_kv<'a>(kv: &'a str, ev: &mut AuthEvent<'a>, name_is_group: bool) {
    for part in kv.split(", ") {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let v = v.trim_end();
        match k {
            "name" if name_is_group => ev.group = Some(v),
            "name" => ev.user = Some(v),
            "UID" => ev.uid = Some(v),
            "GID" => ev.gid = Some(v),
            "home" => ev.home = Some(v),
            "shell" => ev.shell = Some(v),
            "from" => ev.tty = Some(v),
            _ => {}
        }
    }
}

fn parse_shadow(msg: &str) -> Option<AuthEvent<'_>> {
    let mut ev = AuthEvent::default();
    if let Some(r) = msg.strip_prefix("new user: ") {
        ev.kind = AuthKind::UserCreated;
        shadow_kv(r, &mut ev, false);
    } else if let Some(r) = msg.strip_prefix("new group: ") {
        ev.kind = AuthKind::GroupCreated;
        shadow_kv(r, &mut ev, true);
    } else if let Some(r) = msg.strip_prefix("group added to ") {
        ev.kind = AuthKind::GroupCreated;
        let (_, kv) = r.split_once(": ")?;
        shadow_kv(kv, &mut ev, true);
    } else if let Some(r) = msg.strip_prefix("add ") {
        ev.kind = AuthKind::UserAddedToGroup;
        let (user, r) = quoted(r)?;
        let (group, _) = quoted(r)?;
        ev.user = Some(user);
        ev.group = Some(group);
    } else if let Some(r) = msg.strip_prefix("change user ") {
        ev.kind = AuthKind::UserModified;
        let (user, r) = quoted(r)?;
        ev.user = Some(user);
        ev.detail = Some(r.trim());
    } else if let Some(r) = msg.strip_prefix("delete user ") {
        ev.kind = AuthKind::UserDeleted;
        ev.user = Some(quoted(r)?.0);
    } else if let Some(r) = msg.strip_prefix("removed group ") {
        ev.kind = AuthKind::GroupDeleted;
        let (group, r) = quoted(r)?;
        ev.group = Some(group);
        ev.user = quoted(r).map(|x| x.0);
    } else if msg.starts_with("group '") && msg.contains("' removed") {
        ev.kind = AuthKind::GroupDeleted;
        ev.group = Some(quoted(msg)?.0);
    } else if let Some(r) = msg.strip_prefix("lock user ") {
        ev.kind = AuthKind::AccountLocked;
        ev.user = Some(quoted(r)?.0);
    } else if let Some(r) = msg.strip_prefix("password for ") {
        // passwd/chpasswd: password for 'bob' changed by 'root'
        ev.kind = AuthKind::PasswordChanged;
        let (user, r) = quoted(r)?;
        ev.user = Some(user);
        ev.actor = quoted(r).map(|x| x.0);
    } else {
        return None;
    }
    Some(ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p<'a>(app: &str, msg: &'a str) -> AuthEvent<'a> {
        parse_auth(app, msg).unwrap_or_else(|| panic!("unparsed: {msg}"))
    }

    #[test]
    fn sshd_accepted_publickey() {
        let e = p(
            "sshd",
            "Accepted publickey for deploy from 10.0.4.7 port 50122 ssh2: ED25519 SHA256:q0vJtJ3rZ1S1fJZ5nT0m2w",
        );
        assert_eq!(e.kind, AuthKind::SshLoginSuccess);
        assert_eq!(e.user, Some("deploy"));
        assert_eq!(e.src_ip, Some("10.0.4.7"));
        assert_eq!(e.src_port, Some(50122));
        assert_eq!(e.method, Some("publickey"));
        assert_eq!(e.protocol, Some("ssh2"));
    }

    #[test]
    fn sshd_failed_invalid_user() {
        let e = p(
            "sshd",
            "Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2",
        );
        assert_eq!(e.kind, AuthKind::SshLoginFailure);
        assert!(e.invalid_user);
        assert_eq!(e.user, Some("oracle"));
        assert_eq!(e.src_ip, Some("198.51.100.23"));
        assert_eq!(e.src_port, Some(41870));
        let e = p(
            "sshd",
            "Failed password for root from 2001:db8::5 port 2200 ssh2",
        );
        assert!(!e.invalid_user);
        assert_eq!(e.src_ip, Some("2001:db8::5"));
    }

    #[test]
    fn sshd_user_name_with_from() {
        let e = p("sshd", "Invalid user from me from 198.51.100.23 port 41870");
        assert_eq!(e.kind, AuthKind::SshInvalidUser);
        assert_eq!(e.user, Some("from me"));
        assert_eq!(e.src_port, Some(41870));
    }

    #[test]
    fn sshd_closed_and_disconnected() {
        let e = p(
            "sshd",
            "Connection closed by authenticating user root 198.51.100.23 port 41870 [preauth]",
        );
        assert_eq!(e.kind, AuthKind::SshConnectionClosed);
        assert_eq!(
            (e.user, e.src_ip, e.src_port),
            (Some("root"), Some("198.51.100.23"), Some(41870))
        );
        let e = p(
            "sshd",
            "Connection closed by 198.51.100.23 port 41870 [preauth]",
        );
        assert_eq!((e.user, e.src_ip), (None, Some("198.51.100.23")));
        let e = p(
            "sshd",
            "Disconnected from invalid user admin 198.51.100.23 port 41870 [preauth]",
        );
        assert_eq!(e.kind, AuthKind::SshDisconnected);
        assert!(e.invalid_user);
        assert_eq!(e.user, Some("admin"));
        let e = p(
            "sshd",
            "Received disconnect from 10.0.4.7 port 50122:11: disconnected by user",
        );
        assert_eq!(
            (e.src_ip, e.src_port, e.detail),
            (Some("10.0.4.7"), Some(50122), Some("disconnected by user"))
        );
    }

    #[test]
    fn sshd_connection_open_and_failures() {
        let e = p(
            "sshd",
            "Connection from 198.51.100.23 port 41870 on 10.0.0.5 port 22 rdomain \"\"",
        );
        assert_eq!(e.kind, AuthKind::SshConnectionOpened);
        assert_eq!(
            (e.src_ip, e.src_port, e.dst_ip, e.dst_port),
            (
                Some("198.51.100.23"),
                Some(41870),
                Some("10.0.0.5"),
                Some(22)
            )
        );
        let e = p(
            "sshd",
            "Did not receive identification string from 203.0.113.4 port 60112",
        );
        assert_eq!(
            (e.kind, e.src_ip, e.src_port),
            (
                AuthKind::SshConnectionFailed,
                Some("203.0.113.4"),
                Some(60112)
            )
        );
        let e = p(
            "sshd",
            "Unable to negotiate with 203.0.113.4 port 60113: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
        );
        assert_eq!(
            (e.kind, e.src_port),
            (AuthKind::SshConnectionFailed, Some(60113))
        );
        let e = p(
            "sshd",
            "banner exchange: Connection from 203.0.113.4 port 60114: invalid format",
        );
        assert_eq!((e.src_ip, e.src_port), (Some("203.0.113.4"), Some(60114)));
    }

    #[test]
    fn rsyslog_repeated_message() {
        let e = p(
            "sshd",
            "message repeated 4 times: [ Failed password for root from 203.0.113.9 port 33112 ssh2]",
        );
        assert_eq!(
            (e.kind, e.user, e.repeated),
            (AuthKind::SshLoginFailure, Some("root"), Some(4))
        );
        assert!(parse_auth("sshd", "message repeated 2 times: [ hello]").is_none());
    }

    #[test]
    fn sshd_max_attempts() {
        let e = p(
            "sshd",
            "error: maximum authentication attempts exceeded for invalid user test from 203.0.113.9 port 33112 ssh2 [preauth]",
        );
        assert_eq!(e.kind, AuthKind::SshMaxAuthAttempts);
        assert_eq!(
            (e.user, e.src_ip, e.invalid_user),
            (Some("test"), Some("203.0.113.9"), true)
        );
        let e = p(
            "sshd",
            "Disconnecting authenticating user root 203.0.113.9 port 33112: Too many authentication failures [preauth]",
        );
        assert_eq!(e.kind, AuthKind::SshMaxAuthAttempts);
        assert_eq!(e.user, Some("root"));
    }

    #[test]
    fn pam_messages() {
        let e = p(
            "sshd",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
        );
        assert_eq!(e.kind, AuthKind::PamAuthFailure);
        assert_eq!(
            (e.user, e.src_ip, e.actor),
            (Some("root"), Some("203.0.113.9"), None)
        );
        assert_eq!(
            (e.pam_module, e.pam_service),
            (Some("pam_unix"), Some("sshd"))
        );
        let e = p(
            "sshd",
            "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
        );
        assert_eq!((e.kind, e.attempts), (AuthKind::PamAuthFailure, Some(2)));
        let e = p(
            "sudo",
            "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
        );
        assert_eq!(
            (e.kind, e.user, e.actor),
            (AuthKind::SessionOpened, Some("root"), Some("alice"))
        );
        let e = p(
            "sshd",
            "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
        );
        assert_eq!((e.user, e.actor), (Some("deploy"), None));
        let e = p(
            "sshd",
            "pam_unix(sshd:session): session closed for user deploy",
        );
        assert_eq!((e.kind, e.user), (AuthKind::SessionClosed, Some("deploy")));
        let e = p(
            "sshd",
            "pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked",
        );
        assert_eq!((e.kind, e.user), (AuthKind::AccountLocked, Some("root")));
        let e = p(
            "passwd",
            "pam_unix(passwd:chauthtok): password changed for bob",
        );
        assert_eq!((e.kind, e.user), (AuthKind::PasswordChanged, Some("bob")));
    }

    #[test]
    fn sudo_messages() {
        let e = p(
            "sudo",
            "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
        );
        assert_eq!(e.kind, AuthKind::SudoCommand);
        assert_eq!(
            (e.actor, e.user, e.tty, e.pwd),
            (
                Some("alice"),
                Some("root"),
                Some("pts/0"),
                Some("/home/alice")
            )
        );
        assert_eq!(e.command, Some("/usr/bin/systemctl restart nginx"));
        let e = p(
            "sudo",
            "   alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/su",
        );
        assert_eq!((e.kind, e.attempts), (AuthKind::SudoAuthFailure, Some(3)));
        let e = p(
            "sudo",
            "     bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash",
        );
        assert_eq!(
            (e.kind, e.detail),
            (AuthKind::SudoDenied, Some("user NOT in sudoers"))
        );
        assert!(parse_auth("sudo", "something else").is_none());
    }

    #[test]
    fn su_messages() {
        let e = p("su", "(to root) alice on pts/0");
        assert_eq!(
            (e.kind, e.user, e.actor, e.tty),
            (
                AuthKind::SuSuccess,
                Some("root"),
                Some("alice"),
                Some("pts/0")
            )
        );
        let e = p("su", "FAILED SU (to root) mallory on pts/2");
        assert_eq!((e.kind, e.actor), (AuthKind::SuFailure, Some("mallory")));
        let e = p("su", "FAILED su for root by mallory");
        assert_eq!(
            (e.kind, e.user, e.actor),
            (AuthKind::SuFailure, Some("root"), Some("mallory"))
        );
    }

    #[test]
    fn shadow_utils() {
        let e = p(
            "useradd",
            "new user: name=svc-backup, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/1",
        );
        assert_eq!(e.kind, AuthKind::UserCreated);
        assert_eq!(
            (e.user, e.uid, e.gid, e.shell, e.tty),
            (
                Some("svc-backup"),
                Some("0"),
                Some("0"),
                Some("/bin/bash"),
                Some("/dev/pts/1")
            )
        );
        let e = p("groupadd", "group added to /etc/group: name=devs, GID=1002");
        assert_eq!(
            (e.kind, e.group, e.gid),
            (AuthKind::GroupCreated, Some("devs"), Some("1002"))
        );
        let e = p("usermod", "add 'bob' to shadow group 'sudo'");
        assert_eq!(
            (e.kind, e.user, e.group),
            (AuthKind::UserAddedToGroup, Some("bob"), Some("sudo"))
        );
        let e = p("userdel", "delete user 'bob'");
        assert_eq!((e.kind, e.user), (AuthKind::UserDeleted, Some("bob")));
        let e = p("userdel", "removed group 'bob' owned by 'bob'");
        assert_eq!(
            (e.kind, e.group, e.user),
            (AuthKind::GroupDeleted, Some("bob"), Some("bob"))
        );
        let e = p(
            "usermod",
            "change user 'bob' shell from '/bin/sh' to '/bin/bash'",
        );
        assert_eq!((e.kind, e.user), (AuthKind::UserModified, Some("bob")));
    }
}
