//! Tests of the public behaviour: loading, errors, template, settings and docs.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::{Config, ConfigError, LogFormat, LogLevel, Origin, load};

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Loads `text` as if it were the file `kexin.toml`, then `vars`.
fn load_str(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    load::apply_toml(&mut config, Path::new("kexin.toml"), text)?;
    load::apply_env(&mut config, env(vars))?;
    Ok(config)
}

/// The error message for `text` as the file `kexin.toml`.
fn file_error(text: &str) -> String {
    load_str(text, &[])
        .expect_err("the file should be rejected")
        .to_string()
}

/// The error message for the environment `vars`, with no file.
fn env_error(vars: &[(&str, &str)]) -> String {
    Config::load(None, env(vars))
        .expect_err("the environment should be rejected")
        .to_string()
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "{message:?} does not mention {part:?}"
        );
    }
    assert!(!message.contains('\n'), "{message:?} is not one line");
}

#[test]
fn defaults_are_the_documented_ones() {
    let c = Config::default();
    assert_eq!(
        c.server.listen,
        "127.0.0.1:8080".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(c.server.max_body_bytes, 1_048_576);
    assert_eq!(c.server.request_timeout, Duration::from_secs(30));
    assert_eq!(c.server.shutdown_grace, Duration::from_secs(30));
    assert_eq!((&c.server.tls_cert, &c.server.tls_key), (&None, &None));
    assert_eq!(c.auth.session_ttl, Duration::from_secs(12 * 3600));
    assert_eq!(c.auth.password_min_length, 12);
    assert_eq!(c.auth.lockout_threshold, 5);
    assert_eq!(c.auth.lockout_duration, Duration::from_secs(15 * 60));
    assert_eq!(c.storage.max_size_mb, 0);
    assert_eq!(c.storage.busy_timeout, Duration::from_secs(5));
    assert_eq!(c.log.level, LogLevel::Info);
    assert_eq!(c.log.format, LogFormat::Text);
}

#[test]
fn no_file_and_no_env_gives_defaults() {
    assert_eq!(Config::load(None, no_env()).unwrap(), Config::default());
    assert_eq!(load_str("", &[]).unwrap(), Config::default());
}

#[test]
fn template_loads_as_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kexin.toml");
    std::fs::write(&path, Config::template()).unwrap();
    assert_eq!(
        Config::load(Some(&path), no_env()).unwrap(),
        Config::default()
    );
}

#[test]
fn template_sets_and_explains_every_setting() {
    let template = Config::template();
    let lines: Vec<&str> = template.lines().collect();
    for setting in Config::settings() {
        let (section, name) = setting.key.split_once('.').unwrap();
        assert!(template.contains(&format!("[{section}]")), "no [{section}]");
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("{} is not set in the template", setting.key));
        assert!(lines[at].contains(&setting.default), "{}", lines[at]);
        assert!(
            lines[at - 1].starts_with("# "),
            "{} has no comment",
            setting.key
        );
        assert!(
            lines[at - 1].contains(setting.description),
            "{}",
            lines[at - 1]
        );
    }
}

#[test]
fn a_full_file_sets_every_field() {
    let text = r#"
[server]
listen = "0.0.0.0:9000"
max_body_bytes = 2_097_152
request_timeout = "1m"
shutdown_grace = "10s"
tls_cert = "/etc/kexin/chain.pem"
tls_key = "/etc/kexin/key.pem"

[auth]
session_ttl = "7d"
password_min_length = 16
lockout_threshold = 0
lockout_duration = "1h30m"

[storage]
max_size_mb = 4096
busy_timeout = "250ms"

[log]
level = "debug"
format = "json"
"#;
    let c = load_str(text, &[]).unwrap();
    assert_eq!(
        c.server.listen,
        "0.0.0.0:9000".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(c.server.max_body_bytes, 2_097_152);
    assert_eq!(c.server.request_timeout, Duration::from_secs(60));
    assert_eq!(c.server.shutdown_grace, Duration::from_secs(10));
    assert_eq!(
        c.server.tls_cert.as_deref(),
        Some(Path::new("/etc/kexin/chain.pem"))
    );
    assert_eq!(
        c.server.tls_key.as_deref(),
        Some(Path::new("/etc/kexin/key.pem"))
    );
    assert_eq!(c.auth.session_ttl, Duration::from_secs(7 * 86_400));
    assert_eq!(c.auth.password_min_length, 16);
    assert_eq!(c.auth.lockout_threshold, 0);
    assert_eq!(c.auth.lockout_duration, Duration::from_secs(5400));
    assert_eq!(c.storage.max_size_mb, 4096);
    assert_eq!(c.storage.busy_timeout, Duration::from_millis(250));
    assert_eq!(c.log.level, LogLevel::Debug);
    assert_eq!(c.log.format, LogFormat::Json);

    // Serializing gives a file that loads back to the same configuration, durations included.
    let serialized = toml::to_string(&c).unwrap();
    assert!(serialized.contains("session_ttl = \"7d\""), "{serialized}");
    assert!(
        serialized.contains("lockout_duration = \"1h30m\""),
        "{serialized}"
    );
    assert!(serialized.contains("level = \"debug\""), "{serialized}");
    assert_eq!(load_str(&serialized, &[]).unwrap(), c);
}

#[test]
fn dotted_keys_and_inline_tables_work_too() {
    let c = load_str(
        "log.level = \"warn\"\nserver = { listen = \"[::1]:1234\" }\n",
        &[],
    )
    .unwrap();
    assert_eq!(c.log.level, LogLevel::Warn);
    assert_eq!(c.server.listen, "[::1]:1234".parse::<SocketAddr>().unwrap());
}

#[test]
fn the_example_enum_error_reads_as_documented() {
    let text = "[server]\nlisten = \"127.0.0.1:8080\"\n[log]\nlevel = \"verbose\"\n";
    assert_eq!(
        file_error(text),
        "kexin.toml line 4: log.level = \"verbose\" is not allowed; \
         expected one of: error, warn, info, debug, trace"
    );
}

#[test]
fn unknown_key_names_key_line_and_valid_keys() {
    let message = file_error("[server]\nlisten = \"127.0.0.1:80\"\nport = 80\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 3",
            "server.port is not a setting",
            "listen, max_body_bytes, request_timeout, shutdown_grace",
        ],
    );
}

#[test]
fn unknown_section_names_section_line_and_valid_sections() {
    let message = file_error("\n\n[serve]\nlisten = \"127.0.0.1:80\"\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 3",
            "\"serve\"",
            "server, auth, storage, log",
        ],
    );
    let message = file_error("log = \"debug\"\n");
    assert_mentions(&message, &["line 1", "log must be a table", "[log]"]);
}

#[test]
fn unknown_key_error_carries_the_key() {
    let err = load_str("[auth]\nsession_tll = \"1h\"\n", &[]).unwrap_err();
    assert_eq!(err.key(), Some("auth.session_tll"));
    let ConfigError::Invalid {
        origin: Origin::File { line, .. },
        ..
    } = err
    else {
        panic!("unexpected error {err:?}");
    };
    assert_eq!(line, 2);
}

#[test]
fn wrong_type_names_key_line_and_expected_type() {
    let message = file_error("[server]\n\nmax_body_bytes = \"big\"\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 3",
            "server.max_body_bytes must be an integer between 1024 and 1073741824",
            "not a string (\"big\")",
        ],
    );
    let message = file_error("[server]\nmax_body_bytes = \"4096\"\n");
    assert_mentions(&message, &["line 2", "without quotes"]);
    let message = file_error("[auth]\nsession_ttl = 3600\n");
    assert_mentions(
        &message,
        &[
            "line 2",
            "auth.session_ttl must be a duration string",
            "not an integer (3600); add quotes and a unit",
        ],
    );
    let message = file_error("[log]\nformat = true\n");
    assert_mentions(
        &message,
        &[
            "line 2",
            "log.format must be one of the strings \"text\", \"json\"",
            "not a boolean",
        ],
    );
    let message = file_error("[server]\nlisten = 8080\n");
    assert_mentions(
        &message,
        &[
            "line 2",
            "server.listen must be a string of the form \"IP:PORT\"",
        ],
    );
}

#[test]
fn bad_enum_lists_allowed_values() {
    let message = file_error("[log]\nformat = \"xml\"\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 2",
            "log.format = \"xml\" is not allowed",
            "expected one of: text, json",
        ],
    );
}

#[test]
fn enum_values_ignore_case() {
    let c = load_str(
        "[log]\nlevel = \"DEBUG\"\n",
        &[("KEXIN_LOG__FORMAT", "Json")],
    )
    .unwrap();
    assert_eq!(c.log.level, LogLevel::Debug);
    assert_eq!(c.log.format, LogFormat::Json);
}

#[test]
fn out_of_range_names_the_range() {
    let message = file_error("[auth]\npassword_min_length = 4\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 2",
            "auth.password_min_length = 4 is out of range",
            "between 8 and 128",
        ],
    );
    let message = file_error("[storage]\nmax_size_mb = -1\n");
    assert_mentions(
        &message,
        &[
            "storage.max_size_mb = -1 is out of range",
            "between 0 and 17592186044415",
        ],
    );
    let message = file_error("[auth]\nsession_ttl = \"31d\"\n");
    assert_mentions(
        &message,
        &[
            "auth.session_ttl = \"31d\" is out of range",
            "between 1m and 30d",
        ],
    );
    let message = file_error("[auth]\nsession_ttl = \"59s\"\n");
    assert_mentions(&message, &["between 1m and 30d"]);
    let message = file_error("[auth]\nlockout_threshold = 4294967296\n");
    assert_mentions(&message, &["between 0 and 4294967295"]);
}

#[test]
fn range_limits_are_inclusive() {
    let c = load_str(
        "[server]\nmax_body_bytes = 1024\n[auth]\nsession_ttl = \"30d\"\npassword_min_length = 128\n",
        &[],
    )
    .unwrap();
    assert_eq!(c.server.max_body_bytes, 1024);
    assert_eq!(c.auth.session_ttl, Duration::from_secs(30 * 86_400));
    assert_eq!(c.auth.password_min_length, 128);
    assert!(load_str("[server]\nmax_body_bytes = 1023\n", &[]).is_err());
    assert!(load_str("[server]\nmax_body_bytes = 1073741825\n", &[]).is_err());
}

#[test]
fn bad_duration_names_key_line_and_accepted_forms() {
    let message = file_error("[server]\nrequest_timeout = \"30 seconds\"\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 2",
            "server.request_timeout = \"30 seconds\" is not a valid duration",
            "\"500ms\"",
            "\"1h30m\"",
        ],
    );
}

#[test]
fn bad_socket_addr_names_key_line_and_the_form() {
    let message = file_error("[server]\nlisten = \"localhost:8080\"\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 2",
            "server.listen = \"localhost:8080\" is not a valid socket address",
            "IP:PORT",
            "\"[::1]:8080\"",
        ],
    );
}

#[test]
fn toml_syntax_errors_name_the_line() {
    let err = load_str("[server]\nlisten = \"127.0.0.1:8080\n", &[]).unwrap_err();
    assert!(
        matches!(err, ConfigError::Syntax { line: 2, .. }),
        "{err:?}"
    );
    assert_mentions(&err.to_string(), &["kexin.toml line 2", "not valid TOML"]);
    let err = load_str(
        "[server]\nlisten = \"127.0.0.1:8080\"\nlisten = \"127.0.0.1:8081\"\n",
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::Syntax { line: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let err = Config::load(Some(&path), no_env()).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    assert_mentions(
        &err.to_string(),
        &[
            "cannot read the configuration file",
            &path.display().to_string(),
        ],
    );
}

#[test]
fn env_overrides_beat_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kexin.toml");
    std::fs::write(
        &path,
        "[server]\nlisten = \"127.0.0.1:9000\"\n[auth]\nsession_ttl = \"1h\"\n",
    )
    .unwrap();
    let c = Config::load(
        Some(&path),
        env(&[("KEXIN_SERVER__LISTEN", "0.0.0.0:443"), ("PATH", "/bin")]),
    )
    .unwrap();
    assert_eq!(
        c.server.listen,
        "0.0.0.0:443".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(
        c.auth.session_ttl,
        Duration::from_secs(3600),
        "the file still applies"
    );
}

#[test]
fn env_values_are_typed_by_the_setting() {
    let c = Config::load(
        None,
        env(&[
            ("KEXIN_SERVER__MAX_BODY_BYTES", "8080"),
            ("KEXIN_AUTH__LOCKOUT_THRESHOLD", " 0 "),
            ("KEXIN_AUTH__SESSION_TTL", "2h"),
            ("KEXIN_STORAGE__MAX_SIZE_MB", "512"),
            ("KEXIN_LOG__LEVEL", "trace"),
        ]),
    )
    .unwrap();
    assert_eq!(c.server.max_body_bytes, 8080);
    assert_eq!(c.auth.lockout_threshold, 0);
    assert_eq!(c.auth.session_ttl, Duration::from_secs(7200));
    assert_eq!(c.storage.max_size_mb, 512);
    assert_eq!(c.log.level, LogLevel::Trace);
}

#[test]
fn env_names_are_case_insensitive() {
    let c = Config::load(
        None,
        env(&[
            ("kexin_log__level", "warn"),
            ("Kexin_Server__Max_Body_Bytes", "4096"),
        ]),
    )
    .unwrap();
    assert_eq!(c.log.level, LogLevel::Warn);
    assert_eq!(c.server.max_body_bytes, 4096);
}

#[test]
fn other_kexin_variables_are_ignored() {
    let c = Config::load(
        None,
        env(&[
            ("KEXIN_DATA", "/var/lib/kexin"),
            ("KEXIN_CONFIG", "/etc/kexin.toml"),
            ("KEXIN_LOG", "debug"),
            ("MY_KEXIN_SERVER__LISTEN", "nonsense"),
            ("HOME", "/root"),
        ]),
    )
    .unwrap();
    assert_eq!(c, Config::default());
}

#[test]
fn unknown_env_override_names_the_variable_and_lists_valid_ones() {
    let message = env_error(&[("KEXIN_SERVER__PORT", "80")]);
    assert_mentions(
        &message,
        &[
            "environment variable KEXIN_SERVER__PORT does not name a setting",
            "KEXIN_SERVER__LISTEN",
            "KEXIN_AUTH__SESSION_TTL",
            "KEXIN_LOG__FORMAT",
        ],
    );
    let message = env_error(&[("KEXIN_SERVERS__LISTEN", "127.0.0.1:80")]);
    assert_mentions(&message, &["KEXIN_SERVERS__LISTEN does not name a setting"]);
}

#[test]
fn the_example_env_range_error_reads_as_documented() {
    let message = env_error(&[("KEXIN_SERVER__MAX_BODY_BYTES", "12")]);
    assert_eq!(
        message,
        "environment variable KEXIN_SERVER__MAX_BODY_BYTES=12: server.max_body_bytes = 12 \
         is out of range; it must be between 1024 and 1073741824"
    );
}

#[test]
fn bad_env_value_names_the_variable_key_and_allowed_values() {
    let message = env_error(&[("KEXIN_SERVER__MAX_BODY_BYTES", "abc")]);
    assert_mentions(
        &message,
        &[
            "environment variable KEXIN_SERVER__MAX_BODY_BYTES=abc",
            "server.max_body_bytes must be an integer between 1024 and 1073741824",
        ],
    );
    let message = env_error(&[("KEXIN_LOG__LEVEL", "loud")]);
    assert_mentions(
        &message,
        &[
            "KEXIN_LOG__LEVEL=loud",
            "log.level = \"loud\" is not allowed",
            "error, warn, info, debug, trace",
        ],
    );
    let message = env_error(&[("KEXIN_AUTH__LOCKOUT_DURATION", "forever")]);
    assert_mentions(
        &message,
        &[
            "KEXIN_AUTH__LOCKOUT_DURATION=forever",
            "auth.lockout_duration",
            "\"1h30m\"",
        ],
    );
    let message = env_error(&[("kexin_server__listen", "8080")]);
    assert_mentions(
        &message,
        &[
            "environment variable kexin_server__listen=8080",
            "server.listen",
            "IP:PORT",
        ],
    );
    let err = Config::load(None, env(&[("KEXIN_AUTH__PASSWORD_MIN_LENGTH", "-3")])).unwrap_err();
    assert_eq!(err.key(), Some("auth.password_min_length"));
    assert_mentions(&err.to_string(), &["between 8 and 128"]);
}

#[test]
fn a_bad_env_value_is_reported_even_with_a_good_file() {
    let err = load_str("[log]\nlevel = \"info\"\n", &[("KEXIN_LOG__LEVEL", "x")]).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Invalid { origin: Origin::Env { var, .. }, .. } if var == "KEXIN_LOG__LEVEL"),
        "{err:?}"
    );
}

#[test]
fn setting_one_key_twice_in_the_environment_is_an_error() {
    let message = env_error(&[("kexin_log__level", "debug"), ("KEXIN_LOG__LEVEL", "info")]);
    assert_mentions(&message, &["log.level is also set by", "set it only once"]);
}

#[test]
fn settings_list_every_setting_with_its_default() {
    let settings = Config::settings();
    let keys: Vec<&str> = settings.iter().map(|s| s.key).collect();
    assert_eq!(
        keys,
        [
            "server.listen",
            "server.max_body_bytes",
            "server.request_timeout",
            "server.shutdown_grace",
            "server.tls_cert",
            "server.tls_key",
            "auth.session_ttl",
            "auth.password_min_length",
            "auth.lockout_threshold",
            "auth.lockout_duration",
            "storage.max_size_mb",
            "storage.busy_timeout",
            "log.level",
            "log.format",
        ]
    );
    let find = |key: &str| settings.iter().find(|s| s.key == key).unwrap();
    assert_eq!(find("server.listen").default, "127.0.0.1:8080");
    assert_eq!(find("server.listen").env, "KEXIN_SERVER__LISTEN");
    assert_eq!(find("server.max_body_bytes").default, "1048576");
    assert_eq!(find("auth.session_ttl").default, "12h");
    assert_eq!(find("auth.session_ttl").env, "KEXIN_AUTH__SESSION_TTL");
    assert_eq!(find("auth.lockout_duration").default, "15m");
    assert_eq!(find("storage.max_size_mb").default, "0");
    assert_eq!(find("log.level").default, "info");
    assert_eq!(find("log.level").allowed, "error, warn, info, debug, trace");
    for s in &settings {
        // Each env name and default must be accepted as an override of its own setting.
        let c = Config::load(None, env(&[(&s.env, &s.default)])).unwrap();
        assert_eq!(c, Config::default(), "{}", s.key);
        assert!(
            s.description.ends_with('.') && !s.description.contains('\n'),
            "{}",
            s.key
        );
    }
}

#[test]
fn docs_describe_every_setting() {
    let docs = include_str!("../../../docs/configuration.md");
    for s in Config::settings() {
        let row = docs
            .lines()
            .find(|line| line.starts_with('|') && line.contains(&format!("`{}`", s.key)))
            .unwrap_or_else(|| panic!("docs/configuration.md has no table row for {}", s.key));
        for part in [&s.env, &s.default, s.allowed] {
            assert!(
                row.contains(part),
                "the docs row for {} lacks {part:?}: {row}",
                s.key
            );
        }
    }
    for phrase in ["KEXIN_CONFIG", "--config", "kexin init", "kexin.toml", "__"] {
        assert!(
            docs.contains(phrase),
            "docs/configuration.md does not mention {phrase}"
        );
    }
}

#[test]
fn docs_error_examples_are_real() {
    let docs = include_str!("../../../docs/configuration.md");
    let examples = [
        file_error("\n\n[log]\nlevel = \"verbose\"\n"),
        file_error("\n\n\n\n\n[server]\nport = 8080\n"),
        file_error("[server]\nmax_body_bytes = \"1MB\"\n"),
        file_error("\n\n\n\n\n\n\n[auth]\nsession_ttl = \"90 minutes\"\n"),
        env_error(&[("KEXIN_SERVER__MAX_BODY_BYTES", "12")]),
    ];
    for example in examples {
        assert!(
            docs.contains(&example),
            "docs/configuration.md lacks the example {example}"
        );
    }
    let unknown = env_error(&[("KEXIN_SERVER__PORT", "80")]);
    let shown = docs
        .lines()
        .find(|l| l.starts_with("environment variable KEXIN_SERVER__PORT"))
        .expect("the unknown-variable example");
    let shown = shown.strip_suffix("...").expect("shortened with ...");
    assert!(unknown.starts_with(shown), "{unknown}");
}

#[test]
fn tls_paths_are_strings_and_empty_means_unset() {
    let c = load_str(
        "[server]\ntls_cert = \"\"\n",
        &[("KEXIN_SERVER__TLS_KEY", "k.pem")],
    )
    .unwrap();
    assert_eq!(c.server.tls_cert, None);
    assert_eq!(c.server.tls_key.as_deref(), Some(Path::new("k.pem")));
    let message = file_error("[server]\ntls_cert = 5\n");
    assert_mentions(
        &message,
        &[
            "kexin.toml line 2",
            "server.tls_cert must be a string naming a file",
        ],
    );
}
