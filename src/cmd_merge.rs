//! `sandsift merge`: reads the JSON reports of a sharded scan, merges
//! them into the report of the whole scan, checks the vendor policy on
//! it and writes it like `scan` does.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use sandsift::Catalogue;
use sandsift::policy::Policy;
use sandsift::report::Report;
use sandsift::report::merge;

use crate::cli::{MergeArgs, OutputFormat};
use crate::cmd_scan::{Delivery, colour, default_format, deliver, open_output, policy_file};

/// Runs the merge subcommand.
pub fn run(args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let mut paths = Vec::new();
    for path in &args.reports {
        if path.is_dir() {
            // A folder of shard reports: every `*.json` in it.
            let mut inside: Vec<_> = std::fs::read_dir(path)
                .with_context(|| format!("reading {}", path.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
                .collect();
            inside.sort();
            if inside.is_empty() {
                anyhow::bail!("{} holds no .json reports", path.display());
            }
            paths.extend(inside);
        } else {
            paths.push(path.clone());
        }
    }
    let mut reports = Vec::with_capacity(paths.len());
    for path in &paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {name}"))?;
        let report: Report = serde_json::from_str(&text)
            .with_context(|| format!("{name} is not a sandsift JSON report"))?;
        reports.push((name, report));
    }
    let mut report = merge::merge(reports)?;
    let policy = match policy_file(args.vendors.as_deref()) {
        Some(p) => {
            let catalogue =
                Catalogue::with_user_files(&args.patterns).context("compiling the detectors")?;
            Some(Policy::load(&p, &catalogue).context("loading the vendor policy")?)
        }
        None => None,
    };
    if let Some(policy) = &policy {
        report.policy = Some(policy.evaluate(&report));
    }
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let format = match args
        .format
        .unwrap_or_else(|| default_format(args.output.as_deref(), to_terminal))
    {
        // Findings were not kept one by one: the merged report is the
        // aggregate.
        OutputFormat::Jsonl => OutputFormat::Json,
        f => f,
    };
    let out = open_output(args.output.as_deref())?;
    deliver(
        &report,
        out,
        Delivery {
            format,
            colour: colour(args.color, to_terminal),
            quiet: args.quiet,
            fail_on: args.fail_on,
            has_policy: policy.is_some(),
        },
    )
}
