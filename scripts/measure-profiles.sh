#!/usr/bin/env bash
# Issue 7 measurement: ink fraction of every preprocessing profile on real scans vs generated
# images. Usage: scripts/measure-profiles.sh [FILES...]  (default: ../shared/fixtures/preprocess/inputs/*)
# Writes each profile's stages to .build/profiles/<profile>/ for looking at; needs the .venv-bench venv
# (made by scripts/bench-preprocess.sh) only to read PNGs in the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import cv2, numpy" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet opencv-python-headless numpy
fi
swift build -c release --product sigverify >/dev/null
if [ "$#" -gt 0 ]; then ALL=("$@"); else ALL=(../shared/fixtures/preprocess/inputs/*); fi
# PNG/JPEG twins share a stem (and an output name): keep the first of each.
declare -A SEEN
FILES=()
for f in "${ALL[@]}"; do
    stem=$(basename "${f%.*}")
    [ -n "${SEEN[$stem]:-}" ] && continue
    SEEN[$stem]=1
    FILES+=("$f")
done
OUT=.build/profiles
# Candidates: label=profile[,NAME=VALUE...] (the defaults of `clean` are the chosen candidate).
CANDIDATES=(${PROFILE_CANDIDATES:-seed=seed clean=clean clean-nocrop=clean,crop_to_ink=0 clean-nodespeckle=clean,min_component_area_min=0,min_component_area_fraction=0 clean-loose=clean,threshold_max=230 clean-strict=clean,threshold_max=160 clean-sauvola=clean,threshold_method=1})
LABELS=()
for c in "${CANDIDATES[@]}"; do
    label=${c%%=*}; rest=${c#*=}; profile=${rest%%,*}
    SETS=()
    if [[ "$rest" == *,* ]]; then IFS=',' read -ra KV <<< "${rest#*,}"; for kv in "${KV[@]}"; do SETS+=(--set "$kv"); done; fi
    rm -rf "$OUT/$label"
    .build/release/sigverify preprocess --profile "$profile" "${SETS[@]}" --stages --out "$OUT/$label" "${FILES[@]}" >/dev/null
    LABELS+=("$label=$profile")
done
PICTURE=${PICTURE:-$OUT/before-after.png} "$VENV/bin/python" scripts/measure_profiles.py "$OUT" "${LABELS[@]}" -- "${FILES[@]}"
