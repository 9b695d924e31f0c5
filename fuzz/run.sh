#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), two at a time,
# with corpora seeded from the shipped fixtures. Works on the stable
# toolchain: `-s none` builds without a sanitizer (cargo-fuzz still adds
# libFuzzer's coverage instrumentation, which is stable). With nightly,
# `cargo +nightly fuzz run <target>` adds AddressSanitizer.
#
#   cargo install cargo-fuzz
#   fuzz/run.sh            # 10 minutes per target
#   SECONDS_EACH=60 fuzz/run.sh json har
#
# Crashes land in fuzz/artifacts/<target>/; turn each into a regression
# test (tests/fuzz_regressions.rs) before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
EACH=${SECONDS_EACH:-600}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(json ndjson csv text har decode policy patterns zip excel parquet)
fi
cargo fuzz build -s none
seed() {
  local t=$1 dir=corpus/$1
  mkdir -p "$dir"
  case $t in
    json) cp ../fixtures/*/*.json ../fixtures/*/*/*.json "$dir"/ 2>/dev/null || true ;;
    ndjson) cp ../fixtures/*/*.ndjson "$dir"/ ;;
    csv) cp ../fixtures/*/*.csv ../fixtures/*/*.tsv "$dir"/ ;;
    text) cp ../fixtures/*/*.log ../fixtures/*/*.txt "$dir"/ ;;
    har) cp ../fixtures/captures/*.har "$dir"/ ;;
    decode) printf 'jane%%40example.com' > "$dir/percent"; printf 'a=1&email=b%%40example.org' > "$dir/form"
            printf 'eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ==' > "$dir/base64" ;;
    policy) cp ../docs/vendors.example.toml "$dir"/ ;;
    patterns) cp ../patterns/core.toml "$dir"/ ;;
    zip|excel|parquet) ;;  # no seeds: libFuzzer finds the magic bytes
  esac
}
run() {
  local t=$1
  seed "$t"
  nice -n 19 cargo fuzz run -s none "$t" "corpus/$t" -- -max_total_time="$EACH" -max_len=65536 -timeout=10 \
    > "logs/$t.log" 2>&1 && echo "$t: no crash in ${EACH}s ($(grep -o 'Done [0-9]* runs' "logs/$t.log"))" \
    || echo "$t: FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/"
}
mkdir -p logs
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
  run "${TARGETS[i]}" &
  if [ $((i + 1)) -lt ${#TARGETS[@]} ]; then run "${TARGETS[i + 1]}" & fi
  wait
done
