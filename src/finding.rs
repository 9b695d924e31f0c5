//! Findings: one detected value, located, masked and fingerprinted.
//!
//! This is where masking happens: a [`Finding`] carries the masked sample
//! and a keyed fingerprint; the raw value only when the user asked for it
//! (`--reveal`). Renderers receive findings and never see anything else.

use std::sync::Arc;

use serde::Serialize;

use crate::detect::{Category, Confidence, MaskStyle, Status};
use crate::format::{Direction, Encoding, Format};

/// One detected value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The vendor the file belongs to (for an API capture: the vendor of
    /// the request's host).
    pub vendor: Arc<str>,
    /// For an API capture: method, host and path template of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Arc<str>>,
    /// For an API capture: whether the value was sent or received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// The file, as discovered (relative to the working directory when the
    /// scan path was).
    pub file: Arc<str>,
    /// The format the file was read as.
    pub format: Format,
    /// The field path; `null` for free text.
    pub field: Option<Arc<str>>,
    /// The detector id.
    pub detector: Arc<str>,
    /// The detector's category.
    pub category: Category,
    /// How sure the finding is.
    pub confidence: Confidence,
    /// Why it has that confidence (shared by the findings of one unit
    /// with the same evidence).
    pub evidence: Arc<[String]>,
    /// Clear, masked or test value.
    pub status: Status,
    /// Byte offset of the raw value in the file (in the decompressed stream
    /// for `.gz` files).
    pub offset: u64,
    /// Length of the raw value in bytes.
    pub length: u64,
    /// 1-based line.
    pub line: u64,
    /// 1-based byte column.
    pub column: u64,
    /// The value masked by kind (held inline when short, as nearly
    /// every sample is).
    pub masked: compact_str::CompactString,
    /// Layers of encoding decoded to find the value, outermost first
    /// (empty when the file holds it as it is).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decoded: Vec<Encoding>,
    /// Keyed fingerprint of the normalised value.
    pub fingerprint: Fingerprint,
    /// The raw (decoded) value; only with `--reveal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A keyed fingerprint: the first 16 bytes of a keyed hash, shown (and
/// serialised) as 32 lowercase hex digits.
///
/// Held by value, not as a string: a finding is made on a worker and
/// written by the thread that merges results, and a string's bytes were
/// a cache miss there (perf, 2 GiB corpus into jsonl: one load of the
/// fingerprint's bytes took a fifth of that thread's samples of
/// merging), besides an allocation and a free on another thread.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Fingerprint(pub [u8; 16]);

impl Fingerprint {
    /// The fingerprint's 32 hex digits, two looked up per byte.
    pub fn hex(&self) -> [u8; 32] {
        const PAIRS: [[u8; 2]; 256] = {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let mut t = [[0u8; 2]; 256];
            let mut i = 0;
            while i < 256 {
                t[i] = [HEX[i >> 4], HEX[i & 15]];
                i += 1;
            }
            t
        };
        let mut hex = [0u8; 32];
        for (pair, &b) in hex.chunks_exact_mut(2).zip(&self.0) {
            pair.copy_from_slice(&PAIRS[usize::from(b)]);
        }
        hex
    }

    /// Its first 64 bits (its first 16 hex digits), the print reports
    /// list under a pinned key.
    pub fn prefix(&self) -> u64 {
        let mut head = [0u8; 8];
        head.copy_from_slice(&self.0[..8]);
        u64::from_be_bytes(head)
    }

    /// Reads 32 hex digits (either case); `None` for anything else.
    pub fn from_hex(s: &str) -> Option<Fingerprint> {
        let s = s.as_bytes();
        if s.len() != 32 {
            return None;
        }
        let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
        let mut out = [0u8; 16];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Fingerprint(out))
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = self.hex();
        // Only hex digits were written.
        f.write_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex = self.hex();
        s.serialize_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

/// Computes keyed fingerprints. Without a user key the key is random per
/// run, so fingerprints only compare within one report.
#[derive(Clone)]
pub struct Fingerprinter {
    key: [u8; 32],
    /// Keys of this run's own prints, when the fingerprint key is random
    /// (see [`Fingerprinter::print`]).
    run: Option<foldhash::quality::RandomState>,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter { key: <hidden> }")
    }
}

const KEY_CONTEXT: &str = "sandsift 2026-11 fingerprint key v1";

impl Fingerprinter {
    /// A fingerprinter keyed by a user-supplied secret (any length).
    pub fn with_key(secret: &[u8]) -> Self {
        Fingerprinter {
            key: blake3::derive_key(KEY_CONTEXT, secret),
            run: None,
        }
    }

    /// A short id of the key (a keyed hash of a constant), so reports can
    /// tell whether they share a key without revealing it.
    pub fn key_id(&self) -> String {
        blake3::keyed_hash(&self.key, b"sandsift fingerprint key id").to_hex()[..16].to_string()
    }

    /// A fingerprinter with a random key.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)?;
        Ok(Fingerprinter {
            run: Some(foldhash::quality::RandomState::default()),
            ..Self::with_key(&secret)
        })
    }

    /// The fingerprint of a value of a detector: 32 hex digits of a keyed
    /// BLAKE3 hash of the detector id and the value normalised by kind (so
    /// `4111 1111 1111 1111` and `4111111111111111` agree).
    pub fn fingerprint(
        &self,
        detector: &str,
        style: MaskStyle,
        value: &[u8],
        scratch: &mut Vec<u8>,
    ) -> Fingerprint {
        let hash = self.hash(detector, style, value, scratch);
        let mut out = [0u8; 16];
        out.copy_from_slice(&hash.as_bytes()[..16]);
        Fingerprint(out)
    }

    /// The first 64 bits of [`Fingerprinter::fingerprint`] (its first 16
    /// hex digits), which the report counts distinct values by.
    pub fn prefix(
        &self,
        detector: &str,
        style: MaskStyle,
        value: &[u8],
        scratch: &mut Vec<u8>,
    ) -> u64 {
        self.fingerprint(detector, style, value, scratch).prefix()
    }

    /// The print the report counts distinct values of a row by. Under a
    /// pinned key, [`Fingerprinter::prefix`]: reports list those prints
    /// and later scans compare them. Under a random key no print leaves
    /// the run, so it is a keyed 64-bit hash of the same normalised bytes
    /// under a random seed of this run (foldhash's quality hasher), which
    /// tells the same values apart (up to 64-bit collisions) at a
    /// fraction of a BLAKE3 hash: callgrind, 8 MB of dense records (60,000
    /// findings, `--format json`), 600.3M instructions with BLAKE3 prints,
    /// 575.6M with SipHash-1-3 (session 6), 493.7M -> 481.0M from
    /// SipHash-1-3 to foldhash (session 9).
    pub fn print(
        &self,
        detector: &str,
        style: MaskStyle,
        value: &[u8],
        scratch: &mut Vec<u8>,
    ) -> u64 {
        use std::hash::BuildHasher;
        match &self.run {
            // A row holds one detector's values: the id need not be hashed.
            Some(run) => {
                scratch.clear();
                normalise(style, value, scratch);
                run.hash_one(scratch.as_slice())
            }
            None => self.prefix(detector, style, value, scratch),
        }
    }

    fn hash(
        &self,
        detector: &str,
        style: MaskStyle,
        value: &[u8],
        scratch: &mut Vec<u8>,
    ) -> blake3::Hash {
        // The id, a zero byte and the normalised value, hashed at once:
        // for inputs this short the one-shot hash is several times
        // cheaper than a streaming hasher, and gives the same digest.
        scratch.clear();
        scratch.extend_from_slice(detector.as_bytes());
        scratch.push(0);
        normalise(style, value, scratch);
        blake3::keyed_hash(&self.key, scratch)
    }
}

/// Appends `value` normalised by kind to `out`.
fn normalise(style: MaskStyle, value: &[u8], out: &mut Vec<u8>) {
    // Bytes dropped by kind are overwritten by the next one kept: no
    // branch and no capacity check per byte.
    let keep_where = |out: &mut Vec<u8>, keep: fn(u8) -> bool, map: fn(u8) -> u8| {
        let start = out.len();
        out.resize(start + value.len(), 0);
        let mut n = start;
        for &b in value {
            out[n] = map(b);
            n += usize::from(keep(b));
        }
        out.truncate(n);
    };
    match style {
        MaskStyle::Last4 | MaskStyle::Card => keep_where(out, |b| b.is_ascii_digit(), |b| b),
        MaskStyle::Iban => keep_where(
            out,
            |b| !b.is_ascii_whitespace(),
            |b| b.to_ascii_uppercase(),
        ),
        MaskStyle::Email | MaskStyle::Ip | MaskStyle::Initials => {
            out.extend(value.iter().map(u8::to_ascii_lowercase))
        }
        MaskStyle::Full => out.extend_from_slice(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_depend_on_the_key_and_ignore_formatting() {
        let a = Fingerprinter::with_key(b"key one");
        let b = Fingerprinter::with_key(b"key two");
        let s = &mut Vec::new();
        let fa = a.fingerprint("credit_card", MaskStyle::Card, b"4111 1111 1111 1111", s);
        assert_eq!(
            fa,
            a.fingerprint("credit_card", MaskStyle::Card, b"4111111111111111", s)
        );
        assert_ne!(
            fa,
            b.fingerprint("credit_card", MaskStyle::Card, b"4111111111111111", s)
        );
        let hex = fa.to_string();
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        assert_eq!(
            format!(
                "{:016x}",
                a.prefix("credit_card", MaskStyle::Card, b"4111-1111-1111-1111", s)
            ),
            hex[..16]
        );
        assert_eq!(Fingerprint::from_hex(&hex), Some(fa));
        assert_eq!(Fingerprint::from_hex(&hex.to_uppercase()), Some(fa));
        assert_eq!(Fingerprint::from_hex(&hex[1..]), None);
        assert_eq!(Fingerprint::from_hex(&format!("{}g", &hex[1..])), None);
        assert_eq!(serde_json::to_string(&fa).unwrap(), format!("\"{hex}\""));
    }

    #[test]
    fn prints_tell_values_apart_the_way_fingerprints_do() {
        let s = &mut Vec::new();
        let pinned = Fingerprinter::with_key(b"k");
        let card = |fp: &Fingerprinter, v: &[u8], s: &mut Vec<u8>| {
            fp.print("credit_card", MaskStyle::Card, v, s)
        };
        // Under a pinned key the print is the fingerprint's start, which
        // reports list.
        let p = card(&pinned, b"4111 1111 1111 1111", s);
        assert_eq!(
            format!("{p:016x}"),
            pinned
                .fingerprint("credit_card", MaskStyle::Card, b"4111111111111111", s)
                .to_string()[..16]
        );
        // Under a random key it is the run's own, but the same values
        // (by kind) agree and others do not.
        let run = Fingerprinter::random().unwrap();
        let p = card(&run, b"4111 1111 1111 1111", s);
        assert_eq!(p, card(&run, b"4111-1111-1111-1111", s));
        assert_ne!(p, card(&run, b"4242 4242 4242 4242", s));
        let email = |v: &[u8], s: &mut Vec<u8>| run.print("email", MaskStyle::Email, v, s);
        assert_eq!(email(b"Jo@Example.com", s), email(b"jo@example.com", s));
        assert_ne!(email(b"jo@example.com", s), email(b"jo@example.org", s));
        let iban = |v: &[u8], s: &mut Vec<u8>| run.print("iban", MaskStyle::Iban, v, s);
        assert_eq!(
            iban(b"gb82 west 1234 5698 7654 32", s),
            iban(b"GB82WEST12345698765432", s)
        );
    }

    #[test]
    fn an_unkeyed_fingerprint_is_not_the_plain_hash_of_the_value() {
        let fp = Fingerprinter::random().unwrap();
        let s = &mut Vec::new();
        let f = fp.fingerprint("us_ssn", MaskStyle::Last4, b"512-44-0133", s);
        let plain = blake3::hash(b"512440133").to_hex();
        assert!(!plain.starts_with(&f.to_string()));
    }
}
