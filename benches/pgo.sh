#!/usr/bin/env bash
# Builds sandsift with profile-guided optimisation (PGO) into
# target/pgo/sandsift: an instrumented build scans a generated training
# corpus of every kind and the fixtures, and the counts it leaves steer the
# optimised build (which code is laid out together, what is inlined).
#
#   benches/pgo.sh                  # prints the binary's path last
#   TRAIN_SIZE=2MiB benches/pgo.sh  # a smaller training corpus (CI)
#
# Needs llvm-profdata of rustc's own LLVM: `rustup component add
# llvm-tools`. Without it the script says so and exits with status 3.
# The training corpus is generated with seeds of its own (101, 102), not
# those of benches/compare.sh's corpora; it is still the same generator's
# data. Two release builds with fat LTO: about ten minutes on two cores.
# Nothing is built again while the sources, Cargo.lock and the toolchain
# are those of the last build. The PGO build must find on fixtures/
# exactly what the standard build finds (jsonl, one thread, a fixed
# fingerprint key), or the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${PGO_DIR:-target/pgo}
TRAIN_SIZE=${TRAIN_SIZE:-8MiB}
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  echo "pgo.sh: $profdata not found; install it with: rustup component add llvm-tools" >&2
  exit 3
fi

# What the binary is built from: unchanged, the last build stands.
stamp=$( { rustc -vV; echo "$TRAIN_SIZE ${RUSTFLAGS:-}"
  find src patterns examples Cargo.toml Cargo.lock benches/pgo.sh -type f -print0 | sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)
if [ -x "$OUT/sandsift" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$OUT/sandsift"
  exit 0
fi
mkdir -p "$OUT"
out=$(cd "$OUT" && pwd)

cargo build --release --quiet --example gen_corpus
train="$out/train"
rm -rf "$train"
# The generator's own lines (what it wrote) only when it fails.
generate() {
  local log
  log=$(target/release/examples/gen_corpus --size "$TRAIN_SIZE" "$@" 2>&1) || {
    echo "$log" >&2
    exit 1
  }
}
for kind in ndjson har csv json logs; do
  generate --seed 101 --formats "$kind" --out "$train/$kind"
done
generate --seed 102 --formats ndjson --pii-per-kb 10 --out "$train/dense"

# The instrumented build, and its runs: the streamed findings and the
# aggregated report, on every kind.
rm -rf "$out/profiles"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$out/profiles" \
  cargo build --release --quiet --bin sandsift --target-dir "$out/gen"
for dir in "$train"/* fixtures; do
  for format in jsonl json; do
    "$out/gen/release/sandsift" scan "$dir" --threads 2 --format "$format" -q --fail-on never -o /dev/null
  done
done
"$profdata" merge -o "$out/sandsift-$stamp.profdata" "$out/profiles"

# The optimised build. The profile's name changes with what it was made
# from, so cargo builds every crate again with it.
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$out/sandsift-$stamp.profdata" \
  cargo build --release --quiet --bin sandsift --target-dir "$out/use"
# The same findings as the standard build's, byte for byte.
cargo build --release --quiet --bin sandsift
run_fixtures() {
  "$1" scan fixtures --format jsonl --fingerprint-key pgo -q --fail-on never --threads 1 -o "$2"
}
run_fixtures target/release/sandsift "$out/fixtures-standard.jsonl"
run_fixtures "$out/use/release/sandsift" "$out/fixtures-pgo.jsonl"
if ! cmp -s "$out/fixtures-standard.jsonl" "$out/fixtures-pgo.jsonl"; then
  echo "pgo.sh: the PGO build's findings on fixtures/ differ from the standard build's" >&2
  exit 1
fi
rm -f "$out"/fixtures-*.jsonl
cp "$out/use/release/sandsift" "$out/sandsift"
find "$out" -maxdepth 1 -name 'sandsift-*.profdata' ! -name "sandsift-$stamp.profdata" -delete
rm -rf "$train" "$out/profiles"
echo "$stamp" > "$out/stamp"
echo "$OUT/sandsift"
