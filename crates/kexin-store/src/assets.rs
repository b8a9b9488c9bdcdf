//! What each tenant owns and protects.

use kexin_core::{Actor, Asset, AssetId, TenantId, Timestamp};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::audit::AuditEntry;
use crate::store::{parse_col, parse_time};
use crate::{AssetChanges, NewAsset, Result, Store, StoreError};

fn asset_from_row(row: &SqliteRow) -> Result<Asset> {
    let tags: String = row.get("tags");
    Ok(Asset {
        id: AssetId::from_string(row.get::<String, _>("id")),
        tenant_id: TenantId::from_string(row.get::<String, _>("tenant_id")),
        name: row.get("name"),
        kind: parse_col(row, "kind")?,
        address: row.get("address"),
        tags: serde_json::from_str(&tags)
            .map_err(|e| StoreError::Database(format!("assets.tags: {e}")))?,
        created_at: parse_time(row, "created_at")?,
    })
}

fn validate_asset(name: &str, address: Option<&str>, tags: &[String]) -> Result<()> {
    if name.trim().is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        return Err(StoreError::invalid(
            "name",
            "must be 1–255 printable characters",
        ));
    }
    if address.is_some_and(|a| a.is_empty() || a.len() > 2048 || a.chars().any(char::is_control)) {
        return Err(StoreError::invalid(
            "address",
            "must be 1–2048 printable characters",
        ));
    }
    if tags.len() > 64 {
        return Err(StoreError::invalid("tags", "at most 64 tags"));
    }
    if let Some(t) = tags
        .iter()
        .find(|t| t.is_empty() || t.len() > 64 || t.chars().any(char::is_control))
    {
        return Err(StoreError::invalid(
            "tags",
            format!("`{t}` must be 1–64 printable characters"),
        ));
    }
    Ok(())
}

async fn asset_in(conn: &mut SqliteConnection, tenant: &TenantId, id: &AssetId) -> Result<Asset> {
    let row = sqlx::query("SELECT * FROM assets WHERE tenant_id = ? AND id = ?")
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
        .ok_or_else(|| StoreError::not_found("asset", id))?;
    asset_from_row(&row)
}

fn conflict_on_name(name: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |e| match StoreError::from_sqlx(e, std::path::Path::new(crate::DB_FILE)) {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("an asset named `{name}` already exists"))
        }
        other => other,
    }
}

impl Store {
    pub async fn create_asset(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        new: NewAsset,
    ) -> Result<Asset> {
        let entry = AuditEntry::new("asset.create", "asset", Some(tenant))
            .with("name", &new.name)
            .with("kind", new.kind);
        self.audited(actor, entry, async |conn, entry| {
            validate_asset(&new.name, new.address.as_deref(), &new.tags)?;
            let a = Asset {
                id: AssetId::generate(),
                tenant_id: tenant.clone(),
                name: new.name,
                kind: new.kind,
                address: new.address,
                tags: new.tags,
                created_at: Timestamp::now(),
            };
            sqlx::query("INSERT INTO assets (id, tenant_id, name, kind, address, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(a.id.as_str())
                .bind(tenant.as_str())
                .bind(&a.name)
                .bind(a.kind.as_str())
                .bind(&a.address)
                .bind(serde_json::to_string(&a.tags).unwrap_or_else(|_| "[]".into()))
                .bind(a.created_at.to_string())
                .execute(&mut *conn)
                .await
                .map_err(conflict_on_name(&a.name))?;
            entry.object_id = Some(a.id.to_string());
            Ok(a)
        })
        .await
    }

    pub async fn list_assets(&self, tenant: &TenantId) -> Result<Vec<Asset>> {
        let rows = sqlx::query("SELECT * FROM assets WHERE tenant_id = ? ORDER BY name")
            .bind(tenant.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(asset_from_row).collect()
    }

    pub async fn asset(&self, tenant: &TenantId, id: &AssetId) -> Result<Asset> {
        let mut conn = self.reader.acquire().await.map_err(|e| self.err(e))?;
        asset_in(&mut conn, tenant, id).await
    }

    pub async fn update_asset(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        id: &AssetId,
        changes: AssetChanges,
    ) -> Result<Asset> {
        let entry = AuditEntry::new("asset.update", "asset", Some(tenant)).object(id);
        self.audited(actor, entry, async |conn, entry| {
            let mut a = asset_in(conn, tenant, id).await?;
            if let Some(n) = changes.name {
                *entry = entry.clone().with("name", &n);
                a.name = n;
            }
            if let Some(addr) = changes.address {
                a.address = addr;
            }
            if let Some(tags) = changes.tags {
                a.tags = tags;
            }
            validate_asset(&a.name, a.address.as_deref(), &a.tags)?;
            sqlx::query(
                "UPDATE assets SET name = ?, address = ?, tags = ? WHERE tenant_id = ? AND id = ?",
            )
            .bind(&a.name)
            .bind(&a.address)
            .bind(serde_json::to_string(&a.tags).unwrap_or_else(|_| "[]".into()))
            .bind(tenant.as_str())
            .bind(id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(conflict_on_name(&a.name))?;
            Ok(a)
        })
        .await
    }

    pub async fn delete_asset(&self, actor: &Actor, tenant: &TenantId, id: &AssetId) -> Result<()> {
        let entry = AuditEntry::new("asset.delete", "asset", Some(tenant)).object(id);
        self.audited(actor, entry, async |conn, entry| {
            let a = asset_in(conn, tenant, id).await?;
            *entry = entry.clone().with("name", &a.name);
            sqlx::query("DELETE FROM assets WHERE tenant_id = ? AND id = ?")
                .bind(tenant.as_str())
                .bind(id.as_str())
                .execute(&mut *conn)
                .await
                .map_err(|e| StoreError::from_sqlx(e, std::path::Path::new(crate::DB_FILE)))?;
            Ok(())
        })
        .await
    }
}
