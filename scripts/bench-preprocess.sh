#!/usr/bin/env bash
# Side-by-side preprocessing benchmark: sigverify (release build) and OpenCV's Python build of the
# same pipeline, both single-threaded, on the same files in the same run. Prints the ratio.
# Then the same against sigverify's working-resolution profile (clean version 2 at the default
# model's 64×64 input: JPEGs decoded with DCT scaling, stages at the working size); OpenCV's side
# stays the full decode + seed pipeline, the work the new profile replaces.
# Usage: scripts/bench-preprocess.sh [FILES...]   (default: fixture scans + synthetic 1500x700 / 2500x1200 JPEGs)
# Environment: BENCH_SECONDS (timing window per measurement, 0.5), BENCH_ROUNDS (3), BENCH_SYNTHETIC (in-memory sizes),
#   WORKING_PROFILE (sigverify options of the second comparison; '' skips it).
# OpenCV lives in a throwaway venv (.venv-bench, git-ignored); it is never a runtime dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${BENCH_SECONDS:-0.5}
VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import cv2, numpy" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet opencv-python-headless numpy
fi
# $SIGVERIFY_BIN (e.g. an older build, or one built with `--build-tests`) skips the build, as in bench-common.sh.
BIN=${SIGVERIFY_BIN:-}
if [ -z "$BIN" ]; then
    swift build -c release --product sigverify >/dev/null
    BIN=.build/release/sigverify
fi
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
OPENBLAS_NUM_THREADS=1 "$BIN" benchmark preprocess --seconds "$SECONDS_PER" --synthetic "$SIZES" "${FILES[@]}"
echo
# Side by side, alternating sigverify and OpenCV per input.
"$VENV/bin/python" scripts/bench_preprocess_opencv.py compare "$BIN" "$SECONDS_PER" "$ROUNDS" "$SIZES" "${FILES[@]}"
WORKING=${WORKING_PROFILE-"--profile clean --profile-version 2 --size 64"}
if [ -n "$WORKING" ]; then
    echo
    SIGVERIFY_PROFILE_ARGS="$WORKING" "$VENV/bin/python" scripts/bench_preprocess_opencv.py compare "$BIN" "$SECONDS_PER" "$ROUNDS" "$SIZES" "${FILES[@]}"
fi
