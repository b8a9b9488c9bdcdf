//! The store against a real SQLite file: isolation, audit chain, migrations,
//! full disk, corruption, backup and restore.

use std::path::Path;

use kexin_core::{
    Actor, ActorKind, AssetKind, AuditOutcome, AuditRecord, Role, TenantId, Timestamp,
};
use kexin_store::audit::{AuditFilter, GENESIS_HASH, chain_hash};
use kexin_store::{NewAsset, NewUser, Store, StoreError, StoreOptions, migrate};
use sqlx::{Connection, SqliteConnection};

fn cli() -> Actor {
    Actor {
        kind: ActorKind::Cli,
        id: "root".into(),
        name: "cli:root".into(),
        tenant_id: TenantId::from_string(""),
        role: Role::PlatformAdmin,
        source: "local".into(),
    }
}

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: name.into(),
        role,
        password_hash: "$argon2id$test".into(),
        must_change_password: false,
    }
}

fn asset(name: &str) -> NewAsset {
    NewAsset {
        name: name.into(),
        kind: AssetKind::Host,
        address: Some("10.0.0.1".into()),
        tags: vec!["prod".into()],
    }
}

async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("kexin.db"), &StoreOptions::default())
        .await
        .unwrap();
    store
        .initialize(&cli(), new_user("admin", Role::PlatformAdmin))
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test]
async fn every_query_is_scoped_to_its_tenant() {
    let (_dir, store) = fresh().await;
    let a = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    let b = store
        .create_tenant(&cli(), "globex", "Globex")
        .await
        .unwrap();
    let ua = store
        .create_user(&cli(), &a.id, new_user("alice", Role::Analyst))
        .await
        .unwrap();
    let asset_a = store
        .create_asset(&cli(), &a.id, asset("web-1"))
        .await
        .unwrap();

    assert!(matches!(
        store.user(&b.id, &ua.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.asset(&b.id, &asset_a.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_asset(&cli(), &b.id, &asset_a.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.list_assets(&b.id).await.unwrap().is_empty());
    assert_eq!(
        store.list_assets(&a.id).await.unwrap().len(),
        1,
        "the failed cross-tenant delete changed nothing"
    );
    // Same names are fine in different tenants.
    store
        .create_user(&cli(), &b.id, new_user("alice", Role::Viewer))
        .await
        .unwrap();
    store
        .create_asset(&cli(), &b.id, asset("web-1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn invariants_of_users_and_tenants_hold() {
    let (_dir, store) = fresh().await;
    let acme = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    let e = store
        .create_user(&cli(), &acme.id, new_user("root", Role::PlatformAdmin))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("platform tenant"), "{e}");
    let e = store
        .create_tenant(&cli(), "acme", "Again")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    let platform = store.tenant_by_slug("platform").await.unwrap().unwrap();
    let admin = store.user_by_name(&platform.id, "admin").await.unwrap();
    let e = store
        .update_user(
            &cli(),
            &platform.id,
            &admin.id,
            kexin_store::UserChanges {
                status: Some(kexin_core::UserStatus::Disabled),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("without an active platform administrator"),
        "{e}"
    );
    assert!(
        store
            .set_tenant_status(&cli(), &platform.id, kexin_core::TenantStatus::Suspended)
            .await
            .is_err()
    );

    // Failed attempts are in the audit trail, and the chain holds.
    let failed = store
        .list_audit(&AuditFilter {
            outcome: Some(AuditOutcome::Failed),
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = failed.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "tenant.create",
            "user.update",
            "tenant.suspend"
        ]
    );
    assert!(store.verify_audit(&mut |_, _| {}).await.unwrap().intact());
}

#[tokio::test]
async fn audit_chain_detects_edits_deletions_and_truncation() {
    let (dir, store) = fresh().await;
    let t = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    for i in 0..5 {
        store
            .create_asset(&cli(), &t.id, asset(&format!("h{i}")))
            .await
            .unwrap();
    }
    let report = store.verify_audit(&mut |_, _| {}).await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(
        report.records, 8,
        "migrate + initialize + tenant + 5 assets"
    );
    let path = dir.path().join("kexin.db");

    let mut conn = raw(&path).await;
    let e = sqlx::query("UPDATE audit_log SET actor_name = 'x' WHERE seq = 4")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = sqlx::query("DELETE FROM audit_log WHERE seq = 4")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");

    // Someone with the file drops the guards and edits a record.
    sqlx::raw_sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 4")
        .execute(&mut conn)
        .await
        .unwrap();
    let r = store.verify_audit(&mut |_, _| {}).await.unwrap();
    assert_eq!(r.breaks.iter().map(|b| b.seq).collect::<Vec<_>>(), [4]);
    assert!(r.breaks[0].reason.contains("edited"), "{:?}", r.breaks);

    // Recomputing the edited record's own hash moves the break to the next record.
    let rec = store
        .list_audit(&AuditFilter {
            after_seq: Some(3),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    let rehash = chain_hash(&rec, &rec.detail.to_string());
    sqlx::query("UPDATE audit_log SET hash = ? WHERE seq = 4")
        .bind(&rehash)
        .execute(&mut conn)
        .await
        .unwrap();
    let r = store.verify_audit(&mut |_, _| {}).await.unwrap();
    assert_eq!(r.breaks.iter().map(|b| b.seq).collect::<Vec<_>>(), [5]);

    // Deleting a record in the middle.
    sqlx::query("DELETE FROM audit_log WHERE seq = 6")
        .execute(&mut conn)
        .await
        .unwrap();
    let r = store.verify_audit(&mut |_, _| {}).await.unwrap();
    assert!(
        r.breaks
            .iter()
            .any(|b| b.seq == 7 && b.reason.contains("missing")),
        "{:?}",
        r.breaks
    );

    // Cutting off the end.
    let (_dir2, store2) = fresh().await;
    let t2 = store2.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    store2
        .create_asset(&cli(), &t2.id, asset("h"))
        .await
        .unwrap();
    let mut conn2 = raw(store2.path()).await;
    sqlx::raw_sql("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log);")
        .execute(&mut conn2)
        .await
        .unwrap();
    let r = store2.verify_audit(&mut |_, _| {}).await.unwrap();
    assert!(
        !r.intact() && r.breaks[0].reason.contains("removed from the end"),
        "{:?}",
        r.breaks
    );
}

#[tokio::test]
async fn a_store_of_each_older_schema_upgrades_in_place() {
    for version in 1..migrate::latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kexin.db");
        let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        migrate::apply(&mut conn, Some(version), &path)
            .await
            .unwrap();
        // Data as that version wrote it, with one audit record chained by hand.
        let now = Timestamp::now().to_string();
        sqlx::query("INSERT INTO tenants VALUES ('t1', 'platform', 'Platform', 'active', ?)")
            .bind(&now)
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO users (id, tenant_id, username, display_name, role, status, password_hash, must_change_password, created_at) VALUES ('u1', 't1', 'admin', 'Admin', 'platform_admin', 'active', 'h', 0, ?)")
            .bind(&now)
            .execute(&mut conn)
            .await
            .unwrap();
        let mut rec = AuditRecord {
            seq: 1,
            time: Timestamp::parse(&now).unwrap(),
            tenant_id: Some(TenantId::from_string("t1")),
            actor_kind: ActorKind::Cli,
            actor_id: "root".into(),
            actor_name: "cli:root".into(),
            action: "platform.initialize".into(),
            object_type: "tenant".into(),
            object_id: Some("t1".into()),
            source: "local".into(),
            outcome: AuditOutcome::Success,
            detail: serde_json::json!({"admin": "admin"}),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        rec.hash = chain_hash(&rec, &rec.detail.to_string());
        sqlx::query("INSERT INTO audit_log VALUES (1, ?, 't1', 'cli', 'root', 'cli:root', 'platform.initialize', 'tenant', 't1', 'local', 'success', ?, ?, ?)")
            .bind(&now)
            .bind(rec.detail.to_string())
            .bind(GENESIS_HASH)
            .bind(&rec.hash)
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO audit_head VALUES (1, 1, ?)")
            .bind(&rec.hash)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();

        let store = Store::open(&path, &StoreOptions::default()).await.unwrap();
        assert_eq!(
            store.schema_version().await.unwrap(),
            migrate::latest_version()
        );
        let platform = store
            .tenant_by_slug("platform")
            .await
            .unwrap()
            .expect("tenant kept");
        assert_eq!(
            store.list_users(&platform.id).await.unwrap()[0].username,
            "admin"
        );
        store
            .create_asset(&cli(), &platform.id, asset("new-table-works"))
            .await
            .unwrap();
        let report = store.verify_audit(&mut |_, _| {}).await.unwrap();
        assert!(report.intact(), "from v{version}: {report:?}");
        let migrated = store
            .list_audit(&AuditFilter {
                action: Some("store.migrate".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(migrated.len(), 1, "the upgrade is audited");
    }
}

#[tokio::test]
async fn a_full_database_refuses_writes_whole_and_keeps_serving_reads() {
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions {
        max_size_bytes: Some(160 * 1024),
        ..Default::default()
    };
    let store = Store::open(&dir.path().join("kexin.db"), &opts)
        .await
        .unwrap();
    store
        .initialize(&cli(), new_user("admin", Role::PlatformAdmin))
        .await
        .unwrap();
    let t = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    let mut created = 0;
    let mut full = false;
    for i in 0..2000 {
        let a = NewAsset {
            tags: (0..60)
                .map(|j| format!("tag-{i}-{j}-{}", "x".repeat(40)))
                .collect(),
            ..asset(&format!("host-{i}"))
        };
        match store.create_asset(&cli(), &t.id, a).await {
            Ok(_) => created += 1,
            Err(StoreError::Full) => {
                full = true;
                break;
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert!(full, "the cap was never reached");
    assert_eq!(
        store.list_assets(&t.id).await.unwrap().len(),
        created,
        "no half-written asset"
    );
    let report = store.verify_audit(&mut |_, _| {}).await.unwrap();
    assert!(report.intact());
    assert_eq!(
        report.records as usize,
        3 + created,
        "one audit record per accepted change, none for the refused one"
    );
}

#[tokio::test]
async fn a_damaged_file_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kexin.db");
    std::fs::write(
        &path,
        b"this is not a database, it is a text file that someone put here by mistake".repeat(100),
    )
    .unwrap();
    let e = Store::open(&path, &StoreOptions::default())
        .await
        .err()
        .expect("must refuse");
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("kexin restore"), "{e}");

    // A real store with pages overwritten in the middle.
    let path2 = dir.path().join("k2.db");
    {
        let store = Store::open(&path2, &StoreOptions::default()).await.unwrap();
        store
            .initialize(&cli(), new_user("admin", Role::PlatformAdmin))
            .await
            .unwrap();
        let t = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
        for i in 0..200 {
            store
                .create_asset(&cli(), &t.id, asset(&format!("h{i}")))
                .await
                .unwrap();
        }
        store.close().await;
    }
    let mut bytes = std::fs::read(&path2).unwrap();
    let len = bytes.len();
    for b in &mut bytes[4096 * 2..len - 4096] {
        *b = 0xA5;
    }
    std::fs::write(&path2, bytes).unwrap();
    let e = Store::open(&path2, &StoreOptions::default())
        .await
        .err()
        .expect("must refuse");
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
}

#[tokio::test]
async fn backup_while_writing_then_restore_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("blobs/ab")).unwrap();
    std::fs::write(data.join("kexin.toml"), "[log]\nlevel = \"debug\"\n").unwrap();
    std::fs::write(data.join("blobs/ab/abcdef"), b"evidence bytes").unwrap();
    let store = Store::open(&data.join("kexin.db"), &StoreOptions::default())
        .await
        .unwrap();
    store
        .initialize(&cli(), new_user("admin", Role::PlatformAdmin))
        .await
        .unwrap();
    let t = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();

    let writer = {
        let store = store.clone();
        let t = t.id.clone();
        tokio::spawn(async move {
            for i in 0..100 {
                store
                    .create_asset(&cli(), &t, asset(&format!("h{i}")))
                    .await
                    .unwrap();
            }
        })
    };
    let archive = dir.path().join("backup.tar.gz");
    let mut calls = 0;
    let manifest = kexin_store::backup(&data, &archive, &mut |_, _| calls += 1)
        .await
        .unwrap();
    writer.await.unwrap();
    assert!(calls >= 3);
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["kexin.db", "blobs/ab/abcdef", "kexin.toml"]);

    // Restoring while the server holds the lock is refused.
    let lock = kexin_store::DataDirLock::acquire(&data).unwrap();
    let e = kexin_store::restore(&archive, &data).await.unwrap_err();
    assert!(e.to_string().contains("in use"), "{e}");
    drop(lock);
    store.close().await;

    let (_, previous) = kexin_store::restore(&archive, &data).await.unwrap();
    let previous = previous.expect("old data kept aside");
    assert!(previous.join("kexin.db").exists());
    let restored = Store::open(&data.join("kexin.db"), &StoreOptions::default())
        .await
        .unwrap();
    let n = restored.list_assets(&t.id).await.unwrap().len();
    assert!(n <= 100, "{n}");
    let report = restored.verify_audit(&mut |_, _| {}).await.unwrap();
    assert!(report.intact(), "a consistent snapshot: {report:?}");
    assert_eq!(
        report.records as usize,
        3 + n,
        "every snapshotted asset has its audit record and vice versa"
    );
    assert_eq!(
        std::fs::read(data.join("blobs/ab/abcdef")).unwrap(),
        b"evidence bytes"
    );

    // A damaged archive is refused and changes nothing.
    let mut bytes = std::fs::read(&archive).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let broken = dir.path().join("broken.tar.gz");
    std::fs::write(&broken, bytes).unwrap();
    assert!(kexin_store::restore(&broken, &data).await.is_err());
    assert!(data.join("kexin.db").exists(), "data untouched");
}

#[tokio::test]
async fn assessments_follow_their_workflow_and_freeze_when_signed_off() {
    use kexin_core::{AssessmentStatus, Level, Verdict};
    use kexin_store::{NewAssessment, ResultInput, Transition};
    let (dir, store) = fresh().await;
    let t = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    let new = NewAssessment {
        standard_id: "cloud-host".into(),
        variant: None,
        target_name: "prod".into(),
        target_level: Level::Enhanced,
        supersedes: None,
    };
    let a = store
        .create_assessment(&cli(), &t.id, new.clone())
        .await
        .unwrap();
    let answer = |p: &str, v: Verdict, r: Option<&str>| ResultInput {
        point_id: p.into(),
        verdict: v,
        reason: r.map(Into::into),
        notes: None,
        source: "manual".into(),
    };

    // All or nothing: one bad answer and none is recorded.
    let e = store
        .record_results(
            &cli(),
            &t.id,
            &a.id,
            vec![
                answer("p.1", Verdict::Pass, None),
                answer("p.2", Verdict::NotApplicable, None),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("p.2") && e.to_string().contains("reason"),
        "{e}"
    );
    assert!(store.point_results(&t.id, &a.id).await.unwrap().is_empty());
    store
        .record_results(
            &cli(),
            &t.id,
            &a.id,
            vec![
                answer("p.1", Verdict::Pass, None),
                answer("p.2", Verdict::NotApplicable, Some("no web tier")),
            ],
        )
        .await
        .unwrap();

    // Evidence: content-addressed, shared on re-upload, never lost.
    let e1 = store
        .add_evidence_file(&cli(), &t.id, "sshd_config", b"PermitRootLogin no\n", None)
        .await
        .unwrap();
    let e2 = store
        .add_evidence_file(
            &cli(),
            &t.id,
            "sshd_config (again)",
            b"PermitRootLogin no\n",
            None,
        )
        .await
        .unwrap();
    assert_ne!(e1.id, e2.id);
    let kexin_core::EvidenceKind::File { sha256, size } = &e1.kind else {
        panic!()
    };
    assert_eq!(*size, 19);
    assert_eq!(
        std::fs::read(store.blob_path(sha256)).unwrap(),
        b"PermitRootLogin no\n"
    );
    assert!(
        store
            .blob_path(sha256)
            .starts_with(dir.path().join("blobs"))
    );
    store
        .attach_evidence(&cli(), &t.id, &a.id, "p.1", &e1.id)
        .await
        .unwrap();
    let link = store
        .add_evidence_link(
            &cli(),
            &t.id,
            "Policy",
            "https://intranet.example/policy.pdf",
            None,
        )
        .await
        .unwrap();
    store
        .attach_evidence(&cli(), &t.id, &a.id, "p.1", &link.id)
        .await
        .unwrap();
    let results = store.point_results(&t.id, &a.id).await.unwrap();
    assert_eq!(results[0].evidence.len(), 2);

    // Workflow.
    let e = store
        .transition_assessment(&cli(), &t.id, &a.id, Transition::SignOff)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("needs it to be reviewed"), "{e}");
    store
        .transition_assessment(&cli(), &t.id, &a.id, Transition::Submit)
        .await
        .unwrap();
    let e = store
        .record_results(
            &cli(),
            &t.id,
            &a.id,
            vec![answer("p.3", Verdict::Fail, None)],
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only a draft"), "{e}");
    let e = store
        .transition_assessment(&cli(), &t.id, &a.id, Transition::Review { note: None })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("different person"), "{e}");
    let auditor = Actor {
        name: "auditor-ann".into(),
        id: "ann".into(),
        ..cli()
    };
    let a2 = store
        .transition_assessment(
            &auditor,
            &t.id,
            &a.id,
            Transition::Review {
                note: Some("checked".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (a2.status, a2.reviewed_by.as_deref()),
        (AssessmentStatus::Reviewed, Some("auditor-ann"))
    );
    let a3 = store
        .transition_assessment(&cli(), &t.id, &a.id, Transition::SignOff)
        .await
        .unwrap();
    assert_eq!(a3.status, AssessmentStatus::SignedOff);
    let e = store
        .attach_evidence(&cli(), &t.id, &a.id, "p.2", &e2.id)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("frozen"), "{e}");

    // A follow-up assessment supersedes it; a different target cannot.
    let next = NewAssessment {
        supersedes: Some(a.id.clone()),
        ..new.clone()
    };
    store.create_assessment(&cli(), &t.id, next).await.unwrap();
    let wrong = NewAssessment {
        supersedes: Some(a.id.clone()),
        target_name: "other".into(),
        ..new
    };
    assert!(store.create_assessment(&cli(), &t.id, wrong).await.is_err());
    // Another tenant sees none of it.
    let other = store
        .create_tenant(&cli(), "globex", "Globex")
        .await
        .unwrap();
    assert!(store.assessment(&other.id, &a.id).await.is_err());
    assert!(store.evidence(&other.id, &e1.id).await.is_err());
    assert!(store.verify_audit(&mut |_, _| {}).await.unwrap().intact());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_sees_one_snapshot_while_others_write() {
    let (_dir, store) = fresh().await;
    let t = store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    for i in 0..300 {
        store
            .create_asset(&cli(), &t.id, asset(&format!("a{i}")))
            .await
            .unwrap();
    }
    let writer = {
        let store = store.clone();
        let t = t.id.clone();
        tokio::spawn(async move {
            for i in 0..300 {
                store
                    .create_asset(&cli(), &t, asset(&format!("b{i}")))
                    .await
                    .unwrap();
            }
        })
    };
    for _ in 0..20 {
        let r = store.verify_audit(&mut |_, _| {}).await.unwrap();
        assert!(
            r.intact(),
            "a verify running beside writers reports no break: {:?}",
            r.breaks
        );
    }
    writer.await.unwrap();
}

#[tokio::test]
async fn a_record_edited_to_an_unreadable_value_is_a_break_not_an_error() {
    let (_dir, store) = fresh().await;
    store.create_tenant(&cli(), "acme", "Acme").await.unwrap();
    let mut conn = raw(store.path()).await;
    sqlx::raw_sql("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET time = 42, outcome = 'maybe' WHERE seq = 2;")
        .execute(&mut conn)
        .await
        .unwrap();
    let r = store.verify_audit(&mut |_, _| {}).await.unwrap();
    assert_eq!(r.breaks.len(), 1, "{:?}", r.breaks);
    assert!(
        r.breaks[0].seq == 2 && r.breaks[0].reason.contains("edited"),
        "{:?}",
        r.breaks
    );
}
