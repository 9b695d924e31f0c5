//! Aggregation of findings into the per-vendor field inventory, and the
//! renderers that format it. Renderers only format: everything they show
//! is computed here.
//!
//! The report's size follows the number of distinct (vendor, field,
//! detector) rows, not the number of findings: each row keeps counts, the
//! files it was seen in, its first location, a masked sample and at most
//! `examples` example locations.

pub mod baseline;
pub mod csv;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod markdown;
pub mod merge;
pub mod sarif;
pub mod table;
pub(crate) mod tally;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::detect::{Category, Confidence, Status};
use crate::discover::{Failed, Skipped};
use crate::finding::Finding;
use crate::format::{Direction, Format};

/// Distinct values counted exactly per row; beyond it `distinct` is a
/// lower bound.
pub const DISTINCT_LIMIT: usize = 100_000;

/// Fingerprints listed per row when the key is pinned.
pub const FINGERPRINTS_LISTED: usize = 10_000;

/// The version of the JSON report schema. Bump it on any incompatible
/// change.
pub const SCHEMA: &str = "sandsift.report/v1";

/// A problem inside a file that did not stop the scan of the file (or of
/// the scan): a malformed NDJSON line, a ragged CSV row, truncated JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProblem {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based byte column.
    pub column: u64,
    /// What is wrong; never quotes content.
    pub message: String,
}

/// A detector the scan ran, as reports describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectorInfo {
    /// The detector id.
    pub id: String,
    /// Its human-readable name.
    pub name: String,
    /// Its category.
    pub category: Category,
}

/// A stable id for a (vendor, field, detector) row, and for an API
/// capture's rows also its endpoint and direction.
pub fn row_id(
    vendor: &str,
    exchange: Option<(&str, Direction)>,
    field: Option<&str>,
    detector: &str,
) -> String {
    let mut h = blake3::Hasher::new();
    for part in [vendor, field.unwrap_or("\u{0}null"), detector] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    // Rows outside captures keep the ids they had before endpoints existed.
    if let Some((endpoint, direction)) = exchange {
        for part in [endpoint, direction.as_str()] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
    }
    h.finalize().to_hex()[..32].to_string()
}

/// Where a row's values sit, for people: the field path (`(text)` for free
/// text), after the endpoint and direction for a capture
/// (`POST api.example.com/v1/users (request) $.log.entries[*]…`).
pub fn place(endpoint: Option<&str>, direction: Option<Direction>, field: Option<&str>) -> String {
    let field = field.unwrap_or("(text)");
    match (endpoint, direction) {
        (Some(e), Some(d)) => format!("{e} ({}) {field}", d.as_str()),
        (Some(e), None) => format!("{e} {field}"),
        _ => field.to_string(),
    }
}

impl FieldReport {
    /// Where the row's values sit, for people (see [`place`]).
    pub fn place(&self) -> String {
        place(
            self.endpoint.as_deref(),
            self.direction,
            self.field.as_deref(),
        )
    }

    /// Whether a policy violation is about this row.
    pub fn is(&self, vendor: &str, v: &crate::policy::Violation) -> bool {
        v.vendor == vendor
            && v.field.as_deref() == self.field.as_deref()
            && v.detector == *self.detector
            && v.endpoint.as_deref() == self.endpoint.as_deref()
            && v.direction == self.direction
    }
}

/// The tool that wrote a report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    /// Always `sandsift`.
    pub name: std::borrow::Cow<'static, str>,
    /// The crate version.
    pub version: std::borrow::Cow<'static, str>,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Real-looking values in clear text.
    pub clear: u64,
    /// Values already masked.
    pub masked: u64,
    /// Published test values.
    pub test_value: u64,
}

impl StatusCounts {
    fn add(&mut self, s: Status) {
        match s {
            Status::Clear => self.clear += 1,
            Status::Masked => self.masked += 1,
            Status::TestValue => self.test_value += 1,
        }
    }

    fn absorb(&mut self, other: &StatusCounts) {
        self.clear += other.clear;
        self.masked += other.masked;
        self.test_value += other.test_value;
    }
}

/// Counts per confidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfidenceCounts {
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
}

/// Totals of a scan. Files and bytes reconcile: seen = scanned + skipped +
/// failed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Files found by the walk.
    pub files_seen: u64,
    /// Files read and scanned.
    pub files_scanned: u64,
    /// Files not scanned, with a reason in `skipped`.
    pub files_skipped: u64,
    /// Files that could not be read, with the error in `failed`.
    pub files_failed: u64,
    /// Bytes of all files seen (on disk).
    pub bytes_seen: u64,
    /// Bytes of the files scanned (on disk).
    pub bytes_scanned: u64,
    /// Bytes of the files skipped.
    pub bytes_skipped: u64,
    /// Bytes of the files that failed, where known.
    pub bytes_failed: u64,
    /// Files scanned per format.
    #[serde(deserialize_with = "static_keys")]
    pub formats: BTreeMap<&'static str, u64>,
    /// Records read (documents, lines, rows).
    pub records: u64,
    /// Values examined.
    pub values: u64,
    /// Findings of every status.
    pub findings: u64,
    /// Findings per status.
    pub status: StatusCounts,
    /// Problems inside files (all of them, listed or not).
    pub problems: u64,
    /// Matches below `--min-confidence`, counted and not reported.
    pub below_min_confidence: u64,
    /// Findings left out because the baseline report already had them.
    pub baseline_known: u64,
    /// The scan was interrupted: files it did not finish are listed as
    /// skipped with that reason.
    pub incomplete: bool,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
    /// Scanned bytes per second of wall-clock time, in MB (10^6 bytes).
    pub throughput_mb_s: f64,
    /// Worker threads used.
    pub threads: usize,
    /// Findings past `--max-findings-per-field` in one unit of work:
    /// counted in the rows, not listed in jsonl, examples or distinct
    /// values.
    pub findings_unlisted: u64,
    /// Parts of files not scanned on purpose (binary bodies in captures),
    /// by reason.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        default,
        deserialize_with = "static_keys"
    )]
    pub parts_skipped: BTreeMap<&'static str, u64>,
    /// Present when the scan read a sample (`--sample`, `--sample-files`):
    /// counts are then of the sample, and each row gives an `estimate`
    /// for the whole dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleInfo>,
}

/// How a sampled scan sampled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleInfo {
    /// The fraction of records read (`--sample`).
    pub rate: Option<f64>,
    /// The number of files read (`--sample-files`).
    pub files: Option<usize>,
    /// The seed that chose them.
    pub seed: u64,
    /// Files left out by `--sample-files`.
    pub files_not_sampled: u64,
    /// Their bytes.
    pub bytes_not_sampled: u64,
    /// Records read (of `summary.records` seen).
    pub records_sampled: u64,
}

impl SampleInfo {
    /// What one sampled value stands for in the whole dataset: the
    /// inverse of the record rate, times the share of bytes in the
    /// sampled files.
    pub fn scale(&self, bytes_scanned: u64) -> f64 {
        let files = if self.bytes_not_sampled > 0 && bytes_scanned > 0 {
            (bytes_scanned + self.bytes_not_sampled) as f64 / bytes_scanned as f64
        } else {
            1.0
        };
        files / self.rate.unwrap_or(1.0)
    }
}

/// A sampled row's estimate for the whole dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The share of the field's values holding this kind, from the sample.
    pub prevalence: f64,
    /// The 95% Wilson score interval of the prevalence: low end.
    pub prevalence_low: f64,
    /// High end.
    pub prevalence_high: f64,
    /// Estimated values of this kind in the whole dataset (findings in the
    /// sample scaled by the sampling rates).
    pub values: u64,
}

/// The 95% Wilson score interval of `hits` successes in `n` trials.
pub fn wilson(hits: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, z) = (n as f64, 1.959_963_984_540_054_f64);
    let p = (hits as f64 / n).min(1.0);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Reads a map whose keys are a small fixed set of names (formats,
/// reasons) back into the `&'static str` keys reports are built with.
fn static_keys<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<&'static str, u64>, D::Error> {
    let map = BTreeMap::<String, u64>::deserialize(d)?;
    Ok(map.into_iter().map(|(k, v)| (intern(k), v)).collect())
}

/// A `&'static str` for a name read from a report. Each distinct name is
/// leaked once: a process reads a few dozen of them at most.
fn intern(s: String) -> &'static str {
    static NAMES: std::sync::Mutex<BTreeSet<&'static str>> = std::sync::Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(s.as_str()) {
        return n;
    }
    let n: &'static str = Box::leak(s.into_boxed_str());
    names.insert(n);
    n
}

/// Where a value was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The file.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u64,
    /// 1-based byte column.
    pub column: u64,
    /// Byte offset.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// The masked sample.
    pub masked: compact_str::CompactString,
    /// Clear, masked or test value.
    pub status: Status,
    /// The finding's confidence.
    pub confidence: Confidence,
}

/// One row of the inventory: a detector in a field of a vendor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldReport {
    /// A stable id of the row: a hash of vendor, field and detector (and
    /// endpoint and direction for a capture; no value goes into it), the
    /// same in every scan.
    pub id: String,
    /// For an API capture: method, host and path template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Arc<str>>,
    /// For an API capture: `request` (sent to the vendor) or `response`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// The field path; `null` for free text.
    pub field: Option<Arc<str>>,
    /// The detector id.
    pub detector: Arc<str>,
    /// The detector's category.
    pub category: Category,
    /// Findings.
    pub count: u64,
    /// Distinct files with findings.
    pub files: u64,
    /// Values seen in this field (for free text: lines) in the vendor's
    /// files.
    pub values: u64,
    /// Share of the field's values with a finding of this detector.
    pub prevalence: f64,
    /// Distinct values found, by keyed fingerprint; exact up to
    /// [`DISTINCT_LIMIT`], a lower bound beyond (`distinct_capped`).
    pub distinct: u64,
    /// True when `distinct` stopped counting at the limit.
    pub distinct_capped: bool,
    /// True when counting stopped at `--enough` findings: `count` (and
    /// `prevalence`) are then lower bounds.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
    /// The distinct keyed fingerprints (first 16 hex digits), sorted; only
    /// when the fingerprint key was pinned, so a later scan with the same
    /// key can tell new values from old (`--baseline`, `sandsift diff`).
    /// At most [`FINGERPRINTS_LISTED`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
    /// Findings per status.
    pub status: StatusCounts,
    /// Findings per confidence.
    pub confidence: ConfidenceCounts,
    /// The highest confidence seen.
    pub max_confidence: Confidence,
    /// Every kind of evidence seen.
    pub evidence: Vec<String>,
    /// A masked sample: of the first clear finding, else of the first.
    pub sample: String,
    /// The first finding's location (the first in file, line, column
    /// order).
    pub first: Location,
    /// Up to `--examples` locations: the first ones in file, line,
    /// column order, whatever order the threads found them in.
    pub examples: Vec<Location>,
    /// In a sampled scan: the prevalence with its 95% interval and the
    /// estimated number of such values in the whole dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate>,
    /// In a shard's report only: the first clear finding's location, so
    /// that merged shards show the sample an unsharded scan shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_clear: Option<Location>,
}

/// The inventory of one vendor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VendorReport {
    /// The vendor.
    pub vendor: String,
    /// Files scanned: the vendor's own, and captures (HAR) holding its
    /// traffic.
    pub files: u64,
    /// Bytes scanned in the vendor's own files.
    pub bytes: u64,
    /// Findings of every status.
    pub findings: u64,
    /// Findings per status.
    pub status: StatusCounts,
    /// Rows, sorted by field then detector.
    pub fields: Vec<FieldReport>,
}

/// The result of a scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The schema version, [`SCHEMA`].
    pub schema: std::borrow::Cow<'static, str>,
    /// The tool.
    pub tool: Tool,
    /// Totals.
    pub summary: Summary,
    /// Per-vendor inventory, sorted by vendor.
    pub vendors: Vec<VendorReport>,
    /// Files skipped, with reasons.
    pub skipped: Vec<Skipped>,
    /// Files that failed, with errors.
    pub failed: Vec<Failed>,
    /// Problems inside files (the first ones per file; all are counted in
    /// the summary).
    pub problems: Vec<FileProblem>,
    /// The detectors the scan ran.
    pub detectors: Vec<DetectorInfo>,
    /// Identifies the pinned fingerprint key (never the key itself); `null`
    /// when the key was random, so fingerprints compare within this report
    /// only.
    pub fingerprint_key_id: Option<String>,
    /// The baseline report this one was compared with: findings known to
    /// it are left out (counted in `summary.baseline_known`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The comparison with a vendor policy, when one was given (not
    /// read back: merging recomputes it).
    #[serde(skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub policy: Option<crate::policy::PolicyOutcome>,
    /// For one shard of a sharded scan: which one, and what `sandsift
    /// merge` needs to rebuild the whole report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardData>,
    #[serde(skip)]
    building: Building,
}

/// What a shard's report adds for `sandsift merge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardData {
    /// This shard, from 0.
    pub index: u32,
    /// How many shards the scan was cut into.
    pub count: u32,
    /// `--examples`: locations kept per row.
    pub examples: usize,
    /// Values seen per vendor, endpoint and field, with or without
    /// findings (the denominators of prevalence).
    pub field_values: Vec<FieldValues>,
}

/// Values seen in one field of one vendor's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldValues {
    /// The vendor.
    pub vendor: Arc<str>,
    /// The endpoint of a capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Arc<str>>,
    /// The field; `null` for free text.
    pub field: Option<Arc<str>>,
    /// How many.
    pub values: u64,
}

#[derive(Debug, Clone, Default)]
struct Building {
    examples: usize,
    /// `--enough`: findings counted per row at most.
    enough: Option<u64>,
    vendors: BTreeMap<Arc<str>, VendorAcc>,
}

#[derive(Debug, Clone, Default)]
struct VendorAcc {
    files: u64,
    bytes: u64,
    findings: u64,
    status: StatusCounts,
    /// Hashed while findings arrive (a tree of string keys cost 520
    /// instructions per finding on a dense corpus), sorted at the end.
    rows: rustc_hash::FxHashMap<RowKey, RowAcc>,
    /// Captures (of another vendor's folder) holding this vendor's traffic.
    captures: BTreeSet<Arc<str>>,
    /// Values seen per (endpoint, field).
    values: rustc_hash::FxHashMap<ValuesKey, u64>,
}

/// A vendor's rows in key order.
fn sorted(rows: rustc_hash::FxHashMap<RowKey, RowAcc>) -> Vec<(RowKey, RowAcc)> {
    let mut rows: Vec<_> = rows.into_iter().collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// Endpoint (of a capture) and field of a value count.
type ValuesKey = (Option<Arc<str>>, Option<Arc<str>>);

/// Endpoint, direction, field, detector: rows group by endpoint first,
/// so a capture's rows read vendor → endpoint → direction → field.
pub(crate) type RowKey = (
    Option<Arc<str>>,
    Option<Direction>,
    Option<Arc<str>>,
    Arc<str>,
);

#[derive(Debug, Clone)]
struct RowAcc {
    category: Category,
    count: u64,
    files: BTreeSet<Arc<str>>,
    /// Files counted by merged shards (disjoint from `files`).
    files_merged: u64,
    status: StatusCounts,
    confidence: ConfidenceCounts,
    max_confidence: Confidence,
    evidence: BTreeSet<String>,
    /// The evidence list last added (findings of one unit share theirs).
    last_evidence: Option<Arc<[String]>>,
    /// The file last added to `files`.
    last_file: Option<Arc<str>>,
    /// The first locations in [`Location`] order, sorted.
    examples: Vec<Location>,
    first: Location,
    first_clear: Option<Location>,
    distinct: rustc_hash::FxHashSet<u64>,
    distinct_capped: bool,
    /// Counting stopped at `--enough`.
    stopped: bool,
}

fn location(f: &Finding) -> Location {
    Location {
        file: Arc::clone(&f.file),
        line: f.line,
        column: f.column,
        offset: f.offset,
        length: f.length,
        masked: f.masked.clone(),
        status: f.status,
        confidence: f.confidence,
    }
}

impl Location {
    /// The order examples are chosen in: file, line, column, offset,
    /// then the rest, so that every scan of the same data — on any number
    /// of threads, or in shards merged later — picks the same ones.
    pub fn order(&self, other: &Location) -> std::cmp::Ordering {
        order_of(
            (&self.file, self.line, self.column, self.offset, self.length),
            (&self.masked, self.status, self.confidence),
            other,
        )
    }
}

/// [`Location::order`] of a finding's place against a location, without
/// building one.
fn finding_order(f: &Finding, l: &Location) -> std::cmp::Ordering {
    order_of(
        (&f.file, f.line, f.column, f.offset, f.length),
        (&f.masked, f.status, f.confidence),
        l,
    )
}

fn order_of(
    (file, line, column, offset, length): (&Arc<str>, u64, u64, u64, u64),
    (masked, status, confidence): (&str, Status, Confidence),
    l: &Location,
) -> std::cmp::Ordering {
    let files = if Arc::ptr_eq(file, &l.file) {
        std::cmp::Ordering::Equal
    } else {
        file.as_ref().cmp(l.file.as_ref())
    };
    files
        .then(line.cmp(&l.line))
        .then(column.cmp(&l.column))
        .then(offset.cmp(&l.offset))
        .then(length.cmp(&l.length))
        .then_with(|| masked.cmp(l.masked.as_str()))
        .then(status.cmp(&l.status))
        .then(confidence.cmp(&l.confidence))
}

impl RowAcc {
    /// Keeps `l` among the first `keep` examples (and as the first, or
    /// first clear, location) when it comes before what is kept.
    fn consider(&mut self, l: Location, keep: usize) {
        use std::cmp::Ordering::Less;
        if l.order(&self.first) == Less {
            self.first = l.clone();
        }
        if l.status == Status::Clear && self.first_clear.as_ref().is_none_or(|c| l.order(c) == Less)
        {
            self.first_clear = Some(l.clone());
        }
        self.keep_example(l, keep);
    }

    fn keep_example(&mut self, l: Location, keep: usize) {
        if keep == 0 {
            return;
        }
        if self.examples.len() >= keep {
            match self.examples.last() {
                Some(last) if l.order(last) == std::cmp::Ordering::Less => {
                    self.examples.pop();
                }
                _ => return,
            }
        }
        let at = self
            .examples
            .partition_point(|e| e.order(&l) != std::cmp::Ordering::Greater);
        self.examples.insert(at, l);
    }

    /// Counts one finding: its status, confidence and evidence.
    fn count_one(&mut self, status: Status, confidence: Confidence, evidence: &Arc<[String]>) {
        self.count += 1;
        self.status.add(status);
        match confidence {
            Confidence::High => self.confidence.high += 1,
            Confidence::Medium => self.confidence.medium += 1,
            Confidence::Low => self.confidence.low += 1,
        }
        self.max_confidence = self.max_confidence.max(confidence);
        // The findings of a unit share their evidence list.
        if !self
            .last_evidence
            .as_ref()
            .is_some_and(|l| Arc::ptr_eq(l, evidence))
        {
            for e in evidence.iter() {
                if !self.evidence.contains(e) {
                    self.evidence.insert(e.clone());
                }
            }
            self.last_evidence = Some(Arc::clone(evidence));
        }
    }

    /// Counts fingerprints as distinct values, up to [`DISTINCT_LIMIT`];
    /// past it, a value not already counted marks the count capped. The
    /// order decides which are counted, so it must be the order the
    /// findings were made in.
    fn add_prints(&mut self, prints: impl IntoIterator<Item = u64>) {
        for p in prints {
            if self.distinct.len() < DISTINCT_LIMIT {
                self.distinct.insert(p);
            } else if !self.distinct.contains(&p) {
                self.distinct_capped = true;
            }
        }
    }

    /// Adds the row of other findings of the same (vendor, field,
    /// detector), from other files: everything but the distinct values,
    /// which go through [`RowAcc::add_prints`].
    fn absorb(&mut self, other: RowAcc, keep: usize) {
        self.count += other.count;
        self.files.extend(other.files);
        self.files_merged += other.files_merged;
        self.status.absorb(&other.status);
        self.confidence.high += other.confidence.high;
        self.confidence.medium += other.confidence.medium;
        self.confidence.low += other.confidence.low;
        self.max_confidence = self.max_confidence.max(other.max_confidence);
        self.evidence.extend(other.evidence);
        // The first location is also the first example: only the
        // examples are kept as examples.
        self.consider(other.first, 0);
        if let Some(c) = other.first_clear {
            self.consider(c, 0);
        }
        for e in other.examples {
            self.keep_example(e, keep);
        }
        self.distinct_capped |= other.distinct_capped;
        self.stopped |= other.stopped;
    }

    /// Whether a finding would change the kept locations.
    fn wants(&self, f: &Finding, keep: usize) -> bool {
        use std::cmp::Ordering::Less;
        finding_order(f, &self.first) == Less
            || (f.status == Status::Clear
                && self
                    .first_clear
                    .as_ref()
                    .is_none_or(|c| finding_order(f, c) == Less))
            || (keep > 0
                && (self.examples.len() < keep
                    || self
                        .examples
                        .last()
                        .is_some_and(|last| finding_order(f, last) == Less)))
    }
}

impl Building {
    /// The vendor's accumulator, made on first sight (the name is copied
    /// only then).
    fn vendor(&mut self, vendor: &str) -> &mut VendorAcc {
        let key = match self.vendors.get_key_value(vendor) {
            Some((k, _)) => Arc::clone(k),
            None => Arc::from(vendor),
        };
        self.vendors.entry(key).or_default()
    }
}

impl Report {
    /// An empty report keeping `examples` locations per row.
    pub fn new(examples: usize) -> Self {
        Report {
            schema: SCHEMA.into(),
            tool: Tool {
                name: "sandsift".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            summary: Summary::default(),
            vendors: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
            problems: Vec::new(),
            policy: None,
            shard: None,
            detectors: Vec::new(),
            fingerprint_key_id: None,
            baseline: None,
            building: Building {
                examples,
                enough: None,
                vendors: BTreeMap::new(),
            },
        }
    }

    /// Stops counting a row after `n` findings (`--enough`).
    pub fn set_enough(&mut self, n: Option<u64>) {
        self.building.enough = n;
    }

    /// Adds one finding; false, having only marked its row stopped, when
    /// the row already counts `--enough` findings.
    pub fn add_finding(&mut self, f: &Finding) -> bool {
        if let Some(n) = self.building.enough
            && let Some(row) = self.building.vendors.get_mut(&f.vendor).and_then(|v| {
                v.rows.get_mut(&(
                    f.endpoint.clone(),
                    f.direction,
                    f.field.clone(),
                    Arc::clone(&f.detector),
                ))
            })
            && row.count >= n
        {
            row.stopped = true;
            return false;
        }
        self.summary.findings += 1;
        self.summary.status.add(f.status);
        let vendor = self
            .building
            .vendors
            .entry(Arc::clone(&f.vendor))
            .or_default();
        vendor.findings += 1;
        vendor.status.add(f.status);
        let key = (
            f.endpoint.clone(),
            f.direction,
            f.field.clone(),
            Arc::clone(&f.detector),
        );
        let keep = self.building.examples;
        let row = vendor.rows.entry(key).or_insert_with(|| RowAcc {
            category: f.category,
            count: 0,
            files: BTreeSet::new(),
            files_merged: 0,
            status: StatusCounts::default(),
            confidence: ConfidenceCounts::default(),
            max_confidence: f.confidence,
            evidence: BTreeSet::new(),
            last_evidence: None,
            last_file: None,
            examples: Vec::new(),
            first: location(f),
            first_clear: None,
            distinct: Default::default(),
            distinct_capped: false,
            stopped: false,
        });
        row.add_prints([f.fingerprint.prefix()]);
        if !row
            .last_file
            .as_ref()
            .is_some_and(|l| Arc::ptr_eq(l, &f.file))
        {
            if !row.files.contains(&f.file) {
                row.files.insert(Arc::clone(&f.file));
            }
            row.last_file = Some(Arc::clone(&f.file));
        }
        row.count_one(f.status, f.confidence, &f.evidence);
        if row.count == 1 || row.wants(f, keep) {
            row.consider(location(f), keep);
        }
        true
    }

    /// Adds `counts`, each `n` values seen in `field` (`None`: free text)
    /// of a vendor's files, or of one endpoint of a capture.
    pub fn add_field_values(
        &mut self,
        vendor: &str,
        counts: impl IntoIterator<Item = (Option<Arc<str>>, Option<Arc<str>>, u64)>,
    ) {
        let v = self.building.vendor(vendor);
        for (endpoint, field, n) in counts {
            *v.values.entry((endpoint, field)).or_default() += n;
        }
    }

    /// Records that a capture file holds traffic to `vendor`.
    pub fn add_capture(&mut self, vendor: &str, file: &str) {
        let v = self.building.vendor(vendor);
        if !v.captures.contains(file) {
            v.captures.insert(Arc::from(file));
        }
    }

    /// Counts findings past `--max-findings-per-field`: in their row's
    /// counts, not in its examples or distinct values.
    pub fn add_unlisted(&mut self, file_vendor: &str, u: &crate::engine::Unlisted) {
        if u.stopped {
            let vendor = u.vendor.as_deref().unwrap_or(file_vendor);
            let key = (
                u.endpoint.clone(),
                u.direction,
                u.field.clone(),
                Arc::clone(&u.detector),
            );
            if let Some(row) = self
                .building
                .vendors
                .get_mut(vendor)
                .and_then(|v| v.rows.get_mut(&key))
            {
                row.stopped = true;
            }
            return;
        }
        let s = &mut self.summary;
        s.findings += u.count;
        s.findings_unlisted += u.count;
        let add = |c: &mut StatusCounts| match u.status {
            Status::Clear => c.clear += u.count,
            Status::Masked => c.masked += u.count,
            Status::TestValue => c.test_value += u.count,
        };
        add(&mut s.status);
        let vendor = u.vendor.as_deref().unwrap_or(file_vendor);
        let v = self.building.vendor(vendor);
        v.findings += u.count;
        add(&mut v.status);
        let key = (
            u.endpoint.clone(),
            u.direction,
            u.field.clone(),
            Arc::clone(&u.detector),
        );
        // The first findings of the row were kept, so it exists.
        if let Some(row) = v.rows.get_mut(&key) {
            row.count += u.count;
            add(&mut row.status);
            match u.confidence {
                Confidence::High => row.confidence.high += u.count,
                Confidence::Medium => row.confidence.medium += u.count,
                Confidence::Low => row.confidence.low += u.count,
            }
            row.max_confidence = row.max_confidence.max(u.confidence);
        }
    }

    /// Counts parts of files not scanned on purpose.
    pub fn add_parts_skipped(&mut self, reason: &'static str, n: u64) {
        *self.summary.parts_skipped.entry(reason).or_default() += n;
    }

    /// Adds a listed problem (it is also counted).
    pub fn add_problem(&mut self, p: FileProblem) {
        self.summary.problems += 1;
        self.problems.push(p);
    }

    /// Counts a finding the baseline already had.
    pub fn add_baseline_known(&mut self) {
        self.summary.baseline_known += 1;
    }

    /// Counts records read in a sampled scan.
    pub fn add_records_sampled(&mut self, n: u64) {
        if let Some(s) = &mut self.summary.sample {
            s.records_sampled += n;
        }
    }

    /// Counts matches below the confidence threshold.
    pub fn add_below_min_confidence(&mut self, n: u64) {
        self.summary.below_min_confidence += n;
    }

    /// Counts problems that were not listed.
    pub fn add_unlisted_problems(&mut self, n: u64) {
        self.summary.problems += n;
    }

    /// Records a scanned file.
    pub fn file_scanned(
        &mut self,
        vendor: &str,
        format: Format,
        bytes: u64,
        records: u64,
        values: u64,
    ) {
        let s = &mut self.summary;
        s.files_seen += 1;
        s.files_scanned += 1;
        s.bytes_seen += bytes;
        s.bytes_scanned += bytes;
        s.records += records;
        s.values += values;
        *s.formats.entry(format.as_str()).or_default() += 1;
        let v = self.building.vendor(vendor);
        v.files += 1;
        v.bytes += bytes;
    }

    /// Records a skipped file.
    pub fn file_skipped(&mut self, s: Skipped) {
        self.summary.files_seen += 1;
        self.summary.files_skipped += 1;
        self.summary.bytes_seen += s.bytes;
        self.summary.bytes_skipped += s.bytes;
        self.skipped.push(s);
    }

    /// Records a failed file.
    pub fn file_failed(&mut self, f: Failed) {
        self.summary.files_seen += 1;
        self.summary.files_failed += 1;
        self.failed.push(f);
    }

    /// Closes the report: builds the sorted inventory and the timings.
    pub fn finish(&mut self, elapsed: Duration, threads: usize) {
        let s = &mut self.summary;
        s.duration_ms = elapsed.as_millis() as u64;
        let secs = elapsed.as_secs_f64().max(1e-6);
        s.throughput_mb_s = (s.bytes_scanned as f64 / 1e6 / secs * 10.0).round() / 10.0;
        s.threads = threads;
        self.skipped.sort_by(|a, b| a.file.cmp(&b.file));
        self.failed.sort_by(|a, b| a.file.cmp(&b.file));
        // Problems in file and position order, whatever order the threads
        // (or shards) found them in.
        self.problems.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
        });
        let vendors = std::mem::take(&mut self.building.vendors);
        let listed = self.fingerprint_key_id.is_some();
        let sharded = self.shard.is_some();
        let scale = self
            .summary
            .sample
            .as_ref()
            .map(|s| s.scale(self.summary.bytes_scanned));
        if let Some(shard) = &mut self.shard {
            shard.field_values = vendors
                .iter()
                .flat_map(|(vendor, acc)| {
                    let mut values: Vec<_> = acc.values.iter().collect();
                    values.sort_unstable_by(|a, b| a.0.cmp(b.0));
                    values
                        .into_iter()
                        .map(|((endpoint, field), &values)| FieldValues {
                            vendor: Arc::clone(vendor),
                            endpoint: endpoint.clone(),
                            field: field.clone(),
                            values,
                        })
                })
                .collect();
        }
        self.vendors = vendors
            .into_iter()
            .map(|(name, acc)| VendorReport {
                vendor: name.to_string(),
                files: acc.files + acc.captures.len() as u64,
                bytes: acc.bytes,
                findings: acc.findings,
                status: acc.status,
                fields: sorted(acc.rows)
                    .into_iter()
                    .map(|((endpoint, direction, field, detector), r)| {
                        // A field's values are counted in every file that has it;
                        // findings can outnumber values only in free text, where
                        // one line holds several.
                        let values = acc
                            .values
                            .get(&(endpoint.clone(), field.clone()))
                            .copied()
                            .unwrap_or(0)
                            .max(r.count);
                        let exchange = endpoint.as_deref().zip(direction);
                        FieldReport {
                            id: row_id(&name, exchange, field.as_deref(), &detector),
                            endpoint,
                            direction,
                            field,
                            detector,
                            category: r.category,
                            count: r.count,
                            files: r.files.len() as u64 + r.files_merged,
                            values,
                            prevalence: (r.count as f64 / values.max(1) as f64 * 10_000.0).round()
                                / 10_000.0,
                            distinct: r.distinct.len() as u64,
                            distinct_capped: r.distinct_capped,
                            stopped: r.stopped,
                            fingerprints: if listed {
                                let mut prints: Vec<String> =
                                    r.distinct.iter().map(|p| format!("{p:016x}")).collect();
                                prints.sort_unstable();
                                // A shard lists them all: merging unites them.
                                if !sharded {
                                    prints.truncate(FINGERPRINTS_LISTED);
                                }
                                prints
                            } else {
                                Vec::new()
                            },
                            status: r.status,
                            confidence: r.confidence,
                            max_confidence: r.max_confidence,
                            evidence: r.evidence.into_iter().collect(),
                            // The sample shows a leak when there is one.
                            sample: r
                                .first_clear
                                .as_ref()
                                .unwrap_or(&r.first)
                                .masked
                                .to_string(),
                            first: r.first,
                            examples: r.examples,
                            first_clear: r.first_clear.filter(|_| sharded),
                            // A row that stopped counting has no estimate.
                            estimate: scale.filter(|_| !r.stopped).map(|scale| {
                                let (low, high) = wilson(r.count.min(values), values);
                                // Rounded outwards: the interval never narrows.
                                let (down, up) = (
                                    |x: f64| (x * 10_000.0).floor() / 10_000.0,
                                    |x: f64| (x * 10_000.0).ceil() / 10_000.0,
                                );
                                let p = r.count.min(values) as f64 / values.max(1) as f64;
                                Estimate {
                                    prevalence: (p * 10_000.0).round() / 10_000.0,
                                    prevalence_low: down(low),
                                    prevalence_high: up(high),
                                    values: (r.count as f64 * scale).round() as u64,
                                }
                            }),
                        }
                    })
                    .collect(),
            })
            .collect();
    }

    /// True when the scan found anything of any status.
    pub fn has_findings(&self) -> bool {
        self.summary.findings > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Fingerprint;
    use crate::format::Format;

    fn finding(fingerprint: &str, line: u64) -> Finding {
        Finding {
            vendor: Arc::from("v"),
            endpoint: None,
            direction: None,
            decoded: Vec::new(),
            file: Arc::from("f.ndjson"),
            format: Format::Ndjson,
            field: Some(Arc::from("$.email")),
            detector: Arc::from("email"),
            category: Category::Contact,
            confidence: Confidence::High,
            evidence: Arc::from(["pattern".to_string()]),
            status: Status::Clear,
            offset: 0,
            length: 1,
            line,
            column: 1,
            masked: "a***@example.com".into(),
            fingerprint: Fingerprint::from_hex(&format!("{fingerprint:0<32}")).unwrap(),
            value: None,
        }
    }

    #[test]
    fn rows_count_values_prevalence_and_distinct_values() {
        let mut r = Report::new(1);
        r.add_finding(&finding("00000000000000aa", 1));
        r.add_finding(&finding("00000000000000aa", 2));
        r.add_finding(&finding("00000000000000bb", 3));
        r.add_field_values("v", [(None, Some(Arc::from("$.email")), 12)]);
        r.file_scanned("v", Format::Ndjson, 100, 12, 12);
        r.finish(Duration::from_millis(5), 1);
        let row = &r.vendors[0].fields[0];
        assert_eq!((row.count, row.values, row.distinct), (3, 12, 2));
        assert_eq!(row.prevalence, 0.25);
        assert_eq!(row.examples.len(), 1);
        assert_eq!((r.summary.files_seen, r.summary.findings), (1, 3));
    }
}
