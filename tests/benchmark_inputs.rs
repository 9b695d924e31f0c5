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
    assert_eq!(
        got, want,
        "regenerate benches/rg-patterns.txt from patterns/*.toml"
    );
}
