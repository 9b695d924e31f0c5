//! Field-name hints: normalising keys and matching them against every
//! detector's hint words with one Aho-Corasick automaton.
//!
//! `dateOfBirth`, `date_of_birth`, `Date-Of-Birth` and `DATE OF BIRTH` all
//! normalise to `date_of_birth`; a hint matches when it covers whole tokens
//! of the normalised name (`ssn` matches `customer_ssn`, not `lessness`).

use aho_corasick::{AhoCorasick, MatchKind};

/// Normalises a field name into lower-case snake_case tokens, appending to
/// `out` (cleared first). CamelCase boundaries, `-`, `.`, spaces and any
/// other punctuation split tokens; a run of capitals stays one token
/// (`SSNNumber` → `ssn_number`).
pub fn normalise_into(name: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut prev: Option<u8> = None;
    for (i, &b) in name.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if out.last().is_some_and(|&l| l != b'_') {
                out.push(b'_');
            }
            prev = None;
            continue;
        }
        if b.is_ascii_uppercase() {
            let next_lower = name.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next_lower,
                _ => false,
            };
            if boundary && out.last().is_some_and(|&l| l != b'_') {
                out.push(b'_');
            }
        }
        out.push(b.to_ascii_lowercase());
        prev = Some(b);
    }
    while out.last() == Some(&b'_') {
        out.pop();
    }
}

/// Normalises a field name into a new string.
pub fn normalise(name: &str) -> String {
    let mut out = Vec::with_capacity(name.len());
    normalise_into(name.as_bytes(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Whether a hint agrees with a field, or says the field holds something
/// else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintKind {
    /// The field name supports the detector.
    Supports,
    /// The field name says the shape is something else (an order number).
    Contradicts,
}

/// One hint word of one detector.
#[derive(Debug, Clone)]
pub struct Hint {
    /// Index of the detector in the catalogue.
    pub detector: usize,
    /// The normalised hint word.
    pub word: String,
    /// Whether it supports or contradicts.
    pub kind: HintKind,
}

/// All hint words of a catalogue in one automaton.
#[derive(Debug, Clone)]
pub struct HintIndex {
    hints: Vec<Hint>,
    automaton: AhoCorasick,
}

impl HintIndex {
    /// Builds the automaton. Hint words are normalised first, so files may
    /// write them in any case style.
    pub fn new(hints: Vec<Hint>) -> Result<Self, aho_corasick::BuildError> {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(hints.iter().map(|h| h.word.as_bytes()))?;
        Ok(HintIndex { hints, automaton })
    }

    /// The hint with this index.
    pub fn hint(&self, index: usize) -> &Hint {
        &self.hints[index]
    }

    /// Calls `found(hint_index)` for every hint covering whole tokens of the
    /// normalised name.
    pub fn for_each_match(&self, normalised: &[u8], mut found: impl FnMut(usize)) {
        for m in self.automaton.find_overlapping_iter(normalised) {
            let starts_token = m.start() == 0 || normalised[m.start() - 1] == b'_';
            let ends_token = m.end() == normalised.len() || normalised[m.end()] == b'_';
            if starts_token && ends_token {
                found(m.pattern().as_usize());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_styles_normalise_to_the_same_tokens() {
        for name in [
            "dateOfBirth",
            "date_of_birth",
            "Date-Of-Birth",
            "DATE OF BIRTH",
            "date.of.birth",
        ] {
            assert_eq!(normalise(name), "date_of_birth", "{name}");
        }
        assert_eq!(normalise("SSNNumber"), "ssn_number");
        assert_eq!(normalise("customerSSN"), "customer_ssn");
        assert_eq!(normalise("address2Line"), "address2_line");
        assert_eq!(normalise("__id__"), "id");
    }

    #[test]
    fn hints_match_whole_tokens_only() {
        let index = HintIndex::new(vec![Hint {
            detector: 0,
            word: "ssn".into(),
            kind: HintKind::Supports,
        }])
        .unwrap();
        let matches = |name: &str| {
            let mut n = 0;
            index.for_each_match(normalise(name).as_bytes(), |_| n += 1);
            n
        };
        assert_eq!(matches("customerSSN"), 1);
        assert_eq!(matches("ssn"), 1);
        assert_eq!(matches("lessness"), 0);
    }
}
