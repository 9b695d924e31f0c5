#!/usr/bin/env bash
# Throughput of `sandsift scan` next to ripgrep on one generated corpus,
# measured in one run (same machine, same page cache, best of $RUNS).
#
#   benches/compare.sh                 # 2 GiB corpus in target/corpus
#   SIZE=4GiB RUNS=5 benches/compare.sh
#   QUICK=1 benches/compare.sh         # small corpora, one run (CI: keeps
#                                      # the script working, judges nothing)
#
# Rows: ripgrep searching a literal that never occurs (the read-speed
# ceiling) on a corpus of every kind (gen_corpus's mixed: NDJSON, CSV,
# HAR, pretty and minified JSON, logs); ripgrep with the detectors'
# regexes as one set, counting
# matching lines (`rg -c -f`) and counting every match
# (`rg --count-matches -f`, closer to the work a scanner does); sandsift
# with the full catalogue writing jsonl to /dev/null, on 2 and 1 threads,
# and with the seven core detectors only. Then, each next to its own read
# ceiling: NDJSON, HAR captures, CSV exports of the same events and
# application logs, 10,000
# small files next to the same bytes in one file, and a dense corpus
# (about one PII value per 100 bytes) with the aggregated report
# (`--format json`), where per-finding work dominates; and one large
# pretty-printed JSON export alone, on 2 threads and on 1 (a single big
# document must keep every thread busy).
#
# The binary measured is the one `cargo build --release` makes. Where
# llvm-profdata is installed (`rustup component add llvm-tools`), the
# build with profile-guided optimisation that benches/pgo.sh makes is
# measured too, in rows of its own (PGO=0 leaves it out).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${QUICK:-}" ]; then
  : "${SIZE:=16MiB}" "${HAR_SIZE:=8MiB}" "${DENSE_SIZE:=8MiB}" "${SMALL_FILES:=1000}" "${JSON_SIZE:=16MiB}" "${RUNS:=1}"
  : "${CORPUS:=target/bench-quick/corpus}"
  PREFIX=target/bench-quick/corpus
else
  PREFIX=target/corpus
fi
SIZE=${SIZE:-2GiB}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
CORPUS=${CORPUS:-target/corpus}
LITERAL=ZQXJKVBPYZQXJWQ

# The binary on its own, as `cargo build --release` makes it: built with
# an example, it would get the features the dev-dependencies turn on in
# shared crates (regex with full DFAs: 20M more start-up instructions).
cargo build --release --quiet --bin sandsift
cargo build --release --quiet --example gen_corpus
# The build with profile-guided optimisation, when it can be made.
pgo=""
if [ "${PGO:-1}" != "0" ]; then
  # Quick runs train on less, and keep their build apart from the full
  # runs' (each would otherwise build the other's again).
  if [ -n "${QUICK:-}" ]; then
    export TRAIN_SIZE=${TRAIN_SIZE:-2MiB} PGO_DIR=${PGO_DIR:-target/bench-quick/pgo}
  fi
  status=0
  pgo=$(benches/pgo.sh | tail -1) || status=$?
  if [ "$status" = 3 ]; then
    pgo=""
    echo "(no llvm-profdata: the PGO rows are skipped; rustup component add llvm-tools)"
  elif [ "$status" != 0 ]; then
    echo "benches/pgo.sh failed" >&2
    exit "$status"
  fi
fi
# The stamp names the generator's mix: a corpus of an older mix is made
# again.
stamp="$CORPUS/.generated-$SIZE-seed$SEED-mix2"
if [ ! -f "$stamp" ]; then
  rm -rf "$CORPUS"
  target/release/examples/gen_corpus --size "$SIZE" --out "$CORPUS" --seed "$SEED"
  touch "$stamp"
fi

bytes=$(find "$CORPUS" -type f ! -name '.generated-*' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
files=$(find "$CORPUS" -type f ! -name '.generated-*' | wc -l)
# Warm the page cache so every row reads from memory.
find "$CORPUS" -type f -exec cat {} + > /dev/null

# Wall-clock seconds of one run of a command.
once() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || true
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}'
}

# The smaller of two second counts (the first when the second is empty).
least() {
  if [ -z "$2" ] || awk -v s="$1" -v b="$2" 'BEGIN {exit !(s < b)}'; then echo "$1"; else echo "$2"; fi
}

# Best wall-clock seconds of $RUNS runs of a command.
best() {
  local best_s=""
  for _ in $(seq "$RUNS"); do
    best_s=$(least "$(once "$@")" "$best_s")
  done
  echo "$best_s"
}

printf 'corpus: %s, %d files, %d bytes (%.2f GB)\n' "$CORPUS" "$files" "$bytes" "$(awk -v b="$bytes" 'BEGIN {print b / 1e9}')"
printf 'machine: %s cores; best of %s runs\n\n' "$(nproc)" "$RUNS"
printf '%-52s %9s %9s %12s\n' "command" "seconds" "MB/s" "% ceiling"

ceiling=""
row() {
  local name=$1; shift
  show "$name" "$(best "$@")"
}

# Prints a row for `name` measured at `s` seconds.
show() {
  local name=$1 s=$2 mbs pct
  mbs=$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1e6 / s}')
  if [ -z "$ceiling" ]; then ceiling=$mbs; fi
  pct=$(awk -v m="$mbs" -v c="$ceiling" 'BEGIN {print 100 * m / c}')
  printf '%-52s %9.3f %9.0f %11.1f%%\n' "$name" "$s" "$mbs" "$pct"
}

if command -v rg > /dev/null; then
  row "rg -c literal, 2 threads (read ceiling)" rg -c -j2 "$LITERAL" "$CORPUS"
  row "rg -c -f regex set, 2 threads" rg -c -j2 -f benches/rg-patterns.txt "$CORPUS"
  row "rg --count-matches -f regex set, 2 threads" rg --count-matches -j2 -f benches/rg-patterns.txt "$CORPUS"
  # The same set the way most users would write it: Unicode word
  # boundaries (ripgrep's default flags) instead of ASCII ones.
  unicode_patterns=$(mktemp)
  sed 's/(?-u:\\b)/\\b/g' benches/rg-patterns.txt > "$unicode_patterns"
  row "rg -c -f regex set, Unicode \\b, 2 threads" rg -c -j2 -f "$unicode_patterns" "$CORPUS"
  rm -f "$unicode_patterns"
else
  echo "(ripgrep not installed: apt-get install ripgrep, or cargo install ripgrep; rg rows skipped," \
       "percentages are of the first sandsift row)"
fi
# The full catalogue and the engine issue's seven detectors alone, run
# alternately so that a busy moment of a shared machine does not fall on
# one of them only: their ratio is the catalogue's cost.
full="" core="" full_pgo=""
for _ in $(seq "$RUNS"); do
  full=$(least "$(once target/release/sandsift scan "$CORPUS" --threads 2 --format jsonl -q --fail-on never)" "$full")
  core=$(least "$(once target/release/sandsift scan "$CORPUS" --threads 2 --format jsonl -q --fail-on never \
    --detectors email,phone,us_ssn,credit_card,iban,ipv4,ipv6)" "$core")
  if [ -n "$pgo" ]; then
    full_pgo=$(least "$(once "$pgo" scan "$CORPUS" --threads 2 --format jsonl -q --fail-on never)" "$full_pgo")
  fi
done
show "sandsift scan, 2 threads" "$full"
row "sandsift scan, 1 thread" target/release/sandsift scan "$CORPUS" --threads 1 --format jsonl -q --fail-on never
show "sandsift scan, 7 core detectors, 2 threads" "$core"
if [ -n "$pgo" ]; then
  show "sandsift scan (PGO build), 2 threads" "$full_pgo"
  row "sandsift scan (PGO build), 1 thread" "$pgo" scan "$CORPUS" --threads 1 --format jsonl -q --fail-on never
fi
printf 'full catalogue at %.0f%% of the seven core detectors'"'"' throughput\n' \
  "$(awk -v f="$full" -v c="$core" 'BEGIN {print 100 * c / f}')"

# One generated corpus per kind, made once per size and seed.
corpus() {
  local kind=$1 size=$2 dir=$3; shift 3
  local stamp="$dir/.generated-$size-seed$SEED"
  if [ ! -f "$stamp" ]; then
    rm -rf "$dir"
    target/release/examples/gen_corpus --size "$size" --out "$dir" --seed "$SEED" "$@"
    touch "$stamp"
  fi
  find "$dir" -type f -exec cat {} + > /dev/null
}

# The same events as NDJSON, as HAR captures (API captures hold their data
# as JSON inside JSON strings, so every body is decoded and walked a
# second time) and as CSV exports; and application logs (free text: each
# line is one value). HAR_SIZE=0 skips this part.
HAR_SIZE=${HAR_SIZE:-512MiB}
if [ "$HAR_SIZE" != "0" ]; then
  for kind in ndjson har csv logs; do
    corpus "$kind" "$HAR_SIZE" "$PREFIX-$kind" --formats "$kind"
  done
  # The three kinds' 2-thread scans run alternately (their ratios are the
  # point), then each is shown next to its read ceiling.
  declare -A two=() two_pgo=()
  for _ in $(seq "$RUNS"); do
    for kind in ndjson har csv logs; do
      two[$kind]=$(least "$(once target/release/sandsift scan "$PREFIX-$kind" --threads 2 --format jsonl -q --fail-on never)" "${two[$kind]:-}")
      if [ -n "$pgo" ]; then
        two_pgo[$kind]=$(least "$(once "$pgo" scan "$PREFIX-$kind" --threads 2 --format jsonl -q --fail-on never)" "${two_pgo[$kind]:-}")
      fi
    done
  done
  for kind in ndjson har csv logs; do
    dir="$PREFIX-$kind"
    bytes=$(find "$dir" -type f ! -name '.generated-*' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
    printf '\n%s corpus: %s, %d bytes\n' "$kind" "$dir" "$bytes"
    ceiling=""
    if command -v rg > /dev/null; then
      row "rg -c literal, 2 threads (read ceiling)" rg -c -j2 "$LITERAL" "$dir"
    fi
    show "sandsift scan $kind, 2 threads" "${two[$kind]}"
    row "sandsift scan $kind, 1 thread" target/release/sandsift scan "$dir" --threads 1 --format jsonl -q --fail-on never
    if [ -n "$pgo" ]; then
      show "sandsift scan $kind (PGO build), 2 threads" "${two_pgo[$kind]}"
    fi
  done
  ratios() {
    local -n t=$1
    printf '%s, time against NDJSON: HAR %.2fx, CSV %.2fx, logs %.2fx\n' "$2" \
      "$(awk -v a="${t[har]}" -v b="${t[ndjson]}" 'BEGIN {print a / b}')" \
      "$(awk -v a="${t[csv]}" -v b="${t[ndjson]}" 'BEGIN {print a / b}')" \
      "$(awk -v a="${t[logs]}" -v b="${t[ndjson]}" 'BEGIN {print a / b}')"
  }
  echo
  ratios two "2 threads"
  if [ -n "$pgo" ]; then
    ratios two_pgo "2 threads, PGO build"
  fi
fi

# 10,000 small files: the first NDJSON file cut at line ends into
# SMALL_FILES pieces, next to the same file whole (per-file costs must not
# dominate). SMALL_FILES=0 skips it; it needs the NDJSON corpus above.
SMALL_FILES=${SMALL_FILES:-10000}
if [ "$SMALL_FILES" != "0" ] && [ "$HAR_SIZE" != "0" ]; then
  src=$(find "$PREFIX-ndjson" -name '*.ndjson' | sort | head -1)
  dir="$PREFIX-small"
  stamp="$dir/.split-$SMALL_FILES-$(stat -c %s "$src")"
  if [ ! -f "$stamp" ]; then
    rm -rf "$dir"
    mkdir -p "$dir/small/vendor" "$dir/whole/vendor"
    split -n "l/$SMALL_FILES" -a 6 --additional-suffix=.ndjson "$src" "$dir/small/vendor/part-"
    cp "$src" "$dir/whole/vendor/"
    touch "$stamp"
  fi
  find "$dir" -type f -exec cat {} + > /dev/null
  bytes=$(stat -c %s "$src")
  printf '\n%s small files: %s, %d bytes in all\n' "$SMALL_FILES" "$dir/small" "$bytes"
  ceiling=""
  if command -v rg > /dev/null; then
    row "rg -c literal, 2 threads (read ceiling)" rg -c -j2 "$LITERAL" "$dir/small"
  fi
  small="" whole=""
  for _ in $(seq "$RUNS"); do
    small=$(least "$(once target/release/sandsift scan "$dir/small" --threads 2 --format jsonl -q --fail-on never)" "$small")
    whole=$(least "$(once target/release/sandsift scan "$dir/whole" --threads 2 --format jsonl -q --fail-on never)" "$whole")
  done
  show "sandsift scan, $SMALL_FILES files, 2 threads" "$small"
  show "sandsift scan, the same bytes in one file" "$whole"
fi

# A dense corpus: several PII values in every record (about one per 100
# bytes), scanned into the aggregated report. NDJSON events with one
# pretty export in five (gen_corpus's `events`, the mix of every earlier
# session's dense figures). DENSE_SIZE=0 skips it.
DENSE_SIZE=${DENSE_SIZE:-256MiB}
if [ "$DENSE_SIZE" != "0" ]; then
  dir="$PREFIX-dense"
  corpus events "$DENSE_SIZE" "$dir" --formats events --pii-per-kb 10
  bytes=$(find "$dir" -type f ! -name '.generated-*' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
  printf '\ndense corpus: %s, %d bytes, about one PII value per 100 bytes\n' "$dir" "$bytes"
  ceiling=""
  if command -v rg > /dev/null; then
    row "rg -c literal, 2 threads (read ceiling)" rg -c -j2 "$LITERAL" "$dir"
  fi
  row "sandsift scan --format json, 2 threads" target/release/sandsift scan "$dir" --threads 2 --format json -q --fail-on never
  row "sandsift scan --format json, 1 thread" target/release/sandsift scan "$dir" --threads 1 --format json -q --fail-on never
  if [ -n "$pgo" ]; then
    row "sandsift scan --format json (PGO build), 2 threads" "$pgo" scan "$dir" --threads 2 --format json -q --fail-on never
    row "sandsift scan --format json (PGO build), 1 thread" "$pgo" scan "$dir" --threads 1 --format json -q --fail-on never
  fi
fi

# One large JSON export alone in its folder: the document is cut at its
# records so that both threads read it. JSON_SIZE=0 skips it.
JSON_SIZE=${JSON_SIZE:-512MiB}
if [ "$JSON_SIZE" != "0" ]; then
  dir="$PREFIX-json"
  corpus json "$JSON_SIZE" "$dir" --formats json
  bytes=$(find "$dir" -type f ! -name '.generated-*' -printf '%s
' | awk '{s+=$1} END {printf "%.0f\n", s}')
  printf '\none JSON document: %s, %d bytes\n' "$dir" "$bytes"
  ceiling=""
  if command -v rg > /dev/null; then
    row "rg -c literal (read ceiling; one file)" rg -c -j2 "$LITERAL" "$dir"
  fi
  one="" two=""
  for _ in $(seq "$RUNS"); do
    two=$(least "$(once target/release/sandsift scan "$dir" --threads 2 --format jsonl -q --fail-on never)" "$two")
    one=$(least "$(once target/release/sandsift scan "$dir" --threads 1 --format jsonl -q --fail-on never)" "$one")
  done
  show "sandsift scan, 2 threads" "$two"
  show "sandsift scan, 1 thread" "$one"
  printf '2 threads: %.2fx one thread\n' "$(awk -v a="$one" -v b="$two" 'BEGIN {print a / b}')"
fi

# Optional comparators: other PII scanners on a sample of the main corpus
# (benches/comparators.py), when they are installed for $PYTHON.
PYTHON=${PYTHON:-python3}
if [ -n "${QUICK:-}" ]; then
  : "${COMPARATOR_BYTES:=65536}"
fi
COMPARATOR_BYTES=${COMPARATOR_BYTES:-1048576}
printf '\noptional comparators, on the first %d bytes of %s, one line at a time, one core:\n' \
  "$COMPARATOR_BYTES" "$CORPUS"
if command -v "$PYTHON" > /dev/null; then
  for c in presidio datafog; do
    "$PYTHON" benches/comparators.py "$c" "$CORPUS" "$COMPARATOR_BYTES" || true
  done
  echo "(sandsift, 1 thread, on the whole corpus: see above)"
else
  echo "($PYTHON not found: comparators skipped)"
fi
