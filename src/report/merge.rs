//! Merging the reports of a sharded scan (`sandsift scan --shard I/N
//! --format json`, one per shard) into the report of the whole scan.
//!
//! Shards hold disjoint files, so counts, files, bytes, values and
//! statuses add up; distinct values are the union of the shards' keyed
//! fingerprints (a pinned key is required for that); examples, the
//! first location and the sample are chosen by [`Location::order`](super::Location::order), the
//! same order a single scan chooses them in. The result is the report
//! an unsharded scan of the same inputs writes, apart from the timings
//! (`duration_ms` is the slowest shard's, `threads` the sum) and, when a
//! row has more distinct values than [`DISTINCT_LIMIT`](super::DISTINCT_LIMIT), which of them
//! are listed.

use std::collections::BTreeSet;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Duration;

use super::{Report, RowAcc, SCHEMA, VendorAcc};

/// Why shard reports cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A report is not a shard's.
    #[error("{0} is not the report of one shard (scan with --shard I/N --format json)")]
    NotAShard(String),
    /// Reports of different schema versions.
    #[error("{file} has schema {found}, not {SCHEMA}")]
    Schema {
        /// The report.
        file: String,
        /// Its schema.
        found: String,
    },
    /// Shards do not agree on what was scanned, or how.
    #[error("{file} does not belong with {first}: {what}")]
    Mismatch {
        /// The report that disagrees.
        file: String,
        /// The first report.
        first: String,
        /// What differs.
        what: &'static str,
    },
    /// Shards are missing or given twice.
    #[error("{0}")]
    Shards(String),
}

/// Merges shard reports, given with their file names for errors, into
/// the report of the whole scan (unfinished policy: evaluate it on the
/// result).
pub fn merge(reports: Vec<(String, Report)>) -> Result<Report, MergeError> {
    let Some((first_name, first)) = reports.first() else {
        return Err(MergeError::Shards("no reports to merge".into()));
    };
    let first_shard = first
        .shard
        .as_ref()
        .ok_or_else(|| MergeError::NotAShard(first_name.clone()))?;
    let count = first_shard.count;
    let examples = first_shard.examples;
    let mut seen = BTreeSet::new();
    for (name, r) in &reports {
        if r.schema != SCHEMA {
            return Err(MergeError::Schema {
                file: name.clone(),
                found: r.schema.to_string(),
            });
        }
        let shard = r
            .shard
            .as_ref()
            .ok_or_else(|| MergeError::NotAShard(name.clone()))?;
        let mismatch = |what| MergeError::Mismatch {
            file: name.clone(),
            first: first_name.clone(),
            what,
        };
        if shard.count != count {
            return Err(mismatch("a different shard count"));
        }
        if shard.examples != examples {
            return Err(mismatch("a different --examples"));
        }
        if r.fingerprint_key_id != first.fingerprint_key_id {
            return Err(mismatch("a different fingerprint key"));
        }
        if r.detectors != first.detectors {
            return Err(mismatch("different detectors"));
        }
        let sampling = |r: &Report| {
            r.summary
                .sample
                .as_ref()
                .map(|s| (s.rate.map(f64::to_bits), s.files, s.seed))
        };
        if sampling(r) != sampling(first) {
            return Err(mismatch(
                "different sampling (--sample, --sample-files, --seed)",
            ));
        }
        if !seen.insert(shard.index) {
            return Err(MergeError::Shards(format!(
                "shard {}/{count} is given twice ({name})",
                shard.index
            )));
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|i| !seen.contains(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Shards(format!(
            "shard(s) {} of {count} are missing: the merged report would leave their files out",
            missing.join(", ")
        )));
    }
    if first.fingerprint_key_id.is_none() {
        return Err(MergeError::Mismatch {
            file: first_name.clone(),
            first: first_name.clone(),
            what: "its fingerprints are not keyed (scan shards with --fingerprint-key)",
        });
    }

    let mut out = Report::new(examples);
    out.detectors = first.detectors.clone();
    out.fingerprint_key_id = first.fingerprint_key_id.clone();
    out.baseline = first.baseline.clone();
    let (mut slowest, mut threads) = (0u64, 0usize);
    for (_, r) in reports {
        slowest = slowest.max(r.summary.duration_ms);
        threads += r.summary.threads;
        add_summary(&mut out, &r);
        out.skipped.extend(r.skipped);
        out.failed.extend(r.failed);
        out.problems.extend(r.problems);
        let Some(shard) = r.shard else { continue };
        for v in shard.field_values {
            out.add_field_values(&v.vendor, [(v.endpoint, v.field, v.values)]);
        }
        for vendor in r.vendors {
            let acc = out
                .building
                .vendors
                .entry(Arc::from(vendor.vendor.as_str()))
                .or_default();
            add_vendor(acc, vendor, examples);
        }
    }
    out.finish(Duration::from_millis(slowest), threads);
    Ok(out)
}

fn add_summary(out: &mut Report, r: &Report) {
    let (s, t) = (&mut out.summary, &r.summary);
    s.files_seen += t.files_seen;
    s.files_scanned += t.files_scanned;
    s.files_skipped += t.files_skipped;
    s.files_failed += t.files_failed;
    s.bytes_seen += t.bytes_seen;
    s.bytes_scanned += t.bytes_scanned;
    s.bytes_skipped += t.bytes_skipped;
    s.bytes_failed += t.bytes_failed;
    for (k, v) in &t.formats {
        *s.formats.entry(k).or_default() += v;
    }
    s.records += t.records;
    s.values += t.values;
    s.findings += t.findings;
    s.status.absorb(&t.status);
    s.problems += t.problems;
    s.below_min_confidence += t.below_min_confidence;
    s.baseline_known += t.baseline_known;
    s.incomplete |= t.incomplete;
    s.findings_unlisted += t.findings_unlisted;
    for (k, v) in &t.parts_skipped {
        *s.parts_skipped.entry(k).or_default() += v;
    }
    if let Some(theirs) = &t.sample {
        match &mut s.sample {
            None => s.sample = Some(theirs.clone()),
            Some(ours) => {
                ours.files_not_sampled += theirs.files_not_sampled;
                ours.bytes_not_sampled += theirs.bytes_not_sampled;
                ours.records_sampled += theirs.records_sampled;
            }
        }
    }
}

fn add_vendor(acc: &mut VendorAcc, v: super::VendorReport, examples: usize) {
    acc.files += v.files;
    acc.bytes += v.bytes;
    acc.findings += v.findings;
    acc.status.absorb(&v.status);
    for f in v.fields {
        let key = (
            f.endpoint.clone(),
            f.direction,
            f.field.clone(),
            f.detector.clone(),
        );
        let prints: rustc_hash::FxHashSet<u64> = f
            .fingerprints
            .iter()
            .filter_map(|p| u64::from_str_radix(p, 16).ok())
            .collect();
        let row = RowAcc {
            category: f.category,
            count: f.count,
            files: BTreeSet::new(),
            files_merged: f.files,
            status: f.status,
            confidence: f.confidence,
            max_confidence: f.max_confidence,
            evidence: f.evidence.into_iter().collect(),
            last_evidence: None,
            last_file: None,
            examples: f.examples,
            first: f.first,
            first_clear: f.first_clear,
            distinct: Default::default(),
            distinct_capped: f.distinct_capped,
            stopped: f.stopped,
        };
        match acc.rows.entry(key) {
            Entry::Vacant(v) => v.insert(row),
            Entry::Occupied(o) => {
                let ours = o.into_mut();
                ours.absorb(row, examples);
                ours
            }
        }
        .add_prints(prints);
    }
}
