//! `sandsift detectors`: list the catalogue, or check detector files by
//! compiling them and running their examples.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;
use sandsift::Catalogue;
use sandsift::detect::{BUILTIN_PATTERNS, Detector, read_pattern_sources};
use serde::Serialize;

use crate::cli::{DetectorsAction, DetectorsArgs, ListFormat};

/// One detector as listed.
#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    name: &'a str,
    category: &'static str,
    confidence: &'static str,
    validator: Option<&'static str>,
    hints: &'a [String],
    not_hints: &'a [String],
    source: &'a str,
}

fn listed(d: &Detector) -> Listed<'_> {
    Listed {
        id: &d.id,
        name: &d.name,
        category: d.category.as_str(),
        confidence: d.confidence.as_str(),
        validator: d
            .validator
            .map(|v| v.evidence().trim_start_matches("validator:")),
        hints: &d.spec.hints,
        not_hints: &d.spec.not_hints,
        source: &d.source,
    }
}

/// Runs the detectors subcommand.
pub fn run(args: &DetectorsArgs) -> anyhow::Result<ExitCode> {
    match &args.action {
        Some(DetectorsAction::Check { files }) => check(files),
        None => list(args),
    }
}

fn list(args: &DetectorsArgs) -> anyhow::Result<ExitCode> {
    let catalogue =
        Catalogue::with_user_files(&args.patterns).context("compiling the detectors")?;
    let rows: Vec<Listed<'_>> = catalogue.detectors().iter().map(listed).collect();
    let mut out = io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            let cells: Vec<[String; 6]> = rows
                .iter()
                .map(|r| {
                    [
                        r.id.to_string(),
                        r.category.to_string(),
                        r.confidence.to_string(),
                        r.validator.unwrap_or("-").to_string(),
                        r.hints.join(","),
                        r.name.to_string(),
                    ]
                })
                .collect();
            let header = [
                "ID",
                "CATEGORY",
                "CONFIDENCE",
                "VALIDATOR",
                "FIELD HINTS",
                "NAME",
            ]
            .map(String::from);
            let mut widths = [0usize; 6];
            for row in std::iter::once(&header).chain(&cells) {
                for (w, c) in widths.iter_mut().zip(row) {
                    *w = (*w).max(c.chars().count().min(40));
                }
            }
            for row in std::iter::once(&header).chain(&cells) {
                let mut line = String::new();
                for (i, (c, w)) in row.iter().zip(widths).enumerate() {
                    let shown: String = if c.chars().count() > 40 {
                        c.chars().take(39).collect::<String>() + "…"
                    } else {
                        c.clone()
                    };
                    line.push_str(&shown);
                    if i + 1 < row.len() {
                        line.push_str(&" ".repeat(w - shown.chars().count() + 2));
                    }
                }
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(files: &[std::path::PathBuf]) -> anyhow::Result<ExitCode> {
    let mut given = Vec::new();
    for f in files {
        given.extend(read_pattern_sources(f)?);
    }
    let checked: Vec<String> = given.iter().map(|(name, _)| name.clone()).collect();
    // Checking a built-in file itself must not clash with its embedded copy.
    let mut sources: Vec<(String, String)> = BUILTIN_PATTERNS
        .iter()
        .filter(|&&(_, text)| !given.iter().any(|(_, t)| t == text))
        .map(|&(n, t)| (n.to_string(), t.to_string()))
        .collect();
    sources.extend(given);
    // Compiled together with the built-ins, so an id that clashes with a
    // built-in one is an error too.
    let catalogue = match Catalogue::from_sources(sources) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sandsift: error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Err(e) = catalogue.compile_all() {
        eprintln!("sandsift: error: {e}");
        return Ok(ExitCode::from(2));
    }
    let mine = |d: &Detector| checked.contains(&d.source);
    let detectors: Vec<&Detector> = catalogue.detectors().iter().filter(|d| mine(d)).collect();
    let mut problems = catalogue.check_examples_where(mine);
    for d in &detectors {
        if d.spec.examples.is_empty() && d.spec.field_examples.is_empty() {
            problems.push(format!(
                "{}: has no examples (add `examples` or `field_examples`)",
                d.id
            ));
        }
    }
    let examples: usize = detectors
        .iter()
        .map(|d| {
            d.spec.examples.len()
                + d.spec.negatives.len()
                + d.spec.field_examples.len()
                + d.spec.field_negatives.len()
        })
        .sum();
    if problems.is_empty() {
        println!(
            "ok: {} detector(s), {examples} example(s) behave",
            detectors.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for p in &problems {
        println!("FAIL {p}");
    }
    println!(
        "{} problem(s) in {} detector(s)",
        problems.len(),
        detectors.len()
    );
    Ok(ExitCode::from(1))
}
