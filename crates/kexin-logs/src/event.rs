//! The normalized event: Sigma logsource, OCSF class and fields, flat Sigma field
//! map and the original line.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

/// Sigma logsource tag. `None` parts are unknown / not applicable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Logsource {
    /// e.g. `linux`, `aws`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<&'static str>,
    /// e.g. `sshd`, `sudo`, `auth`, `syslog`, `cloudtrail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'static str>,
    /// e.g. `process_creation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<&'static str>,
}

/// The OCSF event classes Kexin maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OcsfClass {
    /// 1007 Process Activity (System Activity).
    ProcessActivity,
    /// 3001 Account Change (Identity & Access Management).
    AccountChange,
    /// 3002 Authentication.
    Authentication,
    /// 3006 Group Management.
    GroupManagement,
    /// 4001 Network Activity.
    NetworkActivity,
    /// 4007 SSH Activity.
    SshActivity,
    /// 6003 API Activity (Application Activity).
    ApiActivity,
}

impl OcsfClass {
    /// `class_uid`.
    pub fn uid(self) -> u32 {
        match self {
            Self::ProcessActivity => 1007,
            Self::AccountChange => 3001,
            Self::Authentication => 3002,
            Self::GroupManagement => 3006,
            Self::NetworkActivity => 4001,
            Self::SshActivity => 4007,
            Self::ApiActivity => 6003,
        }
    }

    /// `class_name`.
    pub fn name(self) -> &'static str {
        match self {
            Self::ProcessActivity => "Process Activity",
            Self::AccountChange => "Account Change",
            Self::Authentication => "Authentication",
            Self::GroupManagement => "Group Management",
            Self::NetworkActivity => "Network Activity",
            Self::SshActivity => "SSH Activity",
            Self::ApiActivity => "API Activity",
        }
    }

    /// `category_uid` (the thousands digit).
    pub fn category_uid(self) -> u32 {
        self.uid() / 1000
    }

    /// `category_name`.
    pub fn category_name(self) -> &'static str {
        match self.category_uid() {
            1 => "System Activity",
            3 => "Identity & Access Management",
            4 => "Network Activity",
            _ => "Application Activity",
        }
    }
}

/// OCSF `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    /// status_id 1.
    Success,
    /// status_id 2.
    Failure,
}

impl Status {
    /// `status_id`.
    pub fn id(self) -> u8 {
        match self {
            Self::Success => 1,
            Self::Failure => 2,
        }
    }
}

/// OCSF `user` object (subset).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OcsfUser {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `type` (free text, e.g. CloudTrail's `IAMUser`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// OCSF `actor` object (subset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OcsfActor {
    /// `actor.user`.
    pub user: OcsfUser,
}

/// OCSF `network_endpoint` (subset).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OcsfEndpoint {
    /// `ip` (or the host name sshd logged when `UseDNS yes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `hostname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

/// OCSF `process` object (subset).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OcsfProcess {
    /// `cmd_line`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd_line: Option<String>,
    /// `name` (basename of the executable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `file.path` flattened: the executable path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `pid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// `user.name` flattened: the account the process runs as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `cwd` (OCSF 1.1 `working_directory`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// OCSF `api` object (subset) with `service.name` flattened.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OcsfApi {
    /// `operation`.
    pub operation: String,
    /// `service.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// OCSF `cloud` object (subset).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OcsfCloud {
    /// `provider`.
    pub provider: &'static str,
    /// `region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `account.uid` flattened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_uid: Option<String>,
}

/// The OCSF view of an event: class, activity, status and the objects we can fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ocsf {
    /// The class; serialized as `class_uid`/`class_name`/`category_uid`.
    #[serde(skip)]
    pub class: OcsfClass,
    /// `class_uid`.
    pub class_uid: u32,
    /// `class_name`.
    pub class_name: &'static str,
    /// `category_uid`.
    pub category_uid: u32,
    /// `category_name`.
    pub category_name: &'static str,
    /// `activity_id` (class specific; 99 = Other).
    pub activity_id: u8,
    /// `activity_name`.
    pub activity_name: &'static str,
    /// `type_uid` = class_uid * 100 + activity_id.
    pub type_uid: u64,
    /// `status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// `status_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<u8>,
    /// `status_detail` (e.g. sudo refusal reason, CloudTrail errorCode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<String>,
    /// `user` (Authentication, Account Change: the account concerned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<OcsfUser>,
    /// `actor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<OcsfActor>,
    /// `src_endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_endpoint: Option<OcsfEndpoint>,
    /// `dst_endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_endpoint: Option<OcsfEndpoint>,
    /// `auth_protocol` (free text: `password`, `publickey`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_protocol: Option<String>,
    /// `protocol_name` for SSH Activity (`ssh2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_name: Option<String>,
    /// `process` (Process Activity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<OcsfProcess>,
    /// `api` (API Activity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<OcsfApi>,
    /// `cloud` (API Activity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<OcsfCloud>,
}

impl Ocsf {
    /// A class with its activity; everything else empty.
    pub fn new(class: OcsfClass, activity_id: u8, activity_name: &'static str) -> Self {
        Self {
            class,
            class_uid: class.uid(),
            class_name: class.name(),
            category_uid: class.category_uid(),
            category_name: class.category_name(),
            activity_id,
            activity_name,
            type_uid: u64::from(class.uid()) * 100 + u64::from(activity_id),
            status: None,
            status_id: None,
            status_detail: None,
            user: None,
            actor: None,
            src_endpoint: None,
            dst_endpoint: None,
            auth_protocol: None,
            protocol_name: None,
            process: None,
            api: None,
            cloud: None,
        }
    }

    /// Sets `status` and `status_id`.
    pub fn with_status(mut self, s: Status) -> Self {
        self.status = Some(s);
        self.status_id = Some(s.id());
        self
    }
}

/// Keys of [`Event::fields`]: static for the fixed names the parsers emit, owned
/// for JSON passthrough keys.
pub type FieldKey = Cow<'static, str>;

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// RFC 3164 / traditional syslog file line.
    Rfc3164,
    /// RFC 5424.
    Rfc5424,
    /// A JSON object on one line.
    JsonLine,
    /// An AWS CloudTrail record.
    Cloudtrail,
    /// A Kubernetes audit event.
    K8sAudit,
    /// Linux audit records (one event, possibly joined from several records).
    Auditd,
    /// A GCP Cloud Audit Logs entry (`protoPayload` of type AuditLog).
    GcpAudit,
    /// An Okta System Log event.
    Okta,
    /// An Azure Activity Log record.
    AzureActivity,
    /// An Entra ID (Azure AD) sign-in log record.
    AzureSignIn,
    /// An Entra ID (Azure AD) audit log record.
    AzureAudit,
}

/// One normalized event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Event time, if known.
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// Input format.
    pub format: SourceFormat,
    /// Host that produced the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Application / process name (syslog APP-NAME, CloudTrail eventSource).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// Process id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// The message text (syslog MSG, JSON `message`, CloudTrail eventName).
    pub message: String,
    /// Sigma logsource.
    pub logsource: Logsource,
    /// OCSF mapping, when the event belongs to one of the supported classes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsf: Option<Ocsf>,
    /// Flat field map for Sigma matching (see the crate docs for the names).
    pub fields: BTreeMap<FieldKey, String>,
    /// The original line / record, unchanged (lossy UTF-8).
    pub raw: String,
}

impl Event {
    /// Looks up a field of the flat map.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    pub(crate) fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.fields.insert(Cow::Borrowed(key), value.into());
    }

    pub(crate) fn set_opt(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(v) = value {
            self.fields.insert(Cow::Borrowed(key), v.to_owned());
        }
    }
}
