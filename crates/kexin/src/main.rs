//! `kexin`: the one binary. Parses the command line, loads the
//! configuration, opens the store and hands over to the capability crates
//! and the server. Exit codes: 0 success, 1 the operation failed,
//! 2 invalid usage or configuration, 3 an integrity check found damage,
//! 4 a scan found weaknesses, 5 `kexin agent --once` kept results in its
//! spool for a later delivery.

mod agent_cmd;
mod assess_cmd;
mod catalog_cmd;
mod cli;
mod commands;
mod detect_cmd;
mod output;
mod scan_cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(code) => code,
        Err(e) => {
            let code = e.downcast_ref::<commands::UsageError>().map_or(1, |_| 2);
            eprintln!("error: {e:#}");
            ExitCode::from(code)
        }
    }
}
