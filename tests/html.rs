//! The HTML report: self-contained, and rendered by a real headless
//! browser (Chromium; `.ci/run` installs it, so CI always runs this).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fixtures, sandsift, scan_jsonl};

fn html_report(dir: &Path) -> PathBuf {
    let path = dir.join("report.html");
    sandsift()
        .current_dir(fixtures())
        .args([
            "scan",
            ".",
            "-q",
            "--fail-on",
            "never",
            "--vendors",
            "../docs/vendors.example.toml",
            "-o",
        ])
        .arg(&path)
        .assert()
        .code(0);
    path
}

fn browser() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn headless(browser: &str, profile: &Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn the_html_report_is_self_contained_and_holds_no_raw_value() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(html_report(dir.path())).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for forbidden in [
        "<script",
        "<link",
        "src=",
        "url(",
        "@import",
        "https://",
        "http://example",
    ] {
        assert!(
            !html.contains(forbidden),
            "network or script reference: {forbidden}"
        );
    }
    // The only http URL is the SVG namespace, which is never fetched.
    assert_eq!(
        html.matches("http://").count(),
        html.matches("http://www.w3.org/2000/svg").count()
    );
    let (findings, _) = scan_jsonl(&fixtures(), &[".", "--reveal"]);
    for f in findings.iter().filter(|f| f["status"] != "masked") {
        let value = f["value"].as_str().unwrap();
        assert!(
            !html.contains(value),
            "raw value of {} in the HTML",
            f["detector"]
        );
    }
}

#[test]
fn the_html_report_renders_in_a_headless_browser() {
    let Some(browser) = browser() else {
        eprintln!("skipped: no headless browser (install Debian's `chromium`; .ci/run does)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = html_report(dir.path());
    let url = format!("file://{}", report.display());
    let dom = headless(browser, &dir.path().join("profile"))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    for text in [
        "Policy violations (22)",
        "Vendor claims",
        "acme-crm",
        "paystream",
        "peoplehub",
        "tracklytics",
        "Kinds of personal data per vendor",
    ] {
        assert!(dom.contains(text), "rendered page lacks {text}");
    }
    let png = dir.path().join("report.png");
    let shot = headless(browser, &dir.path().join("profile2"))
        .args([
            "--window-size=1280,1800",
            &format!("--screenshot={}", png.display()),
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "a real screenshot"
    );
}
