#!/usr/bin/env bash
# Reproduces the bundled default model (models/default) with one command and evaluates it on
# held-out data. Fixed seed: the same data and build give the same bundle.
#
# Usage: scripts/train-default-model.sh            (profile clean, calibrated recipe → models/default)
# Environment: PROFILE=seed|clean, RECIPE=calibrated|seed, OUT=folder (default models/default),
#              WORK=scratch folder (default .build/default-model/<profile>-<recipe>).
#
# Training data (read at training time only; the real scans are never copied into the repository):
#   - real signature scans from ../shared/fixtures/preprocess/inputs (CEDAR originals and
#     forgeries — genuine handwriting, so valid — SigComp/4NSigComp, Chinese cross-media samples),
#     minus a writer-disjoint held-out set used only for evaluation;
#   - the fixtures' synthetic scan-like signatures (scan600/scan1500/aug1200) and generated patterns (invalid224);
#   - real non-signatures (scikit-image page and camera; horse held out);
#   - 200 synthetic signatures (Bézier and cursive, on white or scanned paper) and 2400 synthetic
#     non-signatures of every kind (the reference's six
#     generated kinds plus empty boxes, printed text, stamps and page fragments);
#   - every valid image also enters with the reference's 5 augmented copies.
# Held-out evaluation: the held-out real scans plus 100 signatures and 300 non-signatures synthesised
# with another seed, written to $WORK/report.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-clean}
RECIPE=${RECIPE:-calibrated}
OUT=${OUT:-models/default}
WORK=${WORK:-.build/default-model/$PROFILE-$RECIPE}
FIX=$(cd .. && pwd)/shared/fixtures/preprocess/inputs
if [ ! -d "$FIX" ]; then
    echo "train-default-model: $FIX not found (the shared fixtures hold the real scans)" >&2
    exit 1
fi
swift build -c release --product sigverify >/dev/null
SIGVERIFY=.build/release/sigverify
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)  # LABELS.tsv paths are absolute

# file, label, source, writer — writers keep a person's scans (and PNG/JPEG twins) on one side of splits.
TRAIN="$WORK/train.tsv"; HELD="$WORK/heldout.tsv"
printf 'file\tlabel\tsource\twriter\n' > "$TRAIN"
printf 'file\tlabel\tsource\twriter\n' > "$HELD"
row() { printf '%s\t%s\t%s\t%s\n' "$FIX/$2" "$3" "$4" "$5" >> "$1"; }
# Real signatures (held out: CEDAR writers 5 and 20, one Chinese and one 4NSigComp-style scan).
row "$TRAIN" original_1_1.png   valid real-cedar   cedar-1
row "$TRAIN" forgeries_10_2.png valid real-cedar   cedar-10
row "$TRAIN" 001001_000.png     valid real-chinese chinese-001
row "$TRAIN" R001.png           valid real-sigcomp sigcomp-R
row "$TRAIN" 1.png              valid real-other   other-1
row "$TRAIN" 10.png             valid real-other   other-10
row "$HELD"  original_5_3.png   valid real-cedar   cedar-5
row "$HELD"  forgeries_20_7.png valid real-cedar   cedar-20
row "$HELD"  021002_001.png     valid real-chinese chinese-021
row "$HELD"  2.png              valid real-other   other-2
# Real non-signatures.
row "$TRAIN" page.png   invalid real-photo page
row "$TRAIN" camera.png invalid real-photo camera
row "$HELD"  horse.png  invalid real-photo horse
# The fixtures' synthetic scans (twins share a writer); a few held out.
for f in "$FIX"/scan600_*.* "$FIX"/scan1500_*.* "$FIX"/aug1200_*.*; do
    b=$(basename "$f"); stem=${b%.*}
    case "$stem" in scan600_09|scan1500_05|aug1200_03) dest=$HELD ;; *) dest=$TRAIN ;; esac
    row "$dest" "$b" valid fixture-scans "$stem"
done
for f in "$FIX"/invalid224_*.*; do
    b=$(basename "$f"); stem=${b%.*}
    case "$stem" in invalid224_04) dest=$HELD ;; *) dest=$TRAIN ;; esac
    row "$dest" "$b" invalid fixture-patterns "$stem"
done

start=$(date +%s)
"$SIGVERIFY" train --labels "$TRAIN" --synthetic-valid 200 --synthetic-invalid 2400 \
    --synthetic-signature-kinds all --synthetic-background mixed \
    --profile "$PROFILE" --recipe "$RECIPE" --input-size 64 --latent-dim 64 \
    --epochs 20 --classifier-epochs 30 --batch-size 32 --seed 7 --out "$OUT"
echo "training took $(( $(date +%s) - start )) s"

# Held-out evaluation: held-out real scans + synthetic data from another seed.
"$SIGVERIFY" synth --valid 100 --invalid 300 --signature-kinds all --background mixed --seed 2026 \
    --out "$WORK/heldout-synthetic" >/dev/null
# One source per synthetic kind, for the per-source table.
for f in "$WORK"/heldout-synthetic/valid/*.png; do
    b=$(basename "$f" .png)
    printf '%s\tvalid\tsynthetic-%s\t%s\n' "$f" "${b%_*}" "$b" >> "$HELD"
done
for f in "$WORK"/heldout-synthetic/invalid/*.png; do
    b=$(basename "$f" .png)
    printf '%s\tinvalid\tsynthetic-%s\t%s\n' "$f" "${b%_*}" "$b" >> "$HELD"
done
"$SIGVERIFY" evaluate --model "$OUT" --labels "$HELD" --out "$WORK/report"
du -sh "$OUT"
