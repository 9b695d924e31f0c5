//! sandsift finds personal data (PII) leaking to vendors: it scans what a
//! vendor integration received or holds and reports, per vendor, which
//! fields carry which kinds of personal data.
//!
//! The library takes a [`ScanConfig`] and returns typed results; the
//! `sandsift` binary is a thin shell around it.
#![warn(missing_docs)]

pub mod archive;
pub mod detect;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod format;
pub mod load;
pub mod remote;
pub mod report;
pub mod vendor;

pub use detect::Catalogue;
pub use engine::{
    BytesScan, FindingStream, Progress, ScanConfig, ScanError, scan, scan_bytes, scan_into,
};
pub use finding::Finding;
pub use report::Report;
pub mod policy;

/// A deterministic generator for tests: a 64-bit linear congruential
/// generator whose state is mixed before it is given out (the state's
/// own low bits repeat with short periods: bit 0 alternates, so
/// `rng() % 2` did too).
#[cfg(test)]
pub(crate) fn test_rng(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // The finaliser of SplitMix64.
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Calls `f` with every string of up to `max_len` bytes drawn from
/// `alphabet` (an exhaustive check of a parser on short inputs).
#[cfg(test)]
pub(crate) fn each_string(alphabet: &[u8], max_len: u32, mut f: impl FnMut(&[u8])) {
    let mut s = Vec::new();
    for len in 0..=max_len {
        for mut n in 0..alphabet.len().pow(len) {
            s.clear();
            for _ in 0..len {
                s.push(alphabet[n % alphabet.len()]);
                n /= alphabet.len();
            }
            f(&s);
        }
    }
}

/// [`test_rng`]'s high bits as numbers to index and pick with.
#[cfg(test)]
pub(crate) fn test_numbers(seed: u64) -> impl FnMut() -> usize {
    let mut rng = test_rng(seed);
    move || (rng() >> 33) as usize
}
