//! Validators: functions that turn a candidate's shape into a fact (a
//! checksum, a numbering rule) and recognise published test values.
//!
//! A validator sees the whole haystack and the candidate's range, so it can
//! reject a candidate by its neighbours (`1.2.3.4` inside `1.2.3.4.5`).
//! It never allocates on the common path.
//!
//! Phone numbers: NANP numbers (+1 and ten-digit national) are checked by
//! hand (area and exchange codes, the 555-01xx fiction range), which is
//! exact and fast. Other international numbers go to the `phonenumber`
//! crate (libphonenumber's metadata), which validates them against their
//! country's numbering plan; we measured about 13 µs per parse and check,
//! so it runs only on candidates the pattern and the cheaper rules have
//! already let through.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A validator named in a detector file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validator {
    /// Email syntax: local part, domain labels, a plausible top-level domain.
    Email,
    /// E.164 length, or NANP area/exchange rules.
    Phone,
    /// SSA area/group/serial rules.
    UsSsn,
    /// Luhn checksum plus issuer prefix and length.
    CreditCard,
    /// ISO 13616 mod-97 and per-country length.
    Iban,
    /// Dotted quad with octets 0–255 and no leading zeros.
    Ipv4,
    /// RFC 4291 text form.
    Ipv6,
    /// The Luhn checksum alone (IMEI and other Luhn-checked ids).
    Luhn,
    /// ABA routing number: prefix ranges and the 3-7-1 checksum.
    AbaRouting,
    /// UK National Insurance number prefix and suffix rules.
    UkNino,
    /// Aadhaar: 12 digits, no leading 0 or 1, Verhoeff checksum.
    Aadhaar,
    /// Brazilian CPF check digits.
    BrCpf,
    /// Dutch BSN eleven-proof.
    NlBsn,
    /// Spanish DNI / NIE check letter.
    EsDniNie,
    /// Canadian SIN: Luhn, and a first digit that is issued.
    CaSin,
    /// MAC address: not all zero, not broadcast or multicast.
    Mac,
    /// AWS access key id (documentation examples are test values).
    AwsAccessKey,
    /// JWT: the header decodes (base64url) to a JSON object with `alg`.
    Jwt,
    /// A calendar date of birth: a real date between 1900 and today.
    BirthDate,
    /// A latitude or longitude in range, with at least three decimals.
    Coordinate,
    /// Any value but placeholders (`n/a`, `none`, `null`, `-`, `unknown`…).
    NotPlaceholder,
    /// A secret-looking token: long enough, varied enough (entropy).
    Secret,
    /// HTTP Basic credentials: base64 of `user:password`.
    BasicAuth,
    /// An advertising id: a UUID that is not all zeros (opt-out).
    AdvertisingId,
    /// A person's name that is not a placeholder; well-known sample names
    /// (John Doe) are test values.
    PersonName,
    /// NHS number: 10 digits, mod-11 check digit.
    UkNhs,
    /// Australian Tax File Number: weighted sum divisible by 11.
    AuTfn,
    /// French NIR (INSEE): 97 minus the number mod 97 (Corsica 2A/2B).
    FrInsee,
    /// Italian codice fiscale: the check letter.
    ItCodiceFiscale,
    /// German Steuer-IdNr: ISO 7064 MOD 11,10 and the digit-repetition rule.
    DeTaxId,
}

/// What a validator concluded about a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not a value of this kind.
    Invalid,
    /// A value of this kind.
    Valid {
        /// A published test or documentation value (test card, 555-01xx,
        /// example.com, documentation IP range).
        test: bool,
        /// Valid but weak evidence (private or loopback address, bare
        /// digits): confidence is lowered one level.
        weak: bool,
    },
}

impl Validator {
    /// Resolves a validator name from a detector file.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "email" => Validator::Email,
            "phone" => Validator::Phone,
            "us_ssn" => Validator::UsSsn,
            "credit_card" => Validator::CreditCard,
            "iban" => Validator::Iban,
            "ipv4" => Validator::Ipv4,
            "ipv6" => Validator::Ipv6,
            "luhn" => Validator::Luhn,
            "aba_routing" => Validator::AbaRouting,
            "uk_nino" => Validator::UkNino,
            "in_aadhaar" => Validator::Aadhaar,
            "br_cpf" => Validator::BrCpf,
            "nl_bsn" => Validator::NlBsn,
            "es_dni_nie" => Validator::EsDniNie,
            "ca_sin" => Validator::CaSin,
            "mac_address" => Validator::Mac,
            "aws_access_key" => Validator::AwsAccessKey,
            "jwt" => Validator::Jwt,
            "birth_date" => Validator::BirthDate,
            "coordinate" => Validator::Coordinate,
            "not_placeholder" => Validator::NotPlaceholder,
            "secret" => Validator::Secret,
            "basic_auth" => Validator::BasicAuth,
            "advertising_id" => Validator::AdvertisingId,
            "person_name" => Validator::PersonName,
            "uk_nhs" => Validator::UkNhs,
            "au_tfn" => Validator::AuTfn,
            "fr_insee" => Validator::FrInsee,
            "it_codice_fiscale" => Validator::ItCodiceFiscale,
            "de_tax_id" => Validator::DeTaxId,
            _ => return None,
        })
    }

    /// The name reported as evidence (`validator:luhn`).
    pub fn evidence(self) -> &'static str {
        match self {
            Validator::Email => "validator:email_syntax",
            Validator::Phone => "validator:phone_plan",
            Validator::UsSsn => "validator:ssn_rules",
            Validator::CreditCard => "validator:luhn",
            Validator::Iban => "validator:iban_mod97",
            Validator::Ipv4 => "validator:ipv4",
            Validator::Ipv6 => "validator:ipv6",
            Validator::Luhn => "validator:luhn",
            Validator::AbaRouting => "validator:aba_checksum",
            Validator::UkNino => "validator:nino_rules",
            Validator::Aadhaar => "validator:verhoeff",
            Validator::BrCpf => "validator:cpf_check_digits",
            Validator::NlBsn => "validator:eleven_proof",
            Validator::EsDniNie => "validator:dni_check_letter",
            Validator::CaSin => "validator:sin_luhn",
            Validator::Mac => "validator:mac",
            Validator::AwsAccessKey => "validator:aws_key_id",
            Validator::Jwt => "validator:jwt_header",
            Validator::BirthDate => "validator:calendar_date",
            Validator::Coordinate => "validator:coordinate_range",
            Validator::NotPlaceholder => "validator:not_placeholder",
            Validator::Secret => "validator:entropy",
            Validator::BasicAuth => "validator:basic_credentials",
            Validator::AdvertisingId => "validator:uuid",
            Validator::PersonName => "validator:name_shape",
            Validator::UkNhs => "validator:nhs_mod11",
            Validator::AuTfn => "validator:tfn_weights",
            Validator::FrInsee => "validator:nir_key",
            Validator::ItCodiceFiscale => "validator:cf_check_char",
            Validator::DeTaxId => "validator:iso7064_mod11_10",
        }
    }

    /// Checks `hay[start..end]`.
    pub fn check(self, hay: &[u8], start: usize, end: usize) -> Verdict {
        let value = &hay[start..end];
        match self {
            Validator::Email => email(value),
            Validator::Phone => phone(value),
            Validator::UsSsn => us_ssn(value),
            Validator::CreditCard => credit_card(value),
            Validator::Iban => iban(value),
            Validator::Ipv4 => ipv4(hay, start, end),
            Validator::Ipv6 => ipv6(hay, start, end),
            Validator::Luhn => {
                digits_check(value, 8..=19, |d| luhn(d) && !d.iter().all(|&x| x == d[0]))
            }
            Validator::AbaRouting => digits_check(value, 9..=9, aba_routing),
            Validator::UkNino => uk_nino(value),
            Validator::Aadhaar => digits_check(value, 12..=12, |d| d[0] >= 2 && verhoeff(d)),
            Validator::BrCpf => digits_check(value, 11..=11, br_cpf),
            Validator::NlBsn => digits_check(value, 9..=9, nl_bsn),
            Validator::EsDniNie => es_dni_nie(value),
            Validator::CaSin => digits_check(value, 9..=9, |d| d[0] != 0 && d[0] != 8 && luhn(d)),
            Validator::Mac => mac(value),
            Validator::AwsAccessKey => Verdict::Valid {
                test: value.ends_with(b"EXAMPLE"),
                weak: false,
            },
            Validator::Jwt => jwt(value),
            Validator::BirthDate => birth_date(value),
            Validator::Coordinate => coordinate(value),
            Validator::NotPlaceholder => not_placeholder(value),
            Validator::Secret => secret(value),
            Validator::BasicAuth => basic_auth(value),
            Validator::AdvertisingId => advertising_id(value),
            Validator::PersonName => person_name(value),
            Validator::UkNhs => digits_check(value, 10..=10, uk_nhs),
            Validator::AuTfn => digits_check(value, 8..=9, au_tfn),
            Validator::FrInsee => fr_insee(value),
            Validator::ItCodiceFiscale => it_codice_fiscale(value),
            Validator::DeTaxId => digits_check(value, 11..=11, de_tax_id),
        }
    }
}

/// Collects the ASCII digits of `value` into a fixed buffer; `None` when
/// there are more than 32.
fn digits_of(value: &[u8]) -> Option<([u8; 32], usize)> {
    let mut out = [0u8; 32];
    let mut n = 0;
    for &b in value {
        if b.is_ascii_digit() {
            if n == out.len() {
                return None;
            }
            out[n] = b - b'0';
            n += 1;
        }
    }
    Some((out, n))
}

/// Runs `rule` on the digits of `value` when their count is in `counts`.
fn digits_check(
    value: &[u8],
    counts: std::ops::RangeInclusive<usize>,
    rule: impl Fn(&[u8]) -> bool,
) -> Verdict {
    match digits_of(value) {
        Some((digits, n)) if counts.contains(&n) && rule(&digits[..n]) => Verdict::Valid {
            test: false,
            weak: false,
        },
        _ => Verdict::Invalid,
    }
}

/// ABA routing numbers: Federal Reserve prefixes and the 3-7-1 weights.
fn aba_routing(d: &[u8]) -> bool {
    let prefix = d[0] * 10 + d[1];
    let issued = matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80);
    let sum: u32 = d
        .iter()
        .zip([3, 7, 1].iter().cycle())
        .map(|(&x, &w)| u32::from(x) * w)
        .sum();
    issued && sum.is_multiple_of(10) && d.iter().any(|&x| x != 0)
}

/// The Verhoeff checksum (dihedral group D5).
fn verhoeff(d: &[u8]) -> bool {
    const MUL: [[u8; 10]; 10] = [
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
    const PERM: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0u8;
    for (i, &x) in d.iter().rev().enumerate() {
        c = MUL[c as usize][PERM[i % 8][x as usize] as usize];
    }
    c == 0
}

/// Brazilian CPF: two mod-11 check digits; all-equal numbers are invalid.
fn br_cpf(d: &[u8]) -> bool {
    if d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let check = |len: usize| {
        let sum: u32 = d[..len]
            .iter()
            .enumerate()
            .map(|(i, &x)| u32::from(x) * (len as u32 + 1 - i as u32))
            .sum();
        ((sum * 10) % 11 % 10) as u8
    };
    check(9) == d[9] && check(10) == d[10]
}

/// Dutch BSN: weights 9..2 and -1 sum to a multiple of 11.
fn nl_bsn(d: &[u8]) -> bool {
    let sum: i32 = d[..8]
        .iter()
        .enumerate()
        .map(|(i, &x)| i32::from(x) * (9 - i as i32))
        .sum::<i32>()
        - i32::from(d[8]);
    sum % 11 == 0 && d.iter().any(|&x| x != 0)
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI (8 digits) or NIE (X/Y/Z and 7 digits) and its check letter.
fn es_dni_nie(value: &[u8]) -> Verdict {
    let compact: Vec<u8> = value
        .iter()
        .copied()
        .filter(|&b| b != b'-' && b != b' ')
        .collect();
    let Some((&letter, body)) = compact.split_last() else {
        return Verdict::Invalid;
    };
    let (lead, digits) = match body.first() {
        Some(b'X') => (0u64, &body[1..]),
        Some(b'Y') => (1, &body[1..]),
        Some(b'Z') => (2, &body[1..]),
        _ => (0, body),
    };
    if digits.is_empty()
        || !digits.iter().all(u8::is_ascii_digit)
        || digits.len() + usize::from(body.len() != digits.len()) != 8
    {
        return Verdict::Invalid;
    }
    let n = digits
        .iter()
        .fold(lead, |acc, &b| acc * 10 + u64::from(b - b'0'));
    if DNI_LETTERS[(n % 23) as usize] == letter.to_ascii_uppercase() {
        Verdict::Valid {
            test: false,
            weak: false,
        }
    } else {
        Verdict::Invalid
    }
}

/// UK National Insurance number: letters that HMRC never issues are
/// rejected; the QQ prefix is reserved for examples.
fn uk_nino(value: &[u8]) -> Verdict {
    let letters: Vec<u8> = value
        .iter()
        .copied()
        .filter(u8::is_ascii_alphabetic)
        .collect();
    let [a, b, .., suffix] = letters[..] else {
        return Verdict::Invalid;
    };
    let prefix = [a, b];
    let bad_first = b"DFIQUV".contains(&a) && prefix != *b"QQ";
    let bad_second = b"DFIOQUV".contains(&b) && prefix != *b"QQ";
    let reserved = [*b"BG", *b"GB", *b"KN", *b"NK", *b"NT", *b"TN", *b"ZZ"].contains(&prefix);
    if bad_first || bad_second || reserved || !(b'A'..=b'D').contains(&suffix) {
        return Verdict::Invalid;
    }
    Verdict::Valid {
        test: prefix == *b"QQ",
        weak: false,
    }
}

/// MAC-48: six octets; the all-zero, broadcast and multicast addresses
/// identify no device.
fn mac(value: &[u8]) -> Verdict {
    let hex: Vec<u8> = value
        .iter()
        .copied()
        .filter(u8::is_ascii_hexdigit)
        .collect();
    if hex.len() != 12 {
        return Verdict::Invalid;
    }
    let nibble = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    let first = nibble(hex[0]) << 4 | nibble(hex[1]);
    if hex.iter().all(|&c| c == b'0') || first & 1 == 1 {
        return Verdict::Invalid;
    }
    // Locally administered addresses are often randomised per network.
    Verdict::Valid {
        test: false,
        weak: first & 2 == 2,
    }
}

/// The JSON Web Token the jwt.io debugger shows as its example.
const SAMPLE_JWT_HEADER_PAYLOAD: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";

/// JWT: three dot-separated base64url segments whose header is a JSON
/// object naming its algorithm.
fn jwt(value: &[u8]) -> Verdict {
    let mut parts = value.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return Verdict::Invalid;
    };
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    // Decoded on the stack when short (a header always is, most payloads
    // are): the validator allocated twice per token.
    let (mut header_buf, mut payload_buf) = ([0u8; 256], [0u8; 1024]);
    fn decodes<'b>(
        engine: &base64::engine::GeneralPurpose,
        seg: &[u8],
        buf: &'b mut [u8],
    ) -> Option<std::borrow::Cow<'b, [u8]>> {
        use base64::Engine as _;
        use std::borrow::Cow;
        let decoded = match engine.decode_slice(seg, buf) {
            Ok(n) => Cow::Borrowed(&buf[..n]),
            Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
                Cow::Owned(engine.decode(seg).ok()?)
            }
            Err(base64::DecodeSliceError::DecodeError(_)) => return None,
        };
        (decoded.first() == Some(&b'{')).then_some(decoded)
    }
    match (
        decodes(&engine, header, &mut header_buf),
        decodes(&engine, payload, &mut payload_buf),
    ) {
        (Some(h), Some(_)) if h.windows(5).any(|w| w == b"\"alg\"") => Verdict::Valid {
            test: value.starts_with(SAMPLE_JWT_HEADER_PAYLOAD.as_bytes()),
            weak: false,
        },
        _ => Verdict::Invalid,
    }
}

const VALID_VERDICT: Verdict = Verdict::Valid {
    test: false,
    weak: false,
};

fn verdict(ok: bool) -> Verdict {
    if ok { VALID_VERDICT } else { Verdict::Invalid }
}

/// A date of birth: year-month-day, day/month/year or month/day/year
/// (either reading may hold), dotted, or 8 digits; a real calendar date
/// between 1900 and 2026.
fn birth_date(value: &[u8]) -> Verdict {
    // A midnight timestamp ("1985-03-14T00:00:00Z") is a date.
    let value = value.split(|&b| b == b'T').next().unwrap_or(value);
    let parts: Vec<u32> = value
        .split(|b| matches!(b, b'-' | b'/' | b'.' | b' '))
        .filter(|p| !p.is_empty())
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(u32::MAX)
        })
        .collect();
    let valid = |y: u32, m: u32, d: u32| {
        let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
        let days = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        (1900..=2026).contains(&y) && d >= 1 && d <= days
    };
    let ok = match parts[..] {
        [y, m, d] if y >= 1000 => valid(y, m, d),
        [a, b, y] if y >= 1000 => valid(y, b, a) || valid(y, a, b),
        [n] if value.len() == 8 => valid(n / 10_000, n / 100 % 100, n % 100),
        _ => false,
    };
    verdict(ok)
}

/// Decimal degrees in range with at least three decimals (a pair is
/// checked as latitude, longitude).
fn coordinate(value: &[u8]) -> Verdict {
    let Ok(text) = std::str::from_utf8(value) else {
        return Verdict::Invalid;
    };
    let nums: Vec<&str> = text
        .split([',', ' ', ';'])
        .filter(|p| !p.is_empty())
        .collect();
    let precise = |s: &str| s.split_once('.').is_some_and(|(_, f)| f.len() >= 3);
    let parse = |s: &str| s.parse::<f64>().ok().filter(|_| precise(s));
    let ok = match nums[..] {
        [one] => parse(one).is_some_and(|v| v.abs() <= 180.0),
        [lat, lng] => {
            parse(lat).is_some_and(|v| v.abs() <= 90.0)
                && parse(lng).is_some_and(|v| v.abs() <= 180.0)
        }
        _ => false,
    };
    verdict(ok)
}

const PLACEHOLDERS: &[&str] = &[
    "n/a",
    "na",
    "none",
    "null",
    "nil",
    "-",
    "--",
    "unknown",
    "undefined",
    "redacted",
    "not provided",
    "not applicable",
    "0",
    "false",
    "true",
    "yes",
    "no",
    "[redacted]",
    "***",
    "tbd",
];

fn not_placeholder(value: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(value);
    let t = text.trim().to_ascii_lowercase();
    verdict(
        !t.is_empty()
            && !PLACEHOLDERS.contains(&t.as_str())
            && !t.chars().all(|c| c == '*' || c == 'x'),
    )
}

/// Shannon entropy of the bytes, in bits per byte: log2(n) less the mean
/// of c·log2(c) over the byte counts c, with c·log2(c) looked up for the
/// counts of up to 255 (one `log2` per distinct byte had cost about
/// 2,700 instructions a bearer token).
fn entropy(value: &[u8]) -> f64 {
    static C_LOG2_C: std::sync::LazyLock<[f64; 256]> = std::sync::LazyLock::new(|| {
        std::array::from_fn(|c| {
            if c < 2 {
                0.0
            } else {
                c as f64 * (c as f64).log2()
            }
        })
    });
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[b as usize] += 1;
    }
    let table = &*C_LOG2_C;
    let sum: f64 = counts
        .iter()
        .filter(|&&c| c > 1)
        .map(|&c| match table.get(c as usize) {
            Some(&v) => v,
            None => f64::from(c) * f64::from(c).log2(),
        })
        .sum();
    let n = value.len() as f64;
    n.log2() - sum / n
}

/// A secret: at least 16 bytes, letters and digits mixed, and varied
/// (entropy of at least 3.5 bits per byte), so `aaaaaaaaaaaaaaaa` or a
/// word is not one.
fn secret(value: &[u8]) -> Verdict {
    let letters = value.iter().any(u8::is_ascii_alphabetic);
    let digits = value.iter().any(u8::is_ascii_digit);
    verdict(value.len() >= 16 && letters && digits && entropy(value) >= 3.5)
}

fn basic_auth(value: &[u8]) -> Verdict {
    use base64::Engine as _;
    let token = value.rsplit(|&b| b == b' ').next().unwrap_or(value);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token)
        .unwrap_or_default();
    let ok = decoded.contains(&b':')
        && decoded.len() >= 3
        && decoded.iter().all(|b| !b.is_ascii_control());
    verdict(ok)
}

const NOT_NAMES: &[&str] = &[
    "test",
    "unknown",
    "customer",
    "user",
    "admin",
    "administrator",
    "anonymous",
    "guest",
    "none",
    "null",
    "n/a",
    "name",
    "first",
    "last",
    "support",
    "team",
    "sales",
    "info",
    "system",
    "default",
    "account",
    "example",
    "sample",
    "demo",
];
const SAMPLE_NAMES: &[&str] = &[
    "john doe",
    "jane doe",
    "john smith",
    "test user",
    "max mustermann",
    "erika mustermann",
    "jan jansen",
];

fn person_name(value: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(value).to_lowercase();
    let t = text.trim();
    if NOT_NAMES.contains(&t) || t.split_whitespace().all(|w| NOT_NAMES.contains(&w)) {
        return Verdict::Invalid;
    }
    Verdict::Valid {
        test: SAMPLE_NAMES.contains(&t),
        weak: false,
    }
}

fn uk_nhs(d: &[u8]) -> bool {
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * (10 - i as u32))
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        c => c,
    };
    check != 10 && check == u32::from(d[9]) && d[0] != 0
}

fn au_tfn(d: &[u8]) -> bool {
    const W9: [u32; 9] = [1, 4, 3, 7, 5, 8, 6, 9, 10];
    const W8: [u32; 8] = [10, 7, 8, 4, 6, 3, 5, 1];
    let sum: u32 = match d.len() {
        9 => d.iter().zip(W9).map(|(&x, w)| u32::from(x) * w).sum(),
        _ => d.iter().zip(W8).map(|(&x, w)| u32::from(x) * w).sum(),
    };
    sum.is_multiple_of(11) && d.iter().any(|&x| x != 0)
}

/// French NIR: sex digit, year, month, department (2A/2B for Corsica),
/// commune, order, and a key of 97 minus the 13-digit number mod 97.
fn fr_insee(value: &[u8]) -> Verdict {
    let compact: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.len() != 15 || !matches!(compact[0], b'1' | b'2') {
        return Verdict::Invalid;
    }
    let mut body = compact[..13].to_vec();
    let corsica = match &body[5..7] {
        b"2A" => Some(1_000_000),
        b"2B" => Some(2_000_000),
        _ => None,
    };
    if corsica.is_some() {
        body[5] = b'1';
        body[6] = b'9';
    }
    if !body.iter().chain(&compact[13..]).all(u8::is_ascii_digit) {
        return Verdict::Invalid;
    }
    let mut n = body
        .iter()
        .fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'));
    if let Some(shift) = corsica {
        n -= shift;
    }
    let key = u64::from(compact[13] - b'0') * 10 + u64::from(compact[14] - b'0');
    let month = u64::from(body[3] - b'0') * 10 + u64::from(body[4] - b'0');
    verdict((1..=12).contains(&month) && 97 - n % 97 == key)
}

/// Italian codice fiscale: sixteen characters, digits possibly replaced
/// (omocodia) by LMNPQRSTUV, and a check letter from the odd/even tables.
fn it_codice_fiscale(value: &[u8]) -> Verdict {
    const ODD: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23, // A-Z
    ];
    let v: Vec<u8> = value.iter().map(u8::to_ascii_uppercase).collect();
    if v.len() != 16 || !v.iter().all(u8::is_ascii_alphanumeric) {
        return Verdict::Invalid;
    }
    let index = |c: u8| {
        if c.is_ascii_digit() {
            usize::from(c - b'0')
        } else {
            usize::from(c - b'A') + 10
        }
    };
    let sum: u32 = v[..15]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i % 2 == 0 {
                ODD[index(c)]
            } else if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else {
                u32::from(c - b'A')
            }
        })
        .sum();
    verdict(v[15] == b'A' + (sum % 26) as u8)
}

/// German tax id: first digit not 0; among the first ten digits one digit
/// occurs twice or three times and the others at most once; ISO 7064
/// MOD 11,10 check digit.
fn de_tax_id(d: &[u8]) -> bool {
    if d[0] == 0 {
        return false;
    }
    let mut counts = [0u8; 10];
    for &x in &d[..10] {
        counts[x as usize] += 1;
    }
    let repeated = counts.iter().filter(|&&c| c > 1).count();
    if repeated != 1 || counts.iter().any(|&c| c > 3) {
        return false;
    }
    let mut product = 10u32;
    for &x in &d[..10] {
        let mut sum = (u32::from(x) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = match 11 - product {
        10 => 0,
        c => c,
    };
    check == u32::from(d[10])
}

fn advertising_id(value: &[u8]) -> Verdict {
    let hex: Vec<u8> = value
        .iter()
        .copied()
        .filter(u8::is_ascii_hexdigit)
        .collect();
    verdict(hex.len() == 32 && hex.iter().any(|&c| c != b'0'))
}

/// The Luhn checksum over digits (most significant first).
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut d = u32::from(d);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// A top-level domain read in lower case, when it is short enough for
/// the names below (those of file extensions and test domains).
fn lower_tld(tld: &[u8]) -> Option<([u8; 7], usize)> {
    let mut out = [0u8; 7];
    if tld.len() > out.len() {
        return None;
    }
    for (o, b) in out.iter_mut().zip(tld) {
        *o = b.to_ascii_lowercase();
    }
    Some((out, tld.len()))
}

/// A file name's extension where an address's top-level domain would be
/// (`logo@2x.png`).
fn is_file_extension(tld: &[u8]) -> bool {
    lower_tld(tld).is_some_and(|(t, n)| {
        matches!(
            &t[..n],
            b"png"
                | b"jpg"
                | b"jpeg"
                | b"gif"
                | b"svg"
                | b"webp"
                | b"css"
                | b"js"
                | b"ico"
                | b"bmp"
                | b"tif"
                | b"tiff"
                | b"pdf"
                | b"html"
                | b"htm"
                | b"json"
                | b"xml"
                | b"txt"
        )
    })
}

/// A domain reserved for documentation and tests (RFC 2606): `test`,
/// `invalid`, `example` and `example.com`, `.org` and `.net`, or a name
/// under one of them, in any case. `tld` is the domain's last label.
fn is_test_domain(domain: &[u8], tld: &[u8]) -> bool {
    let Some((t, n)) = lower_tld(tld) else {
        return false;
    };
    match &t[..n] {
        b"test" | b"invalid" | b"example" => true,
        b"com" | b"org" | b"net" => {
            let Some(rest) = domain.len().checked_sub(n + 1).map(|k| &domain[..k]) else {
                return false;
            };
            let second = rest.rsplit(|&b| b == b'.').next().unwrap_or_default();
            second.eq_ignore_ascii_case(b"example")
        }
        _ => false,
    }
}

fn email(value: &[u8]) -> Verdict {
    let Some(at) = memchr::memrchr(b'@', value) else {
        return Verdict::Invalid;
    };
    let (local, domain) = (&value[..at], &value[at + 1..]);
    if local.is_empty()
        || local.first() == Some(&b'.')
        || local.last() == Some(&b'.')
        || local.windows(2).any(|w| w == b"..")
    {
        return Verdict::Invalid;
    }
    let mut labels = domain.split(|&b| b == b'.');
    let tld = domain.rsplit(|&b| b == b'.').next().unwrap_or_default();
    if labels.any(|l| l.is_empty() || l.first() == Some(&b'-') || l.last() == Some(&b'-')) {
        return Verdict::Invalid;
    }
    if !tld.iter().all(u8::is_ascii_alphabetic) || is_file_extension(tld) {
        return Verdict::Invalid;
    }
    Verdict::Valid {
        test: is_test_domain(domain, tld),
        weak: false,
    }
}

fn phone(value: &[u8]) -> Verdict {
    let Some((digits, n)) = digits_of(value) else {
        return Verdict::Invalid;
    };
    let d = &digits[..n];
    let international = value.first() == Some(&b'+');
    if !(7..=15).contains(&n) {
        return Verdict::Invalid;
    }
    if d.iter().all(|&x| x == d[0]) {
        return Verdict::Invalid;
    }
    // A NANP number: optional country code 1, then NPA-NXX-XXXX.
    let nanp = match (international, n) {
        (false, 10) => Some(d),
        (_, 11) if d[0] == 1 => Some(&d[1..]),
        _ => None,
    };
    if let Some(nanp) = nanp {
        if nanp[0] < 2 || nanp[3] < 2 {
            return Verdict::Invalid;
        }
        // 555-0100 through 555-0199 are reserved for fiction.
        let test = nanp[3..6] == [5, 5, 5] && nanp[6] == 0 && nanp[7] == 1;
        return Verdict::Valid { test, weak: false };
    }
    if international {
        let text = String::from_utf8_lossy(value);
        let plan_ok =
            phonenumber::parse(None, text.as_ref()).is_ok_and(|n| phonenumber::is_valid(&n));
        if !plan_ok {
            return Verdict::Invalid;
        }
        return Verdict::Valid {
            test: uk_drama(d),
            weak: false,
        };
    }
    // National formats outside NANP only count where a field says phone.
    Verdict::Valid {
        test: false,
        weak: true,
    }
}

/// Ofcom's ranges reserved for drama: 020 7946 0xxx, 0113 496 0xxx,
/// 0161 496 0xxx, 01632 960xxx, 07700 900xxx (digits after +44).
fn uk_drama(d: &[u8]) -> bool {
    const RANGES: &[&[u8]] = &[
        &[4, 4, 2, 0, 7, 9, 4, 6, 0],
        &[4, 4, 1, 1, 3, 4, 9, 6, 0],
        &[4, 4, 1, 6, 1, 4, 9, 6, 0],
        &[4, 4, 1, 6, 3, 2, 9, 6, 0],
        &[4, 4, 7, 7, 0, 0, 9, 0, 0],
    ];
    RANGES.iter().any(|r| d.len() == 12 && d.starts_with(r))
}

/// Sample SSNs published by the SSA or long used in advertising.
const SAMPLE_SSNS: &[&[u8; 9]] = &[b"078051120", b"219099999", b"123456789"];

fn us_ssn(value: &[u8]) -> Verdict {
    let Some((digits, n)) = digits_of(value) else {
        return Verdict::Invalid;
    };
    if n != 9 {
        return Verdict::Invalid;
    }
    let d = &digits[..9];
    let area = u32::from(d[0]) * 100 + u32::from(d[1]) * 10 + u32::from(d[2]);
    let group = u32::from(d[3]) * 10 + u32::from(d[4]);
    let serial = d[5..].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return Verdict::Invalid;
    }
    let mut ascii = [0u8; 9];
    for (a, x) in ascii.iter_mut().zip(d) {
        *a = x + b'0';
    }
    let test = SAMPLE_SSNS.iter().any(|s| **s == ascii);
    Verdict::Valid { test, weak: false }
}

/// Issuer prefixes and the lengths they issue, as (prefix low, prefix high,
/// prefix digits, min length, max length).
const ISSUERS: &[(u32, u32, usize, usize, usize)] = &[
    (4, 4, 1, 13, 19),       // Visa
    (51, 55, 2, 16, 16),     // Mastercard
    (2221, 2720, 4, 16, 16), // Mastercard 2-series
    (34, 34, 2, 15, 15),     // American Express
    (37, 37, 2, 15, 15),     // American Express
    (6011, 6011, 4, 16, 19), // Discover
    (644, 649, 3, 16, 19),   // Discover
    (65, 65, 2, 16, 19),     // Discover
    (3528, 3589, 4, 16, 19), // JCB
    (300, 305, 3, 14, 19),   // Diners Club
    (36, 36, 2, 14, 19),     // Diners Club
    (38, 39, 2, 16, 19),     // Diners Club
    (62, 62, 2, 16, 19),     // UnionPay
    (5018, 5018, 4, 12, 19), // Maestro
    (5020, 5020, 4, 12, 19), // Maestro
    (5038, 5038, 4, 12, 19), // Maestro
    (6304, 6304, 4, 12, 19), // Maestro
    (6759, 6759, 4, 12, 19), // Maestro
    (6761, 6763, 4, 12, 19), // Maestro
    (2200, 2204, 4, 16, 19), // Mir
];

/// Card numbers published by payment processors for testing.
const TEST_CARDS: &[&str] = &[
    "4111111111111111",
    "4242424242424242",
    "4000056655665556",
    "4012888888881881",
    "4222222222222",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "3530111333300000",
    "3566002020360505",
    "30569309025904",
    "38520000023237",
    "6200000000000005",
];

fn credit_card(value: &[u8]) -> Verdict {
    let Some((digits, n)) = digits_of(value) else {
        return Verdict::Invalid;
    };
    let d = &digits[..n];
    if !(12..=19).contains(&n) || !luhn(d) {
        return Verdict::Invalid;
    }
    let prefix = |k: usize| d[..k].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    let issued = ISSUERS
        .iter()
        .any(|&(lo, hi, k, min, max)| (lo..=hi).contains(&prefix(k)) && (min..=max).contains(&n));
    if !issued {
        return Verdict::Invalid;
    }
    let test = TEST_CARDS
        .iter()
        .any(|t| t.len() == n && t.bytes().zip(d).all(|(a, &b)| a - b'0' == b));
    let separated = value.iter().any(|b| !b.is_ascii_digit());
    Verdict::Valid {
        test,
        weak: !separated,
    }
}

/// IBAN length per country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

/// IBANs printed in standards and bank documentation as examples.
const SAMPLE_IBANS: &[&str] = &[
    "GB82WEST12345698765432",
    "GB29NWBK60161331926819",
    "GB33BUKB20201555555555",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "ES9121000418450200051332",
];

fn iban(value: &[u8]) -> Verdict {
    let mut compact = [0u8; 34];
    let mut n = 0;
    for &b in value {
        if b == b' ' {
            continue;
        }
        if n == compact.len() || !b.is_ascii_alphanumeric() {
            return Verdict::Invalid;
        }
        compact[n] = b.to_ascii_uppercase();
        n += 1;
    }
    let iban = &compact[..n];
    if n < 15 {
        return Verdict::Invalid;
    }
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| c[..] == iban[..2]) else {
        return Verdict::Invalid;
    };
    if n != len || !iban[2].is_ascii_digit() || !iban[3].is_ascii_digit() {
        return Verdict::Invalid;
    }
    let mut rem = 0u32;
    for &b in iban[4..].iter().chain(&iban[..4]) {
        let v = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem != 1 {
        return Verdict::Invalid;
    }
    let test = SAMPLE_IBANS.iter().any(|s| s.as_bytes() == iban);
    Verdict::Valid { test, weak: false }
}

/// True when the candidate continues into more of the same shape (a fifth
/// octet, a version string's next part, an identifier).
fn continues(hay: &[u8], start: usize, end: usize, joiners: &[u8]) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let before = start.checked_sub(1).map(|i| hay[i]);
    let after = hay.get(end).copied();
    let joined_before = before.is_some_and(|b| {
        word(b) || (joiners.contains(&b) && start >= 2 && hay[start - 2].is_ascii_alphanumeric())
    });
    let joined_after = after.is_some_and(|b| {
        word(b) || (joiners.contains(&b) && hay.get(end + 1).is_some_and(u8::is_ascii_alphanumeric))
    });
    joined_before || joined_after
}

fn ipv4(hay: &[u8], start: usize, end: usize) -> Verdict {
    if continues(hay, start, end, b".") {
        return Verdict::Invalid;
    }
    // A product token's version (`Chrome/131.0.0.0` in a User-Agent) or
    // a `v1.2.3.4` is not an address.
    let before = &hay[..start];
    if matches!(before, [.., p, b'/'] if p.is_ascii_alphanumeric())
        || matches!(before, [.., b'v' | b'V'])
    {
        return Verdict::Invalid;
    }
    let value = &hay[start..end];
    // Leading zeros ("01.02.03.04") read as octal in some parsers and are
    // more often version or serial numbers than addresses.
    if value
        .split(|&b| b == b'.')
        .any(|part| part.len() > 1 && part[0] == b'0')
    {
        return Verdict::Invalid;
    }
    let Ok(text) = std::str::from_utf8(value) else {
        return Verdict::Invalid;
    };
    let Ok(ip) = text.parse::<Ipv4Addr>() else {
        return Verdict::Invalid;
    };
    let [a, b, c, _] = ip.octets();
    let documentation =
        (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113);
    if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 {
        return Verdict::Invalid;
    }
    Verdict::Valid {
        test: documentation,
        weak: ip.is_private() || ip.is_loopback() || ip.is_link_local(),
    }
}

fn ipv6(hay: &[u8], start: usize, end: usize) -> Verdict {
    if continues(hay, start, end, b":.") {
        return Verdict::Invalid;
    }
    let value = &hay[start..end];
    let addr = match memchr::memchr(b'%', value) {
        Some(i) => &value[..i],
        None => value,
    };
    let Some(ip) = parse_ipv6(addr) else {
        return Verdict::Invalid;
    };
    if ip.is_unspecified() || ip.is_multicast() {
        return Verdict::Invalid;
    }
    let seg = ip.segments();
    let documentation = seg[0] == 0x2001 && seg[1] == 0x0db8;
    let local = ip.is_loopback() || (seg[0] & 0xffc0) == 0xfe80 || (seg[0] & 0xfe00) == 0xfc00;
    Verdict::Valid {
        test: documentation,
        weak: local,
    }
}

/// Reads `text` as an IPv6 address, accepting exactly what
/// `Ipv6Addr::from_str` accepts (a test holds the two equal): up to eight
/// groups of one to four hex digits, one `::` standing for at least one
/// zero group, a dotted IPv4 address in place of the last two groups.
///
/// The standard parser, generic over address kinds and backtracking
/// through closures, cost about 1,070 instructions an address (callgrind:
/// 8,559 addresses in 8 MB of dense records, 9.2M); this one reads the
/// bytes once.
fn parse_ipv6(text: &[u8]) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let (head_len, at, head_v4) = ipv6_groups(text, 0, &mut head);
    if head_len == 8 {
        return (at == text.len()).then(|| Ipv6Addr::from(head));
    }
    if head_v4 || text.get(at..at + 2) != Some(b"::") {
        return None;
    }
    let mut tail = [0u16; 7];
    let limit = 8 - (head_len + 1);
    let (tail_len, end, _) = ipv6_groups(text, at + 2, &mut tail[..limit]);
    if end != text.len() {
        return None;
    }
    head[8 - tail_len..].copy_from_slice(&tail[..tail_len]);
    Some(Ipv6Addr::from(head))
}

/// Reads up to `groups.len()` groups from `text[at..]`, `:` between them;
/// a group that cannot be read (a second `:`, the end) ends the run where
/// the last one ended. An IPv4 address may stand for two groups where two
/// are left; it ends the run. Returns the groups read, where they end and
/// whether an IPv4 address ended them.
fn ipv6_groups(text: &[u8], mut at: usize, groups: &mut [u16]) -> (usize, usize, bool) {
    let limit = groups.len();
    for i in 0..limit {
        let from = if i == 0 {
            at
        } else if text.get(at) == Some(&b':') {
            at + 1
        } else {
            return (i, at, false);
        };
        if i + 1 < limit
            && let Some((v4, end)) = ipv4_at(text, from)
        {
            groups[i] = u16::from_be_bytes([v4[0], v4[1]]);
            groups[i + 1] = u16::from_be_bytes([v4[2], v4[3]]);
            return (i + 2, end, true);
        }
        let mut value = 0u16;
        let mut end = from;
        while end - from < 4
            && let Some(d) = text.get(end).and_then(|&b| (b as char).to_digit(16))
        {
            value = value << 4 | d as u16;
            end += 1;
        }
        if end == from {
            return (i, at, false);
        }
        groups[i] = value;
        at = end;
    }
    (limit, at, false)
}

/// A dotted IPv4 address at `text[at..]` as the standard parser reads one
/// (four parts of one to three digits up to 255, no leading zero), and
/// where it ends.
fn ipv4_at(text: &[u8], mut at: usize) -> Option<([u8; 4], usize)> {
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            if text.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let from = at;
        let mut value = 0u32;
        while at - from < 3
            && let Some(&b) = text.get(at)
            && b.is_ascii_digit()
        {
            value = value * 10 + u32::from(b - b'0');
            at += 1;
        }
        if at == from || (at - from > 1 && text[from] == b'0') {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
    }
    Some((octets, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test-domain and file-extension checks say what a plain
    /// comparison with each name says, on domains built of labels near
    /// those names (case, prefixes and suffixes, bare top-level names).
    #[test]
    fn test_domains_and_file_extensions_are_told_as_by_comparing_names() {
        const EXTENSIONS: &[&[u8]] = &[
            b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"css", b"js", b"ico", b"bmp",
            b"tif", b"tiff", b"pdf", b"html", b"htm", b"json", b"xml", b"txt",
        ];
        const TEST: &[&[u8]] = &[
            b"example.com",
            b"example.org",
            b"example.net",
            b"test",
            b"invalid",
            b"example",
        ];
        let labels = [
            "example",
            "EXAMPLE",
            "Example",
            "xexample",
            "examplex",
            "com",
            "COM",
            "org",
            "net",
            "test",
            "Test",
            "tests",
            "invalid",
            "png",
            "PNG",
            "jpeg",
            "js",
            "json",
            "txt",
            "co",
            "mail",
            "a",
            "verylongname",
        ];
        let mut checked = 0;
        for a in labels {
            for b in labels {
                for c in ["", "sub.", "x.y."] {
                    for domain in [format!("{c}{a}.{b}"), format!("{c}{b}"), a.to_string()] {
                        let d = domain.as_bytes();
                        let tld = d.rsplit(|&x| x == b'.').next().unwrap_or_default();
                        let ext = EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e));
                        let test = TEST.iter().any(|t| {
                            d.len() >= t.len()
                                && d[d.len() - t.len()..].eq_ignore_ascii_case(t)
                                && (d.len() == t.len() || d[d.len() - t.len() - 1] == b'.')
                        });
                        assert_eq!(is_file_extension(tld), ext, "{domain}");
                        assert_eq!(is_test_domain(d, tld), test, "{domain}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 4000);
    }

    /// Every string of up to seven bytes over hex digits, `:` and `.` (and
    /// longer ones built from groups) reads the same as with the standard
    /// parser.
    #[test]
    fn entropy_is_shannons() {
        let direct = |v: &[u8]| {
            let mut counts = [0u32; 256];
            for &b in v {
                counts[b as usize] += 1;
            }
            let n = v.len() as f64;
            counts
                .iter()
                .filter(|&&c| c > 0)
                .map(|&c| -(f64::from(c) / n) * (f64::from(c) / n).log2())
                .sum::<f64>()
        };
        let mut next = crate::test_numbers(3);
        for len in [1, 2, 16, 139, 255, 256, 300, 2000] {
            for alphabet in [1, 2, 10, 64, 256] {
                let v: Vec<u8> = (0..len).map(|_| (next() % alphabet) as u8).collect();
                assert!((entropy(&v) - direct(&v)).abs() < 1e-9, "{len} {alphabet}");
            }
        }
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-12);
    }

    #[test]
    fn ipv6_parser_accepts_what_the_standard_parser_accepts() {
        let same = |t: &[u8]| {
            let std = std::str::from_utf8(t)
                .ok()
                .and_then(|s| s.parse::<Ipv6Addr>().ok());
            assert_eq!(parse_ipv6(t), std, "{:?}", String::from_utf8_lossy(t));
        };
        crate::each_string(b"0f1:.9", 7, same);
        let mut t = Vec::new();
        let parts: &[&[u8]] = &[
            b"2001",
            b"db8",
            b"0",
            b"ffff",
            b"FFFF",
            b"12345",
            b"g",
            b"",
            b"1.2.3.4",
            b"255.255.255.255",
            b"256.1.1.1",
            b"01.2.3.4",
            b"1.2.3",
            b"0.0.0.0",
            b"a.b.c.d",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            t.clear();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut r = seed;
            for _ in 0..(r % 11) {
                r /= 11;
                t.extend_from_slice(parts[(r % parts.len() as u64) as usize]);
                r /= parts.len() as u64;
                t.extend_from_slice([&b":"[..], b"::", b":", b":"][(r % 4) as usize]);
                r /= 4;
            }
            if r.is_multiple_of(2) {
                t.pop();
            }
            same(&t);
        }
        for s in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1::2:3:4:5:6:7:8",
            "::ffff:192.0.2.1",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::1.2.3.4",
            "1.2.3.4",
            ":::",
            "1:::2",
            "fe80::1%eth0",
        ] {
            same(s.as_bytes());
        }
    }

    fn check(v: Validator, s: &str) -> Verdict {
        v.check(s.as_bytes(), 0, s.len())
    }

    #[test]
    fn luhn_accepts_known_numbers_and_rejects_a_changed_digit() {
        let d = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<_>>();
        assert!(luhn(&d("4539578534561045")));
        assert!(luhn(&d("79927398713")));
        assert!(!luhn(&d("4539578534561046")));
    }

    #[test]
    fn ssn_rules_reject_reserved_areas_groups_and_serials() {
        assert!(matches!(
            check(Validator::UsSsn, "512-44-0133"),
            Verdict::Valid { test: false, .. }
        ));
        assert!(matches!(
            check(Validator::UsSsn, "078-05-1120"),
            Verdict::Valid { test: true, .. }
        ));
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "123-00-4567",
            "123-45-0000",
        ] {
            assert_eq!(check(Validator::UsSsn, bad), Verdict::Invalid, "{bad}");
        }
    }

    #[test]
    fn cards_need_luhn_issuer_and_length() {
        assert!(matches!(
            check(Validator::CreditCard, "4111 1111 1111 1111"),
            Verdict::Valid { test: true, .. }
        ));
        assert!(matches!(
            check(Validator::CreditCard, "4539578534561045"),
            Verdict::Valid {
                test: false,
                weak: true
            }
        ));
        // Luhn-valid but no issuer starts with 9.
        assert_eq!(
            check(Validator::CreditCard, "9111111111111111"),
            Verdict::Invalid
        );
        // Amex is 15 digits, never 16.
        assert_eq!(
            check(Validator::CreditCard, "3782822463100050"),
            Verdict::Invalid
        );
    }

    #[test]
    fn iban_checks_mod97_and_country_length() {
        assert!(matches!(
            check(Validator::Iban, "GB82 WEST 1234 5698 7654 32"),
            Verdict::Valid { test: true, .. }
        ));
        assert_eq!(
            check(Validator::Iban, "GB82WEST12345698765433"),
            Verdict::Invalid
        );
        assert_eq!(
            check(Validator::Iban, "GB82WEST1234569876543"),
            Verdict::Invalid
        );
    }

    #[test]
    fn ipv4_rejects_versions_and_flags_private_ranges_as_weak() {
        assert_eq!(check(Validator::Ipv4, "01.2.3.4"), Verdict::Invalid);
        assert_eq!(Validator::Ipv4.check(b"1.2.3.4.5", 0, 7), Verdict::Invalid);
        assert_eq!(
            check(Validator::Ipv4, "10.0.0.1"),
            Verdict::Valid {
                test: false,
                weak: true
            }
        );
        assert_eq!(
            check(Validator::Ipv4, "203.0.113.9"),
            Verdict::Valid {
                test: true,
                weak: false
            }
        );
    }

    #[test]
    fn ipv6_rejects_identifiers_that_look_like_addresses() {
        assert_eq!(
            Validator::Ipv6.check(b"std::vector", 2, 5),
            Verdict::Invalid
        );
        assert!(matches!(
            check(Validator::Ipv6, "2606:4700:4700::1111"),
            Verdict::Valid {
                test: false,
                weak: false
            }
        ));
    }

    #[test]
    fn phone_marks_fictional_555_numbers_as_test_values() {
        assert_eq!(
            check(Validator::Phone, "(212) 555-0187"),
            Verdict::Valid {
                test: true,
                weak: false
            }
        );
        assert_eq!(
            check(Validator::Phone, "(212) 555-1234"),
            Verdict::Valid {
                test: false,
                weak: false
            }
        );
        assert_eq!(check(Validator::Phone, "(112) 555-1234"), Verdict::Invalid);
        assert_eq!(
            check(Validator::Phone, "+44 20 7946 0958"),
            Verdict::Valid {
                test: true,
                weak: false
            }
        );
    }
}
