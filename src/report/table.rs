//! The `table` output: per vendor, the fields that carry personal data,
//! with kinds, counts and a masked sample; then what was skipped, what
//! failed and what was malformed.

use std::io::{self, Write};

use super::{FieldReport, Report, StatusCounts};

/// Whether to use ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Plain text.
    Never,
    /// ANSI escape sequences.
    Always,
}

struct Paint(Colour);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        match self.0 {
            Colour::Always => format!("\x1b[{code}m{text}\x1b[0m"),
            Colour::Never => text.to_string(),
        }
    }
}

/// Formats a byte count for people (`12.3 MB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

fn status_text(s: &StatusCounts) -> String {
    let mut parts = Vec::new();
    if s.clear > 0 {
        parts.push(format!("{} clear", s.clear));
    }
    if s.masked > 0 {
        parts.push(format!("{} masked", s.masked));
    }
    if s.test_value > 0 {
        parts.push(format!("{} test", s.test_value));
    }
    parts.join(", ")
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

const HEADERS: [&str; 8] = [
    "FIELD",
    "DETECTOR",
    "COUNT",
    "SHARE",
    "FILES",
    "CONFIDENCE",
    "STATUS",
    "SAMPLE",
];

/// A share of values as people read it: `100%`, `2.5%`, `<0.1%`.
fn share(p: f64) -> String {
    match p * 100.0 {
        x if x >= 10.0 => format!("{x:.0}%"),
        x if x >= 0.1 => format!("{x:.1}%"),
        _ => "<0.1%".to_string(),
    }
}

/// The part of a capture's field path that follows the entry, shown under
/// the endpoint heading (`request.postData.text$.email`).
const HAR_ENTRY: &str = "$.log.entries[*].";

fn row_cells(r: &FieldReport) -> [String; 8] {
    let field = r.field.as_deref().unwrap_or("(text)");
    let field = match r.endpoint {
        Some(_) => field.strip_prefix(HAR_ENTRY).unwrap_or(field),
        None => field,
    };
    [
        field.to_string(),
        r.detector.to_string(),
        r.count.to_string(),
        share(r.prevalence),
        r.files.to_string(),
        r.max_confidence.as_str().to_string(),
        status_text(&r.status),
        r.sample.clone(),
    ]
}

/// Writes the report as a table.
pub fn write(out: &mut dyn Write, report: &Report, colour: Colour) -> io::Result<()> {
    let paint = Paint(colour);
    let s = &report.summary;
    writeln!(
        out,
        "{} {} — {} in {}, {} scanned",
        paint.wrap("1", "sandsift"),
        report.tool.version,
        plural(s.files_scanned, "file", "files"),
        plural(report.vendors.len() as u64, "vendor", "vendors"),
        human_bytes(s.bytes_scanned),
    )?;
    if let Some(sample) = &s.sample {
        writeln!(
            out,
            "{} {}: counts are of the sample; each field's estimated prevalence (95% interval) and total are in the json report",
            paint.wrap("1;33", "SAMPLE"),
            sample_text(sample)
        )?;
    }
    if let Some(policy) = &report.policy {
        write_policy(out, policy, &paint)?;
    }
    for v in &report.vendors {
        writeln!(out)?;
        let what = if v.findings == 0 {
            "no personal data found".to_string()
        } else {
            format!(
                "{} ({})",
                plural(v.findings, "finding", "findings"),
                status_text(&v.status)
            )
        };
        writeln!(
            out,
            "{} — {}, {}",
            paint.wrap("1;36", &v.vendor),
            plural(v.files, "file", "files"),
            what
        )?;
        if let Some(items) = report
            .policy
            .as_ref()
            .and_then(|p| p.checklist.get(&v.vendor))
            && !items.is_empty()
        {
            let parts: Vec<String> = items
                .iter()
                .map(|i| match i.verdict {
                    "fail" => paint.wrap(
                        "31",
                        &format!("{} FAIL ({})", i.category.as_str(), i.violations),
                    ),
                    _ => paint.wrap("32", &format!("{} pass", i.category.as_str())),
                })
                .collect();
            writeln!(out, "  policy: {}", parts.join(", "))?;
        }
        if v.fields.is_empty() {
            continue;
        }
        let rows: Vec<[String; 8]> = v.fields.iter().map(row_cells).collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: [&str; 8]| -> String {
            let mut s = String::from(" ");
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                let pad = w.saturating_sub(c.chars().count());
                s.push(' ');
                // Counts are right-aligned.
                if (2..=4).contains(&i) {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                } else if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                }
                s.push(' ');
            }
            s.trim_end().to_string()
        };
        writeln!(out, "{}", paint.wrap("2", &line(HEADERS)))?;
        let mut exchange = None;
        for (r, field) in rows.iter().zip(&v.fields) {
            let this = field.endpoint.as_deref().zip(field.direction);
            if this.is_some() && this != exchange {
                if let Some((endpoint, direction)) = this {
                    let what = match direction {
                        crate::format::Direction::Request => "sent to the vendor",
                        crate::format::Direction::Response => "returned by the vendor",
                    };
                    writeln!(
                        out,
                        "  {} {}",
                        paint.wrap("1", endpoint),
                        paint.wrap("2", what)
                    )?;
                }
                exchange = this;
            }
            let text = line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6], &r[7]]);
            let code = if field.status.clear > 0 { "31" } else { "33" };
            let (first, rest) = text.split_at(text.find(&r[1][..]).unwrap_or(0));
            writeln!(out, "{first}{}", paint.wrap(code, rest))?;
        }
    }
    write_accounting(out, report, &paint)
}

/// What a sample covers, for people: `5% of records, 10 of 40 files
/// (seed 3)`.
pub fn sample_text(s: &crate::report::SampleInfo) -> String {
    let mut parts = Vec::new();
    if let Some(rate) = s.rate {
        parts.push(format!("{}% of records", (rate * 1000.0).round() / 10.0));
    }
    if let Some(n) = s.files {
        parts.push(format!(
            "{} of {} files",
            n.min((n as u64 + s.files_not_sampled) as usize),
            n as u64 + s.files_not_sampled
        ));
    }
    format!("{} (seed {})", parts.join(", "), s.seed)
}

fn write_policy(
    out: &mut dyn Write,
    policy: &crate::policy::PolicyOutcome,
    paint: &Paint,
) -> io::Result<()> {
    let mut by_severity: Vec<(&str, usize)> = Vec::new();
    for v in &policy.violations {
        match by_severity
            .iter_mut()
            .find(|(s, _)| *s == v.severity.as_str())
        {
            Some((_, n)) => *n += 1,
            None => by_severity.push((v.severity.as_str(), 1)),
        }
    }
    let counts: Vec<String> = by_severity
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    writeln!(out)?;
    if policy.violations.is_empty() {
        writeln!(
            out,
            "{} {} — no violations",
            paint.wrap("1", "Policy"),
            policy.source
        )?;
    } else {
        writeln!(
            out,
            "{} {} — {} ({})",
            paint.wrap("1;31", "Policy"),
            policy.source,
            plural(policy.violations.len() as u64, "violation", "violations"),
            counts.join(", ")
        )?;
        let rows: Vec<[String; 7]> = policy
            .violations
            .iter()
            .map(|v| {
                [
                    v.severity.as_str().to_string(),
                    v.vendor.clone(),
                    v.field.clone().unwrap_or_else(|| "(text)".to_string()),
                    v.detector.clone(),
                    v.count.to_string(),
                    v.rule.to_string(),
                    v.sample.clone(),
                ]
            })
            .collect();
        let header = [
            "SEVERITY", "VENDOR", "FIELD", "DETECTOR", "COUNT", "RULE", "SAMPLE",
        ]
        .map(String::from);
        let mut widths = [0usize; 7];
        for r in std::iter::once(&header).chain(&rows) {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        for (i, r) in std::iter::once(&header).chain(&rows).enumerate() {
            let mut line = String::from(" ");
            for (c, w) in r.iter().zip(widths) {
                line.push(' ');
                line.push_str(c);
                line.push_str(&" ".repeat(w - c.chars().count() + 1));
            }
            let line = line.trim_end();
            match i {
                0 => writeln!(out, "{}", paint.wrap("2", line))?,
                _ => writeln!(out, "{}", paint.wrap("31", line))?,
            }
        }
    }
    for c in &policy.claims {
        let verdict = match c.verdict {
            "broken" => paint.wrap("1;31", "BROKEN"),
            "holds" => paint.wrap("32", "holds"),
            _ => paint.wrap("33", "no evidence"),
        };
        let evidence = if c.fields.is_empty() {
            String::new()
        } else {
            format!(
                " — in {} (e.g. {})",
                c.fields.join(", "),
                c.sample.as_deref().unwrap_or("")
            )
        };
        writeln!(
            out,
            "  claim: {}: {} {}{}",
            c.vendor, c.claim, verdict, evidence
        )?;
    }
    for s in &policy.suppressed {
        writeln!(
            out,
            "  suppressed: {} {} {} ({}) — {}",
            s.vendor,
            s.field.as_deref().unwrap_or("(text)"),
            s.detector,
            s.count,
            s.reason
        )?;
    }
    Ok(())
}

fn write_accounting(out: &mut dyn Write, report: &Report, paint: &Paint) -> io::Result<()> {
    let s = &report.summary;
    if s.incomplete {
        writeln!(
            out,
            "\n{}",
            paint.wrap("1;31", "INCOMPLETE: the scan was interrupted")
        )?;
    }
    if !report.skipped.is_empty() {
        writeln!(
            out,
            "\n{}",
            paint.wrap("1", &format!("Skipped ({})", report.skipped.len()))
        )?;
        for k in &report.skipped {
            writeln!(out, "  {} — {}", k.file, k.reason)?;
        }
    }
    for (reason, n) in &s.parts_skipped {
        writeln!(out, "\nNot scanned: {n} × {reason}")?;
    }
    if !report.failed.is_empty() {
        writeln!(
            out,
            "\n{}",
            paint.wrap("1;31", &format!("Failed ({})", report.failed.len()))
        )?;
        for f in &report.failed {
            writeln!(out, "  {} — {}", f.file, f.error)?;
        }
    }
    if s.problems > 0 {
        writeln!(
            out,
            "\n{}",
            paint.wrap("1;33", &format!("Problems in files ({})", s.problems))
        )?;
        for p in &report.problems {
            writeln!(out, "  {}:{}:{} — {}", p.file, p.line, p.column, p.message)?;
        }
        let unlisted = s.problems.saturating_sub(report.problems.len() as u64);
        if unlisted > 0 {
            writeln!(out, "  … and {unlisted} more (see --format json)")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_shown_in_decimal_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(12_345), "12.3 KB");
        assert_eq!(human_bytes(2_500_000_000), "2.5 GB");
    }

    #[test]
    fn shares_are_rounded_for_reading() {
        assert_eq!(share(1.0), "100%");
        assert_eq!(share(0.025), "2.5%");
        assert_eq!(share(0.0001), "<0.1%");
    }
}
