//! The records Kexin keeps. Each carries its tenant.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AlertId, AssessmentId, AssetId, CheckRunId, EventId, EvidenceId, FindingId, IncidentId, Level,
    RiskId, Role, TenantId, Timestamp, TokenId, UserId,
};

macro_rules! str_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let allowed: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    format!("`{s}` is not a valid {}; expected one of: {}", stringify!($name), allowed.join(", "))
                })
            }
        }
    };
}

str_enum!(
    /// Whether a tenant may be used.
    TenantStatus { Active = "active", Suspended = "suspended" }
);
str_enum!(
    /// Whether a user may log in.
    UserStatus { Active = "active", Disabled = "disabled" }
);
str_enum!(
    /// How serious a finding or alert is, in increasing order.
    Severity { Info = "info", Low = "low", Medium = "medium", High = "high", Critical = "critical" }
);
str_enum!(
    /// What an asset is.
    AssetKind {
        Host = "host",
        Container = "container",
        CloudAccount = "cloud_account",
        Application = "application",
        Database = "database",
        Network = "network",
        Other = "other",
    }
);
str_enum!(
    /// Lifecycle of a finding.
    FindingStatus { Open = "open", Fixed = "fixed", Accepted = "accepted", FalsePositive = "false_positive" }
);
str_enum!(
    /// Lifecycle of an alert.
    AlertStatus { New = "new", Acknowledged = "acknowledged", Closed = "closed" }
);
str_enum!(
    /// Lifecycle of an incident.
    IncidentStatus { Open = "open", Contained = "contained", Resolved = "resolved", Closed = "closed" }
);
str_enum!(
    /// How a risk is treated (ISO/IEC 27005 options).
    RiskTreatment { Undecided = "undecided", Modify = "modify", Retain = "retain", Avoid = "avoid", Share = "share" }
);
str_enum!(
    /// The outcome of one automatic check in one run.
    CheckStatus {
        Pass = "pass",
        Fail = "fail",
        /// The check could not run (unreadable file, broken config); says nothing either way.
        Error = "error",
        NotApplicable = "not_applicable",
    }
);
str_enum!(
    /// How an audited action ended.
    AuditOutcome {
        /// The change was made.
        Success = "success",
        /// The actor was not allowed to do it; nothing changed.
        Denied = "denied",
        /// It was allowed but failed (bad input, conflict, storage error); nothing changed.
        Failed = "failed",
    }
);

/// A customer organisation: the unit of isolation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    /// Short unique name used at login and in URLs: `[a-z0-9-]{2,40}`.
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub created_at: Timestamp,
}

/// A person who logs in with a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    /// Set for one-time passwords: the user must choose a new one before doing anything else.
    pub must_change_password: bool,
    pub created_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
}

/// A machine credential. The secret is shown once at creation and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: TokenId,
    pub tenant_id: TenantId,
    pub name: String,
    pub role: Role,
    /// The first characters of the secret, to recognise it in lists.
    pub prefix: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

/// Something the tenant owns and protects: a host, an account, an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Asset {
    pub id: AssetId,
    pub tenant_id: TenantId,
    pub name: String,
    pub kind: AssetKind,
    /// Host name, IP address, account id or URL.
    pub address: Option<String>,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
}

/// The result of a check that did not pass, on one asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    pub id: FindingId,
    pub tenant_id: TenantId,
    pub asset_id: AssetId,
    /// The check that produced it, e.g. `host.ssh.root-login`.
    pub check_id: String,
    pub title: String,
    pub severity: Severity,
    pub status: FindingStatus,
    /// File and line, command output, or another proof of what was seen.
    pub evidence: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// A normalized security event; the original is kept beside the normalized fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: EventId,
    pub tenant_id: TenantId,
    pub time: Timestamp,
    /// OCSF class name, e.g. `Authentication`.
    pub class: String,
    /// Normalized fields.
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    /// The record as received.
    pub original: String,
}

/// A detection that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub id: AlertId,
    pub tenant_id: TenantId,
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub status: AlertStatus,
    pub event_ids: Vec<EventId>,
    pub created_at: Timestamp,
}

/// Alerts that belong together, handled as one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Incident {
    pub id: IncidentId,
    pub tenant_id: TenantId,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub alert_ids: Vec<AlertId>,
    pub created_at: Timestamp,
}

/// An entry of the risk register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Risk {
    pub id: RiskId,
    pub tenant_id: TenantId,
    pub title: String,
    /// Likelihood and impact on a 1–5 scale.
    pub likelihood: u8,
    pub impact: u8,
    pub treatment: RiskTreatment,
    pub owner: Option<UserId>,
    pub created_at: Timestamp,
}

impl Risk {
    /// Likelihood × impact, 1–25.
    pub fn score(&self) -> u8 {
        self.likelihood.clamp(1, 5) * self.impact.clamp(1, 5)
    }
}

/// What a piece of evidence is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvidenceKind {
    /// An uploaded file, stored content-addressed by its SHA-256.
    File { sha256: String, size: u64 },
    /// A document kept elsewhere.
    Link { url: String },
}

/// Proof supporting assessment results; one piece may support many points,
/// in many assessments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    pub id: EvidenceId,
    pub tenant_id: TenantId,
    /// File name or a title for the link.
    pub name: String,
    #[serde(flatten)]
    pub kind: EvidenceKind,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// An evaluation of one target against one catalog standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Assessment {
    pub id: AssessmentId,
    pub tenant_id: TenantId,
    /// Catalog id of the standard, e.g. `cloud-host`.
    pub standard_id: String,
    /// e.g. `public-cloud`, for standards with variants.
    pub variant: Option<String>,
    /// What is assessed: a cloud platform, a system, a tenant's estate.
    pub target_name: String,
    pub target_level: Level,
    pub status: crate::AssessmentStatus,
    pub created_by: String,
    pub created_at: Timestamp,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<Timestamp>,
    pub review_note: Option<String>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<Timestamp>,
    /// The earlier assessment of the same target this one follows.
    pub supersedes: Option<AssessmentId>,
}

/// The result recorded for one point of an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PointResult {
    pub point_id: String,
    pub verdict: crate::Verdict,
    /// Why the point is not applicable (required then), or other context.
    pub reason: Option<String>,
    pub notes: Option<String>,
    /// `manual`, or `check:<run id>` when filled from automatic checks.
    pub source: String,
    pub updated_by: String,
    pub updated_at: Timestamp,
    pub evidence: Vec<EvidenceId>,
}

/// One run of automatic checks on one asset (a host scan, for instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckRun {
    pub id: CheckRunId,
    pub tenant_id: TenantId,
    pub asset_id: AssetId,
    /// What produced it, e.g. `kexin scan host 0.1.0`.
    pub source: String,
    pub started_at: Timestamp,
    pub received_at: Timestamp,
    pub created_by: String,
}

/// The result of one check in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckOutcome {
    /// A check id of the catalog, e.g. `host.ssh.root-login`.
    pub check_id: String,
    pub status: CheckStatus,
    /// What was seen: file and line, or command output.
    pub evidence: String,
}

/// One entry of the append-only, hash-chained audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    pub time: Timestamp,
    /// The tenant whose data the action concerned.
    pub tenant_id: Option<TenantId>,
    pub actor_kind: crate::ActorKind,
    pub actor_id: String,
    pub actor_name: String,
    /// Dotted verb, e.g. `user.create`, `auth.login`.
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub source: String,
    pub outcome: AuditOutcome,
    /// Action-specific details; never secrets.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// Hex SHA-256 of the previous record (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 over this record's fields and `prev_hash`.
    pub hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_from_info_to_critical() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
    }

    #[test]
    fn enum_parse_lists_allowed_values() {
        assert_eq!(
            "cloud_account".parse::<AssetKind>().unwrap(),
            AssetKind::CloudAccount
        );
        let e = "vm".parse::<AssetKind>().unwrap_err();
        assert!(e.contains("`vm`") && e.contains("host, container"), "{e}");
    }

    #[test]
    fn risk_score_is_clamped_product() {
        let r = Risk {
            id: RiskId::generate(),
            tenant_id: TenantId::generate(),
            title: "t".into(),
            likelihood: 4,
            impact: 9,
            treatment: RiskTreatment::Undecided,
            owner: None,
            created_at: Timestamp::now(),
        };
        assert_eq!(r.score(), 20);
    }

    #[test]
    fn evidence_kind_is_tagged() {
        let k = EvidenceKind::Link {
            url: "https://x".into(),
        };
        assert_eq!(serde_json::to_value(&k).unwrap()["kind"], "link");
    }
}
