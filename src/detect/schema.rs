//! The TOML schema of a detector file (`patterns/*.toml` and user files).
//!
//! This module only describes and deserialises; compiling regexes and
//! resolving validator names happens in [`super::Catalogue`]. Unknown keys are
//! errors, so a typo in a user file is reported instead of silently ignored.

use serde::{Deserialize, Serialize};

/// One detector file: a list of `[[detector]]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternFile {
    /// The detectors, in priority order (earlier wins an overlap tie).
    #[serde(rename = "detector", default)]
    pub detectors: Vec<DetectorSpec>,
}

/// The definition of one detector, as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    /// Stable identifier, e.g. `email` or `us_ssn`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Category of personal data.
    pub category: Category,
    /// Confidence of a validated match when no field hint agrees.
    pub confidence: Confidence,
    /// Regex matched anywhere in any value.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Regex that counts only where a field hint agrees (whole value).
    #[serde(default)]
    pub hinted_pattern: Option<String>,
    /// Name of the validator run on every candidate.
    #[serde(default)]
    pub validator: Option<String>,
    /// Cheap byte-class prerequisites checked before any regex runs.
    #[serde(default)]
    pub requires: Requires,
    /// Field names that agree with this kind.
    #[serde(default)]
    pub hints: Vec<String>,
    /// Field names in which this shape is something else.
    #[serde(default)]
    pub not_hints: Vec<String>,
    /// How samples of this kind are masked.
    #[serde(default)]
    pub mask: MaskStyle,
    /// Shape of an already-masked value of this kind.
    #[serde(default)]
    pub masked_pattern: Option<String>,
    /// Values that must be found in a field with no hint.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Values that must not be found in a field with no hint.
    #[serde(default)]
    pub negatives: Vec<String>,
    /// `[field, value]` pairs that must be found.
    #[serde(default)]
    pub field_examples: Vec<(String, String)>,
    /// `[field, value]` pairs that must not be found.
    #[serde(default)]
    pub field_negatives: Vec<(String, String)>,
    /// Words that, shortly before a value of the field-only shape in free
    /// text or an unhinted field (`SSN: 512440133`, `born on 14/03/1985`),
    /// stand in for a field hint (ASCII case-insensitive).
    #[serde(default)]
    pub context: Vec<String>,
    /// Compile the regexes with Unicode classes. Off by default: detectors
    /// match bytes with ASCII classes, and a Unicode class in a pattern is
    /// an error unless this says it is meant.
    #[serde(default)]
    pub unicode: bool,
}

/// Minimum byte-class counts a value must have before a detector's regexes
/// run (see [`super::ValueStats`]). They are necessary conditions of the
/// pattern, so a value that misses one cannot match: most values (UUIDs,
/// timestamps, prices) wake no regex at all.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// Digits in the longest run of digits joined only by separators
    /// (space, `-`, `.`, `(`, `)`, `+`).
    #[serde(default)]
    pub digits: u32,
    /// `@` characters.
    #[serde(default)]
    pub at: u32,
    /// Dots inside one run of digits and dots.
    #[serde(default)]
    pub dot: u32,
    /// `:` characters, each `::` adding five more.
    #[serde(default)]
    pub colon: u32,
    /// ASCII capital letters.
    #[serde(default)]
    pub upper: u32,
    /// Places where two capitals are followed by two digits, maybe after
    /// one space.
    #[serde(default)]
    pub letters_digits: u32,
    /// Digits in the longest run of digits with nothing between them.
    #[serde(default)]
    pub streak: u32,
    /// Literal strings of which the value must contain at least one
    /// (searched with one Aho-Corasick automaton for the whole catalogue,
    /// single bytes with `memchr`). They gate only the free pattern; the
    /// statistics also gate the shape looked for after a context word.
    #[serde(default)]
    pub literals: Vec<String>,
}

/// Category of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Email, phone, postal address.
    Contact,
    /// SSN, passport and other state-issued identifiers.
    GovernmentId,
    /// Payment cards, bank accounts.
    Financial,
    /// IP and MAC addresses, device identifiers.
    Network,
    /// Names, birth dates, gender.
    Identity,
    /// Coordinates and precise location.
    Location,
    /// Tokens, keys, passwords.
    Credential,
    /// Special-category data (health, religion, …).
    Sensitive,
}

impl Category {
    /// The snake_case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Contact => "contact",
            Category::GovernmentId => "government_id",
            Category::Financial => "financial",
            Category::Network => "network",
            Category::Identity => "identity",
            Category::Location => "location",
            Category::Credential => "credential",
            Category::Sensitive => "sensitive",
        }
    }
}

/// How sure a finding is. Ordered: `Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Shape only, or weak context.
    Low,
    /// Validated shape without agreeing context.
    Medium,
    /// Validated and corroborated.
    High,
}

impl Confidence {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One level lower (saturating).
    pub fn lower(self) -> Self {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

/// How a sample of a kind is masked before it is shown or stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskStyle {
    /// `j***@example.com`
    Email,
    /// Every digit but the last four becomes `*`: `***-**-6789`.
    Last4,
    /// Payment card: like `last4`, grouped in fours when unseparated.
    Card,
    /// IBAN: country and check digits, then only the last four characters.
    Iban,
    /// IP address: the first octet or group only.
    Ip,
    /// Names: the first letter of each word (`J*** D**`).
    Initials,
    /// Nothing of the value is kept but its length class.
    #[default]
    Full,
}
