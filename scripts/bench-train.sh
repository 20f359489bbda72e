#!/usr/bin/env bash
# Training throughput side by side: sigverify (release build) and TensorFlow-CPU on the same models
# (SPEC §3) and the same batch, both on all cores, in the same run; prints the ratio per network.
# TensorFlow, the build and the kernel line: scripts/bench-common.sh (SIGVERIFY_BIN=path runs another build).
# Usage: scripts/bench-train.sh [INPUT_SIZE [LATENT [BATCH [STEPS]]]]   (default 224 128 32 3)
set -euo pipefail
SIZE=${1:-224}; LATENT=${2:-128}; BATCH=${3:-32}; STEPS=${4:-3}
source "$(dirname "$0")/bench-common.sh"
# sigverify before and after TensorFlow (the best of both runs counts), so load changes hit both sides.
"${SIGVERIFY[@]}" benchmark train --input-size "$SIZE" --latent-dim "$LATENT" --batch-size "$BATCH" --steps "$STEPS" --tsv >> "$SWIFT_TSV"
tf_python scripts/bench_train_tf.py "$SIZE" "$LATENT" "$BATCH" "$STEPS" >> "$TF_TSV"
"${SIGVERIFY[@]}" benchmark train --input-size "$SIZE" --latent-dim "$LATENT" --batch-size "$BATCH" --steps "$STEPS" --tsv >> "$SWIFT_TSV"
echo "training step throughput, input ${SIZE}x${SIZE}, latent $LATENT, batch $BATCH (images/s, best of $STEPS steps)"
printf "%-12s %12s %12s %8s\n" network sigverify tensorflow ratio
for net in autoencoder classifier; do
    s=$(awk -F'\t' -v n="$net" '$1==n && $4>b {b=$4} END {print b}' "$SWIFT_TSV")
    t=$(awk -F'\t' -v n="$net" '$1==n && $4>b {b=$4} END {print b}' "$TF_TSV")
    awk -v n="$net" -v s="$s" -v t="$t" 'BEGIN {printf "%-12s %12.2f %12.2f %7.2fx\n", n, s, t, s / t}'
done
