//! Tenants, users, console sessions and API tokens.

use kexin_core::{
    Actor, ApiToken, AuditOutcome, PLATFORM_TENANT, Role, Tenant, TenantId, TenantStatus,
    Timestamp, TokenId, User, UserId, UserStatus,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::audit::{self, AuditEntry};
use crate::store::{parse_col, parse_opt_time, parse_time};
use crate::{
    LoginAttempt, LoginCandidate, NewUser, Result, SessionInfo, Store, StoreError, TenantSummary,
    TokenInfo, UserChanges,
};

/// Tenant slugs: lower-case letters, digits and dashes, 2–40 long.
pub fn validate_slug(slug: &str) -> Result<()> {
    let ok = (2..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "slug",
            format!("`{slug}` must be 2–40 characters of a-z, 0-9 and inner dashes"),
        ))
    }
}

/// Usernames: lower-case letters, digits and `._@-`, 2–64 long, starting with a letter or digit.
pub fn validate_username(name: &str) -> Result<()> {
    let ok = (2..=64).contains(&name.len())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "username",
            format!(
                "`{name}` must be 2–64 characters of a-z, 0-9 and . _ @ -, starting with a letter or digit"
            ),
        ))
    }
}

fn validate_name(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(char::is_control)
    {
        return Err(StoreError::invalid(
            field,
            format!("must be 1–{max} printable characters"),
        ));
    }
    Ok(())
}

fn tenant_from_row(row: &SqliteRow) -> Result<Tenant> {
    Ok(Tenant {
        id: TenantId::from_string(row.get::<String, _>("id")),
        slug: row.get("slug"),
        name: row.get("name"),
        status: parse_col(row, "status")?,
        created_at: parse_time(row, "created_at")?,
    })
}

fn user_from_row(row: &SqliteRow) -> Result<User> {
    Ok(User {
        id: UserId::from_string(row.get::<String, _>("id")),
        tenant_id: TenantId::from_string(row.get::<String, _>("tenant_id")),
        username: row.get("username"),
        display_name: row.get("display_name"),
        role: parse_col(row, "role")?,
        status: parse_col(row, "status")?,
        must_change_password: row.get::<i64, _>("must_change_password") != 0,
        created_at: parse_time(row, "created_at")?,
        last_login_at: parse_opt_time(row, "last_login_at")?,
    })
}

fn token_from_row(row: &SqliteRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: TokenId::from_string(row.get::<String, _>("id")),
        tenant_id: TenantId::from_string(row.get::<String, _>("tenant_id")),
        name: row.get("name"),
        role: parse_col(row, "role")?,
        prefix: row.get("prefix"),
        created_by: row.get("created_by"),
        created_at: parse_time(row, "created_at")?,
        expires_at: parse_opt_time(row, "expires_at")?,
        revoked_at: parse_opt_time(row, "revoked_at")?,
        last_used_at: parse_opt_time(row, "last_used_at")?,
    })
}

async fn tenant_in(conn: &mut SqliteConnection, id: &TenantId) -> Result<Tenant> {
    let row = sqlx::query("SELECT * FROM tenants WHERE id = ?")
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
        .ok_or_else(|| StoreError::not_found("tenant", id))?;
    tenant_from_row(&row)
}

async fn user_in(conn: &mut SqliteConnection, tenant: &TenantId, id: &UserId) -> Result<User> {
    let row = sqlx::query("SELECT * FROM users WHERE tenant_id = ? AND id = ?")
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
        .ok_or_else(|| StoreError::not_found("user", id))?;
    user_from_row(&row)
}

fn db(e: sqlx::Error) -> StoreError {
    // Inside a transaction closure the store path is not at hand; the
    // classification (full, corrupt, conflict) is what matters.
    StoreError::from_sqlx(e, std::path::Path::new(crate::DB_FILE))
}

impl Store {
    // ---- tenants -------------------------------------------------------

    /// Whether `kexin init` has run on this store.
    pub async fn is_initialized(&self) -> Result<bool> {
        Ok(self.tenant_by_slug(PLATFORM_TENANT).await?.is_some())
    }

    /// Creates the platform tenant and its first administrator. Fails with
    /// a conflict if the store is already initialised.
    pub async fn initialize(&self, actor: &Actor, admin: NewUser) -> Result<(Tenant, User)> {
        validate_username(&admin.username)?;
        let entry =
            AuditEntry::new("platform.initialize", "tenant", None).with("admin", &admin.username);
        self.audited(actor, entry, async |conn, entry| {
            let exists: i64 = sqlx::query("SELECT count(*) FROM tenants WHERE slug = ?")
                .bind(PLATFORM_TENANT)
                .fetch_one(&mut *conn)
                .await
                .map_err(db)?
                .get(0);
            if exists > 0 {
                return Err(StoreError::Conflict(
                    "the store is already initialised".into(),
                ));
            }
            let tenant = insert_tenant(conn, PLATFORM_TENANT, "Platform").await?;
            let user = insert_user(
                conn,
                &tenant,
                NewUser {
                    role: Role::PlatformAdmin,
                    ..admin
                },
            )
            .await?;
            entry.tenant_id = Some(tenant.id.clone());
            entry.object_id = Some(tenant.id.to_string());
            Ok((tenant, user))
        })
        .await
    }

    pub async fn create_tenant(&self, actor: &Actor, slug: &str, name: &str) -> Result<Tenant> {
        let entry = AuditEntry::new("tenant.create", "tenant", None)
            .with("slug", slug)
            .with("name", name);
        self.audited(actor, entry, async |conn, entry| {
            validate_slug(slug)?;
            validate_name("name", name, 200)?;
            let t = insert_tenant(conn, slug, name).await.map_err(|e| match e {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("a tenant with slug `{slug}` already exists"))
                }
                e => e,
            })?;
            entry.tenant_id = Some(t.id.clone());
            entry.object_id = Some(t.id.to_string());
            Ok(t)
        })
        .await
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT * FROM tenants ORDER BY slug")
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(tenant_from_row).collect()
    }

    pub async fn tenant(&self, id: &TenantId) -> Result<Tenant> {
        let mut conn = self.reader.acquire().await.map_err(|e| self.err(e))?;
        tenant_in(&mut conn, id).await
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT * FROM tenants WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    /// Suspends or resumes a tenant. Suspending ends its sessions; its
    /// users and tokens are refused until it is resumed.
    pub async fn set_tenant_status(
        &self,
        actor: &Actor,
        id: &TenantId,
        status: TenantStatus,
    ) -> Result<Tenant> {
        let action = match status {
            TenantStatus::Active => "tenant.resume",
            TenantStatus::Suspended => "tenant.suspend",
        };
        let entry = AuditEntry::new(action, "tenant", Some(id)).object(id);
        self.audited(actor, entry, async |conn, _| {
            let t = tenant_in(conn, id).await?;
            if t.slug == PLATFORM_TENANT && status == TenantStatus::Suspended {
                return Err(StoreError::invalid(
                    "tenant",
                    "the platform tenant cannot be suspended",
                ));
            }
            sqlx::query("UPDATE tenants SET status = ? WHERE id = ?")
                .bind(status.as_str())
                .bind(id.as_str())
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            if status == TenantStatus::Suspended {
                sqlx::query("DELETE FROM sessions WHERE tenant_id = ?")
                    .bind(id.as_str())
                    .execute(&mut *conn)
                    .await
                    .map_err(db)?;
            }
            Ok(Tenant { status, ..t })
        })
        .await
    }

    /// Counts of what a tenant holds.
    pub async fn tenant_summary(&self, tenant: &TenantId) -> Result<TenantSummary> {
        let row = sqlx::query(
            "SELECT
               (SELECT count(*) FROM users WHERE tenant_id = ?1),
               (SELECT count(*) FROM api_tokens WHERE tenant_id = ?1 AND revoked_at IS NULL
                  AND (expires_at IS NULL OR expires_at > ?2)),
               (SELECT count(*) FROM assets WHERE tenant_id = ?1),
               (SELECT count(*) FROM audit_log WHERE tenant_id = ?1)",
        )
        .bind(tenant.as_str())
        .bind(Timestamp::now().to_string())
        .fetch_one(&self.reader)
        .await
        .map_err(|e| self.err(e))?;
        Ok(TenantSummary {
            users: row.get(0),
            active_tokens: row.get(1),
            assets: row.get(2),
            audit_records: row.get(3),
        })
    }

    // ---- users ---------------------------------------------------------

    pub async fn create_user(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        new: NewUser,
    ) -> Result<User> {
        let entry = AuditEntry::new("user.create", "user", Some(tenant))
            .with("username", &new.username)
            .with("role", new.role);
        self.audited(actor, entry, async |conn, entry| {
            validate_username(&new.username)?;
            validate_name("display_name", &new.display_name, 200)?;
            let t = tenant_in(conn, tenant).await?;
            let username = new.username.clone();
            let u = insert_user(conn, &t, new).await.map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "user `{username}` already exists in tenant `{}`",
                    t.slug
                )),
                e => e,
            })?;
            entry.object_id = Some(u.id.to_string());
            Ok(u)
        })
        .await
    }

    pub async fn list_users(&self, tenant: &TenantId) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users WHERE tenant_id = ? ORDER BY username")
            .bind(tenant.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn user(&self, tenant: &TenantId, id: &UserId) -> Result<User> {
        let mut conn = self.reader.acquire().await.map_err(|e| self.err(e))?;
        user_in(&mut conn, tenant, id).await
    }

    pub async fn user_by_name(&self, tenant: &TenantId, username: &str) -> Result<User> {
        let row = sqlx::query("SELECT * FROM users WHERE tenant_id = ? AND username = ?")
            .bind(tenant.as_str())
            .bind(username)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::not_found("user", username))?;
        user_from_row(&row)
    }

    /// Changes a user's name, role or status. Refuses to leave the platform
    /// without an active administrator, and to put a platform administrator
    /// in any other tenant. Disabling a user ends its sessions.
    pub async fn update_user(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        id: &UserId,
        changes: UserChanges,
    ) -> Result<User> {
        let mut entry = AuditEntry::new("user.update", "user", Some(tenant)).object(id);
        if let Some(r) = changes.role {
            entry = entry.with("role", r);
        }
        if let Some(s) = changes.status {
            entry = entry.with("status", s);
        }
        if let Some(n) = &changes.display_name {
            entry = entry.with("display_name", n);
        }
        self.audited(actor, entry, async |conn, _| {
            let t = tenant_in(conn, tenant).await?;
            let mut u = user_in(conn, tenant, id).await?;
            if let Some(name) = changes.display_name {
                validate_name("display_name", &name, 200)?;
                u.display_name = name;
            }
            if let Some(role) = changes.role {
                if role == Role::PlatformAdmin && t.slug != PLATFORM_TENANT {
                    return Err(StoreError::invalid("role", "platform_admin is only possible in the platform tenant"));
                }
                u.role = role;
            }
            if let Some(status) = changes.status {
                u.status = status;
            }
            sqlx::query("UPDATE users SET display_name = ?, role = ?, status = ? WHERE tenant_id = ? AND id = ?")
                .bind(&u.display_name)
                .bind(u.role.as_str())
                .bind(u.status.as_str())
                .bind(tenant.as_str())
                .bind(id.as_str())
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            ensure_platform_admin_remains(conn).await?;
            if u.status == UserStatus::Disabled {
                delete_sessions_of(conn, id, None).await?;
            }
            Ok(u)
        })
        .await
    }

    /// Sets a new password hash. `keep_session` (a session hash) survives;
    /// every other session of the user ends.
    pub async fn set_password(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        id: &UserId,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let entry = AuditEntry::new("user.password", "user", Some(tenant))
            .object(id)
            .with("one_time", must_change);
        self.audited(actor, entry, async |conn, _| {
            user_in(conn, tenant, id).await?;
            sqlx::query(
                "UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL
                 WHERE tenant_id = ? AND id = ?",
            )
            .bind(password_hash)
            .bind(must_change as i64)
            .bind(tenant.as_str())
            .bind(id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db)?;
            delete_sessions_of(conn, id, keep_session).await
        })
        .await
    }

    /// Finds an active user of an active tenant for a login; `None` when
    /// the tenant or user does not exist or is not active.
    pub async fn login_candidate(
        &self,
        tenant_slug: &str,
        username: &str,
    ) -> Result<Option<LoginCandidate>> {
        let Some(tenant) = self.tenant_by_slug(tenant_slug).await? else {
            return Ok(None);
        };
        if tenant.status != TenantStatus::Active {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT * FROM users WHERE tenant_id = ? AND username = ? AND status = 'active'",
        )
        .bind(tenant.id.as_str())
        .bind(username)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.err(e))?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(LoginCandidate {
            user: user_from_row(&row)?,
            password_hash: row.get("password_hash"),
            locked_until: parse_opt_time(&row, "locked_until")?,
            tenant,
        }))
    }

    /// Records a password check: opens the session on success, counts the
    /// failure (and locks the account when the threshold is reached) on
    /// failure. Either way one `auth.login` audit record is written.
    /// Returns `Some(until)` when a correct password is refused because the
    /// account is locked.
    pub async fn record_login(
        &self,
        actor: &Actor,
        who: &LoginCandidate,
        attempt: LoginAttempt,
    ) -> Result<Option<Timestamp>> {
        let user = &who.user;
        let entry = AuditEntry::new("auth.login", "user", Some(&user.tenant_id))
            .object(&user.id)
            .outcome(match attempt {
                LoginAttempt::Success { .. } => AuditOutcome::Success,
                LoginAttempt::Failure { .. } => AuditOutcome::Denied,
            });
        let mut tx = self.begin_write().await?;
        let mut entry = entry;
        match attempt {
            LoginAttempt::Success {
                session_hash,
                expires_at,
            } => {
                let now = Timestamp::now();
                // Checked again inside the write lock: parallel guesses that all
                // passed the caller's check before one of them locked the account
                // must not log in.
                let locked: Option<String> =
                    sqlx::query("SELECT locked_until FROM users WHERE tenant_id = ? AND id = ?")
                        .bind(user.tenant_id.as_str())
                        .bind(user.id.as_str())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|e| self.err(e))?
                        .get(0);
                if let Some(until) = locked
                    .as_deref()
                    .and_then(|t| Timestamp::parse(t).ok())
                    .filter(|t| *t > now)
                {
                    let refused = entry
                        .outcome(AuditOutcome::Denied)
                        .with("reason", "account locked");
                    audit::append(&mut tx, actor, &refused)
                        .await
                        .map_err(|e| self.err(e))?;
                    tx.commit().await.map_err(|e| self.err(e))?;
                    return Ok(Some(until));
                }
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?")
                    .bind(now.to_string())
                    .bind(user.id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
                sqlx::query("INSERT INTO sessions (id_hash, tenant_id, user_id, created_at, expires_at, source) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind(&session_hash)
                    .bind(user.tenant_id.as_str())
                    .bind(user.id.as_str())
                    .bind(now.to_string())
                    .bind(expires_at.to_string())
                    .bind(&actor.source)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
            }
            LoginAttempt::Failure {
                lock_after,
                lock_for,
            } => {
                let failed: i64 = sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins")
                    .bind(user.id.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?
                    .get(0);
                entry = entry.with("failed_in_a_row", failed);
                if lock_after > 0 && failed >= lock_after as i64 {
                    let until = Timestamp::now().plus(lock_for);
                    sqlx::query(
                        "UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?",
                    )
                    .bind(until.to_string())
                    .bind(user.id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
                    entry = entry.with("locked_until", until);
                }
            }
        }
        audit::append(&mut tx, actor, &entry)
            .await
            .map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(None)
    }

    // ---- sessions ------------------------------------------------------

    /// The live session whose id hashes to `hash`, if it exists, has not
    /// expired, and its user and tenant are active.
    pub async fn session(&self, hash: &str) -> Result<Option<SessionInfo>> {
        let row = sqlx::query(
            "SELECT s.expires_at AS session_expires_at, u.*, t.slug AS t_slug, t.name AS t_name,
                    t.status AS t_status, t.created_at AS t_created_at
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN tenants t ON t.id = s.tenant_id
             WHERE s.id_hash = ? AND u.tenant_id = s.tenant_id",
        )
        .bind(hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.err(e))?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        let tenant = Tenant {
            id: user.tenant_id.clone(),
            slug: row.get("t_slug"),
            name: row.get("t_name"),
            status: parse_col(&row, "t_status")?,
            created_at: parse_time(&row, "t_created_at")?,
        };
        Ok(Some(SessionInfo {
            expires_at: parse_time(&row, "session_expires_at")?,
            user,
            tenant,
        }))
    }

    /// Ends a session (logout). Audited as `auth.logout`.
    pub async fn end_session(&self, actor: &Actor, hash: &str) -> Result<()> {
        let entry = AuditEntry::new("auth.logout", "session", Some(&actor.tenant_id));
        self.audited(actor, entry, async |conn, _| {
            sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
                .bind(hash)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            Ok(())
        })
        .await
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(Timestamp::now().to_string())
            .execute(&self.writer)
            .await
            .map_err(|e| self.err(e))?;
        Ok(r.rows_affected())
    }

    // ---- tokens --------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub async fn create_token(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        name: &str,
        role: Role,
        token_hash: &str,
        prefix: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<ApiToken> {
        let entry = AuditEntry::new("token.create", "token", Some(tenant))
            .with("name", name)
            .with("role", role)
            .with("expires_at", expires_at);
        self.audited(actor, entry, async |conn, entry| {
            validate_name("name", name, 200)?;
            let t = tenant_in(conn, tenant).await?;
            if role == Role::PlatformAdmin && t.slug != PLATFORM_TENANT {
                return Err(StoreError::invalid("role", "platform_admin is only possible in the platform tenant"));
            }
            let token = ApiToken {
                id: TokenId::generate(),
                tenant_id: tenant.clone(),
                name: name.to_string(),
                role,
                prefix: prefix.to_string(),
                created_by: actor.name.clone(),
                created_at: Timestamp::now(),
                expires_at,
                revoked_at: None,
                last_used_at: None,
            };
            sqlx::query(
                "INSERT INTO api_tokens (id, tenant_id, name, role, token_hash, prefix, created_by, created_at, expires_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(token.id.as_str())
            .bind(tenant.as_str())
            .bind(&token.name)
            .bind(role.as_str())
            .bind(token_hash)
            .bind(&token.prefix)
            .bind(&token.created_by)
            .bind(token.created_at.to_string())
            .bind(expires_at.map(|t| t.to_string()))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
            entry.object_id = Some(token.id.to_string());
            Ok(token)
        })
        .await
    }

    pub async fn list_tokens(&self, tenant: &TenantId) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE tenant_id = ? ORDER BY created_at")
            .bind(tenant.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes a token at once. Revoking twice is a conflict.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        id: &TokenId,
    ) -> Result<ApiToken> {
        let entry = AuditEntry::new("token.revoke", "token", Some(tenant)).object(id);
        self.audited(actor, entry, async |conn, _| {
            let row = sqlx::query("SELECT * FROM api_tokens WHERE tenant_id = ? AND id = ?")
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?
                .ok_or_else(|| StoreError::not_found("token", id))?;
            let mut token = token_from_row(&row)?;
            if token.revoked_at.is_some() {
                return Err(StoreError::Conflict(format!(
                    "token `{id}` is already revoked"
                )));
            }
            let now = Timestamp::now();
            sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE tenant_id = ? AND id = ?")
                .bind(now.to_string())
                .bind(tenant.as_str())
                .bind(id.as_str())
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            token.revoked_at = Some(now);
            Ok(token)
        })
        .await
    }

    /// The token whose secret hashes to `hash`, if it is neither revoked
    /// nor expired and its tenant is active. Notes the use (at most once a
    /// minute, so requests do not each cost a write).
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenInfo>> {
        let row = sqlx::query("SELECT * FROM api_tokens WHERE token_hash = ?")
            .bind(hash)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        let Some(row) = row else { return Ok(None) };
        let token = token_from_row(&row)?;
        let now = Timestamp::now();
        if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let tenant = self.tenant(&token.tenant_id).await?;
        if tenant.status != TenantStatus::Active {
            return Ok(None);
        }
        if token
            .last_used_at
            .is_none_or(|t| t < now.minus(std::time::Duration::from_secs(60)))
        {
            let _ = sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                .bind(now.to_string())
                .bind(token.id.as_str())
                .execute(&self.writer)
                .await;
        }
        Ok(Some(TokenInfo { token, tenant }))
    }
}

async fn insert_tenant(conn: &mut SqliteConnection, slug: &str, name: &str) -> Result<Tenant> {
    let t = Tenant {
        id: TenantId::generate(),
        slug: slug.to_string(),
        name: name.to_string(),
        status: TenantStatus::Active,
        created_at: Timestamp::now(),
    };
    sqlx::query("INSERT INTO tenants (id, slug, name, status, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(t.id.as_str())
        .bind(&t.slug)
        .bind(&t.name)
        .bind(t.status.as_str())
        .bind(t.created_at.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(t)
}

async fn insert_user(conn: &mut SqliteConnection, tenant: &Tenant, new: NewUser) -> Result<User> {
    if new.role == Role::PlatformAdmin && tenant.slug != PLATFORM_TENANT {
        return Err(StoreError::invalid(
            "role",
            "platform_admin is only possible in the platform tenant",
        ));
    }
    let u = User {
        id: UserId::generate(),
        tenant_id: tenant.id.clone(),
        username: new.username,
        display_name: new.display_name,
        role: new.role,
        status: UserStatus::Active,
        must_change_password: new.must_change_password,
        created_at: Timestamp::now(),
        last_login_at: None,
    };
    sqlx::query(
        "INSERT INTO users (id, tenant_id, username, display_name, role, status, password_hash, must_change_password, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(u.id.as_str())
    .bind(u.tenant_id.as_str())
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(u.role.as_str())
    .bind(u.status.as_str())
    .bind(&new.password_hash)
    .bind(u.must_change_password as i64)
    .bind(u.created_at.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(u)
}

async fn ensure_platform_admin_remains(conn: &mut SqliteConnection) -> Result<()> {
    let n: i64 = sqlx::query(
        "SELECT count(*) FROM users WHERE role = 'platform_admin' AND status = 'active'",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?
    .get(0);
    if n == 0 {
        return Err(StoreError::invalid(
            "user",
            "this would leave the platform without an active platform administrator",
        ));
    }
    Ok(())
}

async fn delete_sessions_of(
    conn: &mut SqliteConnection,
    user: &UserId,
    keep: Option<&str>,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?")
        .bind(user.as_str())
        .bind(keep)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_usernames_are_checked() {
        assert!(validate_slug("acme-bank").is_ok());
        for bad in ["a", "Acme", "-x", "x-", "a b", &"x".repeat(41)] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
        assert!(validate_username("alice.w@acme").is_ok());
        for bad in ["A", ".alice", "al ice", "x"] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }
}
