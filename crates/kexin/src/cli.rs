//! The command line, as clap sees it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kexin_core::Role;

#[derive(Debug, Parser)]
#[command(name = "kexin", version, about = "Kexin (可信): cloud security and risk management in one binary", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Data directory (database, configuration, evidence).
    #[arg(long, global = true, env = "KEXIN_DATA", default_value = "kexin-data")]
    pub data: PathBuf,
    /// Configuration file [default: <data>/kexin.toml when it exists].
    #[arg(long, global = true, env = "KEXIN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Output format: text or json for commands that print data; html, pdf or json for `assess report`; sarif or ocsf also for `scan host`.
    #[arg(long = "format", global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format_arg: FormatArg,
}

/// What `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Html,
    Pdf,
    Sarif,
    Ocsf,
}

/// How commands print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl Global {
    /// The format for data output; html and pdf are for reports only.
    pub fn format(&self) -> Result<Format, String> {
        match self.format_arg {
            FormatArg::Text => Ok(Format::Text),
            FormatArg::Json => Ok(Format::Json),
            other => Err(format!(
                "--format {} is only for `kexin assess report`; use text or json here",
                format!("{other:?}").to_lowercase()
            )),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory and the first platform administrator (prints a one-time password).
    Init {
        /// Username of the first platform administrator.
        #[arg(long, default_value = "admin")]
        admin: String,
    },
    /// Run the server: API under /api/v1, console at /, /metrics, /healthz. Initialises the data directory on first run.
    Serve {
        /// Address to listen on [default: server.listen of the configuration].
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCmd),
    /// Manage users of a tenant.
    #[command(subcommand)]
    User(UserCmd),
    /// Manage API tokens of a tenant.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Read, export and verify the audit trail.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Write a backup of the whole data directory (safe while the server runs).
    Backup {
        /// Archive to write (.tar.gz).
        output: PathBuf,
    },
    /// Restore a backup into the data directory; the current contents are kept aside. The server must be stopped.
    Restore {
        /// Archive written by `kexin backup`.
        archive: PathBuf,
    },
    /// Show the effective configuration, or check it.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// The working group's standards as data: list, show, lint, crosswalk.
    #[command(subcommand)]
    Catalog(crate::catalog_cmd::CatalogCmd),
    /// Scan for security weaknesses.
    #[command(subcommand)]
    Scan(crate::scan_cmd::ScanCmd),
    /// Scan this host on a schedule and deliver the results to a Kexin server over HTTPS, spooling them while it is unreachable.
    Agent(crate::agent_cmd::AgentArgs),
    /// Import the advisories that patch checks match installed packages against.
    #[command(subcommand)]
    Vulndb(crate::scan_cmd::VulndbCmd),
    /// Run Sigma rules and threat intelligence over log streams (files or standard input). Exit code 0: nothing found; 4: matches.
    Detect(crate::detect_cmd::DetectArgs),
    /// Check Sigma rule files.
    #[command(subcommand)]
    Rules(crate::detect_cmd::RulesCmd),
    /// Assess a target against a standard: answers, evidence, level reached, review and sign-off.
    #[command(subcommand)]
    Assess(crate::assess_cmd::AssessCmd),
}

#[derive(Debug, Subcommand)]
pub enum TenantCmd {
    /// Create a tenant.
    Create {
        /// Short name used at login and in URLs: a-z, 0-9 and dashes.
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// List tenants.
    List,
    /// Show a tenant and what it holds.
    Show { slug: String },
    /// Suspend a tenant: its sessions end, its users and tokens are refused.
    Suspend { slug: String },
    /// Resume a suspended tenant.
    Resume { slug: String },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Create a user with a one-time password (printed once).
    Create {
        #[arg(long)]
        tenant: String,
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List the users of a tenant.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Change a user's role.
    SetRole {
        #[arg(long)]
        tenant: String,
        username: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Disable a user (its sessions end).
    Disable {
        #[arg(long)]
        tenant: String,
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        #[arg(long)]
        tenant: String,
        username: String,
    },
    /// Replace a user's password with a one-time password (printed once).
    ResetPassword {
        #[arg(long)]
        tenant: String,
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create an API token (the secret is printed once).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Lifetime such as 90d or 12h; without it the token lasts until revoked.
        #[arg(long)]
        expires_in: Option<String>,
    },
    /// List a tenant's tokens (never their secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a token at once.
    Revoke {
        #[arg(long)]
        tenant: String,
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// List audit records, oldest first.
    List {
        /// Only records about this tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// RFC 3339 time; records at or after.
        #[arg(long)]
        since: Option<String>,
        /// Exact action, or a prefix ending in '.', e.g. user.
        #[arg(long)]
        action: Option<String>,
        /// Most records to print.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Check the whole hash chain; exit code 3 if it is broken.
    Verify,
    /// Export audit records with their hashes.
    Export {
        #[arg(long)]
        tenant: Option<String>,
        /// jsonl (every field, re-checkable) or csv.
        #[arg(long = "as", default_value = "jsonl")]
        export_format: String,
        /// File to write [default: standard output].
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print the effective configuration (defaults, file and environment merged).
    Show,
    /// Print every setting with its environment variable, default and allowed values.
    Settings,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|e: kexin_core::UnknownRole| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
