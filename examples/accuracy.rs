//! The accuracy harness: writes a labelled synthetic sandbox corpus and
//! scores a scan against the labels.
//!
//! ```text
//! cargo run --release --example accuracy -- run --out target/accuracy --seed 1
//! cargo run --release --example accuracy -- generate --out target/accuracy --seed 1
//! cargo run --release --example accuracy -- score --out target/accuracy
//! ```
//!
//! The corpus covers every detector of the built-in catalogue. Five
//! vendors hold labelled values: NDJSON events, a JSON export, two CSV
//! exports (one with German column names), nested NDJSON profiles with
//! each detector under several field names (snake_case, camelCase, nested
//! paths, the locales the hints list), and application logs with every
//! detector that has a free-text pattern; records mix them with decoys
//! (UUIDs, order numbers, timestamps, versions, prices, product names in
//! `name` fields, identifiers with valid check digits under unrelated
//! names). A sixth vendor holds decoys only: noise, and near misses such
//! as wrong check digits in hinted fields and placeholders. Every value is
//! synthetic: example.com addresses, 555-01xx numbers, documentation IP
//! ranges, generated ids whose check digits this file computes from the
//! published algorithms, not with the scanner's validators. Names and
//! addresses come in six locales.
//! `labels.jsonl` lists every PII value with its file, field and kind.
//!
//! Scoring is at value level — a finding counts when the same file, field
//! and detector hold the same (revealed) value as a label — and at field
//! level (vendor, field path, detector). False findings in the decoy-only
//! vendor are reported per MB.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const FIRST: &[&str] = &[
    "Amara", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas",
    "Keiko", "Lucía", "Mateo", "Nia", "Oskar",
];
const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Rossi",
    "Petrov",
    "Yılmaz",
    "Haddad",
    "Novak",
    "Sato",
    "Moreau",
    "Schmidt",
    "Tanaka",
    "García",
    "Silva",
    "Mensah",
    "Berg",
];
const STREETS: &[&str] = &[
    "Maple Street",
    "Harbor Road",
    "Linden Avenue",
    "Mill Lane",
    "Station Road",
];
const PRODUCTS: &[&str] = &[
    "Pro plan",
    "Starter",
    "Enterprise",
    "Team bundle",
    "Basic support",
];
const WORDS: &[&str] = &[
    "order", "shipped", "refund", "pending", "review", "delivery", "updated", "synced", "invoice",
    "batch",
];

fn luhn_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let mut d = u32::from(b - b'0');
            if i % 2 == 0 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            d
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn ssn(r: &mut Rng) -> String {
    format!(
        "{:03}-{:02}-{:04}",
        100 + r.below(565),
        1 + r.below(98),
        1 + r.below(9998)
    )
}

fn card(r: &mut Rng) -> String {
    let body = format!("4{}", r.digits(14));
    let n = format!("{body}{}", luhn_digit(&body));
    format!("{} {} {} {}", &n[0..4], &n[4..8], &n[8..12], &n[12..16])
}

fn iban(r: &mut Rng) -> String {
    let bban = r.digits(18);
    let rearranged = format!("{bban}131400");
    let rem = rearranged
        .bytes()
        .fold(0u64, |acc, b| (acc * 10 + u64::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

fn decoy_order(r: &mut Rng) -> String {
    // Sixteen digits that fail Luhn.
    let body = format!("5{}", r.digits(14));
    let good = luhn_digit(&body);
    let bad = char::from(b'0' + ((good as u8 - b'0' + 1) % 10));
    format!("{body}{bad}")
}

fn ts(r: &mut Rng) -> String {
    format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + r.below(12),
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60)
    )
}

// ---- Identifier generators (check digits from the published algorithms,
// written here independently of the scanner's validators).

fn digit_values(s: &str) -> Vec<u32> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
        .collect()
}

fn luhn_ok(s: &str) -> bool {
    let d = digit_values(s);
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| match (i % 2, x * 2) {
            (1, y) if y > 9 => y - 9,
            (1, y) => y,
            _ => x,
        })
        .sum();
    sum.is_multiple_of(10)
}

fn verhoeff_ok(s: &str) -> bool {
    const D: [[u32; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u32; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let c = digit_values(s)
        .iter()
        .rev()
        .enumerate()
        .fold(0, |c, (i, &x)| D[c as usize][P[i % 8][x as usize] as usize]);
    c == 0
}

fn weighted(s: &str, weights: &[u32]) -> u32 {
    digit_values(s)
        .iter()
        .zip(weights)
        .map(|(x, w)| x * w)
        .sum()
}

fn nhs_ok(s: &str) -> bool {
    let d = digit_values(s);
    let check = (11 - weighted(s, &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11) % 11;
    d.len() == 10 && d[0] != 0 && check != 10 && check == d[9]
}

fn tfn_ok(s: &str) -> bool {
    weighted(s, &[1, 4, 3, 7, 5, 8, 6, 9, 10]).is_multiple_of(11)
}

fn bsn_ok(s: &str) -> bool {
    let d = digit_values(s);
    d.len() == 9 && (weighted(s, &[9, 8, 7, 6, 5, 4, 3, 2]) + 11 * 10 - d[8]).is_multiple_of(11)
}

fn aba_ok(s: &str) -> bool {
    weighted(s, &[3, 7, 1, 3, 7, 1, 3, 7, 1]).is_multiple_of(10)
}

/// Appends the first check digit that makes `ok` hold, if any.
fn complete(body: String, ok: impl Fn(&str) -> bool) -> Option<String> {
    (0..10).map(|d| format!("{body}{d}")).find(|s| ok(s))
}

/// Changes the last digit so the value no longer passes its check.
fn spoil(value: &str, ok: impl Fn(&str) -> bool) -> String {
    let (head, last) = value.split_at(value.len() - 1);
    let last = u32::from(last.as_bytes()[0] - b'0');
    (1..10)
        .map(|k| format!("{head}{}", (last + k) % 10))
        .find(|s| !ok(s))
        .unwrap_or_else(|| value.to_string())
}

fn grouped(d: &str, sizes: &[usize], sep: &str) -> String {
    let mut parts = Vec::new();
    let mut at = 0;
    for &n in sizes {
        parts.push(&d[at..at + n]);
        at += n;
    }
    parts.join(sep)
}

fn nhs(r: &mut Rng) -> String {
    loop {
        let body = format!("{}{}", 1 + r.below(9), r.digits(8));
        if let Some(n) = complete(body, nhs_ok) {
            return n;
        }
    }
}

fn sin(r: &mut Rng) -> String {
    let body = format!(
        "{}{}",
        r.pick(&["1", "2", "3", "4", "5", "6", "7", "9"]),
        r.digits(7)
    );
    format!("{body}{}", luhn_digit(&body))
}

fn aadhaar(r: &mut Rng) -> String {
    loop {
        let body = format!("{}{}", 2 + r.below(8), r.digits(10));
        if let Some(n) = complete(body, verhoeff_ok) {
            return n;
        }
    }
}

fn tfn(r: &mut Rng) -> String {
    loop {
        if let Some(n) = complete(format!("{}{}", 1 + r.below(9), r.digits(7)), tfn_ok) {
            return n;
        }
    }
}

fn bsn(r: &mut Rng) -> String {
    loop {
        if let Some(n) = complete(format!("{}{}", 1 + r.below(9), r.digits(7)), bsn_ok) {
            return n;
        }
    }
}

fn aba(r: &mut Rng) -> String {
    let prefix = r.pick(&[
        "01", "02", "04", "11", "12", "21", "26", "31", "61", "67", "72",
    ]);
    complete(format!("{prefix}{}", r.digits(6)), aba_ok).unwrap_or_default()
}

fn cpf_digits(r: &mut Rng) -> String {
    let mut d: Vec<u32> = digit_values(&r.digits(9));
    for len in [9usize, 10] {
        let sum: u32 = d
            .iter()
            .enumerate()
            .map(|(i, &x)| x * (len as u32 + 1 - i as u32))
            .sum();
        d.push(sum * 10 % 11 % 10);
    }
    d.iter().map(|x| char::from(b'0' + *x as u8)).collect()
}

fn cpf_ok(s: &str) -> bool {
    let d = digit_values(s);
    let check = |len: usize| {
        d[..len]
            .iter()
            .enumerate()
            .map(|(i, &x)| x * (len as u32 + 1 - i as u32))
            .sum::<u32>()
            * 10
            % 11
            % 10
    };
    d.len() == 11 && check(9) == d[9] && check(10) == d[10]
}

fn cpf_pretty(d: &str) -> String {
    format!("{}.{}.{}-{}", &d[0..3], &d[3..6], &d[6..9], &d[9..11])
}

const DNI_LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";

fn dni(r: &mut Rng) -> String {
    let (lead, prefix, digits) = match r.below(4) {
        0 => (1u64, "Y", r.digits(7)),
        1 => (0, "X", r.digits(7)),
        _ => (0, "", format!("{}{}", 1 + r.below(9), r.digits(7))),
    };
    let n: u64 = format!("{lead}{digits}").parse().unwrap_or(0);
    let letter = char::from(DNI_LETTERS[(n % 23) as usize]);
    format!("{prefix}{digits}{letter}")
}

fn insee(r: &mut Rng) -> String {
    let body = format!(
        "{}{:02}{:02}{:02}{}{}",
        1 + r.below(2),
        r.below(100),
        1 + r.below(12),
        1 + r.below(95),
        r.digits(3),
        r.digits(3)
    );
    let n: u64 = body.parse().unwrap_or(0);
    let key = 97 - n % 97;
    format!(
        "{} {} {} {} {} {} {key:02}",
        &body[0..1],
        &body[1..3],
        &body[3..5],
        &body[5..7],
        &body[7..10],
        &body[10..13]
    )
}

fn cf_check(body: &str) -> char {
    const ODD: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3,
        6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
    ];
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let v = if c.is_ascii_digit() {
                usize::from(c - b'0')
            } else {
                usize::from(c - b'A') + 10
            };
            match (i % 2, c.is_ascii_digit()) {
                (0, _) => ODD[v],
                (_, true) => v as u32,
                _ => (v - 10) as u32,
            }
        })
        .sum();
    char::from(b'A' + (sum % 26) as u8)
}

fn upper(r: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'A' + r.below(26) as u8))
        .collect()
}

fn codice_fiscale(r: &mut Rng) -> String {
    let body = format!(
        "{}{:02}{}{:02}{}{}",
        upper(r, 6),
        r.below(100),
        r.pick(&["A", "B", "C", "D", "E", "H", "L", "M", "P", "R", "S", "T"]),
        1 + r.below(28) + if r.chance(0.5) { 40 } else { 0 },
        upper(r, 1),
        r.digits(3)
    );
    format!("{body}{}", cf_check(&body))
}

fn de_tax_id(r: &mut Rng) -> String {
    loop {
        let mut pool: Vec<u32> = (0..10).collect();
        for i in (1..pool.len()).rev() {
            pool.swap(i, r.below(i as u64 + 1) as usize);
        }
        let mut d: Vec<u32> = pool[..9].to_vec();
        let twin = d[r.below(9) as usize];
        d.insert(r.below(10) as usize, twin);
        if d[0] == 0 {
            continue;
        }
        let mut product = 10;
        for &x in &d {
            let sum = match (x + product) % 10 {
                0 => 10,
                s => s,
            };
            product = sum * 2 % 11;
        }
        d.push((11 - product) % 10);
        return d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
    }
}

fn nino(r: &mut Rng) -> String {
    const FIRST: &[&str] = &[
        "A", "B", "C", "E", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "W", "Y",
    ];
    const SECOND: &[&str] = &[
        "A", "B", "C", "E", "G", "H", "J", "K", "L", "M", "P", "R", "S", "W", "X", "Y",
    ];
    // HMRC never issues BG, GB, KN, NK, NT, TN or ZZ.
    let (a, b) = loop {
        let (a, b) = (r.pick(FIRST), r.pick(SECOND));
        if !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&format!("{a}{b}").as_str()) {
            break (a, b);
        }
    };
    let suffix = r.pick(&["A", "B", "C", "D"]);
    let d = r.digits(6);
    match r.below(2) {
        0 => format!("{a}{b}{d}{suffix}"),
        _ => format!("{a}{b} {} {} {} {suffix}", &d[0..2], &d[2..4], &d[4..6]),
    }
}

fn mbi(r: &mut Rng) -> String {
    const L: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";
    const LD: &[u8] = b"ACDEFGHJKMNPQRTUVWXY0123456789";
    let mut pick = |set: &[u8]| char::from(set[r.below(set.len() as u64) as usize]);
    let s: String = [
        pick(b"123456789"),
        pick(L),
        pick(LD),
        pick(b"0123456789"),
        pick(L),
        pick(LD),
        pick(b"0123456789"),
        pick(L),
        pick(L),
        pick(b"0123456789"),
        pick(b"0123456789"),
    ]
    .iter()
    .collect();
    s
}

fn pan(r: &mut Rng) -> String {
    format!(
        "{}{}{}{}{}",
        upper(r, 3),
        r.pick(&["P", "C", "H", "F", "T"]),
        upper(r, 1),
        r.digits(4),
        upper(r, 1)
    )
}

fn itin(r: &mut Rng) -> String {
    format!("9{}-{}-{}", r.digits(2), 70 + r.below(19), r.digits(4))
}

fn imei(r: &mut Rng) -> String {
    let body = format!("{}{}", r.pick(&["35", "86", "01", "99"]), r.digits(12));
    format!("{body}{}", luhn_digit(&body))
}

fn hex(r: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(r.below(16) as u32, 16).unwrap_or('0'))
        .collect()
}

fn mac(r: &mut Rng) -> String {
    let first = (r.below(64) * 4) as u8;
    let rest: Vec<String> = (0..5).map(|_| hex(r, 2)).collect();
    match r.below(3) {
        0 => format!("{first:02x}:{}", rest.join(":")),
        1 => format!("{first:02X}:{}", rest.join(":").to_uppercase()),
        _ => format!("{first:02X}-{}", rest.join("-").to_uppercase()),
    }
}

fn ipv6(r: &mut Rng) -> String {
    match r.below(3) {
        0 => format!("2001:db8:{}:{}::{}", hex(r, 4), hex(r, 3), hex(r, 2)),
        1 => format!(
            "2001:0db8:{}:{}:{}:{}:{}:{}",
            hex(r, 4),
            hex(r, 4),
            hex(r, 4),
            hex(r, 4),
            hex(r, 4),
            hex(r, 4)
        ),
        _ => format!("2001:db8::{}:{}", hex(r, 3), hex(r, 4)),
    }
}

fn alnum(r: &mut Rng, n: usize) -> String {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| char::from(SET[r.below(SET.len() as u64) as usize]))
        .collect()
}

fn aws_key(r: &mut Rng) -> String {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..16)
        .map(|_| char::from(SET[r.below(32) as usize]))
        .collect();
    format!("{}{tail}", r.pick(&["AKIA", "ASIA"]))
}

fn b64url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn jwt(r: &mut Rng) -> String {
    let header = b64url(&format!(
        r#"{{"alg":"{}","typ":"JWT"}}"#,
        r.pick(&["HS256", "RS256", "ES256"])
    ));
    let payload = b64url(&format!(
        r#"{{"sub":"u_{}","scope":"{}","iat":{}}}"#,
        r.digits(6),
        r.pick(&["read", "write", "admin"]),
        1_767_225_600 + r.below(1_000_000)
    ));
    format!("{header}.{payload}.{}", b64url(&alnum(r, 32)))
}

fn basic(r: &mut Rng) -> String {
    use base64::Engine as _;
    let user = r.pick(FIRST).to_lowercase();
    let user: String = user.chars().filter(char::is_ascii_alphabetic).collect();
    let pair = format!(
        "{user}:{}{}",
        r.pick(&["s3cret", "hunter", "Winter", "pass"]),
        r.digits(3)
    );
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// One locale's names and address forms.
struct Locale {
    first: &'static [&'static str],
    last: &'static [&'static str],
    /// Street names; `{n}` is replaced by a house number.
    streets: &'static [&'static str],
    /// Postal code shape: `9` a digit, `A` a capital.
    postal: &'static [&'static str],
}

const LOCALES: &[Locale] = &[
    Locale {
        first: FIRST,
        last: LAST,
        streets: &["{n} Maple Street", "{n} Harbor Road", "{n} Linden Avenue"],
        postal: &["99999", "99999-9999"],
    },
    Locale {
        first: &["Lukas", "Anna", "Jürgen", "Sabine", "Matthias", "Özlem"],
        last: &[
            "Müller",
            "Schneider",
            "Fischer",
            "Weber",
            "von Arnim",
            "Krüger",
        ],
        streets: &["Hauptstraße {n}", "Lindenallee {n}", "Am Markt {n}"],
        postal: &["99999"],
    },
    Locale {
        first: &["José", "María", "Alejandro", "Lucía", "Javier", "Nuria"],
        last: &[
            "Fernández",
            "López",
            "Martínez",
            "Pérez García",
            "de la Fuente",
        ],
        streets: &[
            "Calle Mayor {n}",
            "Avenida de la Constitución {n}",
            "Plaza Real {n}",
        ],
        postal: &["99999"],
    },
    Locale {
        first: &["Élodie", "Théo", "Camille", "François", "Chloé", "Noël"],
        last: &["Dubois", "Lefèvre", "Lambert", "Girard", "de Villiers"],
        streets: &[
            "{n} rue de la Paix",
            "{n} avenue Victor Hugo",
            "{n}B boulevard Voltaire",
        ],
        postal: &["99999"],
    },
    Locale {
        first: &["Sanne", "Daan", "Ruben", "Femke"],
        last: &["de Vries", "Jansen", "van der Berg", "Bakker"],
        streets: &["Kerkstraat {n}", "Prinsengracht {n}"],
        postal: &["9999 AA"],
    },
    Locale {
        first: &["Oliver", "Amelia", "Harry", "Isla"],
        last: &["O'Brien", "Taylor", "Wright", "Hughes"],
        streets: &["{n} Station Road", "{n} Mill Lane"],
        postal: &["AA9 9AA", "AA99 9AA", "A9A 9AA"],
    },
];

fn shaped(r: &mut Rng, shape: &str) -> String {
    shape
        .chars()
        .map(|c| match c {
            '9' => char::from(b'0' + r.below(10) as u8),
            'A' => char::from(b'A' + r.below(26) as u8),
            c => c,
        })
        .collect()
}

fn locale(r: &mut Rng) -> &'static Locale {
    &LOCALES[r.below(LOCALES.len() as u64) as usize]
}

fn iban_for(r: &mut Rng) -> String {
    let (country, bban) = match r.below(5) {
        0 => ("DE", r.digits(18)),
        1 => ("FR", format!("{}{}", r.digits(10), r.digits(13))),
        2 => ("ES", r.digits(20)),
        3 => ("NL", format!("{}{}", upper(r, 4), r.digits(10))),
        _ => ("GB", format!("{}{}", upper(r, 4), r.digits(14))),
    };
    let numeric: String = format!("{bban}{country}00")
        .chars()
        .map(|c| match c.to_digit(36) {
            Some(v) => v.to_string(),
            None => String::new(),
        })
        .collect();
    let rem = numeric
        .bytes()
        .fold(0u64, |acc, b| (acc * 10 + u64::from(b - b'0')) % 97);
    let plain = format!("{country}{:02}{bban}", 98 - rem);
    if r.chance(0.3) {
        let chars: Vec<char> = plain.chars().collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        plain
    }
}

fn dob(r: &mut Rng) -> String {
    let (y, m, d) = (1940 + r.below(66), 1 + r.below(12), 1 + r.below(28));
    match r.below(4) {
        0 => format!("{y}-{m:02}-{d:02}"),
        1 => format!("{d:02}.{m:02}.{y}"),
        2 => format!("{d:02}/{m:02}/{y}"),
        _ => format!("{y}{m:02}{d:02}"),
    }
}

/// A value of `detector` fit for a field named `key`.
fn value_for(r: &mut Rng, detector: &str, key: &str) -> String {
    let l = locale(r);
    match detector {
        "email" => format!(
            "{}.{}{}@{}",
            r.pick(&["jane", "omar", "li", "ana", "noel", "sanne"]),
            r.pick(&["doe", "haddad", "wei", "lopez", "girard", "bakker"]),
            r.below(100),
            r.pick(&["example.com", "example.org", "mail.example.net"])
        ),
        "phone" => match r.below(4) {
            0 => format!("+1 212 555 01{:02}", r.below(100)),
            1 => format!("(415) 555-01{:02}", r.below(100)),
            2 => format!("+44 20 7946 0{:03}", r.below(1000)),
            _ => format!("212.555.01{:02}", r.below(100)),
        },
        "us_ssn" => match r.below(3) {
            0 => ssn(r),
            1 => ssn(r).replace('-', ""),
            _ => ssn(r).replace('-', " "),
        },
        "credit_card" => match r.below(2) {
            0 => card(r),
            _ => card(r).replace(' ', ""),
        },
        "iban" => iban_for(r),
        "ipv4" => format!(
            "{}.{}",
            r.pick(&["198.51.100", "203.0.113", "192.0.2"]),
            1 + r.below(254)
        ),
        "person_name" if key.ends_with("firstName") => r.pick(l.first).to_string(),
        "person_name" if key.ends_with("lastName") => r.pick(l.last).to_string(),
        "person_name" if key.starts_with("cardholder") => {
            format!("{} {}", r.pick(l.first), r.pick(l.last)).to_uppercase()
        }
        "person_name" => format!("{} {}", r.pick(l.first), r.pick(l.last)),
        "date_of_birth" => dob(r),
        "street_address" => r
            .pick(l.streets)
            .replace("{n}", &(1 + r.below(200)).to_string()),
        "postal_code" => {
            let shape = r.pick(l.postal);
            shaped(r, shape)
        }
        "us_itin" => match r.below(3) {
            0 => itin(r),
            1 => itin(r).replace('-', ""),
            _ => itin(r).replace('-', " "),
        },
        "us_passport" => match r.below(2) {
            0 => r.digits(9),
            _ => format!("{}{}", upper(r, 1), r.digits(8)),
        },
        "passport" => match r.below(3) {
            0 => format!("{}{}", upper(r, 2), r.digits(7)),
            1 => format!("{}{}", upper(r, 1), r.digits(7)),
            _ => r.digits(9),
        },
        "us_drivers_license" => match r.below(3) {
            0 => format!("{}{}", upper(r, 1), r.digits(7)),
            1 => format!(
                "{}{}-{}-{}",
                upper(r, 1),
                r.digits(3),
                r.digits(4),
                r.digits(4)
            ),
            _ => r.digits(9),
        },
        "us_mbi" => {
            let m = mbi(r);
            match r.below(2) {
                0 => m,
                _ => format!("{}-{}-{}", &m[0..4], &m[4..7], &m[7..11]),
            }
        }
        "uk_nino" => nino(r),
        "uk_nhs" => {
            let n = nhs(r);
            match r.below(3) {
                0 => n,
                1 => grouped(&n, &[3, 3, 4], " "),
                _ => grouped(&n, &[3, 3, 4], "-"),
            }
        }
        "ca_sin" => {
            let n = sin(r);
            match r.below(3) {
                0 => n,
                1 => grouped(&n, &[3, 3, 3], " "),
                _ => grouped(&n, &[3, 3, 3], "-"),
            }
        }
        "in_aadhaar" => {
            let n = aadhaar(r);
            match r.below(3) {
                0 => n,
                1 => grouped(&n, &[4, 4, 4], " "),
                _ => grouped(&n, &[4, 4, 4], "-"),
            }
        }
        "in_pan" => pan(r),
        "au_tfn" => {
            let n = tfn(r);
            match r.below(2) {
                0 => n,
                _ => grouped(&n, &[3, 3, 3], " "),
            }
        }
        "br_cpf" => {
            let n = cpf_digits(r);
            match r.below(2) {
                0 => cpf_pretty(&n),
                _ => n,
            }
        }
        "es_dni_nie" => dni(r),
        "nl_bsn" => bsn(r),
        "fr_insee" => {
            let n = insee(r);
            match r.below(2) {
                0 => n,
                _ => n.replace(' ', ""),
            }
        }
        "it_codice_fiscale" => codice_fiscale(r),
        "de_tax_id" => {
            let n = de_tax_id(r);
            match r.below(2) {
                0 => n,
                _ => format!("{} {} {} {}", &n[0..2], &n[2..5], &n[5..8], &n[8..11]),
            }
        }
        "aba_routing" => aba(r),
        "bank_account" => match r.below(3) {
            0 => format!("000{}", r.digits(9)),
            1 => format!("{} {} {}", r.digits(4), r.digits(4), r.digits(4)),
            _ => format!("{}{}", 1 + r.below(9), r.digits(9)),
        },
        "swift_bic" => format!(
            "{}{}{}{}",
            upper(r, 4),
            r.pick(&["DE", "FR", "GB", "ES", "IT", "NL", "US"]),
            r.pick(&["FF", "PP", "2L", "MM", "33", "AX"]),
            r.pick(&["", "XXX", "100"])
        ),
        "ipv6" => ipv6(r),
        "mac_address" => mac(r),
        "imei" => {
            let n = imei(r);
            match r.below(3) {
                0 => format!("{}-{}-{}-{}", &n[0..2], &n[2..8], &n[8..14], &n[14..]),
                _ => n,
            }
        }
        "advertising_id" => match r.below(2) {
            0 => r.uuid().to_uppercase(),
            _ => r.uuid(),
        },
        "aws_access_key" => aws_key(r),
        "jwt" => jwt(r),
        "bearer_token" => format!("Bearer {}", alnum(r, 32)),
        "basic_auth" => basic(r),
        "password" => match r.below(3) {
            0 => format!(
                "{}{}{}",
                r.pick(&["Winter", "Sommer", "Primavera", "Soleil"]),
                2000 + r.below(27),
                r.pick(&["!", "#", "?", "."])
            ),
            1 => format!(
                "{} {} {}",
                r.pick(WORDS),
                r.pick(&["horse", "battery", "staple", "lamp"]),
                r.pick(WORDS)
            ),
            _ => alnum(r, 12),
        },
        "api_key" => match r.below(3) {
            0 => format!("sk_test_{}", alnum(r, 24)),
            1 => hex(r, 32),
            _ => format!("whsec_{}", alnum(r, 32)),
        },
        "gender" if key.contains("geschlecht") => r.pick(&["m", "w", "d"]).to_string(),
        "gender" => r
            .pick(&["female", "male", "F", "M", "Non-binary", "diverse"])
            .to_string(),
        "nationality" => r
            .pick(&[
                "Brazilian",
                "German",
                "DE",
                "FRA",
                "Española",
                "United Kingdom",
                "Côte d'Ivoire",
            ])
            .to_string(),
        "geo_coordinates" => {
            let lat = format!("{:.6}", (r.below(1_600_000) as f64 - 800_000.0) / 10_000.0);
            let lng = format!(
                "{:.6}",
                (r.below(3_500_000) as f64 - 1_750_000.0) / 10_000.0
            );
            match key {
                "latitude" => lat,
                "location.lng" => lng,
                _ => format!("{lat}, {lng}"),
            }
        }
        "health_data" => match key {
            "icd10" => r.pick(&["E11.9", "J45.909", "I10", "F32.A"]).to_string(),
            "patient.mrn" => format!("MRN-{}", r.digits(8)),
            "allergies" => r.pick(&["penicillin", "peanuts", "latex"]).to_string(),
            "patient.medications" => r
                .pick(&["metformin 500mg", "salbutamol inhaler", "lisinopril 10mg"])
                .to_string(),
            _ => r
                .pick(&["Type 2 diabetes", "Asthma", "Hypertension", "Depression"])
                .to_string(),
        },
        "ethnicity" => r
            .pick(&[
                "Hispanic or Latino",
                "Asian",
                "White British",
                "Black",
                "Mixed",
            ])
            .to_string(),
        "religion" => r
            .pick(&[
                "Catholic",
                "Muslim",
                "Jewish",
                "Hindu",
                "Methodist",
                "Buddhist",
            ])
            .to_string(),
        "sexual_orientation" => r
            .pick(&["bisexual", "gay", "heterosexual", "lesbian", "asexual"])
            .to_string(),
        "biometric" => match r.below(2) {
            0 => {
                use base64::Engine as _;
                let bytes: Vec<u8> = (0..18).map(|_| r.below(256) as u8).collect();
                base64::engine::general_purpose::STANDARD.encode(bytes)
            }
            _ => format!("v1:{}", hex(r, 24)),
        },
        _ => String::new(),
    }
}

/// A detector, the field names (several naming styles; dots nest) that
/// hold it in structured records, and whether its values also go into
/// free text.
struct Spec {
    detector: &'static str,
    keys: &'static [&'static str],
    free: bool,
}

const fn spec(detector: &'static str, keys: &'static [&'static str], free: bool) -> Spec {
    Spec {
        detector,
        keys,
        free,
    }
}

/// Every detector the corpus covers. Neighbours never share a field name,
/// so one record holds each at most once.
const SPECS: &[Spec] = &[
    spec("email", &["email", "contact.emailAddress", "login"], true),
    spec("us_itin", &["itin", "taxpayer.tin", "tax_id"], true),
    spec(
        "bearer_token",
        &[
            "authorization",
            "request.headers.authorization",
            "authHeader",
        ],
        true,
    ),
    spec(
        "phone",
        &["phone", "mobileNumber", "contact.tel", "fax"],
        true,
    ),
    spec(
        "us_passport",
        &["us_passport_number", "traveler.usPassport", "usa_passport"],
        false,
    ),
    spec(
        "us_drivers_license",
        &["drivers_license", "driver.license_number", "dlNumber"],
        false,
    ),
    spec(
        "us_ssn",
        &["ssn", "customer.socialSecurityNumber", "ss_number"],
        true,
    ),
    spec(
        "us_mbi",
        &["mbi", "medicare_id", "patient.medicareNumber"],
        true,
    ),
    spec(
        "uk_nino",
        &["nino", "employee.ni_number", "nationalInsuranceNumber"],
        true,
    ),
    spec(
        "credit_card",
        &["card_number", "payment.cc", "creditCard"],
        true,
    ),
    spec("uk_nhs", &["nhs_number", "patient.nhs", "NHSNumber"], false),
    spec(
        "ca_sin",
        &["sin", "employee.SIN", "social_insurance_number"],
        false,
    ),
    spec("iban", &["iban", "payout.iban", "bank_account"], true),
    spec(
        "in_aadhaar",
        &["aadhaar", "customer.aadhaarNumber", "aadhaar_number"],
        true,
    ),
    spec(
        "in_pan",
        &["pan_number", "taxpayer.pan", "permanentAccountNumber"],
        true,
    ),
    spec(
        "ipv4",
        &["client_ip", "request.remoteAddr", "source_ip"],
        true,
    ),
    spec(
        "au_tfn",
        &["tfn", "employee.tax_file_number", "taxFileNo"],
        false,
    ),
    spec("br_cpf", &["cpf", "cliente.cpf", "cpfNumber"], true),
    spec(
        "basic_auth",
        &["auth_header", "proxy.authorization", "Authorization"],
        true,
    ),
    spec(
        "person_name",
        &[
            "full_name",
            "customer.firstName",
            "lastName",
            "beneficiary",
            "cardholder_name",
        ],
        false,
    ),
    spec(
        "es_dni_nie",
        &["dni", "cliente.nie", "documentoIdentidad"],
        true,
    ),
    spec(
        "nl_bsn",
        &["bsn", "klant.burgerservicenummer", "BSN"],
        false,
    ),
    spec(
        "date_of_birth",
        &[
            "dob",
            "dateOfBirth",
            "customer.birth_date",
            "geburtsdatum",
            "fecha_nacimiento",
        ],
        false,
    ),
    spec(
        "fr_insee",
        &["nir", "assure.numero_securite_sociale", "numSecu"],
        true,
    ),
    spec(
        "it_codice_fiscale",
        &["codice_fiscale", "cliente.codiceFiscale", "fiscal_code"],
        true,
    ),
    spec(
        "street_address",
        &["shipping_address", "address.line1", "strasse", "direccion"],
        true,
    ),
    spec(
        "de_tax_id",
        &["steuer_id", "mitarbeiter.idnr", "steuerId"],
        false,
    ),
    spec(
        "passport",
        &["passport_number", "traveler.passportNo", "passport"],
        false,
    ),
    spec(
        "postal_code",
        &[
            "zip",
            "address.postcode",
            "plz",
            "codigo_postal",
            "postalCode",
        ],
        false,
    ),
    spec(
        "aba_routing",
        &["routing_number", "bank.aba", "routingNumber"],
        false,
    ),
    spec(
        "bank_account",
        &[
            "bank_account_number",
            "payout.acct_no",
            "checkingAccount",
            "kontonummer",
        ],
        false,
    ),
    spec("swift_bic", &["swift", "bank.bic", "swiftCode"], false),
    spec("ipv6", &["ipv6", "client.remote_ip", "sourceIp"], true),
    spec(
        "mac_address",
        &["mac_address", "device.mac", "wifiMac"],
        true,
    ),
    spec("imei", &["imei", "device.imei", "imeiNumber"], false),
    spec(
        "advertising_id",
        &["idfa", "device.gaid", "advertisingId"],
        false,
    ),
    spec(
        "aws_access_key",
        &["aws_access_key_id", "credentials.accessKeyId", "aws_key"],
        true,
    ),
    spec("jwt", &["id_token", "session.jwt", "accessToken"], true),
    spec("password", &["password", "user.pwd", "newPassword"], false),
    spec(
        "api_key",
        &["api_key", "client_secret", "webhook.signingKey"],
        false,
    ),
    spec("gender", &["gender", "sex", "person.geschlecht"], false),
    spec(
        "nationality",
        &["nationality", "citizenship", "traveler.nationality"],
        false,
    ),
    spec(
        "geo_coordinates",
        &["latitude", "location.lng", "geo"],
        true,
    ),
    spec(
        "health_data",
        &[
            "diagnosis",
            "patient.medications",
            "allergies",
            "icd10",
            "patient.mrn",
        ],
        false,
    ),
    spec(
        "ethnicity",
        &["ethnicity", "demographics.ethnic_group", "race"],
        false,
    ),
    spec(
        "religion",
        &["religion", "member.religiousAffiliation", "faith"],
        false,
    ),
    spec(
        "sexual_orientation",
        &[
            "sexual_orientation",
            "profile.sexuality",
            "sexualOrientation",
        ],
        false,
    ),
    spec(
        "biometric",
        &["face_template", "biometrics", "user.voiceprint"],
        false,
    ),
];

/// A value of `detector` as it appears in free text, and the sentence
/// around it.
fn free_text(r: &mut Rng, detector: &str) -> (String, String) {
    let v = match detector {
        "in_aadhaar" => grouped(&aadhaar(r), &[4, 4, 4], " "),
        "br_cpf" => cpf_pretty(&cpf_digits(r)),
        "fr_insee" => insee(r),
        "us_itin" => itin(r),
        "us_ssn" => ssn(r),
        "credit_card" => card(r),
        "mac_address" => mac(r).replace('-', ":"),
        "geo_coordinates" => format!(
            "{:.4}, {:.4}",
            (r.below(1_600_000) as f64 - 800_000.0) / 10_000.0,
            (r.below(3_500_000) as f64 - 1_750_000.0) / 10_000.0
        ),
        "street_address" => format!("{} {}", 1 + r.below(900), r.pick(STREETS)),
        "us_mbi" => mbi(r),
        other => value_for(r, other, ""),
    };
    let sentence = match detector {
        "in_aadhaar" => format!("aadhaar {v} verified"),
        "br_cpf" => format!("CPF {v} updated"),
        "es_dni_nie" => format!("DNI {v} checked"),
        "fr_insee" => format!("NIR {v} on file"),
        "us_itin" => format!("ITIN {v} received"),
        "in_pan" => format!("PAN {v} on file"),
        "us_mbi" => format!("MBI {v} eligible"),
        "uk_nino" => format!("nino: {v}"),
        "it_codice_fiscale" => format!("cf {v}"),
        "aws_access_key" => format!("key={v}"),
        "jwt" => format!("token={v}"),
        "bearer_token" | "basic_auth" => format!("Authorization: {v}"),
        "geo_coordinates" => format!("at {v} today"),
        "street_address" => format!("ship to {v}, London"),
        "mac_address" => format!("wlan0 at {v} up"),
        "ipv6" => format!("from {v} on eth0"),
        _ => format!("by {v}"),
    };
    (v, sentence)
}

/// One labelled PII value.
struct Label {
    file: String,
    vendor: String,
    field: Option<String>,
    detector: &'static str,
    value: String,
}

struct Corpus {
    labels: Vec<Label>,
}

impl Corpus {
    fn record(
        &mut self,
        file: &str,
        vendor: &str,
        field: Option<&str>,
        detector: &'static str,
        value: &str,
    ) {
        self.labels.push(Label {
            file: file.to_string(),
            vendor: vendor.to_string(),
            field: field.map(str::to_string),
            detector,
            value: value.to_string(),
        });
    }

    fn pii(
        &mut self,
        r: &mut Rng,
        file: &str,
        vendor: &str,
        field: Option<&str>,
        kind: u64,
    ) -> (&'static str, String) {
        let (detector, value) = match kind % 10 {
            0 => {
                // Local parts are ASCII: internationalised addresses are rare
                // in vendor data and not what this measures.
                let first: String = r
                    .pick(FIRST)
                    .to_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .collect();
                (
                    "email",
                    format!(
                        "{first}.{}{}@example.com",
                        r.below(100),
                        r.pick(&["", "x", "q"])
                    ),
                )
            }
            1 => ("phone", format!("+1 212 555 01{:02}", r.below(100))),
            2 => ("us_ssn", ssn(r)),
            3 => ("credit_card", card(r)),
            4 => ("iban", iban(r)),
            5 => ("ipv4", format!("198.51.100.{}", 1 + r.below(254))),
            6 => ("person_name", format!("{} {}", r.pick(FIRST), r.pick(LAST))),
            7 => (
                "date_of_birth",
                format!(
                    "19{}-{:02}-{:02}",
                    50 + r.below(50),
                    1 + r.below(12),
                    1 + r.below(28)
                ),
            ),
            8 => (
                "street_address",
                format!("{} {}", 1 + r.below(900), r.pick(STREETS)),
            ),
            _ => ("postal_code", format!("{:05}", 10000 + r.below(89999))),
        };
        self.labels.push(Label {
            file: file.to_string(),
            vendor: vendor.to_string(),
            field: field.map(str::to_string),
            detector,
            value: value.clone(),
        });
        (detector, value)
    }
}

/// The kinds the generator writes, indexed by `Corpus::pii`'s `kind`.
const KINDS: [&str; 10] = [
    "email",
    "phone",
    "us_ssn",
    "credit_card",
    "iban",
    "ipv4",
    "person_name",
    "date_of_birth",
    "street_address",
    "postal_code",
];

/// The field each kind is stored under in structured records.
fn key_for(detector: &str) -> &'static str {
    match detector {
        "email" => "email",
        "phone" => "phone",
        "us_ssn" => "ssn",
        "credit_card" => "card_number",
        "iban" => "iban",
        "ipv4" => "client_ip",
        "person_name" => "full_name",
        "date_of_birth" => "dob",
        "street_address" => "address",
        _ => "zip",
    }
}

/// Sets `path` (dot-separated) in `rec` to `value`; false when the path
/// is already taken.
fn insert_path(rec: &mut serde_json::Value, path: &str, value: &str) -> bool {
    let mut node = rec;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let Some(map) = node.as_object_mut() else {
            return false;
        };
        if parts.peek().is_none() {
            if map.contains_key(part) {
                return false;
            }
            map.insert(part.to_string(), value.into());
            return true;
        }
        node = map
            .entry(part.to_string())
            .or_insert_with(|| serde_json::json!({}));
    }
    false
}

/// The catalogue id as a `'static` string.
fn det_static(detector: &str) -> &'static str {
    SPECS
        .iter()
        .find(|s| s.detector == detector)
        .map_or("unknown", |s| s.detector)
}

/// Values that must not be reported, with the field that holds them.
fn near_misses(r: &mut Rng) -> Vec<(&'static str, String)> {
    let cpf = cpf_digits(r);
    let bad_cpf = spoil(&cpf, cpf_ok);
    let d = dni(r);
    let bad_dni = format!(
        "{}{}",
        &d[..d.len() - 1],
        if d.ends_with('T') { 'R' } else { 'T' }
    );
    let insee = insee(r).replace(' ', "");
    let bad_insee = format!(
        "{}{:02}",
        &insee[..13],
        (insee[13..].parse::<u32>().unwrap_or(0) + 1) % 100
    );
    let cf = codice_fiscale(r);
    let bad_cf = format!("{}{}", &cf[..15], if cf.ends_with('A') { 'B' } else { 'A' });
    let card_like = imei(r);
    vec![
        ("bsn", spoil(&bsn(r), bsn_ok)),
        ("nhs_number", spoil(&nhs(r), nhs_ok)),
        ("imei", spoil(&imei(r), luhn_ok)),
        ("routing_number", spoil(&aba(r), aba_ok)),
        ("tfn", spoil(&tfn(r), tfn_ok)),
        ("sin", spoil(&sin(r), luhn_ok)),
        ("aadhaar", spoil(&aadhaar(r), verhoeff_ok)),
        ("cpf", bad_cpf.clone()),
        ("note", format!("ref {} pending", cpf_pretty(&bad_cpf))),
        ("dni", bad_dni),
        ("nir", bad_insee),
        ("codice_fiscale", bad_cf),
        ("nino", format!("BG{}A", r.digits(6))),
        ("steuer_id", format!("0{}", r.digits(10))),
        ("idfa", "00000000-0000-0000-0000-000000000000".to_string()),
        ("session_id", r.uuid()),
        ("reference", nhs(r)),
        ("invoice_number", aba(r)),
        ("order_number", card_like),
        ("account_id", aadhaar(r)),
        ("gender", "unknown".to_string()),
        ("password", "***".to_string()),
        ("password_changed_at", "2026-10-01".to_string()),
        ("api_key", "aaaaaaaaaaaaaaaaaaaa".to_string()),
        ("token_type", "Bearer".to_string()),
        ("csrf_token", hex(r, 32)),
        ("price", format!("{}.{}", r.below(90), r.digits(4))),
        (
            "passport_expiry",
            format!(
                "20{}{:02}{:02}",
                27 + r.below(9),
                1 + r.below(12),
                1 + r.below(28)
            ),
        ),
        ("license_key", format!("{}{}", upper(r, 1), r.digits(7))),
        (
            "license_plate",
            format!("{}{}{}", r.below(10), upper(r, 3), r.digits(3)),
        ),
        ("orientation", "landscape".to_string()),
        ("race_result", "2nd place".to_string()),
        ("nationality", "n/a".to_string()),
        ("country", "Brazil".to_string()),
        ("diagnosis", "n/a".to_string()),
        ("swift", upper(r, 4)),
        ("latitude", format!("{}.{}", r.below(90), r.below(10))),
        ("fingerprint", hex(r, 16)),
        (
            "build",
            format!(
                "{}.{}.{}.{}",
                r.below(20),
                r.below(20),
                r.below(20),
                r.below(100)
            ),
        ),
        (
            "clock",
            format!("{:02}:{:02}:{:02}", r.below(24), r.below(60), r.below(60)),
        ),
        ("plan", "Basic support".to_string()),
        ("memo", "the bearer of this note".to_string()),
        ("customer_name", "Customer".to_string()),
        (
            "product_name",
            format!("{} {}", r.pick(PRODUCTS), r.pick(&["Plus", "Max"])),
        ),
        ("zip", "n/a".to_string()),
        ("dob", format!("19{}-02-30", 50 + r.below(50))),
    ]
}

fn generate(out: &Path, seed: u64, records: usize) -> std::io::Result<()> {
    let mut r = Rng(seed);
    let mut c = Corpus { labels: Vec::new() };
    for v in ["crm", "payments", "hr", "logs", "accounts", "decoys"] {
        std::fs::create_dir_all(out.join(v))?;
    }
    // NDJSON events: two PII fields per record, decoys around them.
    let file = "crm/events.ndjson";
    let mut text = String::new();
    for i in 0..records {
        let mut rec = format!(
            r#"{{"event_id":"{}","ts":"{}","order_ref":"{}","name":"{}","version":"4.{}.{}.0""#,
            r.uuid(),
            ts(&mut r),
            decoy_order(&mut r),
            r.pick(PRODUCTS),
            r.below(9),
            r.below(9)
        );
        for kind in [i as u64 % 10, (i as u64 + 3) % 10] {
            let key = key_for(KINDS[kind as usize]);
            let (_, val) = c.pii(
                &mut r,
                file,
                "crm",
                Some(&format!("$.customer.{key}")),
                kind,
            );
            // Each value in its own `customer` object: duplicate keys are
            // legal JSON and common in hand-built exports.
            let _ = write!(rec, r#","customer":{{"{key}":"{val}"}}"#);
        }
        rec.push_str("}\n");
        text.push_str(&rec);
    }
    std::fs::write(out.join(file), &text)?;
    // JSON export (payments): an array of records.
    let file = "payments/export.json";
    let mut text = String::from("[\n");
    for i in 0..records {
        let kind = [3u64, 4, 0, 6][i % 4];
        let key = key_for(KINDS[kind as usize]);
        let (_, val) = c.pii(&mut r, file, "payments", Some(&format!("$[*].{key}")), kind);
        let _ = writeln!(
            text,
            "  {{\"id\": {}, \"invoice_number\": \"{}\", \"amount\": {}.{:02}, \"{key}\": \"{val}\", \"created\": \"{}\"}}{}",
            r.below(1 << 40),
            r.digits(9),
            r.below(900),
            r.below(100),
            ts(&mut r),
            if i + 1 < records { "," } else { "" }
        );
    }
    text.push_str("]\n");
    std::fs::write(out.join(file), &text)?;
    // CSV export (hr).
    let file = "hr/employees.csv";
    let mut text = String::from("employee_id,full_name,dob,ssn,zip,department,salary\n");
    for _ in 0..records {
        let (_, name) = c.pii(&mut r, file, "hr", Some("$.full_name"), 6);
        let (_, dob) = c.pii(&mut r, file, "hr", Some("$.dob"), 7);
        let (_, s) = c.pii(&mut r, file, "hr", Some("$.ssn"), 2);
        let (_, zip) = c.pii(&mut r, file, "hr", Some("$.zip"), 9);
        let _ = writeln!(
            text,
            "E-{},{name},{dob},{s},{zip},{},{}",
            r.digits(5),
            r.pick(WORDS),
            40000 + r.below(90000)
        );
    }
    std::fs::write(out.join(file), &text)?;
    // Logs: PII in free text.
    let file = "logs/app.log";
    let mut text = String::new();
    for i in 0..records {
        let kind = [0u64, 1, 5, 3][i % 4];
        let (_, val) = c.pii(&mut r, file, "logs", None, kind);
        let _ = writeln!(
            text,
            "{} INFO request {} {} by {val} took {}ms v{}.{}.{}",
            ts(&mut r),
            r.uuid(),
            r.pick(WORDS),
            r.below(900),
            r.below(5),
            r.below(20),
            r.below(10)
        );
    }
    std::fs::write(out.join(file), &text)?;
    // Profiles (accounts): every covered detector in nested NDJSON
    // records, three per record, each spec's field names in turn.
    let file = "accounts/profiles.ndjson";
    let mut text = String::new();
    for i in 0..records * 2 {
        let mut rec = serde_json::json!({
            "id": r.uuid(),
            "session_id": r.uuid(),
            "reference": bsn(&mut r),
            "order_number": imei(&mut r),
            "updated": ts(&mut r),
            "status": r.pick(WORDS),
            "plan": r.pick(PRODUCTS),
        });
        for j in 0..3 {
            let s = &SPECS[(i * 3 + j) % SPECS.len()];
            let key = s.keys[(i * 3 + j) / SPECS.len() % s.keys.len()];
            let val = value_for(&mut r, s.detector, key);
            if insert_path(&mut rec, key, &val) {
                c.record(
                    file,
                    "accounts",
                    Some(&format!("$.{key}")),
                    s.detector,
                    &val,
                );
            }
        }
        let _ = writeln!(text, "{rec}");
    }
    std::fs::write(out.join(file), &text)?;
    // CSV export with European columns (hr).
    let file = "hr/contractors.csv";
    let columns = [
        ("full_name", "person_name"),
        ("geburtsdatum", "date_of_birth"),
        ("steuer_id", "de_tax_id"),
        ("iban", "iban"),
        ("strasse", "street_address"),
        ("plz", "postal_code"),
        ("staatsangehoerigkeit", "nationality"),
        ("geschlecht", "gender"),
        ("kontonummer", "bank_account"),
    ];
    let mut text = String::from("vertrag_nr,");
    text.push_str(&columns.map(|(k, _)| k).join(","));
    text.push_str(",abteilung\n");
    for _ in 0..records {
        let _ = write!(text, "V-{}", r.digits(6));
        for (key, det) in columns {
            let val = value_for(&mut r, det, key);
            c.record(file, "hr", Some(&format!("$.{key}")), det_static(det), &val);
            let _ = write!(text, ",{val}");
        }
        let _ = writeln!(text, ",{}", r.pick(WORDS));
    }
    std::fs::write(out.join(file), &text)?;
    // Logs: every detector with a free-text pattern, in sentences.
    let file = "logs/events.log";
    let free: Vec<&Spec> = SPECS.iter().filter(|s| s.free).collect();
    let mut text = String::new();
    for i in 0..records * 2 {
        let (val, sentence) = free_text(&mut r, free[i % free.len()].detector);
        c.record(file, "logs", None, free[i % free.len()].detector, &val);
        let _ = writeln!(
            text,
            "{} INFO {} {} {sentence} took {}ms",
            ts(&mut r),
            r.uuid(),
            r.pick(WORDS),
            r.below(900)
        );
    }
    std::fs::write(out.join(file), &text)?;
    // Decoys only.
    let mut text = String::new();
    for _ in 0..records * 4 {
        let _ = writeln!(
            text,
            r#"{{"id":"{}","order":"{}","invoice_number":"{}","ts":"{}","name":"{}","sku":"SKU-{}","price":{}.{:02},"version":"{}.{}.{}","note":"{} {} {}"}}"#,
            r.uuid(),
            decoy_order(&mut r),
            r.digits(9),
            ts(&mut r),
            r.pick(PRODUCTS),
            r.digits(6),
            r.below(500),
            r.below(100),
            r.below(9),
            r.below(20),
            r.below(10),
            r.pick(WORDS),
            r.pick(WORDS),
            r.pick(WORDS)
        );
    }
    std::fs::write(out.join("decoys/noise.ndjson"), &text)?;
    // Near misses: invalid check digits and wrong lengths in hinted fields,
    // valid shapes under unrelated names, placeholders, and lookalikes in
    // free text.
    let mut text = String::new();
    for i in 0..records * 2 {
        let near = near_misses(&mut r);
        let mut rec = serde_json::json!({"id": r.uuid(), "ts": ts(&mut r)});
        for k in 0..4 {
            let (key, val) = &near[(i * 4 + k) % near.len()];
            insert_path(&mut rec, key, val);
        }
        let _ = writeln!(text, "{rec}");
    }
    std::fs::write(out.join("decoys/near_misses.ndjson"), &text)?;
    let mut labels = String::new();
    for l in &c.labels {
        let _ = writeln!(
            labels,
            "{}",
            serde_json::json!({"file": l.file, "vendor": l.vendor, "field": l.field, "detector": l.detector, "value": l.value})
        );
    }
    std::fs::write(out.join("labels.jsonl"), labels)?;
    eprintln!(
        "wrote {} labelled values to {}",
        c.labels.len(),
        out.display()
    );
    Ok(())
}

#[derive(Default)]
struct Tally {
    tp: u64,
    fp: u64,
    fn_: u64,
}

impl Tally {
    fn row(&self) -> (f64, f64, f64) {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    }
}

fn score(out: &Path) -> anyhow::Result<()> {
    let labels: Vec<serde_json::Value> = std::fs::read_to_string(out.join("labels.jsonl"))?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let catalogue = sandsift::Catalogue::builtin()?;
    let mut config = sandsift::ScanConfig {
        paths: vec![out.to_path_buf()],
        reveal: true,
        ..Default::default()
    };
    // The labels hold the values themselves.
    config.discover.exclude = vec!["labels.jsonl".to_string()];
    let mut findings = Vec::new();
    let report = sandsift::scan(&config, &catalogue, &Default::default(), &mut |f| {
        findings.push(f.clone());
        Ok(())
    })?;
    let rel = |file: &str| {
        Path::new(file)
            .strip_prefix(out)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| file.to_string())
    };
    type Key = (String, Option<String>, String, String);
    let mut want: BTreeMap<Key, u64> = BTreeMap::new();
    let mut want_fields: BTreeSet<(String, Option<String>, String)> = BTreeSet::new();
    for l in &labels {
        let s = |k: &str| l[k].as_str().unwrap_or("").to_string();
        *want
            .entry((
                s("file"),
                l["field"].as_str().map(str::to_string),
                s("detector"),
                s("value"),
            ))
            .or_default() += 1;
        want_fields.insert((
            s("vendor"),
            l["field"].as_str().map(str::to_string),
            s("detector"),
        ));
    }
    let mut per: BTreeMap<String, Tally> = BTreeMap::new();
    let mut got_fields: BTreeSet<(String, Option<String>, String)> = BTreeSet::new();
    let mut decoy_findings = 0u64;
    for f in &findings {
        let file = rel(&f.file);
        if f.vendor.as_ref() == "decoys" {
            decoy_findings += 1;
        }
        got_fields.insert((
            f.vendor.to_string(),
            f.field.as_deref().map(str::to_string),
            f.detector.to_string(),
        ));
        let key = (
            file,
            f.field.as_deref().map(str::to_string),
            f.detector.to_string(),
            f.value.clone().unwrap_or_default(),
        );
        let t = per.entry(f.detector.to_string()).or_default();
        match want.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                t.tp += 1;
            }
            _ => t.fp += 1,
        }
    }
    for ((_, _, det, _), n) in &want {
        per.entry(det.clone()).or_default().fn_ += n;
    }
    let mut total = Tally::default();
    println!("| detector | TP | FP | FN | precision | recall | F1 |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (det, t) in &per {
        let (p, r, f) = t.row();
        println!(
            "| {det} | {} | {} | {} | {p:.3} | {r:.3} | {f:.3} |",
            t.tp, t.fp, t.fn_
        );
        total.tp += t.tp;
        total.fp += t.fp;
        total.fn_ += t.fn_;
    }
    let (p, r, f) = total.row();
    println!(
        "| **all (value level)** | {} | {} | {} | {p:.3} | {r:.3} | {f:.3} |",
        total.tp, total.fp, total.fn_
    );
    let field_tp = got_fields.intersection(&want_fields).count() as u64;
    let fields = Tally {
        tp: field_tp,
        fp: got_fields.len() as u64 - field_tp,
        fn_: want_fields.len() as u64 - field_tp,
    };
    let (p, r, f) = fields.row();
    println!(
        "| **all (field level)** | {} | {} | {} | {p:.3} | {r:.3} | {f:.3} |",
        fields.tp, fields.fp, fields.fn_
    );
    let mut decoy_bytes = 0.0;
    for entry in std::fs::read_dir(out.join("decoys"))? {
        decoy_bytes += entry?.metadata()?.len() as f64;
    }
    println!(
        "\nDecoy-only data: {decoy_findings} finding(s) in {:.2} MB ({:.2} per MB). Scanned {} files, {} values.",
        decoy_bytes / 1e6,
        decoy_findings as f64 / (decoy_bytes / 1e6),
        report.summary.files_scanned,
        report.summary.values
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "run".to_string());
    let (mut out, mut seed, mut records) = (PathBuf::from("target/accuracy"), 1u64, 2000usize);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--out" => out = PathBuf::from(val()),
            "--seed" => seed = val().parse()?,
            "--records" => records = val().parse()?,
            other => anyhow::bail!("unknown flag {other}; use --out, --seed, --records"),
        }
    }
    match command.as_str() {
        "generate" => generate(&out, seed, records)?,
        "score" => score(&out)?,
        "run" => {
            let _ = std::fs::remove_dir_all(&out);
            generate(&out, seed, records)?;
            score(&out)?;
        }
        other => anyhow::bail!("unknown command {other}; use generate, score or run"),
    }
    Ok(())
}
