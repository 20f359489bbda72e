#!/usr/bin/env bash
# Scores the fold models of a leave-one-dataset-out run again, without retraining, with other
# `sigverify evaluate` options — e.g. another preprocessing profile version — and prints the table
# (the same columns as scripts/lodo.sh; train_seconds 0).
#
# Usage: scripts/lodo-evaluate.sh RUN_DIR TAG [evaluate options...]
#   e.g. scripts/lodo-evaluate.sh .build/lodo/far5 own
#        scripts/lodo-evaluate.sh .build/lodo/far5 clean2 --profile-version 2
# RUN_DIR holds one folder per fold with model/ and eval.tsv (scripts/lodo.sh writes them); each
# fold's report goes to FOLD/report-TAG, the table to RUN_DIR/table-TAG.tsv.
# Environment: FOLDS (default: every fold folder of RUN_DIR), SHARED (scan root, default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=$(cd "${1:?usage: scripts/lodo-evaluate.sh RUN_DIR TAG [evaluate options...]}" && pwd)
TAG=${2:?usage: scripts/lodo-evaluate.sh RUN_DIR TAG [evaluate options...]}
shift 2
SHARED=$(cd "${SHARED:-../shared/data}" && pwd)
SIGVERIFY=${SIGVERIFY_BIN:-$PWD/.build/release/sigverify}
. scripts/lodo-common.sh
FOLDS=${FOLDS:-$(for d in "$RUN"/*/; do [ -f "$d/eval.tsv" ] && basename "$d"; done)}
TABLE="$RUN/table-$TAG.tsv"
echo "$LODO_HEADER" > "$TABLE"
for fold in $FOLDS; do
    lodo_row "$SIGVERIFY" "$TAG" "$fold" "$RUN/$fold" 0 "$SHARED" "report-$TAG" "$@" | tee -a "$TABLE"
done
lodo_summary "$TABLE"
