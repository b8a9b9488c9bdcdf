//! Typed identifiers: a `UserId` can never be passed where a `TenantId` is
//! expected. All are UUIDv7 strings, so they sort by creation time.

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }
            /// Wraps an identifier read back from storage or a request.
            pub fn from_string(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type!(
    /// Identifies a tenant: the unit of isolation.
    TenantId,
    /// Identifies a user account.
    UserId,
    /// Identifies an API token (not the secret).
    TokenId,
    /// Identifies an asset.
    AssetId,
    /// Identifies a finding.
    FindingId,
    /// Identifies a normalized event.
    EventId,
    /// Identifies an alert.
    AlertId,
    /// Identifies an incident.
    IncidentId,
    /// Identifies a risk register entry.
    RiskId,
    /// Identifies a piece of evidence.
    EvidenceId,
    /// Identifies an assessment.
    AssessmentId,
    /// Identifies a run of automatic checks.
    CheckRunId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_time_ordered() {
        let a = TenantId::generate();
        let b = TenantId::generate();
        assert_ne!(a, b);
        assert!(a < b, "UUIDv7 ids sort by creation: {a} !< {b}");
    }

    #[test]
    fn ids_serialize_as_plain_strings() {
        let id = UserId::from_string("0192");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0192\"");
    }
}
