#!/usr/bin/env bash
# Throughput of the container formats against the same data in plain
# files, measured in one run (same machine, same page cache, best of
# $RUNS), 2 threads, jsonl to /dev/null.
#
#   benches/formats.sh                          # 1 GiB Parquet, 512 MiB zipped corpus
#   PARQUET_SIZE=256MiB ZIP_SIZE=128MiB benches/formats.sh
#   QUICK=1 benches/formats.sh                  # tiny inputs, one run (CI)
#
# Parquet: one generated file of PARQUET_SIZE (Snappy, 128 Ki-row row
# groups) next to the same records as NDJSON; MB/s of each file and
# rows/s. Zip: a mixed corpus of ZIP_SIZE scanned unpacked and as one
# deflated export.zip per vendor; MB/s of the uncompressed content.
# PARQUET_SIZE=0 or ZIP_SIZE=0 skips that part.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${QUICK:-}" ]; then
  : "${PARQUET_SIZE:=8MiB}" "${ZIP_SIZE:=8MiB}" "${RUNS:=1}" "${OUT:=target/bench-quick/formats}"
fi
PARQUET_SIZE=${PARQUET_SIZE:-1GiB}
ZIP_SIZE=${ZIP_SIZE:-512MiB}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
OUT=${OUT:-target/bench-formats}
SANDSIFT=target/release/sandsift

# The binary on its own, as users build it (see compare.sh).
cargo build --release --quiet --bin sandsift
cargo build --release --quiet --example gen_corpus --example gen_parquet --example zip_tree

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
size_of() { find "$1" -type f ! -name '.generated-*' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}'; }
warm() { find "$1" -type f -exec cat {} + > /dev/null; }
scan() { "$SANDSIFT" scan "$1" --threads "$THREADS" --format jsonl -q --fail-on never; }
records() {
  "$SANDSIFT" scan "$1" --threads "$THREADS" --format json -q --fail-on never |
    tr -d ' \n' | grep -o '"records":[0-9]*' | head -1 | cut -d: -f2
}

printf 'machine: %s cores; %s threads; best of %s runs\n' "$(nproc)" "$THREADS" "$RUNS"

if [ "$PARQUET_SIZE" != "0" ]; then
  stamp="$OUT/.parquet-$PARQUET_SIZE-seed$SEED"
  if [ ! -f "$stamp" ]; then
    rm -rf "$OUT/parquet" "$OUT/ndjson"
    target/release/examples/gen_parquet --size "$PARQUET_SIZE" --seed "$SEED" \
      --out "$OUT/parquet/lake/events.parquet" --ndjson "$OUT/ndjson/lake/events.ndjson"
    touch "$stamp"
  fi
  printf '\n%-34s %14s %9s %9s %12s\n' "same records as" "bytes" "seconds" "MB/s" "rows/s"
  declare -A secs
  for kind in parquet ndjson; do
    dir="$OUT/$kind"
    warm "$dir"
    bytes=$(size_of "$dir")
    rows=$(records "$dir")
    s=$(best scan "$dir")
    secs[$kind]=$s
    printf '%-34s %14d %9.3f %9.0f %12.0f\n' "$kind" "$bytes" "$s" \
      "$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1e6 / s}')" \
      "$(awk -v r="$rows" -v s="$s" 'BEGIN {print r / s}')"
  done
  printf 'Parquet scans the same records %.2fx as fast as NDJSON\n' \
    "$(awk -v p="${secs[parquet]}" -v n="${secs[ndjson]}" 'BEGIN {print n / p}')"
fi

if [ "$ZIP_SIZE" != "0" ]; then
  stamp="$OUT/.zip-$ZIP_SIZE-seed$SEED"
  if [ ! -f "$stamp" ]; then
    rm -rf "$OUT/plain" "$OUT/zipped"
    target/release/examples/gen_corpus --size "$ZIP_SIZE" --out "$OUT/plain" --seed "$SEED"
    target/release/examples/zip_tree "$OUT/plain" "$OUT/zipped"
    touch "$stamp"
  fi
  content=$(size_of "$OUT/plain")
  printf '\n%-34s %14s %9s %9s\n' "same files ($content bytes)" "on disk" "seconds" "MB/s"
  declare -A zsecs
  for kind in plain zipped; do
    dir="$OUT/$kind"
    warm "$dir"
    s=$(best scan "$dir")
    zsecs[$kind]=$s
    printf '%-34s %14d %9.3f %9.0f\n' "$kind" "$(size_of "$dir")" "$s" \
      "$(awk -v b="$content" -v s="$s" 'BEGIN {print b / 1e6 / s}')"
  done
  printf 'zip overhead: %.2fx the time of the unpacked files\n' \
    "$(awk -v z="${zsecs[zipped]}" -v p="${zsecs[plain]}" 'BEGIN {print z / p}')"
fi
