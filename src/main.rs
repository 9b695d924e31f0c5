//! The `sandsift` binary: parse arguments, run the subcommand, map the
//! outcome to an exit code (0 nothing to report, 1 leaks found, 2 usage,
//! configuration or fatal error).

mod cli;
mod cmd_detectors;
mod cmd_diff;
mod cmd_init;
mod cmd_merge;
mod cmd_scan;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match &cli.command {
        cli::Command::Scan(args) => cmd_scan::run(args),
        cli::Command::Detectors(args) => cmd_detectors::run(args),
        cli::Command::Diff(args) => cmd_diff::run(args),
        cli::Command::Init(args) => cmd_init::run(args),
        cli::Command::Merge(args) => cmd_merge::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sandsift: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
