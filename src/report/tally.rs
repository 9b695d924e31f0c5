//! Findings tallied where they are found, for a scan whose only output
//! is the report ([`ScanConfig::report_only`](crate::ScanConfig::report_only)).
//!
//! A report row needs, of each finding, its counts, its fingerprint and
//! — only while it could still be among the first locations — its
//! location with the masked value. A worker that builds a whole
//! [`Finding`](crate::Finding) for each (masked value, hex fingerprint,
//! shared names) and hands it to the writing thread pays about 4,500
//! instructions per finding on dense data; a tally pays the fingerprint
//! and some counting, and masks a value only for the few locations it
//! keeps. The tallies of a unit of work, added to the report in unit
//! order, give exactly the report adding each finding would: every
//! count adds up, the kept locations are the least in
//! [`Location::order`], and the distinct values are counted in the order
//! they were found.

use std::collections::BTreeSet;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use super::{DISTINCT_LIMIT, Location, Report, RowAcc, RowKey};
use crate::detect::{Category, Confidence, Status};

/// Where a finding is in its unit of work (lines relative to the unit).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub line: u64,
    pub column: u64,
    pub offset: u64,
    pub length: u64,
}

/// What a tally counts of one finding.
pub(crate) struct Counted<'a> {
    pub place: Place,
    pub status: Status,
    pub confidence: Confidence,
    pub evidence: &'a Arc<[String]>,
    /// The first 64 bits of the keyed fingerprint.
    pub print: u64,
}

/// The findings of one report row in one unit of work.
pub(crate) struct Tally {
    row: RowAcc,
    /// Distinct fingerprints in the order found; one more than the report
    /// counts at most, which is enough to mark its count capped.
    prints: Vec<u64>,
}

impl Tally {
    /// A tally of one finding, the first of its row in the unit.
    pub fn new(
        file: &Arc<str>,
        category: Category,
        f: Counted<'_>,
        masked: String,
        keep: usize,
    ) -> Self {
        let first = location(file, &f, masked);
        let mut tally = Tally {
            row: RowAcc {
                category,
                count: 0,
                files: BTreeSet::from([Arc::clone(file)]),
                files_merged: 0,
                status: Default::default(),
                confidence: Default::default(),
                max_confidence: f.confidence,
                evidence: BTreeSet::new(),
                last_evidence: None,
                last_file: Some(Arc::clone(file)),
                examples: Vec::new(),
                first: first.clone(),
                first_clear: None,
                distinct: Default::default(),
                distinct_capped: false,
                stopped: false,
            },
            prints: Vec::new(),
        };
        tally.count_one(&f);
        tally.row.consider(first, keep);
        tally
    }

    /// The findings tallied.
    pub fn findings(&self) -> u64 {
        self.row.count
    }

    /// Adds a later finding of the row; `masked` is called only when its
    /// location could be kept.
    pub fn add(&mut self, f: Counted<'_>, masked: impl FnOnce() -> String, keep: usize) {
        self.count_one(&f);
        if self.could_keep(&f, keep) {
            let l = location(&self.row.first.file, &f, masked());
            self.row.consider(l, keep);
        }
    }

    fn count_one(&mut self, f: &Counted<'_>) {
        self.row.count_one(f.status, f.confidence, f.evidence);
        if self.prints.len() <= DISTINCT_LIMIT && self.row.distinct.insert(f.print) {
            self.prints.push(f.print);
        }
    }

    /// Whether the finding's location could come before a kept one (a
    /// tie on the place is settled by the masked value, so it counts).
    fn could_keep(&self, f: &Counted<'_>, keep: usize) -> bool {
        let p = f.place;
        let at_or_before = |l: &Location| {
            (p.line, p.column, p.offset, p.length) <= (l.line, l.column, l.offset, l.length)
        };
        let row = &self.row;
        at_or_before(&row.first)
            || (f.status == Status::Clear && row.first_clear.as_ref().is_none_or(at_or_before))
            || (keep > 0
                && (row.examples.len() < keep || row.examples.last().is_some_and(at_or_before)))
    }
}

fn location(file: &Arc<str>, f: &Counted<'_>, masked: String) -> Location {
    Location {
        file: Arc::clone(file),
        line: f.place.line,
        column: f.place.column,
        offset: f.place.offset,
        length: f.place.length,
        masked,
        status: f.status,
        confidence: f.confidence,
    }
}

impl Report {
    /// Adds a unit's tally of the row `key` of `vendor`; `line_base` is
    /// the lines of the file before the unit.
    pub(crate) fn add_tally(&mut self, vendor: &str, key: RowKey, tally: Tally, line_base: u64) {
        let Tally { mut row, prints } = tally;
        for l in std::iter::once(&mut row.first)
            .chain(row.first_clear.as_mut())
            .chain(row.examples.iter_mut())
        {
            l.line += line_base;
        }
        self.summary.findings += row.count;
        self.summary.status.absorb(&row.status);
        let keep = self.building.examples;
        let v = self.building.vendor(vendor);
        v.findings += row.count;
        v.status.absorb(&row.status);
        match v.rows.entry(key) {
            Entry::Vacant(e) => {
                // Counted again from the prints, in order.
                row.distinct.clear();
                e.insert(row)
            }
            Entry::Occupied(e) => {
                let ours = e.into_mut();
                ours.absorb(row, keep);
                ours
            }
        }
        .add_prints(prints);
    }
}
