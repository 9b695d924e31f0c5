//! Vendor policies: what each vendor may receive, and the violations a
//! report holds against it.
//!
//! A policy file (`vendors.toml`, documented in `docs/policy.md`) lists per
//! vendor the kinds (detector ids) or categories it is allowed to receive,
//! kinds or categories it must never receive, severities per category and
//! suppressions with a mandatory reason. [`Policy::evaluate`] compares a
//! finished [`Report`] with it. Findings already masked by the vendor are
//! not violations; test values are, because the field that carries them in
//! a sandbox carries real data in production.
//!
//! This module only decides; renderers show what it decided.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::detect::{Catalogue, Category};
use crate::report::{Report, StatusCounts};

/// How bad a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a note.
    Low,
    /// Needs an answer from the vendor.
    Medium,
    /// Blocks procurement until resolved.
    High,
    /// Stop the data flow now.
    Critical,
}

impl Severity {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The default severity of receiving a category without permission.
    pub fn default_for(category: Category) -> Self {
        match category {
            Category::Credential => Severity::Critical,
            Category::GovernmentId | Category::Financial | Category::Sensitive => Severity::High,
            Category::Contact | Category::Identity | Category::Location => Severity::Medium,
            Category::Network => Severity::Low,
        }
    }
}

/// An invalid policy file.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("reading {file}: {message}")]
    Read {
        /// The path.
        file: String,
        /// The I/O error.
        message: String,
    },
    /// The file is not valid TOML for the schema.
    #[error("{file}: {message}")]
    Parse {
        /// The path.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A name that is neither a detector id nor a category.
    #[error(
        "{file}:{line}: vendor `{vendor}`: `{name}` in `{key}` is neither a detector id nor a category (see `sandsift detectors`)"
    )]
    UnknownKind {
        /// The path.
        file: String,
        /// 1-based line.
        line: usize,
        /// The vendor table.
        vendor: String,
        /// `allow`, `deny`, `suppress` or `claims`.
        key: &'static str,
        /// The unknown name.
        name: String,
    },
    /// A suppression without a reason.
    #[error("{file}:{line}: vendor `{vendor}`: a suppression needs a non-empty `reason`")]
    MissingReason {
        /// The path.
        file: String,
        /// 1-based line.
        line: usize,
        /// The vendor table.
        vendor: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    defaults: VendorSpec,
    #[serde(default)]
    vendors: BTreeMap<String, VendorSpec>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorSpec {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    deny: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Category, Severity>,
    #[serde(default)]
    suppress: Vec<Spanned<SuppressSpec>>,
    #[serde(default)]
    claims: ClaimsSpec,
    /// Globs of files that belong to this vendor, whatever their folder.
    #[serde(default)]
    paths: Vec<String>,
    /// Request hosts of API captures that belong to this vendor
    /// (`api.example.com`, `*.example.com`).
    #[serde(default)]
    hosts: Vec<String>,
}

/// What a vendor says of the data it holds, to be checked against the
/// scan.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsSpec {
    /// Kinds or categories that appear only masked ("cards are tokenised").
    #[serde(default)]
    masked_only: Vec<Spanned<String>>,
    /// Kinds or categories that never appear ("we hold no government ids").
    #[serde(default)]
    never: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressSpec {
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    detector: Option<Spanned<String>>,
    #[serde(default)]
    reason: String,
}

/// A detector id or a category, as written in `allow` or `deny`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Detector(String),
    Category(Category),
}

impl Kind {
    fn covers(&self, detector: &str, category: Category) -> bool {
        match self {
            Kind::Detector(id) => id == detector,
            Kind::Category(c) => *c == category,
        }
    }
}

/// A suppression: findings of `detector` (or any) in `field` (or any) are
/// accepted, for a stated reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The field path it applies to; `None` for every field.
    pub field: Option<String>,
    /// The detector it applies to; `None` for every detector.
    pub detector: Option<String>,
    /// Why it is accepted.
    pub reason: String,
}

/// The rules for one vendor.
#[derive(Debug, Clone, Default)]
struct VendorRules {
    allow: Vec<Kind>,
    deny: Vec<Kind>,
    severity: BTreeMap<Category, Severity>,
    suppress: Vec<Suppression>,
    claims: Vec<(ClaimRule, String, Kind)>,
}

/// The two kinds of claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimRule {
    /// The kind appears only masked.
    MaskedOnly,
    /// The kind never appears.
    Never,
}

/// A claim tested against the scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimCheck {
    /// The vendor.
    pub vendor: String,
    /// The claim in words.
    pub claim: String,
    /// The rule.
    pub rule: ClaimRule,
    /// The kind or category, as written.
    pub kind: String,
    /// `holds` (findings agree), `broken` (findings contradict it) or
    /// `no_evidence` (no finding of the kind either way).
    pub verdict: &'static str,
    /// Findings of the kind per status.
    pub status: StatusCounts,
    /// Fields with findings that break the claim.
    pub fields: Vec<String>,
    /// A masked sample of a breaking finding.
    pub sample: Option<String>,
}

/// A loaded, validated policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Where it came from.
    pub source: String,
    paths: Vec<(String, Vec<String>)>,
    hosts: Vec<(String, Vec<String>)>,
    defaults: VendorRules,
    vendors: BTreeMap<String, VendorRules>,
}

/// What a policy says about one (vendor, field, detector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The vendor may receive it.
    Allowed,
    /// The vendor may not receive it.
    Violation(Severity),
    /// Not allowed, but accepted for a reason.
    Suppressed(String),
}

/// One (vendor, field, detector) the policy does not allow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The vendor.
    pub vendor: String,
    /// For an API capture: the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// For an API capture: the direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<crate::format::Direction>,
    /// The field path; `null` for free text.
    pub field: Option<String>,
    /// The detector id.
    pub detector: String,
    /// The detector's category.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// Clear and test-value findings (masked ones are not violations).
    pub count: u64,
    /// Findings per status.
    pub status: StatusCounts,
    /// `denied` when a `deny` entry names it, else `not_allowed`.
    pub rule: &'static str,
    /// A masked sample.
    pub sample: String,
}

/// A violation accepted by a suppression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppressed {
    /// The vendor.
    pub vendor: String,
    /// The field path.
    pub field: Option<String>,
    /// The detector id.
    pub detector: String,
    /// Findings.
    pub count: u64,
    /// The reason given.
    pub reason: String,
}

/// A vendor's pass/fail per category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckItem {
    /// The category.
    pub category: Category,
    /// `pass` or `fail`.
    pub verdict: &'static str,
    /// Findings of the category (every status).
    pub findings: u64,
    /// Violating findings.
    pub violations: u64,
}

/// The outcome of comparing a report with a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyOutcome {
    /// The policy file.
    pub source: String,
    /// Violations, worst first.
    pub violations: Vec<Violation>,
    /// Accepted violations, with reasons.
    pub suppressed: Vec<Suppressed>,
    /// Per vendor, pass or fail per category seen.
    pub checklist: BTreeMap<String, Vec<CheckItem>>,
    /// The vendors' claims, tested.
    pub claims: Vec<ClaimCheck>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Violation {
    /// Where the values sit, for people (see [`crate::report::place`]).
    pub fn place(&self) -> String {
        crate::report::place(
            self.endpoint.as_deref(),
            self.direction,
            self.field.as_deref(),
        )
    }
}

impl Policy {
    /// Reads and validates a policy file against the catalogue's detector
    /// ids and the categories.
    pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Self, PolicyError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&file, &text, catalogue)
    }

    /// Parses policy text; `file` names it in errors.
    pub fn parse(file: &str, text: &str, catalogue: &Catalogue) -> Result<Self, PolicyError> {
        let spec: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Parse {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let rules = |vendor: &str, spec: &VendorSpec| -> Result<VendorRules, PolicyError> {
            let kind = |key: &'static str, name: &Spanned<String>| -> Result<Kind, PolicyError> {
                let n = name.get_ref();
                if catalogue.detectors().iter().any(|d| &d.id == n) {
                    return Ok(Kind::Detector(n.clone()));
                }
                let category: Result<Category, _> = toml::Value::String(n.clone()).try_into();
                category
                    .map(Kind::Category)
                    .map_err(|_| PolicyError::UnknownKind {
                        file: file.to_string(),
                        line: line_of(text, name.span().start),
                        vendor: vendor.to_string(),
                        key,
                        name: n.clone(),
                    })
            };
            let mut suppress = Vec::new();
            for s in &spec.suppress {
                let line = line_of(text, s.span().start);
                let s = s.get_ref();
                if s.reason.trim().is_empty() {
                    return Err(PolicyError::MissingReason {
                        file: file.to_string(),
                        line,
                        vendor: vendor.to_string(),
                    });
                }
                if let Some(d) = &s.detector {
                    kind("suppress", d)?;
                }
                suppress.push(Suppression {
                    field: s.field.clone(),
                    detector: s.detector.as_ref().map(|d| d.get_ref().clone()),
                    reason: s.reason.trim().to_string(),
                });
            }
            let mut claims = Vec::new();
            for (rule, names) in [
                (ClaimRule::MaskedOnly, &spec.claims.masked_only),
                (ClaimRule::Never, &spec.claims.never),
            ] {
                for n in names {
                    claims.push((rule, n.get_ref().clone(), kind("claims", n)?));
                }
            }
            Ok(VendorRules {
                claims,
                allow: spec
                    .allow
                    .iter()
                    .map(|n| kind("allow", n))
                    .collect::<Result<_, _>>()?,
                deny: spec
                    .deny
                    .iter()
                    .map(|n| kind("deny", n))
                    .collect::<Result<_, _>>()?,
                severity: spec.severity.clone(),
                suppress,
            })
        };
        let defaults = rules("defaults", &spec.defaults)?;
        let mut vendors = BTreeMap::new();
        for (name, v) in &spec.vendors {
            vendors.insert(name.clone(), rules(name, v)?);
        }
        let paths = spec
            .vendors
            .iter()
            .map(|(name, v)| (name.clone(), v.paths.clone()))
            .filter(|(_, p)| !p.is_empty())
            .collect();
        let hosts = spec
            .vendors
            .iter()
            .map(|(name, v)| (name.clone(), v.hosts.clone()))
            .collect();
        Ok(Policy {
            paths,
            hosts,
            source: file.to_string(),
            defaults,
            vendors,
        })
    }

    /// The `paths` globs per vendor, in vendor-name order, for
    /// [`crate::vendor::VendorMap::with_paths`].
    pub fn vendor_paths(&self) -> Vec<(String, Vec<String>)> {
        self.paths.clone()
    }

    /// The `hosts` patterns per vendor, in vendor-name order, for
    /// [`crate::vendor::VendorMap::with_hosts`].
    pub fn vendor_hosts(&self) -> Vec<(String, Vec<String>)> {
        self.hosts.clone()
    }

    /// Whether the policy names this vendor (otherwise `defaults` apply).
    pub fn knows(&self, vendor: &str) -> bool {
        self.vendors.contains_key(vendor)
    }

    /// What the policy says about `detector` in `field` for `vendor`.
    pub fn decide(
        &self,
        vendor: &str,
        field: Option<&str>,
        detector: &str,
        category: Category,
    ) -> Decision {
        let rules = self.vendors.get(vendor).unwrap_or(&self.defaults);
        let denied = rules.deny.iter().any(|k| k.covers(detector, category));
        let allowed = rules.allow.iter().any(|k| k.covers(detector, category));
        if allowed && !denied {
            return Decision::Allowed;
        }
        let suppressed = rules.suppress.iter().find(|s| {
            s.detector.as_deref().is_none_or(|d| d == detector)
                && s.field.as_deref().is_none_or(|f| Some(f) == field)
        });
        if let Some(s) = suppressed {
            return Decision::Suppressed(s.reason.clone());
        }
        let severity = rules
            .severity
            .get(&category)
            .or_else(|| self.defaults.severity.get(&category))
            .copied()
            .unwrap_or_else(|| Severity::default_for(category));
        Decision::Violation(severity)
    }

    /// Compares a finished report with the policy.
    pub fn evaluate(&self, report: &Report) -> PolicyOutcome {
        let mut violations = Vec::new();
        let mut suppressed = Vec::new();
        let mut checklist = BTreeMap::new();
        for v in &report.vendors {
            let mut items: BTreeMap<Category, CheckItem> = BTreeMap::new();
            for row in &v.fields {
                let counted = row.status.clear + row.status.test_value;
                let item = items.entry(row.category).or_insert(CheckItem {
                    category: row.category,
                    verdict: "pass",
                    findings: 0,
                    violations: 0,
                });
                item.findings += row.count;
                if counted == 0 {
                    continue;
                }
                let rules = self.vendors.get(&v.vendor).unwrap_or(&self.defaults);
                let rule = if rules
                    .deny
                    .iter()
                    .any(|k| k.covers(&row.detector, row.category))
                {
                    "denied"
                } else {
                    "not_allowed"
                };
                match self.decide(&v.vendor, row.field.as_deref(), &row.detector, row.category) {
                    Decision::Allowed => {}
                    Decision::Suppressed(reason) => suppressed.push(Suppressed {
                        vendor: v.vendor.clone(),
                        field: row.field.as_deref().map(str::to_string),
                        detector: row.detector.to_string(),
                        count: counted,
                        reason,
                    }),
                    Decision::Violation(severity) => {
                        item.verdict = "fail";
                        item.violations += counted;
                        violations.push(Violation {
                            vendor: v.vendor.clone(),
                            endpoint: row.endpoint.as_deref().map(str::to_string),
                            direction: row.direction,
                            field: row.field.as_deref().map(str::to_string),
                            detector: row.detector.to_string(),
                            category: row.category,
                            severity,
                            count: counted,
                            status: row.status,
                            rule,
                            sample: row.sample.clone(),
                        });
                    }
                }
            }
            checklist.insert(v.vendor.clone(), items.into_values().collect());
        }
        let claims = self.check_claims(report);
        violations.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.vendor.cmp(&b.vendor))
                .then_with(|| a.field.cmp(&b.field))
                .then_with(|| a.detector.cmp(&b.detector))
        });
        PolicyOutcome {
            source: self.source.clone(),
            violations,
            suppressed,
            checklist,
            claims,
        }
    }

    /// Tests every vendor's claims against the report's rows.
    fn check_claims(&self, report: &Report) -> Vec<ClaimCheck> {
        let mut out = Vec::new();
        for (vendor, rules) in &self.vendors {
            let rows: Vec<&crate::report::FieldReport> = report
                .vendors
                .iter()
                .filter(|v| &v.vendor == vendor)
                .flat_map(|v| v.fields.iter())
                .collect();
            for (rule, name, kind) in &rules.claims {
                let mut status = StatusCounts::default();
                let mut fields = Vec::new();
                let mut sample = None;
                for row in rows.iter().filter(|r| kind.covers(&r.detector, r.category)) {
                    status.clear += row.status.clear;
                    status.masked += row.status.masked;
                    status.test_value += row.status.test_value;
                    let breaks = match rule {
                        ClaimRule::MaskedOnly => row.status.clear + row.status.test_value > 0,
                        ClaimRule::Never => row.count > 0,
                    };
                    if breaks {
                        fields.push(row.field.as_deref().unwrap_or("(text)").to_string());
                        sample.get_or_insert_with(|| row.sample.clone());
                    }
                }
                let any = status.clear + status.masked + status.test_value > 0;
                let verdict = match (fields.is_empty(), any) {
                    (false, _) => "broken",
                    (true, true) => "holds",
                    (true, false) => "no_evidence",
                };
                let claim = match rule {
                    ClaimRule::MaskedOnly => format!("{name} appears only masked"),
                    ClaimRule::Never => format!("{name} never appears"),
                };
                out.push(ClaimCheck {
                    vendor: vendor.clone(),
                    claim,
                    rule: *rule,
                    kind: name.clone(),
                    verdict,
                    status,
                    fields,
                    sample,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse("vendors.toml", text, &Catalogue::builtin().unwrap())
    }

    #[test]
    fn allow_deny_and_defaults_decide() {
        let p = policy(
            "[defaults]\nallow = [\"network\"]\n\n[vendors.acme]\nallow = [\"contact\", \"us_ssn\"]\ndeny = [\"phone\"]\nseverity = { contact = \"high\" }\n",
        )
        .unwrap();
        assert_eq!(
            p.decide("acme", None, "email", Category::Contact),
            Decision::Allowed
        );
        assert_eq!(
            p.decide("acme", None, "us_ssn", Category::GovernmentId),
            Decision::Allowed
        );
        assert_eq!(
            p.decide("acme", None, "phone", Category::Contact),
            Decision::Violation(Severity::High)
        );
        assert_eq!(
            p.decide("acme", None, "iban", Category::Financial),
            Decision::Violation(Severity::High)
        );
        assert_eq!(
            p.decide("other", None, "ipv4", Category::Network),
            Decision::Allowed
        );
        assert_eq!(
            p.decide("other", None, "jwt", Category::Credential),
            Decision::Violation(Severity::Critical)
        );
    }

    #[test]
    fn suppressions_need_a_reason_and_apply_by_field_and_detector() {
        let p = policy("[[vendors.acme.suppress]]\nfield = \"$.note\"\ndetector = \"email\"\nreason = \"support replies quote the customer\"\n").unwrap();
        assert!(matches!(
            p.decide("acme", Some("$.note"), "email", Category::Contact),
            Decision::Suppressed(_)
        ));
        assert!(matches!(
            p.decide("acme", Some("$.email"), "email", Category::Contact),
            Decision::Violation(_)
        ));
        let err = policy("\n[[vendors.acme.suppress]]\ndetector = \"email\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("vendors.toml:2:"), "{err}");
        assert!(err.contains("reason"), "{err}");
    }

    #[test]
    fn claims_hold_break_or_lack_evidence() {
        use crate::finding::Finding;
        use crate::format::Format;
        use std::sync::Arc;
        let p = policy("[vendors.v.claims]\nmasked_only = [\"credit_card\", \"us_ssn\"]\nnever = [\"credential\", \"contact\"]\n").unwrap();
        let mut r = Report::new(1);
        let mut add =
            |detector: &str, category: Category, status: crate::detect::Status, field: &str| {
                r.add_finding(&Finding {
                    vendor: Arc::from("v"),
                    endpoint: None,
                    direction: None,
                    decoded: Vec::new(),
                    file: Arc::from("f"),
                    format: Format::Json,
                    field: Some(Arc::from(field)),
                    detector: Arc::from(detector),
                    category,
                    confidence: crate::detect::Confidence::High,
                    evidence: Arc::from([]),
                    status,
                    offset: 0,
                    length: 1,
                    line: 1,
                    column: 1,
                    masked: "****".into(),
                    fingerprint: crate::finding::Fingerprint([1; 16]),
                    value: None,
                });
            };
        use crate::detect::Status::{Clear, Masked};
        add("credit_card", Category::Financial, Masked, "$.card");
        add("us_ssn", Category::GovernmentId, Masked, "$.ssn");
        add("us_ssn", Category::GovernmentId, Clear, "$.notes");
        add("email", Category::Contact, Masked, "$.email");
        r.finish(std::time::Duration::ZERO, 1);
        let claims = p.evaluate(&r).claims;
        let verdicts: Vec<(&str, &str, Vec<String>)> = claims
            .iter()
            .map(|c| (c.kind.as_str(), c.verdict, c.fields.clone()))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("credit_card", "holds", vec![]),
                ("us_ssn", "broken", vec!["$.notes".to_string()]),
                ("credential", "no_evidence", vec![]),
                ("contact", "broken", vec!["$.email".to_string()]),
            ]
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let err = policy("[vendors.acme]\nallow = [\"email\",\n  \"emial\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("vendors.toml:3:") && err.contains("`emial`"),
            "{err}"
        );
        let err = policy("[vendors.acme]\nalow = [\"email\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("vendors.toml") && err.contains("line 2"),
            "{err}"
        );
        let err = policy("[vendors.acme]\nseverity = { contact = \"urgent\" }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
