//! `sandsift init`: a commented starter vendor policy from a scan of the
//! given paths — every vendor found, what it holds as comments, nothing
//! allowed yet.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use sandsift::{Catalogue, Progress, Report, ScanConfig};

use crate::cli::InitArgs;

/// Runs the init subcommand.
pub fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.output
        && path.exists()
        && !args.force
    {
        bail!("{} exists; use --force to overwrite it", path.display());
    }
    let catalogue = Catalogue::builtin().context("compiling the detectors")?;
    let config = ScanConfig {
        paths: args.paths.clone(),
        report_only: true,
        ..ScanConfig::default()
    };
    let report = sandsift::scan(&config, &catalogue, &Progress::default(), &mut |_| Ok(()))
        .context("scanning")?;
    let text = starter_policy(&report, &args.paths);
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn starter_policy(report: &Report, paths: &[std::path::PathBuf]) -> String {
    let scanned: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# sandsift vendor policy, started by `sandsift init {}`.",
        scanned.join(" ")
    );
    let _ = writeln!(
        out,
        "# Every vendor below was found in the scanned data and nothing is allowed yet:"
    );
    let _ = writeln!(
        out,
        "# move into `allow` the detector ids or categories each vendor may receive,"
    );
    let _ = writeln!(
        out,
        "# and record what the vendor claims. Schema: docs/policy.md."
    );
    let _ = writeln!(out, "\n[defaults]\nallow = []");
    for v in &report.vendors {
        let _ = writeln!(out, "\n[vendors.{}]", toml_key(&v.vendor));
        let mut kinds: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for r in &v.fields {
            *kinds.entry((r.category.as_str(), &r.detector)).or_default() += r.count;
        }
        if kinds.is_empty() {
            let _ = writeln!(out, "# found: no personal data in {} file(s)", v.files);
        } else {
            let found: Vec<String> = kinds
                .iter()
                .map(|((cat, id), n)| format!("{id} ({cat}, {n})"))
                .collect();
            let _ = writeln!(out, "# found: {}", found.join(", "));
        }
        // Traffic of API captures: the hosts it went to, so the table can
        // be renamed (or merged into a folder vendor) with its hosts.
        let hosts: std::collections::BTreeSet<&str> = v
            .fields
            .iter()
            .filter_map(|r| r.endpoint.as_deref())
            .filter_map(|e| e.split_once(' ').map(|(_, rest)| rest))
            .map(|rest| rest.split('/').next().unwrap_or(rest))
            .collect();
        if !hosts.is_empty() {
            let list: Vec<String> = hosts.iter().map(|h| format!("{h:?}")).collect();
            let _ = writeln!(
                out,
                "# hosts = [{}]  # API traffic in captures; rename the table to name the vendor",
                list.join(", ")
            );
        }
        let _ = writeln!(out, "allow = []");
        let _ = writeln!(out, "# deny = []");
        let _ = writeln!(out, "# claims = {{ masked_only = [], never = [] }}");
    }
    out
}

/// A vendor name as a TOML key: bare when it can be, quoted otherwise.
fn toml_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
