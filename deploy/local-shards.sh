#!/usr/bin/env bash
# Runs a sharded scan on this machine the way an Indexed Job or an array
# job runs it on many: N `sandsift scan` processes, each taking its shard
# index from the environment (JOB_COMPLETION_INDEX, as Kubernetes sets
# it), then one `sandsift merge`. For trying the setup, and as its test.
#
#   deploy/local-shards.sh N OUT_DIR PATH... [-- extra scan flags]
#
# Needs SANDSIFT_FINGERPRINT_KEY (the same key for every shard). Shards run
# one after another unless PARALLEL=1. The merged report is
# OUT_DIR/report.json; shard reports are OUT_DIR/shards/shard-I.json.
set -euo pipefail

SANDSIFT=${SANDSIFT:-sandsift}
if [ $# -lt 3 ]; then
  echo "usage: $0 N OUT_DIR PATH... [-- extra scan flags]" >&2
  exit 2
fi
n=$1; out=$2; shift 2
paths=(); extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  paths+=("$1"); shift
done
: "${SANDSIFT_FINGERPRINT_KEY:?set SANDSIFT_FINGERPRINT_KEY: shards are merged by keyed fingerprints}"
mkdir -p "$out/shards"

pids=()
for ((i = 0; i < n; i++)); do
  run() {
    JOB_COMPLETION_INDEX=$1 "$SANDSIFT" scan "${paths[@]}" --shard "env:JOB_COMPLETION_INDEX/$n" \
      --format json --output "$out/shards/shard-{shard}.json" --quiet --fail-on never ${extra[@]+"${extra[@]}"}
  }
  if [ "${PARALLEL:-0}" = 1 ]; then run "$i" & pids+=($!); else run "$i"; fi
done
for p in ${pids[@]+"${pids[@]}"}; do wait "$p"; done

# Every shard report in the folder; merge refuses a missing or repeated one.
"$SANDSIFT" merge "$out/shards" --format json --output "$out/report.json" --quiet --fail-on never
echo "merged $n shard reports into $out/report.json" >&2
