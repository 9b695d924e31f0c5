//! The `markdown` output: a summary an auditor pastes into a ticket or a
//! vendor review.

use std::io::{self, Write};

use super::table::human_bytes;
use super::{Report, StatusCounts};

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn status(s: &StatusCounts) -> String {
    let mut parts = Vec::new();
    for (n, what) in [
        (s.clear, "clear"),
        (s.masked, "masked"),
        (s.test_value, "test"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

/// Writes the report as Markdown.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "# sandsift report\n")?;
    writeln!(
        out,
        "Scanned {} files ({}) of {} vendors with sandsift {}: {} findings ({}).",
        s.files_scanned,
        human_bytes(s.bytes_scanned),
        report.vendors.len(),
        report.tool.version,
        s.findings,
        status(&s.status)
    )?;
    if s.files_skipped + s.files_failed + s.problems > 0 {
        writeln!(
            out,
            "{} file(s) skipped, {} failed, {} problem(s) inside files.",
            s.files_skipped, s.files_failed, s.problems
        )?;
    }
    if let Some(policy) = &report.policy {
        writeln!(
            out,
            "\n## Policy violations ({})\n",
            policy.violations.len()
        )?;
        if policy.violations.is_empty() {
            writeln!(
                out,
                "None: every vendor receives only what `{}` allows.",
                cell(&policy.source)
            )?;
        } else {
            writeln!(out, "| Severity | Vendor | Field | Kind | Count | Sample |")?;
            writeln!(out, "| --- | --- | --- | --- | ---: | --- |")?;
            for v in &policy.violations {
                writeln!(
                    out,
                    "| {} | {} | `{}` | {} | {} | `{}` |",
                    v.severity.as_str(),
                    cell(&v.vendor),
                    cell(&v.place()),
                    v.detector,
                    v.count,
                    cell(&v.sample)
                )?;
            }
        }
        if !policy.claims.is_empty() {
            writeln!(out, "\n## Vendor claims\n")?;
            writeln!(out, "| Vendor | Claim | Verdict | Evidence |")?;
            writeln!(out, "| --- | --- | --- | --- |")?;
            for c in &policy.claims {
                let evidence = if c.fields.is_empty() {
                    status(&c.status)
                } else {
                    let fields: Vec<String> =
                        c.fields.iter().map(|f| format!("`{}`", cell(f))).collect();
                    format!("{} in {}", status(&c.status), fields.join(", "))
                };
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    cell(&c.vendor),
                    cell(&c.claim),
                    c.verdict.replace('_', " "),
                    evidence
                )?;
            }
        }
        for x in &policy.suppressed {
            writeln!(
                out,
                "\n- Accepted: {} `{}` {} — {}",
                cell(&x.vendor),
                cell(x.field.as_deref().unwrap_or("(text)")),
                x.detector,
                cell(&x.reason)
            )?;
        }
    }
    for v in &report.vendors {
        writeln!(out, "\n## {}\n", cell(&v.vendor))?;
        if v.fields.is_empty() {
            writeln!(out, "{} files, no personal data found.", v.files)?;
            continue;
        }
        writeln!(
            out,
            "{} files, {} findings ({}).\n",
            v.files,
            v.findings,
            status(&v.status)
        )?;
        if let Some(items) = report
            .policy
            .as_ref()
            .and_then(|p| p.checklist.get(&v.vendor))
        {
            let checks: Vec<String> = items
                .iter()
                .map(|i| match i.verdict {
                    "fail" => format!(
                        "{} **FAIL** ({} of {})",
                        i.category.as_str(),
                        i.violations,
                        i.findings
                    ),
                    _ => format!("{} pass ({})", i.category.as_str(), i.findings),
                })
                .collect();
            writeln!(out, "Policy checklist: {}.\n", checks.join(", "))?;
        }
        writeln!(out, "| Field | Kind | Count | Share | Status | Sample |")?;
        writeln!(out, "| --- | --- | ---: | ---: | --- | --- |")?;
        for r in &v.fields {
            writeln!(
                out,
                "| `{}` | {} | {} | {:.1}% | {} | `{}` |",
                cell(&r.place()),
                r.detector,
                r.count,
                r.prevalence * 100.0,
                status(&r.status),
                cell(&r.sample)
            )?;
        }
    }
    Ok(())
}
