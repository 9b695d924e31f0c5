//! The `csv` output: one row per vendor, field and kind, for spreadsheets.

use std::io::{self, Write};

use super::Report;

const HEADER: [&str; 21] = [
    "vendor",
    "field",
    "detector",
    "category",
    "count",
    "values",
    "prevalence",
    "distinct",
    "files",
    "clear",
    "masked",
    "test_value",
    "max_confidence",
    "sample",
    "first_file",
    "first_line",
    "violation",
    "category_verdict",
    "row_id",
    "endpoint",
    "direction",
];

/// Writes the inventory as CSV.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for v in &report.vendors {
        for r in &v.fields {
            let violation = report
                .policy
                .as_ref()
                .and_then(|p| p.violations.iter().find(|x| r.is(&v.vendor, x)))
                .map_or("", |x| x.severity.as_str());
            // The vendor's checklist verdict for this row's category.
            let verdict = report
                .policy
                .as_ref()
                .and_then(|p| p.checklist.get(&v.vendor))
                .and_then(|items| items.iter().find(|i| i.category == r.category))
                .map_or("", |i| i.verdict);
            w.write_record([
                v.vendor.as_str(),
                r.field.as_deref().unwrap_or(""),
                &r.detector,
                r.category.as_str(),
                &r.count.to_string(),
                &r.values.to_string(),
                &r.prevalence.to_string(),
                &r.distinct.to_string(),
                &r.files.to_string(),
                &r.status.clear.to_string(),
                &r.status.masked.to_string(),
                &r.status.test_value.to_string(),
                r.max_confidence.as_str(),
                &r.sample,
                &r.first.file,
                &r.first.line.to_string(),
                violation,
                verdict,
                &r.id,
                r.endpoint.as_deref().unwrap_or(""),
                r.direction.map_or("", |d| d.as_str()),
            ])?;
        }
    }
    w.flush()
}
