//! Masking of samples by kind. A masked sample shows enough to recognise
//! the shape (`j***@example.com`, `***-**-6789`) and never enough to
//! recover the value. Masking happens where a finding is created; renderers
//! only ever see the masked form.
//!
//! Nearly every sample is ASCII: those are masked byte by byte, which on
//! a dense corpus (60,000 findings in 8 MB) took masking from 75 M
//! instructions to a fraction of it; other text goes through `char`s. The
//! tests check both paths agree on ASCII.

use compact_str::CompactString;

use super::schema::MaskStyle;

/// Masks `value` in the given style. Non-UTF-8 bytes are replaced.
pub fn mask(style: MaskStyle, value: &[u8]) -> CompactString {
    mask_with(style, value, &mut Vec::new())
}

/// Like [`mask`], writing ASCII text through `scratch`. A sample is
/// nearly always short enough to be held inline (24 bytes): no
/// allocation on the worker that makes it and no free on the thread that
/// writes it.
pub fn mask_with(style: MaskStyle, value: &[u8], scratch: &mut Vec<u8>) -> CompactString {
    if value.is_ascii() {
        scratch.clear();
        if let Some(names) = ascii(style, value, scratch) {
            return names.into();
        }
        // Only ASCII bytes were written.
        return CompactString::from_utf8(scratch).unwrap_or_default();
    }
    general(style, &String::from_utf8_lossy(value)).into()
}

/// Masks text through its `char`s: any text.
fn general(style: MaskStyle, text: &str) -> String {
    match style {
        MaskStyle::Email => email(text),
        MaskStyle::Last4 => keep_last_digits(text, 4),
        MaskStyle::Card => card(text),
        MaskStyle::Iban => iban(text),
        MaskStyle::Ip => ip(text),
        MaskStyle::Initials => initials(text),
        MaskStyle::Full => full(text),
    }
}

/// Masks ASCII text byte by byte into `out`, as [`general`] would; names
/// are masked by `char`s and returned.
fn ascii(style: MaskStyle, b: &[u8], out: &mut Vec<u8>) -> Option<String> {
    match style {
        MaskStyle::Email => match memchr::memrchr(b'@', b) {
            Some(at) => {
                out.push(if at == 0 { b'*' } else { b[0] });
                out.extend_from_slice(b"***");
                out.extend_from_slice(&b[at..]);
            }
            None => ascii_full(b, out),
        },
        MaskStyle::Last4 => ascii_last_digits(b, 4, out),
        MaskStyle::Card => {
            if b.len() == 16 && b.iter().all(u8::is_ascii_digit) {
                out.extend_from_slice(b"**** **** **** ");
                out.extend_from_slice(&b[12..]);
            } else {
                ascii_last_digits(b, 4, out);
            }
        }
        MaskStyle::Iban => {
            let alnum = b.iter().filter(|c| c.is_ascii_alphanumeric()).count();
            let mut seen = 0;
            // One reservation, no capacity check per byte.
            out.extend(b.iter().map(|&c| {
                if !c.is_ascii_alphanumeric() {
                    c
                } else {
                    seen += 1;
                    if seen <= 4 || seen > alnum.saturating_sub(4) {
                        c
                    } else {
                        b'*'
                    }
                }
            }));
        }
        MaskStyle::Ip => match memchr::memchr(b':', b) {
            Some(colon) => {
                out.extend_from_slice(&b[..colon]);
                out.extend_from_slice(b":****");
            }
            None => {
                let end = memchr::memchr(b'.', b).unwrap_or(b.len());
                out.extend_from_slice(&b[..end]);
                out.extend_from_slice(b".*.*.*");
            }
        },
        // Names are rare among findings: the char path serves.
        MaskStyle::Initials => return Some(initials(std::str::from_utf8(b).unwrap_or_default())),
        MaskStyle::Full => ascii_full(b, out),
    }
    None
}

fn ascii_full(b: &[u8], out: &mut Vec<u8>) {
    out.resize(out.len() + b.len().clamp(3, 12), b'*');
}

fn ascii_last_digits(b: &[u8], keep: usize, out: &mut Vec<u8>) {
    let total = b.iter().filter(|c| c.is_ascii_digit()).count();
    let shown_from = if total > keep { total - keep } else { total };
    let mut seen = 0;
    // One reservation, no capacity check per byte.
    out.extend(b.iter().map(|&c| {
        if c.is_ascii_digit() {
            seen += 1;
            if seen > shown_from { c } else { b'*' }
        } else if c.is_ascii_alphanumeric() {
            b'*'
        } else {
            c
        }
    }));
}

fn email(text: &str) -> String {
    match text.rsplit_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().unwrap_or('*');
            format!("{first}***@{domain}")
        }
        None => full(text),
    }
}

/// Replaces every ASCII digit but the last `keep` with `*`, and every
/// letter with `*`; separators stay so the shape is recognisable.
fn keep_last_digits(text: &str, keep: usize) -> String {
    let total = text.bytes().filter(u8::is_ascii_digit).count();
    let mut seen = 0;
    // Pushed one by one: collecting chars into a String costs several
    // times more per finding.
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        out.push(if c.is_ascii_digit() {
            seen += 1;
            if seen > total.saturating_sub(keep) && total > keep {
                c
            } else {
                '*'
            }
        } else if c.is_alphanumeric() {
            '*'
        } else {
            c
        });
    }
    out
}

fn card(text: &str) -> String {
    if text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit()) {
        let masked = "*".repeat(text.len() - 4) + &text[text.len() - 4..];
        let chunks: Vec<&str> = masked
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or("****"))
            .collect();
        return chunks.join(" ");
    }
    keep_last_digits(text, 4)
}

fn iban(text: &str) -> String {
    let alnum = text.bytes().filter(u8::is_ascii_alphanumeric).count();
    let mut seen = 0;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        out.push(if !c.is_ascii_alphanumeric() {
            c
        } else {
            seen += 1;
            if seen <= 4 || seen > alnum.saturating_sub(4) {
                c
            } else {
                '*'
            }
        });
    }
    out
}

fn ip(text: &str) -> String {
    if text.contains(':') {
        let first = text.split(':').next().unwrap_or("");
        return format!("{first}:****");
    }
    let first = text.split('.').next().unwrap_or("");
    format!("{first}.*.*.*")
}

fn initials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if c.is_whitespace() || c == '-' || c == ',' {
            out.push(c);
            start = true;
        } else if start {
            out.push(c);
            start = false;
        } else {
            out.push('*');
        }
    }
    out
}

fn full(text: &str) -> String {
    "*".repeat(text.chars().count().clamp(3, 12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_style_keeps_only_the_shape() {
        assert_eq!(
            mask(MaskStyle::Email, b"jane.doe@example.com"),
            "j***@example.com"
        );
        assert_eq!(mask(MaskStyle::Last4, b"123-45-6789"), "***-**-6789");
        assert_eq!(
            mask(MaskStyle::Card, b"4242 4242 4242 4242"),
            "**** **** **** 4242"
        );
        assert_eq!(
            mask(MaskStyle::Card, b"4242424242424242"),
            "**** **** **** 4242"
        );
        assert_eq!(
            mask(MaskStyle::Iban, b"GB82WEST12345698765432"),
            "GB82**************5432"
        );
        assert_eq!(mask(MaskStyle::Ip, b"81.2.69.160"), "81.*.*.*");
        assert_eq!(mask(MaskStyle::Ip, b"2001:db8::1"), "2001:****");
        assert_eq!(mask(MaskStyle::Full, b"secret"), "******");
        assert_eq!(
            mask(MaskStyle::Initials, "Jane Doe-Smith".as_bytes()),
            "J*** D**-S****"
        );
        assert_eq!(mask(MaskStyle::Last4, b"123"), "***");
        assert_eq!(mask(MaskStyle::Card, b"378282246310005"), "***********0005");
        assert_eq!(mask(MaskStyle::Email, b"@example.com"), "****@example.com");
        assert_eq!(mask(MaskStyle::Ip, b"10"), "10.*.*.*");
    }

    const STYLES: [MaskStyle; 7] = [
        MaskStyle::Email,
        MaskStyle::Last4,
        MaskStyle::Card,
        MaskStyle::Iban,
        MaskStyle::Ip,
        MaskStyle::Initials,
        MaskStyle::Full,
    ];

    proptest::proptest! {
        #[test]
        fn ascii_path_masks_as_the_char_path(
            text in "[ -~\\t\\n\\x0b\\x0c\\r]{0,40}|[0-9 .:@a-f-]{0,24}"
        ) {
            for style in STYLES {
                proptest::prop_assert_eq!(
                    mask_with(style, text.as_bytes(), &mut Vec::new()),
                    general(style, &text),
                    "{:?} {:?}", style, text
                );
            }
        }
    }
}
