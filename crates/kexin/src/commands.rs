//! What each command does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use kexin_config::Config;
use kexin_core::{
    Actor, ActorKind, PLATFORM_TENANT, Role, Tenant, TenantStatus, Timestamp, UserStatus,
};
use kexin_store::audit::{AuditFilter, ExportFormat};
use kexin_store::{DB_FILE, NewUser, Store, StoreOptions, UserChanges};

use crate::cli::{AuditCmd, Cli, Command, ConfigCmd, Format, TenantCmd, TokenCmd, UserCmd};
use crate::output::{opt, print};

/// A mistake in how Kexin was called or configured (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub(crate) fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

const CONFIG_FILE: &str = "kexin.toml";

fn config_path(cli: &Cli) -> Option<PathBuf> {
    cli.global.config.clone().or_else(|| {
        let p = cli.global.data.join(CONFIG_FILE);
        p.exists().then_some(p)
    })
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    Config::load(config_path(cli).as_deref(), std::env::vars()).map_err(|e| usage(e.to_string()))
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("KEXIN_LOG")
        .unwrap_or_else(|_| EnvFilter::new(config.log.level.as_str()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log.format {
        kexin_config::LogFormat::Json => builder.json().try_init(),
        kexin_config::LogFormat::Text => builder.try_init(),
    };
}

fn store_options(config: &Config) -> StoreOptions {
    StoreOptions {
        busy_timeout: config.storage.busy_timeout,
        max_size_bytes: (config.storage.max_size_mb > 0)
            .then(|| config.storage.max_size_mb * 1024 * 1024),
        ..Default::default()
    }
}

async fn open_store(data: &Path, config: &Config) -> anyhow::Result<Store> {
    if !data.join(DB_FILE).exists() {
        bail!(
            "{} holds no Kexin store; run `kexin init --data {}` first",
            data.display(),
            data.display()
        );
    }
    Ok(Store::open(&data.join(DB_FILE), &store_options(config)).await?)
}

fn cli_actor(platform: &Tenant) -> Actor {
    let user = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(os_user_id);
    Actor {
        kind: ActorKind::Cli,
        id: user.clone(),
        name: format!("cli:{user}"),
        tenant_id: platform.id.clone(),
        role: Role::PlatformAdmin,
        source: "local".into(),
    }
}

#[cfg(unix)]
fn os_user_id() -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| format!("uid:{}", m.uid()))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(not(unix))]
fn os_user_id() -> String {
    "unknown".into()
}

async fn tenant(store: &Store, slug: &str) -> anyhow::Result<Tenant> {
    store
        .tenant_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow!("no tenant `{slug}`; `kexin tenant list` shows them"))
}

/// What `kexin init` and the first `kexin serve` print.
struct Initialized {
    admin: String,
    one_time_password: String,
}

/// Creates the data directory, its configuration file and the store with
/// the first platform administrator. Refuses if the store is initialised.
async fn initialize(
    data: &Path,
    config_file: Option<&Path>,
    admin: &str,
) -> anyhow::Result<(Store, Config, Initialized)> {
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data directory {}", data.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict permissions of {}", data.display()))?;
    }
    let default_config = data.join(CONFIG_FILE);
    if config_file.is_none() && !default_config.exists() {
        std::fs::write(&default_config, Config::template())
            .with_context(|| format!("cannot write {}", default_config.display()))?;
    }
    let config_path = config_file.map(Path::to_path_buf).unwrap_or(default_config);
    let config =
        Config::load(Some(&config_path), std::env::vars()).map_err(|e| usage(e.to_string()))?;
    let store = Store::open(&data.join(DB_FILE), &store_options(&config)).await?;
    if store.is_initialized().await? {
        return Err(usage(format!("{} is already initialised", data.display())));
    }
    let otp = kexin_auth::generate_one_time_password();
    let hash = kexin_auth::hash_password(&otp)?;
    let bootstrap = Actor {
        kind: ActorKind::Cli,
        id: "init".into(),
        name: "cli:init".into(),
        tenant_id: kexin_core::TenantId::from_string(""),
        role: Role::PlatformAdmin,
        source: "local".into(),
    };
    let new = NewUser {
        username: admin.to_string(),
        display_name: "Administrator".into(),
        role: Role::PlatformAdmin,
        password_hash: hash,
        must_change_password: true,
    };
    store.initialize(&bootstrap, new).await?;
    Ok((
        store,
        config,
        Initialized {
            admin: admin.to_string(),
            one_time_password: otp,
        },
    ))
}

fn print_login_help(
    format: Format,
    data: &Path,
    init: &Initialized,
    url: Option<&str>,
) -> anyhow::Result<()> {
    if format == Format::Json {
        let v = serde_json::json!({
            "data_dir": data, "tenant": PLATFORM_TENANT, "username": init.admin,
            "one_time_password": init.one_time_password, "url": url,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("Initialised {}.", data.display());
    if let Some(url) = url {
        println!("Open {url} and log in with:");
    } else {
        println!("Log in with:");
    }
    println!("  tenant:   {PLATFORM_TENANT}");
    println!("  username: {}", init.admin);
    println!(
        "  password: {}   (one-time: you choose a new one at first login)",
        init.one_time_password
    );
    Ok(())
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data = cli.global.data.clone();
    let is_report = matches!(
        &cli.command,
        Command::Assess(crate::assess_cmd::AssessCmd::Report { .. })
            | Command::Scan(_)
            | Command::Detect(_)
    );
    let format = match cli.global.format() {
        Ok(f) => f,
        Err(_) if is_report => Format::Text,
        Err(e) => return Err(usage(e)),
    };
    match &cli.command {
        Command::Init { admin } => {
            let (store, config, init) =
                initialize(&data, cli.global.config.as_deref(), admin).await?;
            init_logging(&config);
            store.close().await;
            print_login_help(format, &data, &init, None)?;
        }
        Command::Serve { listen } => return serve(&cli, *listen).await,
        Command::Catalog(cmd) => return crate::catalog_cmd::run(cmd, format),
        Command::Scan(cmd) => {
            return crate::scan_cmd::run(cmd, format, cli.global.format_arg, &data);
        }
        Command::Vulndb(cmd) => return crate::scan_cmd::run_vulndb(cmd, format, &data),
        Command::Detect(args) => return crate::detect_cmd::run_detect(args, cli.global.format_arg),
        Command::Rules(cmd) => return crate::detect_cmd::run_rules(cmd, format),
        Command::Agent(args) => {
            init_logging(&Config::default());
            return crate::agent_cmd::run(args, format, &data).await;
        }
        Command::Config(cmd) => {
            let config = load_config(&cli)?;
            match cmd {
                ConfigCmd::Show => match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&config)?),
                    Format::Text => print!("{}", toml::to_string(&config)?),
                },
                ConfigCmd::Settings => {
                    let settings = Config::settings();
                    print(format, &settings, || {
                        let mut rows = vec![vec![
                            "KEY".into(),
                            "ENV".into(),
                            "DEFAULT".into(),
                            "ALLOWED".into(),
                        ]];
                        rows.extend(settings.iter().map(|s| {
                            vec![
                                s.key.to_string(),
                                s.env.clone(),
                                s.default.clone(),
                                s.allowed.to_string(),
                            ]
                        }));
                        rows
                    })?;
                }
            }
        }
        Command::Backup { output } => {
            let bar = progress_bar("backing up");
            let manifest = kexin_store::backup(&data, output, &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await?;
            bar.finish_and_clear();
            let entry = kexin_store::AuditEntry::new("store.backup", "store", None)
                .with("archive", output.display().to_string())
                .with("files", manifest.files.len())
                .with("schema_version", manifest.schema_version);
            record_cli_action(&cli, entry).await?;
            let bytes: u64 = manifest.files.iter().map(|f| f.size).sum();
            print(format, &manifest, || {
                vec![vec![format!(
                    "wrote {} ({} files, {} bytes, schema version {})",
                    output.display(),
                    manifest.files.len(),
                    bytes,
                    manifest.schema_version
                )]]
            })?;
        }
        Command::Restore { archive } => {
            let (manifest, previous) = kexin_store::restore(archive, &data).await?;
            // The restored trail continues with the fact that it was restored:
            // a rewind is visible, not silent.
            let entry = kexin_store::AuditEntry::new("store.restore", "store", None)
                .with("archive", archive.display().to_string())
                .with("backup_created_at", &manifest.created_at)
                .with(
                    "previous_data_moved_to",
                    previous.as_ref().map(|p| p.display().to_string()),
                );
            record_cli_action(&cli, entry).await?;
            let v = serde_json::json!({"restored": data, "manifest": manifest, "previous_data_moved_to": previous});
            print(format, &v, || {
                let mut rows = vec![vec![format!(
                    "restored {} from {} (made {})",
                    data.display(),
                    archive.display(),
                    manifest.created_at
                )]];
                if let Some(p) = &previous {
                    rows.push(vec![format!(
                        "the previous contents were moved to {}",
                        p.display()
                    )]);
                }
                rows
            })?;
        }
        _ => return admin_command(&cli).await,
    }
    Ok(ExitCode::SUCCESS)
}

/// Appends one audit record for a CLI action that is not a store method.
async fn record_cli_action(cli: &Cli, entry: kexin_store::AuditEntry) -> anyhow::Result<()> {
    let config = load_config(cli)?;
    let store = open_store(&cli.global.data, &config).await?;
    let platform = tenant(&store, PLATFORM_TENANT).await?;
    let result = store.record_audit(&cli_actor(&platform), entry).await;
    store.close().await;
    result?;
    Ok(())
}

fn progress_bar(what: &str) -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

async fn serve(cli: &Cli, listen: Option<std::net::SocketAddr>) -> anyhow::Result<ExitCode> {
    let data = &cli.global.data;
    let format = cli.global.format().map_err(usage)?;
    // The lock first: nothing may open, migrate or initialise the store
    // while another server (or a restore) holds the directory.
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data directory {}", data.display()))?;
    let _lock = kexin_store::DataDirLock::acquire(data)?;
    // The TLS files are checked before a fresh directory is initialised, so
    // a mistake there never swallows the administrator's one-time password.
    let tls = {
        let config = load_config(cli)?;
        kexin_server::tls_config(
            config.server.tls_cert.as_deref(),
            config.server.tls_key.as_deref(),
        )
        .map_err(|e| usage(e.to_string()))?
    };
    let fresh = !data.join(DB_FILE).exists();
    let (store, mut config, init) = if fresh {
        let (store, config, init) = initialize(data, cli.global.config.as_deref(), "admin").await?;
        (store, config, Some(init))
    } else {
        let config = load_config(cli)?;
        let store = open_store(data, &config).await?;
        (store, config, None)
    };
    init_logging(&config);
    if let Some(addr) = listen {
        config.server.listen = addr;
    }
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (set server.listen or --listen)",
                config.server.listen
            )
        })?;
    let listener = kexin_server::Incoming::new(listener, tls)?;
    let addr = listener.local_addr();
    let scheme = if listener.is_tls() { "https" } else { "http" };
    let url = format!("{scheme}://{addr}/");
    if let Some(init) = &init {
        print_login_help(format, data, init, Some(&url))?;
    } else if format == Format::Text {
        println!(
            "Kexin is serving {url} (API {url}api/v1, data {})",
            data.display()
        );
    }
    if format == Format::Json && init.is_none() {
        println!("{}", serde_json::json!({"url": url, "data_dir": data}));
    }
    std::io::stdout().flush().ok();
    tracing::info!(%addr, data = %data.display(), "serving");
    let state = kexin_server::AppState::new(store.clone(), config);
    let purge = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                tick.tick().await;
                if let Err(e) = store.purge_expired_sessions().await {
                    tracing::warn!(error = %e, "could not purge expired sessions");
                }
            }
        })
    };
    kexin_server::serve(listener, state, shutdown_signal()).await?;
    purge.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

async fn admin_command(cli: &Cli) -> anyhow::Result<ExitCode> {
    let config = load_config(cli)?;
    init_logging(&config);
    let store = open_store(&cli.global.data, &config).await?;
    let result = admin_on_store(cli, &store).await;
    store.close().await;
    result
}

async fn admin_on_store(cli: &Cli, store: &Store) -> anyhow::Result<ExitCode> {
    let format = if matches!(
        &cli.command,
        Command::Assess(crate::assess_cmd::AssessCmd::Report { .. })
    ) {
        Format::Text
    } else {
        cli.global.format().map_err(usage)?
    };
    let platform = tenant(store, PLATFORM_TENANT).await?;
    let actor = cli_actor(&platform);
    match &cli.command {
        Command::Tenant(cmd) => match cmd {
            TenantCmd::Create { slug, name } => {
                let t = store.create_tenant(&actor, slug, name).await?;
                print(format, &t, || {
                    vec![vec![format!("created tenant {} ({})", t.slug, t.id)]]
                })?;
            }
            TenantCmd::List => {
                let list = store.list_tenants().await?;
                print(format, &list, || {
                    let mut rows = vec![vec![
                        "SLUG".into(),
                        "NAME".into(),
                        "STATUS".into(),
                        "CREATED".into(),
                    ]];
                    rows.extend(list.iter().map(|t| {
                        vec![
                            t.slug.clone(),
                            t.name.clone(),
                            t.status.to_string(),
                            t.created_at.to_string(),
                        ]
                    }));
                    rows
                })?;
            }
            TenantCmd::Show { slug } => {
                let t = tenant(store, slug).await?;
                let s = store.tenant_summary(&t.id).await?;
                let v = serde_json::json!({"tenant": t, "summary": s});
                print(format, &v, || {
                    vec![
                        vec!["slug".into(), t.slug.clone()],
                        vec!["name".into(), t.name.clone()],
                        vec!["status".into(), t.status.to_string()],
                        vec!["id".into(), t.id.to_string()],
                        vec!["users".into(), s.users.to_string()],
                        vec!["active tokens".into(), s.active_tokens.to_string()],
                        vec!["assets".into(), s.assets.to_string()],
                        vec!["audit records".into(), s.audit_records.to_string()],
                    ]
                })?;
            }
            TenantCmd::Suspend { slug } | TenantCmd::Resume { slug } => {
                let status = if matches!(cmd, TenantCmd::Suspend { .. }) {
                    TenantStatus::Suspended
                } else {
                    TenantStatus::Active
                };
                let t = tenant(store, slug).await?;
                let t = store.set_tenant_status(&actor, &t.id, status).await?;
                print(format, &t, || {
                    vec![vec![format!("tenant {} is {}", t.slug, t.status)]]
                })?;
            }
        },
        Command::User(cmd) => user_command(cmd, format, store, &actor).await?,
        Command::Token(cmd) => match cmd {
            TokenCmd::Create {
                tenant: slug,
                name,
                role,
                expires_in,
            } => {
                let t = tenant(store, slug).await?;
                let expires_at = match expires_in {
                    Some(s) => Some(
                        Timestamp::now().plus(
                            kexin_config::parse_duration(s)
                                .map_err(|e| usage(format!("--expires-in: {e}")))?,
                        ),
                    ),
                    None => None,
                };
                let minted = kexin_auth::generate_token();
                let token = store
                    .create_token(
                        &actor,
                        &t.id,
                        name,
                        *role,
                        &minted.hash,
                        &minted.display_prefix,
                        expires_at,
                    )
                    .await?;
                let v = serde_json::json!({"token": token, "secret": minted.secret});
                print(format, &v, || {
                    vec![
                        vec![format!(
                            "created token {} ({}) for tenant {} with role {}",
                            token.name, token.id, t.slug, token.role
                        )],
                        vec![format!("secret (shown once): {}", minted.secret)],
                    ]
                })?;
            }
            TokenCmd::List { tenant: slug } => {
                let t = tenant(store, slug).await?;
                let list = store.list_tokens(&t.id).await?;
                print(format, &list, || {
                    let mut rows = vec![vec![
                        "ID".into(),
                        "NAME".into(),
                        "ROLE".into(),
                        "PREFIX".into(),
                        "EXPIRES".into(),
                        "REVOKED".into(),
                        "LAST USED".into(),
                    ]];
                    rows.extend(list.iter().map(|k| {
                        vec![
                            k.id.to_string(),
                            k.name.clone(),
                            k.role.to_string(),
                            k.prefix.clone(),
                            opt(&k.expires_at),
                            opt(&k.revoked_at),
                            opt(&k.last_used_at),
                        ]
                    }));
                    rows
                })?;
            }
            TokenCmd::Revoke { tenant: slug, id } => {
                let t = tenant(store, slug).await?;
                let token = store
                    .revoke_token(&actor, &t.id, &kexin_core::TokenId::from_string(id.clone()))
                    .await?;
                print(format, &token, || {
                    vec![vec![format!("revoked token {} ({})", token.name, token.id)]]
                })?;
            }
        },
        Command::Audit(cmd) => return audit_command(cmd, format, store, &actor).await,
        Command::Assess(cmd) => {
            return crate::assess_cmd::run(
                cmd,
                format,
                cli.global.format_arg,
                store,
                &actor,
                async |slug: &str| tenant(store, slug).await,
            )
            .await;
        }
        _ => unreachable!("handled in run()"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn user_command(
    cmd: &UserCmd,
    format: Format,
    store: &Store,
    actor: &Actor,
) -> anyhow::Result<()> {
    match cmd {
        UserCmd::Create {
            tenant: slug,
            username,
            role,
            display_name,
        } => {
            let t = tenant(store, slug).await?;
            let otp = kexin_auth::generate_one_time_password();
            let new = NewUser {
                username: username.clone(),
                display_name: display_name.clone().unwrap_or_else(|| username.clone()),
                role: *role,
                password_hash: kexin_auth::hash_password(&otp)?,
                must_change_password: true,
            };
            let u = store.create_user(actor, &t.id, new).await?;
            let v = serde_json::json!({"user": u, "one_time_password": otp});
            print(format, &v, || {
                vec![
                    vec![format!(
                        "created user {} ({}) in tenant {} with role {}",
                        u.username, u.id, t.slug, u.role
                    )],
                    vec![format!("one-time password (shown once): {otp}")],
                ]
            })?;
        }
        UserCmd::List { tenant: slug } => {
            let t = tenant(store, slug).await?;
            let list = store.list_users(&t.id).await?;
            print(format, &list, || {
                let mut rows = vec![vec![
                    "USERNAME".into(),
                    "NAME".into(),
                    "ROLE".into(),
                    "STATUS".into(),
                    "LAST LOGIN".into(),
                ]];
                rows.extend(list.iter().map(|u| {
                    vec![
                        u.username.clone(),
                        u.display_name.clone(),
                        u.role.to_string(),
                        u.status.to_string(),
                        opt(&u.last_login_at),
                    ]
                }));
                rows
            })?;
        }
        UserCmd::SetRole {
            tenant: slug,
            username,
            role,
        } => {
            let t = tenant(store, slug).await?;
            let u = store.user_by_name(&t.id, username).await?;
            let u = store
                .update_user(
                    actor,
                    &t.id,
                    &u.id,
                    UserChanges {
                        role: Some(*role),
                        ..Default::default()
                    },
                )
                .await?;
            print(format, &u, || {
                vec![vec![format!("{} now has role {}", u.username, u.role)]]
            })?;
        }
        UserCmd::Disable {
            tenant: slug,
            username,
        }
        | UserCmd::Enable {
            tenant: slug,
            username,
        } => {
            let status = if matches!(cmd, UserCmd::Disable { .. }) {
                UserStatus::Disabled
            } else {
                UserStatus::Active
            };
            let t = tenant(store, slug).await?;
            let u = store.user_by_name(&t.id, username).await?;
            let u = store
                .update_user(
                    actor,
                    &t.id,
                    &u.id,
                    UserChanges {
                        status: Some(status),
                        ..Default::default()
                    },
                )
                .await?;
            print(format, &u, || {
                vec![vec![format!("{} is {}", u.username, u.status)]]
            })?;
        }
        UserCmd::ResetPassword {
            tenant: slug,
            username,
        } => {
            let t = tenant(store, slug).await?;
            let u = store.user_by_name(&t.id, username).await?;
            let otp = kexin_auth::generate_one_time_password();
            store
                .set_password(
                    actor,
                    &t.id,
                    &u.id,
                    &kexin_auth::hash_password(&otp)?,
                    true,
                    None,
                )
                .await?;
            let v = serde_json::json!({"username": u.username, "one_time_password": otp});
            print(format, &v, || {
                vec![vec![format!(
                    "one-time password for {} (shown once): {otp}",
                    u.username
                )]]
            })?;
        }
    }
    Ok(())
}

async fn audit_command(
    cmd: &AuditCmd,
    format: Format,
    store: &Store,
    actor: &Actor,
) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCmd::List {
            tenant: slug,
            since,
            action,
            limit,
        } => {
            let tenant_id = match slug {
                Some(s) => Some(tenant(store, s).await?.id),
                None => None,
            };
            let since = since
                .as_deref()
                .map(Timestamp::parse)
                .transpose()
                .map_err(|e| usage(format!("--since: {e}")))?;
            let filter = AuditFilter {
                tenant_id,
                since,
                action: action.clone(),
                limit: Some(*limit),
                ..Default::default()
            };
            let list = store.list_audit(&filter).await?;
            print(format, &list, || {
                let mut rows = vec![vec![
                    "SEQ".into(),
                    "TIME".into(),
                    "ACTOR".into(),
                    "ACTION".into(),
                    "OBJECT".into(),
                    "OUTCOME".into(),
                    "SOURCE".into(),
                ]];
                rows.extend(list.iter().map(|r| {
                    vec![
                        r.seq.to_string(),
                        r.time.to_string(),
                        r.actor_name.clone(),
                        r.action.clone(),
                        format!("{}:{}", r.object_type, opt(&r.object_id)),
                        r.outcome.to_string(),
                        r.source.clone(),
                    ]
                }));
                rows
            })?;
        }
        AuditCmd::Verify => {
            let bar = progress_bar("verifying");
            let report = store
                .verify_audit(&mut |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await?;
            bar.finish_and_clear();
            let entry =
                kexin_store::AuditEntry::new("audit.verify", "audit", Some(&actor.tenant_id))
                    .with("records", report.records)
                    .with("intact", report.intact());
            store.record_audit(actor, entry).await?;
            print(format, &report, || {
                if report.intact() {
                    vec![vec![format!(
                        "audit chain intact: {} records, head at {}",
                        report.records,
                        opt(&report.head_seq)
                    )]]
                } else {
                    let mut rows = vec![vec![format!(
                        "AUDIT CHAIN BROKEN: {} problem(s) in {} records",
                        report.breaks.len(),
                        report.records
                    )]];
                    rows.extend(
                        report
                            .breaks
                            .iter()
                            .map(|b| vec![format!("  record {}: {}", b.seq, b.reason)]),
                    );
                    rows
                }
            })?;
            if !report.intact() {
                return Ok(ExitCode::from(3));
            }
        }
        AuditCmd::Export {
            tenant: slug,
            export_format,
            output,
        } => {
            let export: ExportFormat = export_format.parse().map_err(usage)?;
            let tenant_id = match slug {
                Some(s) => Some(tenant(store, s).await?.id),
                None => None,
            };
            let mut sink: Box<dyn Write> = match output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            sink.write_all(export.header().as_bytes())?;
            let mut after = 0;
            let mut count = 0u64;
            loop {
                let filter = AuditFilter {
                    tenant_id: tenant_id.clone(),
                    after_seq: Some(after),
                    limit: Some(5_000),
                    ..Default::default()
                };
                let batch = store.list_audit(&filter).await?;
                let Some(last) = batch.last() else { break };
                after = last.seq;
                for r in &batch {
                    sink.write_all(export.line(r).as_bytes())?;
                }
                count += batch.len() as u64;
            }
            sink.flush()?;
            drop(sink);
            let entry = kexin_store::AuditEntry::new("audit.export", "audit", tenant_id.as_ref())
                .with("format", export_format)
                .with("records", count);
            store.record_audit(actor, entry).await?;
            if let Some(path) = output {
                eprintln!("exported {count} records to {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
