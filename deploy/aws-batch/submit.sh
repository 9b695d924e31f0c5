#!/usr/bin/env bash
# Registers the two job definitions and submits a sharded scan as an AWS
# Batch array job (AWS_BATCH_JOB_ARRAY_INDEX = 0..N-1), then the merge as
# a job that depends on the whole array. See docs/scale-out.md.
#
#   deploy/aws-batch/submit.sh QUEUE [SHARDS]
set -euo pipefail
queue=${1:?usage: submit.sh QUEUE [SHARDS]}
shards=${2:-8}  # an array job has 2 to 10,000 children
defs="$(dirname "$0")/job-definitions.json"

aws batch register-job-definition --cli-input-json "$(jq '.scan' "$defs")" > /dev/null
aws batch register-job-definition --cli-input-json "$(jq '.merge' "$defs")" > /dev/null
# The definition's command says /8; the shard count must equal the array
# size, so the command is overridden with this run's count.
command=$(jq -c --arg n "$shards" \
  '.scan.containerProperties.command | map(sub("/[0-9]+$"; "/" + $n))' "$defs")
scan=$(aws batch submit-job --job-name sandsift-scan --job-queue "$queue" \
  --job-definition sandsift-scan --array-properties "size=$shards" \
  --container-overrides "{\"command\": $command}" --query jobId --output text)
merge=$(aws batch submit-job --job-name sandsift-merge --job-queue "$queue" \
  --job-definition sandsift-merge --depends-on "jobId=$scan" --query jobId --output text)
echo "scan array job $scan ($shards shards); merge job $merge"
