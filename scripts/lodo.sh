#!/usr/bin/env bash
# Leave-one-dataset-out validation of a training recipe: for each dataset of data/all-split.tsv
# (scripts/all-split.sh), train without it and measure on it. This — never a test split — is how
# recipes, input sizes and thresholds are chosen (README, "The default model").
#
# Usage: scripts/lodo.sh NAME [extra `sigverify train` options...]
#   e.g. scripts/lodo.sh base
#        scripts/lodo.sh ink96 --input-size 96
# Environment:
#   FOLDS     datasets to leave out (default: cedar sigcomp2009 chinese bhsig260 icdar_dutch nfi)
#   CAP       training originals per writer and kind (genuine / forgery) of the writer collections
#             (bhsig260, icdar_dutch, nfi; default 3); CEDAR, SigComp2009 and Chinese enter whole
#   EVAL_CAP  scans per writer and kind scored from the left-out dataset (default 6)
#   EPOCHS, CLASSIFIER_EPOCHS (default 6, 8), SCAN_COPIES (1), SYNTH_INVALID (1600), AUGMENT (0|1, default 0)
#   WORK      scratch folder (default .build/lodo); SHARED (default ../shared/data)
#   SIGVERIFY a built sigverify binary to use instead of building this checkout (e.g. a copy, so that
#             rebuilding the checkout during a long run cannot change the binary between folds)
#   FROM      a recipe NAME already run: train nothing, choose its fold models' thresholds again with
#             this run's calibration options (`train --thresholds-from`; give the same data options
#             as FROM's run, e.g. FROM=realistic scripts/lodo.sh realistic95 ... --accept-share 0.95)
# The short schedule (capped writers, fewer copies and epochs) is for comparing recipes; the
# committed model is trained longer on every training writer (scripts/train-default-model.sh).
# Prints one table row per fold and a summary (mean and worst accepted share); the row also goes to
# $WORK/NAME/table.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=${1:?usage: scripts/lodo.sh NAME [train options...]}
shift
FOLDS=${FOLDS:-cedar sigcomp2009 chinese bhsig260 icdar_dutch nfi}
CAP=${CAP:-3}
EVAL_CAP=${EVAL_CAP:-6}
EPOCHS=${EPOCHS:-6}
CLASSIFIER_EPOCHS=${CLASSIFIER_EPOCHS:-8}
SCAN_COPIES=${SCAN_COPIES:-1}
SYNTH_INVALID=${SYNTH_INVALID:-1600}
AUGMENT=${AUGMENT:-0}
SHARED=$(cd "${SHARED:-../shared/data}" && pwd)
WORK=${WORK:-.build/lodo}
[ -f data/all-split.tsv ] || bash scripts/all-split.sh "$SHARED" >/dev/null
. scripts/split-common.sh
. scripts/lodo-common.sh
if [ -z "${SIGVERIFY:-}" ]; then
    swift build -c release --product sigverify >/dev/null
    SIGVERIFY=$PWD/.build/release/sigverify
fi
mkdir -p "$WORK/$NAME"
WORK=$(cd "$WORK" && pwd)
OUT="$WORK/$NAME"

# The non-signature side, the same for every fold: the real test non-signatures and generated
# non-signatures of a seed no training run uses (2026).
[ -d "$WORK/negatives/invalid" ] || "$SIGVERIFY" synth --valid 0 --invalid 380 --kinds all --seed 2026 --out "$WORK/negatives" >/dev/null
augment_flag=(); [ "$AUGMENT" = 1 ] || augment_flag=(--no-augment)

echo "$LODO_HEADER" > "$OUT/table.tsv"
for fold in $FOLDS; do
    dir="$OUT/$fold"
    mkdir -p "$dir"
    # Training: every other dataset's train and validation writers (validation drives early stopping
    # and calibration), writer collections capped per writer and kind.
    { echo "$SPLIT_HEADER"; training_rows "$CAP" "$fold"; } > "$dir/train.tsv"
    # Scoring: the left-out dataset (every writer, capped per writer and kind) + the non-signatures.
    { echo "$SPLIT_HEADER"
      awk -F'\t' -v out="$fold" -v cap="$EVAL_CAP" 'BEGIN { OFS = "\t" } !/^#/ && $1 != "file" && $6 == out {
          if (++seen[$3 "/" $4 "/" $7] > cap) next
          $5 = "test"; print }' data/all-split.tsv
      awk -F'\t' 'BEGIN { OFS = "\t" } !/^#/ && $6 == "nonsig" && $5 == "test" { print }' data/all-split.tsv
      negative_rows "$WORK/negatives"
    } > "$dir/eval.tsv"
    start=$(date +%s)
    thresholds=(); [ -z "${FROM:-}" ] || thresholds=(--thresholds-from "$WORK/$FROM/$fold/model")
    if [ ! -f "$dir/model/manifest.json" ]; then
        "$SIGVERIFY" train "${thresholds[@]}" --labels "$dir/train.tsv" --scan-root "$SHARED" \
            --synthetic-valid 200 --synthetic-invalid "$SYNTH_INVALID" --synthetic-signature-kinds latin \
            --synthetic-background mixed --profile clean --recipe calibrated --input-size 64 --latent-dim 64 \
            --epochs "$EPOCHS" --classifier-epochs "$CLASSIFIER_EPOCHS" --batch-size 32 --seed 7 \
            --scan-condition-copies "$SCAN_COPIES" "${augment_flag[@]}" "$@" --out "$dir/model" > "$dir/train.log" 2>&1
    fi
    seconds=$(( $(date +%s) - start ))
    line=$(lodo_row "$SIGVERIFY" "$NAME" "$fold" "$dir" "$seconds" "$SHARED" report)
    echo "$line" | tee -a "$OUT/table.tsv"
done
lodo_summary "$OUT/table.tsv"
