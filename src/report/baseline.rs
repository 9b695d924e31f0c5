//! Review cycles: a previous JSON report as a baseline, so a scan reports
//! only what is new, and the comparison of two reports (`sandsift diff`).
//!
//! Rows are matched by their id (vendor, field, detector). When both
//! reports were made with the same pinned fingerprint key, a row's listed
//! fingerprints tell new values from old ones, so a new value in an old
//! field is still news; otherwise a known row's findings are all known.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{SCHEMA, row_id};
use crate::finding::Finding;

/// A report that cannot serve as a baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("reading {file}: {message}")]
    Read {
        /// The path.
        file: String,
        /// The I/O error.
        message: String,
    },
    /// The file is not a sandsift JSON report.
    #[error("{file}: not a sandsift JSON report ({message})")]
    Parse {
        /// The path.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The report has another schema version.
    #[error(
        "{file}: report schema `{found}`, but this sandsift reads `{SCHEMA}`; rescan with the same version to compare"
    )]
    Schema {
        /// The path.
        file: String,
        /// The schema it has.
        found: String,
    },
}

#[derive(Debug, Deserialize)]
struct SavedReport {
    #[serde(default)]
    fingerprint_key_id: Option<String>,
    vendors: Vec<SavedVendor>,
}

#[derive(Debug, Deserialize)]
struct SavedVendor {
    vendor: String,
    fields: Vec<SavedRow>,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedRow {
    id: String,
    field: Option<String>,
    detector: String,
    count: u64,
    #[serde(default)]
    distinct: u64,
    #[serde(default)]
    fingerprints: Vec<String>,
}

/// A saved report, indexed by row.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The file it came from.
    pub source: String,
    key_id: Option<String>,
    rows: HashMap<String, RowSnapshot>,
}

#[derive(Debug, Clone)]
struct RowSnapshot {
    vendor: String,
    field: Option<String>,
    detector: String,
    count: u64,
    /// Complete set of fingerprints, when listed in full.
    prints: Option<HashSet<String>>,
}

fn snapshot(vendor: &str, row: SavedRow) -> RowSnapshot {
    // A list as long as the distinct count is complete; a capped one is not.
    let complete = !row.fingerprints.is_empty() && row.fingerprints.len() as u64 == row.distinct;
    RowSnapshot {
        vendor: vendor.to_string(),
        field: row.field,
        detector: row.detector,
        count: row.count,
        prints: complete.then(|| row.fingerprints.into_iter().collect()),
    }
}

impl Baseline {
    /// Reads a JSON report written by `sandsift scan --format json`.
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&file, &text)
    }

    /// Parses report text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, BaselineError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| BaselineError::Parse {
                file: file.to_string(),
                message: e.to_string(),
            })?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            Some(other) => {
                return Err(BaselineError::Schema {
                    file: file.to_string(),
                    found: other.to_string(),
                });
            }
            None => {
                return Err(BaselineError::Parse {
                    file: file.to_string(),
                    message: "no `schema` key".to_string(),
                });
            }
        }
        let saved: SavedReport =
            serde_json::from_value(value).map_err(|e| BaselineError::Parse {
                file: file.to_string(),
                message: e.to_string(),
            })?;
        let mut rows = HashMap::new();
        for v in saved.vendors {
            for row in v.fields {
                rows.insert(row.id.clone(), snapshot(&v.vendor, row));
            }
        }
        Ok(Baseline {
            source: file.to_string(),
            key_id: saved.fingerprint_key_id,
            rows,
        })
    }

    /// Whether the baseline already had this finding: its row, and — when
    /// both reports share a pinned key — its value.
    pub fn knows(&self, f: &Finding, key_id: Option<&str>) -> bool {
        let Some(row) = self.rows.get(&row_id(
            &f.vendor,
            f.endpoint.as_deref().zip(f.direction),
            f.field.as_deref(),
            &f.detector,
        )) else {
            return false;
        };
        match (&row.prints, &self.key_id, key_id) {
            (Some(prints), Some(old), Some(new)) if old == new => {
                {
                    // The listed prints are the fingerprints' first 16 hex
                    // digits: compared without formatting one per finding.
                    let hex = f.fingerprint.hex();
                    prints.contains(std::str::from_utf8(&hex[..16]).unwrap_or_default())
                }
            }
            _ => true,
        }
    }
}

/// How a row changed between two reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// In the new report only.
    New,
    /// In the old report only.
    Resolved,
    /// In both, with other counts or new values.
    Changed,
}

/// One row of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowDiff {
    /// What happened.
    pub change: Change,
    /// The field path; `null` for free text.
    pub field: Option<String>,
    /// The detector id.
    pub detector: String,
    /// Findings in the old report.
    pub old_count: u64,
    /// Findings in the new report.
    pub new_count: u64,
    /// Values in the new report that the old one did not have; `null`
    /// when the reports do not share a pinned fingerprint key.
    pub new_values: Option<u64>,
}

/// The difference between two reports, per vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The old report.
    pub old: String,
    /// The new report.
    pub new: String,
    /// Whether values could be compared (same pinned key).
    pub values_compared: bool,
    /// Per vendor, the rows that changed, sorted by field and detector.
    pub vendors: BTreeMap<String, Vec<RowDiff>>,
}

impl Diff {
    /// True when the new report has rows or values the old one had not.
    pub fn has_news(&self) -> bool {
        self.vendors
            .values()
            .flatten()
            .any(|r| r.change == Change::New || r.new_values.is_some_and(|n| n > 0))
    }
}

/// Compares two reports.
pub fn diff(old: &Baseline, new: &Baseline) -> Diff {
    let values_compared = old.key_id.is_some() && old.key_id == new.key_id;
    let mut vendors: BTreeMap<String, Vec<RowDiff>> = BTreeMap::new();
    for (id, n) in &new.rows {
        let o = old.rows.get(id);
        let new_values = match (o.and_then(|o| o.prints.as_ref()), n.prints.as_ref()) {
            (Some(op), Some(np)) if values_compared => Some(np.difference(op).count() as u64),
            (None, Some(np)) if values_compared && o.is_none() => Some(np.len() as u64),
            _ => None,
        };
        let change = match o {
            None => Change::New,
            Some(o) if o.count != n.count || new_values.is_some_and(|v| v > 0) => Change::Changed,
            Some(_) => continue,
        };
        vendors.entry(n.vendor.clone()).or_default().push(RowDiff {
            change,
            field: n.field.clone(),
            detector: n.detector.clone(),
            old_count: o.map_or(0, |o| o.count),
            new_count: n.count,
            new_values,
        });
    }
    for (id, o) in &old.rows {
        if !new.rows.contains_key(id) {
            vendors.entry(o.vendor.clone()).or_default().push(RowDiff {
                change: Change::Resolved,
                field: o.field.clone(),
                detector: o.detector.clone(),
                old_count: o.count,
                new_count: 0,
                new_values: None,
            });
        }
    }
    for rows in vendors.values_mut() {
        rows.sort_by(|a, b| (&a.field, &a.detector).cmp(&(&b.field, &b.detector)));
    }
    Diff {
        old: old.source.clone(),
        new: new.source.clone(),
        values_compared,
        vendors,
    }
}
