#!/usr/bin/env bash
# Side-by-side preprocessing benchmark: sigverify (release build) and OpenCV's Python build of the
# same pipeline, both single-threaded, on the same files in the same run. Prints the ratio.
# Usage: scripts/bench-preprocess.sh [FILES...]   (default: fixture scans + synthetic 1500x700 / 2500x1200 JPEGs)
# Environment: BENCH_SECONDS (timing window per measurement, 0.5), BENCH_ROUNDS (3), BENCH_SYNTHETIC (in-memory sizes).
# OpenCV lives in a throwaway venv (.venv-bench, git-ignored); it is never a runtime dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${BENCH_SECONDS:-0.5}
VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import cv2, numpy" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet opencv-python-headless numpy
fi
swift build -c release --product sigverify >/dev/null
WORK=.build/bench-preprocess
mkdir -p "$WORK"
mapfile -t SYNTH < <("$VENV/bin/python" scripts/bench_preprocess_opencv.py make-synthetic "$WORK")
if [ "$#" -gt 0 ]; then
    FILES=("$@")
else
    FIX=../shared/fixtures/preprocess/inputs
    FILES=()
    for f in scan600_00.jpg scan600_01.png scan1500_00.jpg scan1500_01.png original_1_1.png R001.png; do
        [ -f "$FIX/$f" ] && FILES+=("$FIX/$f")
    done
    FILES+=("${SYNTH[@]}")
fi
ROUNDS=${BENCH_ROUNDS:-3}
SIZES=${BENCH_SYNTHETIC:-600x300,1500x700,2500x1200}
# Per-stage timings of sigverify (one OpenBLAS thread: idle BLAS threads must not compete).
OPENBLAS_NUM_THREADS=1 .build/release/sigverify benchmark preprocess --seconds "$SECONDS_PER" --synthetic "$SIZES" "${FILES[@]}"
echo
# Side by side, alternating sigverify and OpenCV per input.
"$VENV/bin/python" scripts/bench_preprocess_opencv.py compare .build/release/sigverify "$SECONDS_PER" "$ROUNDS" "$SIZES" "${FILES[@]}"
