//! The `sarif` output: SARIF 2.1.0 for code-scanning dashboards.
//!
//! One result per inventory row (vendor, field, detector), located at the
//! row's first finding with its other example locations as related
//! locations: the field is the unit of the audit, and a dashboard of one
//! alert per value would drown it. `ruleId` is the detector id;
//! `partialFingerprints` carry the row id, stable across scans. The level
//! comes from the policy when there is one (critical and high → error,
//! medium → warning, low → note; allowed kinds → note), else clear values
//! are warnings and masked or test values notes. At most
//! [`MAX_RESULTS`] results are written (GitHub's limit per run); the run
//! says so when it cuts.
//!
//! Columns are byte columns, which equal code-point columns for ASCII
//! lines; `byteOffset`/`byteLength` are exact.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{FieldReport, Location, Report};
use crate::policy::Severity;

/// Results per run that code-scanning services accept.
pub const MAX_RESULTS: usize = 25_000;

fn artifact(file: &str) -> Value {
    if file.starts_with('/') {
        json!({ "uri": format!("file://{file}") })
    } else {
        json!({ "uri": file.trim_start_matches("./"), "uriBaseId": "%SRCROOT%" })
    }
}

fn physical(l: &Location) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": artifact(&l.file),
            "region": {
                "startLine": l.line,
                "startColumn": l.column,
                "byteOffset": l.offset,
                "byteLength": l.length,
            }
        }
    })
}

fn level(report: &Report, vendor: &str, row: &FieldReport) -> &'static str {
    if let Some(policy) = &report.policy {
        let violation = policy.violations.iter().find(|v| row.is(vendor, v));
        return match violation.map(|v| v.severity) {
            Some(Severity::Critical | Severity::High) => "error",
            Some(Severity::Medium) => "warning",
            Some(Severity::Low) | None => "note",
        };
    }
    if row.status.clear > 0 {
        "warning"
    } else {
        "note"
    }
}

/// Writes the report as a SARIF 2.1.0 log.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let rule_index: BTreeMap<&str, usize> = report
        .detectors
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let rules: Vec<Value> = report
        .detectors
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "name": d.name,
                "shortDescription": { "text": format!("{} ({})", d.name, d.category.as_str()) },
                "properties": { "category": d.category.as_str(), "tags": ["pii", d.category.as_str()] }
            })
        })
        .collect();
    let total: usize = report.vendors.iter().map(|v| v.fields.len()).sum();
    let mut results = Vec::with_capacity(total.min(MAX_RESULTS));
    'rows: for v in &report.vendors {
        for row in &v.fields {
            if results.len() == MAX_RESULTS {
                break 'rows;
            }
            let field = row.place();
            let related: Vec<Value> = row
                .examples
                .iter()
                .skip(1)
                .enumerate()
                .map(|(i, l)| {
                    let mut p = physical(l);
                    p["id"] = json!(i + 1);
                    p["message"] = json!({ "text": format!("also {}", l.masked) });
                    p
                })
                .collect();
            let mut result = json!({
                "ruleId": row.detector.as_ref(),
                "level": level(report, &v.vendor, row),
                "message": {
                    "text": format!(
                        "{} receives {} in {}: {} value(s), {} clear, {} masked, {} test (sample {})",
                        v.vendor, row.detector, field, row.count, row.status.clear, row.status.masked, row.status.test_value, row.sample
                    )
                },
                "locations": [physical(&row.first)],
                "partialFingerprints": { "sandsift/row/v1": row.id },
                "properties": {
                    "vendor": v.vendor,
                    "field": row.field.as_deref(),
                    "endpoint": row.endpoint.as_deref(),
                    "direction": row.direction.map(|d| d.as_str()),
                    "category": row.category.as_str(),
                    "count": row.count,
                    "prevalence": row.prevalence,
                    "maxConfidence": row.max_confidence.as_str(),
                }
            });
            if let Some(&i) = rule_index.get(row.detector.as_ref()) {
                result["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            results.push(result);
        }
    }
    let mut run = json!({
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The working directory of the scan." } } },
        "results": results,
        "properties": {
            "reportSchema": report.schema,
            "filesScanned": report.summary.files_scanned,
            "findings": report.summary.findings,
        }
    });
    if let Some(policy) = &report.policy {
        run["properties"]["policy"] = json!({
            "source": policy.source,
            "violations": policy.violations.len(),
            "checklist": policy.checklist,
            "claims": policy.claims,
        });
    }
    if total > MAX_RESULTS {
        run["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": [{
                "level": "warning",
                "message": { "text": format!("{total} inventory rows; only the first {MAX_RESULTS} are written as results (see --format json for all)") }
            }]
        }]);
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    // At once, as the json report (small writes through `dyn Write` cost).
    let mut text = serde_json::to_vec_pretty(&log).map_err(io::Error::other)?;
    text.push(b'\n');
    out.write_all(&text)
}
