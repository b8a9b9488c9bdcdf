//! Inputs and composite outputs of store methods.

use kexin_core::{ApiToken, AssetKind, Role, Tenant, Timestamp, User, UserStatus};

/// A user to create. The caller hashes the password (see `kexin-auth`).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// A user as the login check needs it.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub user: User,
    pub tenant: Tenant,
    pub password_hash: String,
    pub locked_until: Option<Timestamp>,
}

/// The outcome of a password check, to be recorded.
#[derive(Debug, Clone)]
pub enum LoginAttempt {
    /// Open a session whose id hashes to `session_hash`.
    Success {
        session_hash: String,
        expires_at: Timestamp,
    },
    /// Count the failure; lock the account for `lock_for` once `lock_after` failures in a row are reached (0 = never).
    Failure {
        lock_after: u32,
        lock_for: std::time::Duration,
    },
}

/// A live console session with its user and tenant.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub tenant: Tenant,
    pub expires_at: Timestamp,
}

/// A live API token with its tenant.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub token: ApiToken,
    pub tenant: Tenant,
}

/// An asset to create.
#[derive(Debug, Clone)]
pub struct NewAsset {
    pub name: String,
    pub kind: AssetKind,
    pub address: Option<String>,
    pub tags: Vec<String>,
}

/// Changes to an asset; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AssetChanges {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

/// What a tenant holds, for the console's front page.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TenantSummary {
    pub users: i64,
    pub active_tokens: i64,
    pub assets: i64,
    pub audit_records: i64,
}
