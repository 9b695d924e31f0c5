#!/usr/bin/env bash
# Throughput of `sandsift scan` next to ripgrep on one generated corpus,
# measured in one run (same machine, same page cache, best of $RUNS).
#
#   benches/compare.sh                 # 1 GiB corpus in target/corpus
#   SIZE=4GiB RUNS=5 benches/compare.sh
#
# Rows: ripgrep searching a literal that never occurs (the read-speed
# ceiling); ripgrep with the detectors' regexes as one set, counting
# matching lines (`rg -c -f`) and counting every match
# (`rg --count-matches -f`, closer to the work a scanner does); sandsift
# with the full catalogue writing jsonl to /dev/null, on 2 and 1 threads.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-1GiB}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
CORPUS=${CORPUS:-target/corpus}
LITERAL=ZQXJKVBPYZQXJWQ

cargo build --release --quiet --bin sandsift --example gen_corpus
stamp="$CORPUS/.generated-$SIZE-seed$SEED"
if [ ! -f "$stamp" ]; then
  rm -rf "$CORPUS"
  target/release/examples/gen_corpus --size "$SIZE" --out "$CORPUS" --seed "$SEED"
  touch "$stamp"
fi

bytes=$(find "$CORPUS" -type f ! -name '.generated-*' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
files=$(find "$CORPUS" -type f ! -name '.generated-*' | wc -l)
# Warm the page cache so every row reads from memory.
find "$CORPUS" -type f -exec cat {} + > /dev/null

# Best wall-clock seconds of $RUNS runs of a command.
best() {
  local best_s=""
  for _ in $(seq "$RUNS"); do
    local t0 t1 s
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    t1=$(date +%s.%N)
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
    if [ -z "$best_s" ] || awk -v s="$s" -v b="$best_s" 'BEGIN {exit !(s < b)}'; then best_s=$s; fi
  done
  echo "$best_s"
}

printf 'corpus: %s, %d files, %d bytes (%.2f GB)\n' "$CORPUS" "$files" "$bytes" "$(awk -v b="$bytes" 'BEGIN {print b / 1e9}')"
printf 'machine: %s cores; best of %s runs\n\n' "$(nproc)" "$RUNS"
printf '%-46s %9s %9s %12s\n' "command" "seconds" "MB/s" "% ceiling"

ceiling=""
row() {
  local name=$1; shift
  local s mbs pct
  s=$(best "$@")
  mbs=$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1e6 / s}')
  if [ -z "$ceiling" ]; then ceiling=$mbs; fi
  pct=$(awk -v m="$mbs" -v c="$ceiling" 'BEGIN {print 100 * m / c}')
  printf '%-46s %9.3f %9.0f %11.1f%%\n' "$name" "$s" "$mbs" "$pct"
}

if command -v rg > /dev/null; then
  row "rg -c literal, 2 threads (read ceiling)" rg -c -j2 "$LITERAL" "$CORPUS"
  row "rg -c -f regex set, 2 threads" rg -c -j2 -f benches/rg-patterns.txt "$CORPUS"
  row "rg --count-matches -f regex set, 2 threads" rg --count-matches -j2 -f benches/rg-patterns.txt "$CORPUS"
else
  echo "(ripgrep not installed: apt-get install ripgrep, or cargo install ripgrep; rg rows skipped," \
       "percentages are of the first sandsift row)"
fi
row "sandsift scan, 2 threads" target/release/sandsift scan "$CORPUS" --threads 2 --format jsonl -q --fail-on never
row "sandsift scan, 1 thread" target/release/sandsift scan "$CORPUS" --threads 1 --format jsonl -q --fail-on never
# The catalogue's cost: the engine issue's seven detectors alone, same run.
row "sandsift scan, 7 core detectors, 2 threads" target/release/sandsift scan "$CORPUS" --threads 2 \
  --format jsonl -q --fail-on never --detectors email,phone,us_ssn,credit_card,iban,ipv4,ipv6

# HAR captures next to NDJSON of the same size and density: API captures
# hold their data as JSON inside JSON strings, so every body is decoded
# and walked a second time. HAR_SIZE=0 skips this part.
HAR_SIZE=${HAR_SIZE:-512MiB}
if [ "$HAR_SIZE" != "0" ]; then
  for kind in ndjson har; do
    dir="target/corpus-$kind"
    stamp="$dir/.generated-$HAR_SIZE-seed$SEED"
    if [ ! -f "$stamp" ]; then
      rm -rf "$dir"
      target/release/examples/gen_corpus --size "$HAR_SIZE" --out "$dir" --seed "$SEED" --formats "$kind"
      touch "$stamp"
    fi
    find "$dir" -type f -exec cat {} + > /dev/null
  done
  for kind in ndjson har; do
    dir="target/corpus-$kind"
    bytes=$(find "$dir" -type f ! -name '.generated-*' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
    printf '\n%s corpus: %s, %d bytes\n' "$kind" "$dir" "$bytes"
    ceiling=""
    if command -v rg > /dev/null; then
      row "rg -c literal, 2 threads (read ceiling)" rg -c -j2 "$LITERAL" "$dir"
    fi
    row "sandsift scan $kind, 2 threads" target/release/sandsift scan "$dir" --threads 2 --format jsonl -q --fail-on never
    row "sandsift scan $kind, 1 thread" target/release/sandsift scan "$dir" --threads 1 --format jsonl -q --fail-on never
  done
fi
