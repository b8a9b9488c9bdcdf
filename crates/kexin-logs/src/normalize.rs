//! Syslog (+ auth) → [`Event`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::auth::{AuthEvent, AuthKind, parse_auth};
use crate::event::{
    Event, Logsource, Ocsf, OcsfActor, OcsfClass, OcsfEndpoint, OcsfProcess, OcsfUser,
    SourceFormat, Status,
};
use crate::syslog::{SyslogFormat, SyslogMessage};

/// Sigma `service` for a syslog APP-NAME on Linux.
pub fn linux_service(app: &str) -> &'static str {
    match app {
        "sshd" | "sshd-session" => "sshd",
        "sudo" => "sudo",
        "su" | "useradd" | "groupadd" | "usermod" | "userdel" | "groupdel" | "groupmod"
        | "gpasswd" | "passwd" | "chpasswd" | "chage" | "login" | "systemd-logind" | "polkitd"
        | "pkexec" | "unix_chkpwd" | "gdm-password" | "runuser" | "doas" => "auth",
        "cron" | "CRON" | "crond" | "anacron" => "cron",
        "vsftpd" => "vsftpd",
        "clamd" | "freshclam" | "clamav" => "clamav",
        "guacd" => "guacamole",
        _ => "syslog",
    }
}

/// Builds the normalized event of a parsed syslog line; `raw` is the original line.
pub fn event_from_syslog(raw: &[u8], m: &SyslogMessage<'_>) -> Event {
    let msg: &str = &m.msg;
    let mut ev = Event {
        time: m.timestamp,
        format: match m.format {
            SyslogFormat::Rfc3164 => SourceFormat::Rfc3164,
            SyslogFormat::Rfc5424 => SourceFormat::Rfc5424,
        },
        host: m.hostname.map(str::to_owned),
        app: m.app_name.map(str::to_owned),
        pid: m.pid(),
        message: msg.to_owned(),
        logsource: Logsource {
            product: Some("linux"),
            service: None,
            category: None,
        },
        ocsf: None,
        fields: BTreeMap::new(),
        raw: String::from_utf8_lossy(raw)
            .trim_end_matches(['\n', '\r'])
            .to_owned(),
    };
    ev.set_opt("host", m.hostname);
    ev.set_opt("program", m.app_name);
    ev.set_opt("pid", m.proc_id);
    ev.set_opt("msgid", m.msg_id);
    if let Some(p) = m.pri {
        ev.set("facility", (p >> 3).to_string());
        ev.set("severity", (p & 7).to_string());
    }
    ev.set("message", msg);
    for sd in &m.structured_data {
        for p in &sd.params {
            ev.fields.insert(
                Cow::Owned(format!("sd.{}.{}", sd.id, p.name)),
                p.value.clone().into_owned(),
            );
        }
    }
    let app = m.app_name.unwrap_or("");
    let mut service = linux_service(app);
    if let Some(a) = parse_auth(app, msg) {
        if service == "syslog" {
            service = "auth";
        }
        apply_auth(&mut ev, &a);
    }
    ev.logsource.service = Some(service);
    ev
}

fn user(name: Option<&str>) -> Option<OcsfUser> {
    name.map(|n| OcsfUser {
        name: Some(n.to_owned()),
        ..OcsfUser::default()
    })
}

fn actor(name: Option<&str>) -> Option<OcsfActor> {
    user(name).map(|user| OcsfActor { user })
}

fn endpoint(a: &AuthEvent<'_>) -> Option<OcsfEndpoint> {
    a.src_ip.map(|ip| OcsfEndpoint {
        ip: Some(ip.to_owned()),
        port: a.src_port,
        hostname: None,
    })
}

/// Adds the auth fields and the OCSF mapping of `a` to `ev`.
pub fn apply_auth(ev: &mut Event, a: &AuthEvent<'_>) {
    use AuthKind as K;
    ev.set("EventType", a.kind.as_str());
    ev.set_opt("User", a.user);
    ev.set_opt("SubjectUserName", a.actor);
    ev.set_opt("SourceIp", a.src_ip);
    if let Some(p) = a.src_port {
        ev.set("SourcePort", p.to_string());
    }
    ev.set_opt("AuthMethod", a.method);
    ev.set_opt("Protocol", a.protocol);
    if a.invalid_user {
        ev.set("InvalidUser", "true");
    }
    ev.set_opt("Terminal", a.tty);
    ev.set_opt("CurrentDirectory", a.pwd);
    ev.set_opt("CommandLine", a.command);
    let image = a
        .command
        .and_then(|c| c.split(' ').next())
        .filter(|s| !s.is_empty());
    ev.set_opt("Image", image);
    ev.set_opt("PamModule", a.pam_module);
    ev.set_opt("PamService", a.pam_service);
    ev.set_opt("Group", a.group);
    ev.set_opt("Uid", a.uid);
    ev.set_opt("Gid", a.gid);
    ev.set_opt("Home", a.home);
    ev.set_opt("Shell", a.shell);
    if let Some(n) = a.attempts {
        ev.set("Attempts", n.to_string());
    }
    ev.set_opt("Detail", a.detail);
    ev.set_opt("DestinationIp", a.dst_ip);
    if let Some(p) = a.dst_port {
        ev.set("DestinationPort", p.to_string());
    }
    if let Some(n) = a.repeated {
        ev.set("Repeated", n.to_string());
    }

    let ocsf = match a.kind {
        K::Other => None,
        K::SshLoginSuccess
        | K::SshLoginFailure
        | K::SshInvalidUser
        | K::SshMaxAuthAttempts
        | K::PamAuthFailure
        | K::SuSuccess
        | K::SuFailure
        | K::SessionOpened => {
            let ok = matches!(a.kind, K::SshLoginSuccess | K::SuSuccess | K::SessionOpened);
            let mut o = Ocsf::new(OcsfClass::Authentication, 1, "Logon").with_status(if ok {
                Status::Success
            } else {
                Status::Failure
            });
            o.user = user(a.user);
            o.actor = actor(a.actor);
            o.src_endpoint = endpoint(a);
            o.auth_protocol = a.method.map(str::to_owned);
            o.status_detail = a.detail.map(str::to_owned);
            o.dst_endpoint = ev.host.clone().map(|h| OcsfEndpoint {
                hostname: Some(h),
                ..OcsfEndpoint::default()
            });
            Some(o)
        }
        K::SessionClosed => {
            let mut o =
                Ocsf::new(OcsfClass::Authentication, 2, "Logoff").with_status(Status::Success);
            o.user = user(a.user);
            Some(o)
        }
        K::SudoAuthFailure => {
            let mut o =
                Ocsf::new(OcsfClass::Authentication, 1, "Logon").with_status(Status::Failure);
            // The account that failed to authenticate is the invoking user.
            o.user = user(a.actor);
            o.auth_protocol = Some("password".to_owned());
            o.status_detail = a.detail.map(str::to_owned);
            Some(o)
        }
        K::SshConnectionOpened | K::SshConnectionFailed => {
            let (id, name) = if a.kind == K::SshConnectionOpened {
                (1, "Open")
            } else {
                (4, "Fail")
            };
            let mut o = Ocsf::new(OcsfClass::SshActivity, id, name);
            if a.kind == K::SshConnectionFailed {
                o = o.with_status(Status::Failure);
            }
            o.src_endpoint = endpoint(a);
            o.status_detail = a.detail.map(str::to_owned);
            o.dst_endpoint = Some(OcsfEndpoint {
                ip: a.dst_ip.map(str::to_owned),
                port: a.dst_port,
                hostname: ev.host.clone(),
            });
            Some(o)
        }
        K::SshConnectionClosed | K::SshDisconnected => {
            let mut o = Ocsf::new(OcsfClass::SshActivity, 2, "Close");
            o.user = user(a.user);
            o.src_endpoint = endpoint(a);
            o.status_detail = a.detail.map(str::to_owned);
            o.dst_endpoint = ev.host.clone().map(|h| OcsfEndpoint {
                hostname: Some(h),
                ..OcsfEndpoint::default()
            });
            Some(o)
        }
        K::SudoCommand | K::SudoDenied => {
            let status = if a.kind == K::SudoCommand {
                Status::Success
            } else {
                Status::Failure
            };
            let mut o = Ocsf::new(OcsfClass::ProcessActivity, 1, "Launch").with_status(status);
            o.actor = actor(a.actor);
            o.status_detail = a.detail.map(str::to_owned);
            o.process = Some(OcsfProcess {
                cmd_line: a.command.map(str::to_owned),
                name: image.map(|i| i.rsplit('/').next().unwrap_or(i).to_owned()),
                path: image.map(str::to_owned),
                pid: None,
                user: a.user.map(str::to_owned),
                cwd: a.pwd.map(str::to_owned),
            });
            Some(o)
        }
        K::UserCreated
        | K::UserModified
        | K::UserDeleted
        | K::PasswordChanged
        | K::AccountLocked => {
            let (id, name) = match a.kind {
                K::UserCreated => (1, "Create"),
                K::PasswordChanged => (3, "Password Change"),
                K::UserDeleted => (6, "Delete"),
                K::AccountLocked => (9, "Lock"),
                _ => (99, "Other"),
            };
            let mut o = Ocsf::new(OcsfClass::AccountChange, id, name).with_status(Status::Success);
            o.user = a.user.map(|n| OcsfUser {
                name: Some(n.to_owned()),
                uid: a.uid.map(str::to_owned),
                kind: None,
            });
            o.actor = actor(a.actor);
            o.status_detail = a.detail.map(str::to_owned);
            Some(o)
        }
        K::GroupCreated | K::UserAddedToGroup | K::GroupDeleted => {
            let (id, name) = match a.kind {
                K::GroupCreated => (6, "Create"),
                K::UserAddedToGroup => (3, "Add User"),
                _ => (5, "Delete"),
            };
            let mut o =
                Ocsf::new(OcsfClass::GroupManagement, id, name).with_status(Status::Success);
            o.user = user(a.user);
            Some(o)
        }
    };
    if let Some(s) = ocsf.as_ref().and_then(|o| o.status) {
        ev.set(
            "Status",
            match s {
                Status::Success => "success",
                Status::Failure => "failure",
            },
        );
    }
    ev.ocsf = ocsf;
}
