//! Hot paths of the store, each beside an anchor measured in the same run:
//!
//! * `change/audited_asset_create` — one change with its audit record in
//!   one transaction, against `change/plain_insert_anchor`: the same row
//!   inserted with no audit record, same SQLite settings (WAL,
//!   synchronous=FULL). The gap is the price of the audit chain.
//! * `verify/chain_10k` — walking and re-hashing 10,000 records, against
//!   `verify/read_only_anchor`: reading the same rows without hashing.
//!
//! Run: `cargo bench -p kexin-store --bench audit`.

use criterion::{Criterion, criterion_group, criterion_main};
use kexin_core::{Actor, ActorKind, AssetKind, Role, TenantId};
use kexin_store::{NewAsset, NewUser, Store, StoreOptions};
use sqlx::Row;

fn actor() -> Actor {
    Actor {
        kind: ActorKind::Cli,
        id: "bench".into(),
        name: "cli:bench".into(),
        tenant_id: TenantId::from_string(""),
        role: Role::PlatformAdmin,
        source: "local".into(),
    }
}

async fn store_in(dir: &std::path::Path) -> (Store, TenantId) {
    let store = Store::open(&dir.join("kexin.db"), &StoreOptions::default())
        .await
        .unwrap();
    let admin = NewUser {
        username: "admin".into(),
        display_name: "Admin".into(),
        role: Role::PlatformAdmin,
        password_hash: "x".into(),
        must_change_password: false,
    };
    store.initialize(&actor(), admin).await.unwrap();
    let t = store.create_tenant(&actor(), "acme", "Acme").await.unwrap();
    (store, t.id)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, tenant) = rt.block_on(store_in(dir.path()));

    let mut group = c.benchmark_group("change");
    let mut n = 0u64;
    group.bench_function("audited_asset_create", |b| {
        b.to_async(&rt).iter(|| {
            n += 1;
            let asset = NewAsset {
                name: format!("host-{n}"),
                kind: AssetKind::Host,
                address: Some("10.0.0.1".into()),
                tags: vec!["prod".into()],
            };
            let store = store.clone();
            let tenant = tenant.clone();
            async move { store.create_asset(&actor(), &tenant, asset).await.unwrap() }
        })
    });
    let anchor_path = dir.path().join("anchor.db");
    let anchor = rt.block_on(async {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&anchor_path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap();
        sqlx::query("CREATE TABLE assets (id TEXT PRIMARY KEY, tenant_id TEXT, name TEXT, kind TEXT, address TEXT, tags TEXT, created_at TEXT, UNIQUE (tenant_id, name))")
            .execute(&pool)
            .await
            .unwrap();
        pool
    });
    let mut m = 0u64;
    group.bench_function("plain_insert_anchor", |b| {
        b.to_async(&rt).iter(|| {
            m += 1;
            let pool = anchor.clone();
            async move {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                sqlx::query("INSERT INTO assets VALUES (?, 't', ?, 'host', '10.0.0.1', '[\"prod\"]', '2026-01-01T00:00:00.000000Z')")
                    .bind(uuid::Uuid::now_v7().to_string())
                    .bind(format!("host-{m}"))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        })
    });
    group.finish();

    // A fresh chain of exactly 10,000 records for the verify pair.
    let dir2 = tempfile::tempdir().unwrap();
    let (store2, tenant2) = rt.block_on(store_in(dir2.path()));
    rt.block_on(async {
        let existing = store2.verify_audit(&mut |_, _| {}).await.unwrap().records;
        for i in existing..10_000 {
            let asset = NewAsset {
                name: format!("h{i}"),
                kind: AssetKind::Host,
                address: None,
                tags: vec![],
            };
            store2
                .create_asset(&actor(), &tenant2, asset)
                .await
                .unwrap();
        }
        assert_eq!(
            store2.verify_audit(&mut |_, _| {}).await.unwrap().records,
            10_000
        );
    });
    let mut group = c.benchmark_group("verify");
    group.sample_size(20);
    group.bench_function("chain_10k", |b| {
        b.to_async(&rt).iter(|| async {
            let r = store2.verify_audit(&mut |_, _| {}).await.unwrap();
            assert!(r.intact());
        })
    });
    let reader = rt.block_on(async {
        sqlx::sqlite::SqlitePoolOptions::new()
            .connect_with(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(dir2.path().join("kexin.db"))
                    .read_only(true),
            )
            .await
            .unwrap()
    });
    group.bench_function("read_only_anchor", |b| {
        b.to_async(&rt).iter(|| async {
            let mut last = 0i64;
            loop {
                let rows =
                    sqlx::query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 5000")
                        .bind(last)
                        .fetch_all(&reader)
                        .await
                        .unwrap();
                match rows.last() {
                    Some(r) => last = r.get("seq"),
                    None => break,
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
