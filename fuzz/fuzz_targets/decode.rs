#![no_main]
//! The decoders on arbitrary bytes: percent (with its span mapping),
//! form pairs, base64, JWT, gzip (bounded), the JSON check.

use sandsift::format::decode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let _ = decode::Shape::of(data);
    let _ = decode::looks_like_json(data);
    let _ = decode::is_json(data);
    let _ = decode::base64_decode(data, &mut out);
    let _ = decode::is_text(&out);
    let _ = decode::jwt(data);
    let _ = decode::gunzip(data, 1 << 20, &mut out);
    for declared in [false, true] {
        if let Some(pairs) = decode::form_pairs(data, declared) {
            for p in pairs {
                assert!(p.name.0 <= p.name.1 && p.value.0 <= p.value.1 && p.value.1 <= data.len());
            }
        }
    }
    for plus in [false, true] {
        decode::percent_decode(data, plus, &mut out);
        let mut last = 0;
        for i in 0..=out.len() {
            let r = decode::percent_decoded_to_raw(data, plus, i);
            assert!(r >= last && r <= data.len());
            last = r;
        }
    }
});
