//! The domain types every Kexin capability speaks.
//!
//! Kexin is one binary made of many capabilities (assessment, host scanning,
//! detection, security operations, risk, business security). They exchange
//! data through the types in this crate and nothing else, so a capability
//! crate can be built, tested and reasoned about without the server or the
//! store. This crate therefore has no I/O and no heavy dependencies: plain
//! data, its invariants, and the rules that are pure functions of it (which
//! role may do what, how levels and severities order).
//!
//! Invariant: every record that is stored belongs to exactly one tenant
//! ([`TenantId`]); the only tenant-less records are platform-wide audit
//! entries written by platform administrators.

mod access;
mod domain;
mod ids;
mod level;
mod time;

pub use access::{Actor, ActorKind, Permission, Role, UnknownRole};
pub use domain::{
    Alert, AlertStatus, ApiToken, Assessment, Asset, AssetKind, AuditOutcome, AuditRecord,
    CheckOutcome, CheckRun, CheckStatus, Event, Evidence, EvidenceKind, Finding, FindingStatus,
    Incident, IncidentStatus, PointResult, Risk, RiskTreatment, Severity, Tenant, TenantStatus,
    User, UserStatus,
};
pub use ids::{
    AlertId, AssessmentId, AssetId, CheckRunId, EventId, EvidenceId, FindingId, IncidentId, RiskId,
    TenantId, TokenId, UserId,
};
pub use level::{AssessmentStatus, Level, Verdict};
pub use time::Timestamp;

/// The slug of the tenant that holds platform administrators. It exists in
/// every store and cannot be suspended.
pub const PLATFORM_TENANT: &str = "platform";
