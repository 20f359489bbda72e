#!/usr/bin/env bash
# Rebuilds the bundled default model (models/default) with one command and evaluates it on the
# writer-disjoint test split. Fixed seeds: the same data and build give the same bundle.
#
# Usage: scripts/train-default-model.sh
# Environment: PROFILE=clean|seed, RECIPE=calibrated|seed, SIZE=64 (input side), LATENT=64,
#              OUT=folder (default models/default), WORK=scratch folder (default .build/default-model/<profile>-<size>),
#              REAL=folder of the labelled real scans (default ../shared/data/real).
#
# Training data (read at training time only; the real scans are never copied into the repository):
#   - the train and validation rows of data/real-split.tsv (scripts/real-split.sh: writer-disjoint
#     CEDAR, SigComp2009, Chinese cross-media signatures and real non-signatures); validation rows
#     drive early stopping and calibration, test rows are left out by `train` itself;
#   - every real signature with the reference's 5 augmented copies and 3 scan-condition copies,
#     every real non-signature with 8 signature-box-sized crops;
#   - 200 synthetic signatures (Bézier and cursive, on white or scanned paper) and 2400 synthetic
#     non-signatures of every kind (generated patterns, empty boxes, printed text, stamps, page
#     fragments, blank paper, barcodes, QR codes, handwritten notes, pictures).
# Test (touched only here, by `evaluate`): the test rows of data/real-split.tsv plus 380 generated
# non-signatures of seed 2026, which no training run uses; report in $WORK/report.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-clean}
RECIPE=${RECIPE:-calibrated}
SIZE=${SIZE:-64}
LATENT=${LATENT:-64}
OUT=${OUT:-models/default}
WORK=${WORK:-.build/default-model/$PROFILE-$SIZE}
REAL=${REAL:-$(cd .. && pwd)/shared/data/real}
if [ ! -f "$REAL/LABELS.tsv" ]; then
    echo "train-default-model: $REAL/LABELS.tsv not found (the labelled real scans)" >&2
    exit 1
fi
swift build -c release --product sigverify >/dev/null
SIGVERIFY=.build/release/sigverify
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)  # LABELS.tsv paths are absolute

start=$(date +%s)
"$SIGVERIFY" train --labels data/real-split.tsv --scan-root "$REAL" \
    --synthetic-valid 200 --synthetic-invalid 2400 --synthetic-signature-kinds all --synthetic-background mixed \
    --profile "$PROFILE" --recipe "$RECIPE" --input-size "$SIZE" --latent-dim "$LATENT" \
    --epochs 20 --classifier-epochs 30 --batch-size 32 --seed 7 --out "$OUT"
echo "training took $(( $(date +%s) - start )) s"

# The test set: real test rows + generated non-signatures of a seed no training step used.
TEST="$WORK/test.tsv"
"$SIGVERIFY" synth --valid 0 --invalid 380 --kinds all --seed 2026 --out "$WORK/test-negatives" >/dev/null
{
  printf 'file\tlabel\tsource\twriter\tsplit\n'
  awk -F'\t' -v real="$REAL" '!/^#/ && $5 == "test" { printf "%s/%s\t%s\t%s\t%s\ttest\n", real, $1, $2, $3, $4 }' data/real-split.tsv
  for f in "$WORK"/test-negatives/invalid/*.png; do
      b=$(basename "$f" .png)
      printf '%s\tinvalid\tsynthetic-%s\t%s\ttest\n' "$f" "${b%_*}" "$b"
  done
} > "$TEST"
"$SIGVERIFY" evaluate --model "$OUT" --labels "$TEST" --out "$WORK/report"
# Each criterion alone on two sub-sets: the real test scans only (109 signatures, 9 non-signatures),
# and real test signatures against the out-of-distribution set — the real test non-signatures plus
# the generated kinds a back office meets (blank paper, boxes, printed and handwritten text, page
# fragments, stamps, barcodes, QR codes, pictures), without the reference's line-art patterns.
awk -F'\t' 'NR == 1 || $3 !~ /^synthetic-/' "$TEST" > "$WORK/test-real.tsv"
awk -F'\t' 'NR == 1 || $2 == "valid" || $3 !~ /^synthetic-(polyline|shapes|text_strokes|sine_waves|circles|composite)$/' \
    "$TEST" > "$WORK/test-ood.tsv"
"$SIGVERIFY" evaluate --model "$OUT" --labels "$WORK/test-real.tsv" --out "$WORK/report-real" | sed -n '2,6p'
"$SIGVERIFY" evaluate --model "$OUT" --labels "$WORK/test-ood.tsv" --out "$WORK/report-ood" | sed -n '2,6p'
du -sh "$OUT"
echo "wall time $(( $(date +%s) - start )) s"
