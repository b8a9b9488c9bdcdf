//! Kexin's storage layer.
//!
//! Capability code never writes SQL: it calls the typed methods of [`Store`].
//! That keeps two promises in one place:
//!
//! * **Tenant isolation.** Every method that touches tenant-owned data takes
//!   the [`TenantId`](kexin_core::TenantId) it works in and puts it in the
//!   `WHERE` clause. A wrong id in a request finds nothing rather than
//!   another tenant's record.
//! * **Audited changes.** Every method that changes data takes the
//!   [`Actor`](kexin_core::Actor) behind the change and appends the audit
//!   record in the same transaction, so a change without its audit record
//!   (or the reverse) cannot exist. See [`audit`] for the hash chain.
//!
//! The embedded backend is SQLite in WAL mode: one writer connection (so the
//! audit chain is appended by one writer at a time, also across processes
//! through `BEGIN IMMEDIATE`) and a small pool of read-only connections.
//! Schema changes are versioned migrations applied at open (see
//! [`migrate`]); PostgreSQL is meant to slot in behind the same methods.

pub mod assessments;
pub mod audit;
pub mod backup;
mod checks;
mod error;
pub mod migrate;
mod records;
mod store;

pub use assessments::{NewAssessment, ResultInput, Transition};
pub use audit::{AuditEntry, AuditFilter, ChainBreak, ExportFormat, VerifyReport};
pub use backup::{BackupManifest, DataDirLock, LOCK_FILE, backup, restore};
pub use error::StoreError;
pub use records::{
    AssetChanges, LoginAttempt, LoginCandidate, NewAsset, NewUser, SessionInfo, TenantSummary,
    TokenInfo, UserChanges,
};
pub use store::{DB_FILE, Store, StoreOptions};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
mod assets;
mod identity;
