#!/usr/bin/env bash
# Verifier throughput side by side: sigverify (release build) and TensorFlow-CPU running the same fused
# batched verifier (SPEC §3: encoder once, decoder on the latent, IsolationForest on the latent,
# classifier) on the same batch sizes, both on all cores, in the same run; prints the ratio per batch.
# TensorFlow, the build and the kernel line: scripts/bench-common.sh (SIGVERIFY_BIN=path runs another build).
# Usage: scripts/bench-nn.sh [INPUT_SIZE [LATENT [REPEATS]]]   (default 224 128 5)
set -euo pipefail
SIZE=${1:-224}; LATENT=${2:-128}; REPEATS=${3:-5}
source "$(dirname "$0")/bench-common.sh"
bench() { "${SIGVERIFY[@]}" benchmark nn --size "$SIZE" --latent "$LATENT" --repeats "$REPEATS" --tsv >> "$SWIFT_TSV"; }
# sigverify before and after TensorFlow (the best of both runs counts), so load changes hit both sides.
bench
tf_python scripts/bench_nn_tf.py "$SIZE" "$LATENT" "$REPEATS" 1 32 >> "$TF_TSV"
bench
echo "fused verifier throughput, input ${SIZE}x${SIZE}, latent $LATENT (best of $REPEATS passes; wall clock, and per"
echo "CPU-second of each process — steadier when other processes share the cores)"
printf "%-6s %12s %12s %8s   %14s %14s %8s\n" batch "sigverify/s" "tf/s" ratio "sigverify/cpu-s" "tf/cpu-s" ratio
for batch in 1 32; do
    best() { awk -F'\t' -v n="$batch" -v col="$2" '$1==n && (b=="" || $col<b) {b=$col} END {print b}' "$1"; }
    awk -v n="$batch" -v sw="$(best "$SWIFT_TSV" 2)" -v tw="$(best "$TF_TSV" 2)" -v sc="$(best "$SWIFT_TSV" 4)" -v tc="$(best "$TF_TSV" 4)" \
        'BEGIN {printf "%-6s %12.2f %12.2f %7.2fx   %14.2f %14.2f %7.2fx\n", n, n/sw, n/tw, tw/sw, n/sc, n/tc, tc/sc}'
done
