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

/// Prints remembered by a tally to pass over a value just seen again.
const RECENT: usize = 64;
/// The distinct prints a tally hands over: one more than the report
/// counts, which is enough to mark its count capped.
const PRINTS_KEPT: usize = DISTINCT_LIMIT + 1;

/// The findings of one report row in one unit of work.
pub(crate) struct Tally {
    row: RowAcc,
    /// Fingerprints in the order found: every distinct one up to
    /// [`PRINTS_KEPT`], and some repeats, which counting them into the
    /// report passes over. A set of the unit's distinct prints cost, on
    /// dense records, an insertion and its growth per finding on top of
    /// the report's own (about 5% of the scan's time); a repeat of one of
    /// the last values seen is dropped at a glance instead, and the list
    /// is cut down to its distinct prints when it grows long.
    prints: Vec<u64>,
    /// The print last pushed of each residue mod [`RECENT`] (slot `i`
    /// starts as `i + 1`, which is not of its residue).
    recent: Box<[u64; RECENT]>,
    /// [`PRINTS_KEPT`] distinct prints are kept: the rest are not needed.
    full: bool,
}

impl Tally {
    /// A tally of one finding, the first of its row in the unit.
    pub fn new(
        file: &Arc<str>,
        category: Category,
        f: Counted<'_>,
        masked: compact_str::CompactString,
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
            // Boxed: tallies are moved into maps and out again.
            recent: Box::new(std::array::from_fn(|i| i as u64 + 1)),
            full: false,
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
    pub fn add(
        &mut self,
        f: Counted<'_>,
        masked: impl FnOnce() -> compact_str::CompactString,
        keep: usize,
    ) {
        self.count_one(&f);
        if self.could_keep(&f, keep) {
            let l = location(&self.row.first.file, &f, masked());
            self.row.consider(l, keep);
        }
    }

    fn count_one(&mut self, f: &Counted<'_>) {
        self.row.count_one(f.status, f.confidence, f.evidence);
        self.note_print(f.print);
    }

    fn note_print(&mut self, p: u64) {
        if self.full {
            return;
        }
        let slot = &mut self.recent[(p % RECENT as u64) as usize];
        if *slot == p {
            return;
        }
        *slot = p;
        self.prints.push(p);
        if self.prints.len() >= 2 * PRINTS_KEPT {
            self.compact();
        }
    }

    /// Cuts the prints down to the first of each, in order; at
    /// [`PRINTS_KEPT`] of them the rest are not needed.
    fn compact(&mut self) {
        let mut seen = rustc_hash::FxHashSet::default();
        self.prints.retain(|&p| seen.insert(p));
        if self.prints.len() >= PRINTS_KEPT {
            self.prints.truncate(PRINTS_KEPT);
            self.full = true;
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

fn location(file: &Arc<str>, f: &Counted<'_>, masked: compact_str::CompactString) -> Location {
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
        let Tally {
            mut row, prints, ..
        } = tally;
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
            // A tally's row keeps no distinct values of its own: they are
            // counted from the prints, in order.
            Entry::Vacant(e) => e.insert(row),
            Entry::Occupied(e) => {
                let ours = e.into_mut();
                ours.absorb(row, keep);
                ours
            }
        }
        .add_prints(prints);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally_of(prints: impl IntoIterator<Item = u64>) -> Tally {
        let file: Arc<str> = Arc::from("f.ndjson");
        let evidence: Arc<[String]> = Arc::from(Vec::new());
        let counted = |print| Counted {
            place: Place {
                line: 1,
                column: 1,
                offset: 0,
                length: 1,
            },
            status: Status::Clear,
            confidence: Confidence::High,
            evidence: &evidence,
            print,
        };
        let mut prints = prints.into_iter();
        let first = prints.next().expect("a first print");
        let mut t = Tally::new(&file, Category::Contact, counted(first), "*".into(), 0);
        for p in prints {
            t.add(counted(p), || "*".into(), 0);
        }
        t
    }

    /// The first of each print, in order.
    fn firsts(prints: &[u64]) -> Vec<u64> {
        let mut seen = std::collections::HashSet::new();
        prints.iter().copied().filter(|&p| seen.insert(p)).collect()
    }

    #[test]
    fn a_tally_hands_over_every_distinct_print_in_the_order_found() {
        // Repeats near and far, a print of 0 and one equal to a slot's
        // starting value.
        let found: Vec<u64> = [0, 5, 5, 1, 0, 7, 5, 65, 1, 1 + 64 * 3, 0, 2]
            .into_iter()
            .chain((0..500).map(|i| i * 7919 % 300))
            .collect();
        let t = tally_of(found.iter().copied());
        assert_eq!(t.findings(), found.len() as u64);
        assert_eq!(firsts(&t.prints), firsts(&found));
        // Repeats of the last value seen in a residue are not pushed.
        let t = tally_of([9, 9, 9, 9, 73, 73]);
        assert_eq!(t.prints, [9, 73]);
    }

    #[test]
    fn a_long_tally_keeps_one_more_distinct_print_than_the_report_counts() {
        // Far repeats (each value twice, a window apart) escape the
        // recent prints; the list is cut down as it grows.
        let n = 2 * PRINTS_KEPT as u64;
        let found = (0..n).flat_map(|i| [i * 2 + 1000, i.saturating_sub(100) * 2 + 1000]);
        let t = tally_of(found);
        assert!(t.full);
        assert_eq!(t.prints.len(), PRINTS_KEPT);
        let expected: Vec<u64> = (0..PRINTS_KEPT as u64).map(|i| i * 2 + 1000).collect();
        assert_eq!(t.prints, expected);
    }
}
