//! `sandsift diff OLD.json NEW.json`: what changed between two review
//! cycles, per vendor.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;
use sandsift::report::baseline::{Baseline, Change, diff};

use crate::cli::{DiffArgs, ListFormat};

/// Runs the diff subcommand.
pub fn run(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let old = Baseline::load(&args.old).context("reading the old report")?;
    let new = Baseline::load(&args.new).context("reading the new report")?;
    let d = diff(&old, &new);
    let mut out = io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &d)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            writeln!(out, "sandsift diff {} -> {}", d.old, d.new)?;
            if !d.values_compared {
                writeln!(
                    out,
                    "(values not compared: the reports do not share a pinned --fingerprint-key)"
                )?;
            }
            if d.vendors.is_empty() {
                writeln!(out, "no changes")?;
            }
            for (vendor, rows) in &d.vendors {
                writeln!(out, "\n{vendor}")?;
                for r in rows {
                    let field = r.field.as_deref().unwrap_or("(text)");
                    let news = match r.new_values {
                        Some(n) if n > 0 => format!(", {n} new value(s)"),
                        _ => String::new(),
                    };
                    let line = match r.change {
                        Change::New => format!(
                            "  + {field}  {}  new: {} finding(s){news}",
                            r.detector, r.new_count
                        ),
                        Change::Resolved => format!(
                            "  - {field}  {}  resolved (was {})",
                            r.detector, r.old_count
                        ),
                        Change::Changed => format!(
                            "  ~ {field}  {}  {} -> {}{news}",
                            r.detector, r.old_count, r.new_count
                        ),
                    };
                    writeln!(out, "{line}")?;
                }
            }
        }
    }
    Ok(if d.has_news() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
