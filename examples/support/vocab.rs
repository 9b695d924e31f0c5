//! Vocabulary and helpers shared by the example generators: non-PII
//! words, published test card numbers, user agents, and sizes like
//! `512MiB`.
#![allow(dead_code)]

pub const WORDS: &[&str] = &[
    "order", "shipped", "cart", "checkout", "item", "review", "delivery", "return", "invoice",
    "discount", "coupon", "account", "settings", "search", "results", "premium", "trial",
    "support", "ticket", "resolved", "pending", "update", "sync", "batch",
];
pub const CARDS: &[&str] = &[
    "4111 1111 1111 1111",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "4242-4242-4242-4242",
];
pub const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148",
    "okhttp/4.12.0",
];

/// Parses `1GiB`, `512MiB`, `64KiB` or plain bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let lower = s.to_ascii_lowercase();
    let (n, mult) = if let Some(n) = lower.strip_suffix("gib") {
        (n, 1u64 << 30)
    } else if let Some(n) = lower.strip_suffix("mib") {
        (n, 1 << 20)
    } else if let Some(n) = lower.strip_suffix("kib") {
        (n, 1 << 10)
    } else {
        (lower.as_str(), 1)
    };
    n.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("size {s:?}: give one like 1GiB, 512MiB, 64KiB or a byte count"))
}
