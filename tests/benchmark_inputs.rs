//! The benchmark's ripgrep pattern file stays equal to the catalogue, so
//! `benches/compare.sh` compares like with like.

#[test]
fn rg_patterns_are_the_catalogue_patterns() {
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let want: Vec<String> = catalogue
        .detectors()
        .iter()
        .filter_map(|d| d.spec.pattern.clone())
        .collect();
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/rg-patterns.txt"
    ))
    .unwrap();
    let got: Vec<String> = file.lines().map(str::to_string).collect();
    // Regenerate with:
    // python3 -c "import tomllib; [print(d['pattern']) for n in ['core', 'government_ids', 'financial', 'network', 'credentials', 'identity', 'sensitive'] for d in tomllib.load(open(f'patterns/{n}.toml', 'rb'))['detector'] if 'pattern' in d]" > benches/rg-patterns.txt
    assert_eq!(
        got, want,
        "benches/rg-patterns.txt is out of date (see the comment above)"
    );
}
