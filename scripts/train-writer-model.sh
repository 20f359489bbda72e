#!/usr/bin/env bash
# Rebuilds the writer-verification model (models/writer) with one command, then measures it once on
# the test writers of data/all-split.tsv (which no training step reads). Fixed seed: the same data
# and build give the same bundle. Prints its wall time.
#
# Usage: scripts/train-writer-model.sh [extra `sigverify train-writers` options...]
# The input skips stroke thickening (--set target_stroke_width=0), chosen with Dutch left out (README).
# Environment: OUT=folder (default models/writer), EPOCHS=8, REPORT=folder for the test report
#              (default .build/writer-model/report), SHARED=folder of the shared data (default ../shared/data).
#
# Training data (read at training time only; no scan is copied into the repository): the train rows
# of data/all-split.tsv with writer and kind (genuine or skilled forgery) — BHSig260 Hindi and Bengali,
# ICDAR 2011 Dutch (half resolution), NFI, CEDAR writers 1/10/15, SigComp2009, Chinese (genuine only).
# The validation writers choose the best epoch and the threshold.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-models/writer}
EPOCHS=${EPOCHS:-8}
REPORT=${REPORT:-.build/writer-model/report}
SHARED=${SHARED:-$(cd .. && pwd)/shared/data}
for f in "$SHARED/real/LABELS.tsv" "$SHARED/writers/WRITERS.tsv"; do
    [ -f "$f" ] || { echo "train-writer-model: $f not found (the labelled shared scans)" >&2; exit 1; }
done
SHARED=$(cd "$SHARED" && pwd)
swift build -c release --product sigverify >/dev/null
SIGVERIFY=.build/release/sigverify
start=$(date +%s)
"$SIGVERIFY" train-writers --labels data/all-split.tsv --scan-root "$SHARED" --epochs "$EPOCHS" --seed 7 \
    --set target_stroke_width=0 "$@" --out "$OUT"
echo "train-writer-model: trained in $(( $(date +%s) - start )) s"
"$SIGVERIFY" evaluate-writers data/all-split.tsv --scan-root "$SHARED" --split test --references 5 \
    --writer-model "$OUT" --out "$REPORT"
echo "train-writer-model: wall time $(( $(date +%s) - start )) s"
