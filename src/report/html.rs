//! The `html` output: one self-contained file for people — per-vendor
//! summary cards, the policy's violations and claims first, a chart of the
//! kinds of personal data per vendor, and the field tables with masked
//! samples. Inline CSS and SVG only: no script, no font, no network
//! reference, so the file opens anywhere and leaks nothing by loading.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::table::human_bytes;
use super::{Report, StatusCounts};
use crate::detect::Category;

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#c9d1e0}
main{padding:24px 32px;max-width:1200px}
h2{font-size:18px;margin:28px 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:14px}
.card{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.card h3{margin:0 0 6px;font-size:16px}
.card .n{font-size:26px;font-weight:600}
.pill{display:inline-block;border-radius:10px;padding:1px 8px;margin:2px 4px 2px 0;font-size:12px}
.pass{background:#dff3e4;color:#1e6b34}.fail{background:#fde2e1;color:#9b1c1c}.none{background:#eef1f5;color:#4a5568}
.clear{color:#9b1c1c;font-weight:600}.masked{color:#1e6b34}.test{color:#8a6d00}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 3px rgba(0,0,0,.12);border-radius:8px;overflow:hidden;margin-bottom:8px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eceff3;font-size:13px;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f5;padding:1px 4px;border-radius:4px}
.sev-critical,.sev-high{color:#9b1c1c;font-weight:600}.sev-medium{color:#8a4b00}.sev-low{color:#4a5568}
.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
footer{padding:16px 32px;color:#6b7280;font-size:12px}
"#;

fn colour(c: Category) -> &'static str {
    match c {
        Category::Contact => "#3b82f6",
        Category::GovernmentId => "#dc2626",
        Category::Financial => "#f59e0b",
        Category::Network => "#10b981",
        Category::Identity => "#8b5cf6",
        Category::Location => "#0ea5e9",
        Category::Credential => "#111827",
        Category::Sensitive => "#db2777",
    }
}

fn status_html(s: &StatusCounts) -> String {
    let mut parts = Vec::new();
    if s.clear > 0 {
        parts.push(format!("<span class=\"clear\">{} clear</span>", s.clear));
    }
    if s.masked > 0 {
        parts.push(format!("<span class=\"masked\">{} masked</span>", s.masked));
    }
    if s.test_value > 0 {
        parts.push(format!("<span class=\"test\">{} test</span>", s.test_value));
    }
    parts.join(", ")
}

/// A horizontal stacked bar per vendor: findings per category.
fn chart(report: &Report) -> String {
    let mut per_vendor: Vec<(&str, BTreeMap<Category, u64>)> = Vec::new();
    for v in &report.vendors {
        let mut m = BTreeMap::new();
        for r in &v.fields {
            *m.entry(r.category).or_insert(0) += r.count;
        }
        per_vendor.push((&v.vendor, m));
    }
    let max = per_vendor
        .iter()
        .map(|(_, m)| m.values().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h) = (160.0, 720.0, 26.0);
    let height = row_h * per_vendor.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Findings per kind of data and vendor\" width=\"{}\" height=\"{height}\">",
        label_w + bar_w + 60.0
    );
    for (i, (vendor, m)) in per_vendor.iter().enumerate() {
        let y = 5.0 + row_h * i as f64;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>",
            y + 16.0,
            esc(vendor)
        );
        let mut x = label_w;
        for (cat, n) in m {
            let w = bar_w * *n as f64 / max as f64;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" fill=\"{}\"><title>{}: {n}</title></rect>",
                colour(*cat),
                cat.as_str()
            );
            x += w;
        }
        let total: u64 = m.values().sum();
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"#4a5568\">{total}</text>",
            x + 6.0,
            y + 14.0
        );
    }
    svg.push_str("</svg>");
    let mut cats: Vec<Category> = per_vendor
        .iter()
        .flat_map(|(_, m)| m.keys().copied())
        .collect();
    cats.sort();
    cats.dedup();
    let legend: String = cats
        .iter()
        .map(|c| {
            format!(
                "<span><i style=\"background:{}\"></i>{}</span>",
                colour(*c),
                c.as_str()
            )
        })
        .collect();
    format!("{svg}<div class=\"legend\">{legend}</div>")
}

/// Writes the report as one self-contained HTML page.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let s = &report.summary;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>sandsift report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        h,
        "<header><h1>Personal data held by vendors</h1><p>sandsift {} · {} files ({}) of {} vendors · {} findings: {}</p></header><main>",
        esc(&report.tool.version),
        s.files_scanned,
        human_bytes(s.bytes_scanned),
        report.vendors.len(),
        s.findings,
        status_html(&s.status)
    );
    if let Some(p) = &report.policy {
        let _ = write!(h, "<h2>Policy violations ({})</h2>", p.violations.len());
        if p.violations.is_empty() {
            let _ = write!(
                h,
                "<p>None: every vendor receives only what <code>{}</code> allows.</p>",
                esc(&p.source)
            );
        } else {
            h.push_str("<table><tr><th>Severity</th><th>Vendor</th><th>Field</th><th>Kind</th><th>Count</th><th>Rule</th><th>Sample</th></tr>");
            for v in &p.violations {
                let _ = write!(
                    h,
                    "<tr><td class=\"sev-{0}\">{0}</td><td>{1}</td><td><code>{2}</code></td><td>{3}</td><td class=\"num\">{4}</td><td>{5}</td><td><code>{6}</code></td></tr>",
                    v.severity.as_str(),
                    esc(&v.vendor),
                    esc(&v.place()),
                    esc(&v.detector),
                    v.count,
                    v.rule,
                    esc(&v.sample)
                );
            }
            h.push_str("</table>");
        }
        if !p.claims.is_empty() {
            h.push_str("<h2>Vendor claims</h2><table><tr><th>Vendor</th><th>Claim</th><th>Verdict</th><th>Evidence</th></tr>");
            for c in &p.claims {
                let class = match c.verdict {
                    "broken" => "fail",
                    "holds" => "pass",
                    _ => "none",
                };
                let fields: Vec<String> = c
                    .fields
                    .iter()
                    .map(|f| format!("<code>{}</code>", esc(f)))
                    .collect();
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td><span class=\"pill {class}\">{}</span></td><td>{} {}</td></tr>",
                    esc(&c.vendor),
                    esc(&c.claim),
                    c.verdict.replace('_', " "),
                    status_html(&c.status),
                    fields.join(" ")
                );
            }
            h.push_str("</table>");
        }
    }
    h.push_str("<h2>Vendors</h2><div class=\"cards\">");
    for v in &report.vendors {
        let checks: String = report
            .policy
            .as_ref()
            .and_then(|p| p.checklist.get(&v.vendor))
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        format!(
                            "<span class=\"pill {}\">{} {}</span>",
                            i.verdict,
                            i.category.as_str(),
                            i.verdict
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let _ = write!(
            h,
            "<div class=\"card\"><h3>{}</h3><div class=\"n\">{}</div><div>findings in {} file(s)</div><div>{}</div><div>{checks}</div></div>",
            esc(&v.vendor),
            v.findings,
            v.files,
            status_html(&v.status)
        );
    }
    h.push_str("</div>");
    if report.vendors.iter().any(|v| !v.fields.is_empty()) {
        let _ = write!(
            h,
            "<h2>Kinds of personal data per vendor</h2>{}",
            chart(report)
        );
    }
    for v in report.vendors.iter().filter(|v| !v.fields.is_empty()) {
        let _ = write!(
            h,
            "<h2>{}</h2><table><tr><th>Field</th><th>Kind</th><th>Count</th><th>Share</th><th>Status</th><th>Confidence</th><th>Sample</th></tr>",
            esc(&v.vendor)
        );
        for r in &v.fields {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&r.place()),
                esc(&r.detector),
                r.count,
                r.prevalence * 100.0,
                status_html(&r.status),
                r.max_confidence.as_str(),
                esc(&r.sample)
            );
        }
        h.push_str("</table>");
    }
    if !report.skipped.is_empty() || !report.failed.is_empty() || s.problems > 0 {
        let _ = write!(
            h,
            "<h2>Not scanned</h2><p>{} skipped, {} failed, {} problems inside files (details in the JSON report).</p>",
            report.skipped.len(),
            report.failed.len(),
            s.problems
        );
    }
    let _ = write!(
        h,
        "</main><footer>Samples are masked; raw values are never part of this report. Report schema {}.</footer></body></html>",
        esc(&report.schema)
    );
    out.write_all(h.as_bytes())?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
