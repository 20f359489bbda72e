#!/usr/bin/env bash
# Writes data/real-split.tsv: the writer-disjoint train / validation / test split of the real scans in
# ../shared/data/real (file lists only — the images stay in shared/, several may not be committed).
#
# Writers (whose signature it is): CEDAR `original_W_N` / `forgeries_W_N` → W (a forgery imitates W's
# signature); SigComp2009 `FFFOOO_N` → OOO, the signature's owner (genuine when FFF = OOO); Chinese
# cross-media → the volunteer folder; every other file is its own group.
#   train:      CEDAR 1, 10, 15; SigComp owners 001–006; Chinese volunteers 1, 10, 15; 11 non-signatures
#   validation: CEDAR 5; SigComp 007–008; Chinese 20; 5 non-signatures   (early stopping, calibration)
#   test:       CEDAR 20; SigComp 009–012; Chinese 5, 25; the 4NSigComp scan; 9 non-signatures
# Only `sigverify evaluate --split test` reads the test rows; `train` leaves them out.
set -euo pipefail
cd "$(dirname "$0")/.."
LABELS=${1:-../shared/data/real/LABELS.tsv}
{
  echo "# Writer-disjoint split of ../shared/data/real (scripts/real-split.sh). Paths are relative to that folder."
  printf 'file\tlabel\tsource\twriter\tsplit\n'
  awk -F'\t' 'NR > 1 {
    path = $1; label = $2; source = $3; n = split(path, part, "/"); file = part[n]; writer = ""; split_ = ""
    if (source == "cedar") {
      split(file, w, "_"); writer = w[2]
      split_ = (writer == 20) ? "test" : (writer == 5) ? "validation" : "train"
    } else if (source == "sigcomp2009_nisdcc") {
      writer = substr(file, 4, 3)
      split_ = (writer >= "009") ? "test" : (writer >= "007") ? "validation" : "train"
    } else if (source == "cross_media_chinese") {
      writer = part[n - 1]
      split_ = (writer == 5 || writer == 25) ? "test" : (writer == 20) ? "validation" : "train"
    } else {
      writer = file
      if (source == "4nsigcomp2010") split_ = "test"
      else if (file ~ /^(astronaut|coffee|gravel|horse|moon|text)\.png$/ || file ~ /^(010023|1175-01002b|text-near-edge\.bin)\.png$/) split_ = "test"
      else if (file ~ /^(chelsea|grass|8077-010002|0079-01000d)\.png$/ || file == "hubble_deep_field.jpg") split_ = "validation"
      else split_ = "train"
    }
    printf "%s\t%s\t%s\t%s\t%s\n", path, label, source, writer, split_
  }' "$LABELS"
} > data/real-split.tsv
awk -F'\t' 'NR > 2 { n[$5 " " $2 " " $3]++ } END { for (k in n) print n[k], k }' data/real-split.tsv | sort -k2
