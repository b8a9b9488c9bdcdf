//! Who may do what. The server checks every request against these rules;
//! the store additionally scopes every query to one tenant, so a mistake in
//! one layer is still caught by the other.

use serde::{Deserialize, Serialize};

use crate::TenantId;

/// A user's or token's role. Roles are ordered by power only where
/// [`Role::can_grant`] says so; there is no implicit hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages tenants and may act in any tenant. Lives in the platform tenant.
    PlatformAdmin,
    /// Manages the users and tokens of its own tenant and everything in it.
    TenantAdmin,
    /// Reads and changes operational data (assets, findings, alerts…).
    Analyst,
    /// Reads everything in its tenant, including the audit trail, and exports reports. Changes nothing.
    Auditor,
    /// Reads operational data. Changes nothing.
    Viewer,
}

/// An action class that a role may or may not perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Create, suspend and resume tenants.
    ManageTenants,
    /// Create, change and disable users of a tenant.
    ManageUsers,
    /// Create and revoke API tokens of a tenant.
    ManageTokens,
    /// Read a tenant's operational data.
    ReadData,
    /// Change a tenant's operational data.
    WriteData,
    /// Read and export the audit trail.
    ReadAudit,
    /// List a tenant's users and API tokens.
    ReadAccounts,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role `{0}`; expected one of: platform_admin, tenant_admin, analyst, auditor, viewer"
)]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 5] = [
        Role::PlatformAdmin,
        Role::TenantAdmin,
        Role::Analyst,
        Role::Auditor,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::TenantAdmin => "tenant_admin",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::PlatformAdmin => true,
            Role::TenantAdmin => !matches!(permission, ManageTenants),
            Role::Analyst => matches!(permission, ReadData | WriteData),
            Role::Auditor => matches!(permission, ReadData | ReadAudit | ReadAccounts),
            Role::Viewer => matches!(permission, ReadData),
        }
    }

    /// Whether a holder of `self` may give `other` to a user or token. Nobody
    /// may hand out more power than they hold.
    pub fn can_grant(self, other: Role) -> bool {
        match self {
            Role::PlatformAdmin => true,
            Role::TenantAdmin => other != Role::PlatformAdmin,
            _ => false,
        }
    }

    /// Whether the role may act outside its own tenant.
    pub fn spans_tenants(self) -> bool {
        self == Role::PlatformAdmin
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What kind of principal performed an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A person logged in to the console or API with a password.
    User,
    /// A machine using an API token.
    Token,
    /// Someone with shell access to the data directory, using the CLI.
    Cli,
    /// Kexin itself (migrations, scheduled jobs).
    System,
    /// An unauthenticated caller: a failed login, a bad token.
    Anonymous,
}

/// The principal behind a request or command: what the audit trail records
/// as "who".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Actor {
    pub kind: ActorKind,
    /// User id, token id, or the operating-system user for the CLI.
    pub id: String,
    /// A human-readable name: username, token name, `cli:<os user>`.
    pub name: String,
    /// The tenant the principal belongs to.
    pub tenant_id: TenantId,
    pub role: Role,
    /// Where the request came from: a socket address, or `local` for the CLI.
    pub source: String,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Token => "token",
            ActorKind::Cli => "cli",
            ActorKind::System => "system",
            ActorKind::Anonymous => "anonymous",
        }
    }
}

impl Actor {
    /// A stable identity of the principal (`user:<id>`, `token:<id>`,
    /// `cli:<os user>`), for rules such as "reviewed by someone else".
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }

    /// Whether this actor may perform `permission` on data of `tenant`.
    pub fn may(&self, permission: Permission, tenant: &TenantId) -> bool {
        self.kind != ActorKind::Anonymous
            && self.role.allows(permission)
            && (self.role.spans_tenants() || &self.tenant_id == tenant)
    }

    /// An unauthenticated caller, named by what it claimed to be. It may do nothing.
    pub fn anonymous(claimed_name: impl Into<String>, source: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::Anonymous,
            id: String::new(),
            name: claimed_name.into(),
            tenant_id: TenantId::from_string(""),
            role: Role::Viewer,
            source: source.into(),
        }
    }

    /// Kexin itself, for changes no person asked for (schema migrations).
    pub fn system() -> Actor {
        Actor {
            kind: ActorKind::System,
            id: "kexin".into(),
            name: "kexin".into(),
            tenant_id: TenantId::from_string(""),
            role: Role::PlatformAdmin,
            source: "local".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, tenant: &str) -> Actor {
        Actor {
            kind: ActorKind::User,
            id: "u".into(),
            name: "u".into(),
            tenant_id: TenantId::from_string(tenant),
            role,
            source: "test".into(),
        }
    }

    #[test]
    fn read_only_roles_change_nothing() {
        for role in [Role::Auditor, Role::Viewer] {
            for p in [
                Permission::WriteData,
                Permission::ManageUsers,
                Permission::ManageTokens,
                Permission::ManageTenants,
            ] {
                assert!(!role.allows(p), "{role} must not have {p:?}");
            }
        }
        assert!(Role::Auditor.allows(Permission::ReadAudit));
        assert!(!Role::Viewer.allows(Permission::ReadAudit));
        assert!(!Role::Analyst.allows(Permission::ReadAudit));
    }

    #[test]
    fn only_platform_admin_crosses_tenants() {
        let t1 = TenantId::from_string("t1");
        let t2 = TenantId::from_string("t2");
        for role in Role::ALL {
            let a = actor(role, "t1");
            assert_eq!(
                a.may(Permission::ReadData, &t2),
                role == Role::PlatformAdmin,
                "{role}"
            );
            assert!(
                a.may(Permission::ReadData, &t1),
                "{role} reads its own tenant"
            );
        }
    }

    #[test]
    fn anonymous_may_nothing() {
        let a = Actor::anonymous("mallory", "10.0.0.1:1234");
        let t = TenantId::from_string("");
        assert!(!a.may(Permission::ReadData, &t));
    }

    #[test]
    fn nobody_grants_more_than_they_hold() {
        assert!(!Role::TenantAdmin.can_grant(Role::PlatformAdmin));
        assert!(Role::TenantAdmin.can_grant(Role::Auditor));
        for r in [Role::Analyst, Role::Auditor, Role::Viewer] {
            assert!(Role::ALL.iter().all(|o| !r.can_grant(*o)));
        }
    }

    #[test]
    fn role_names_round_trip_and_unknown_is_explained() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        let e = "root".parse::<Role>().unwrap_err().to_string();
        assert!(e.contains("`root`") && e.contains("tenant_admin"), "{e}");
    }
}
