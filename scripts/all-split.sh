#!/usr/bin/env bash
# Writes data/all-split.tsv: every labelled scan shared with the project — ../shared/data/real
# (LABELS.tsv) and ../shared/data/writers (WRITERS.tsv) — with its writer, its dataset and its part
# of a writer-disjoint train / validation / test split. File lists only: the images stay in shared/.
# Paths are relative to ../shared/data (train/evaluate --scan-root ../shared/data).
#
# Columns: file, label, source, writer, split, dataset, kind.
#   dataset — what leave-one-dataset-out validation leaves out (scripts/lodo.sh): cedar,
#             sigcomp2009, chinese, bhsig260 (Hindi and Bengali: one collection, one scanner
#             set-up), icdar_dutch, nfi; 4nsigcomp (one scan) and nonsig (real non-signatures)
#             are never left out.
#   kind    — genuine | forgery | other (a forgery is still a signature: label valid).
# Split rule:
#   real/   the recorded split of data/real-split.tsv (scripts/real-split.sh), unchanged;
#   writers/ by writer number n: n mod 10 = 3 → test, n mod 10 = 7 → validation, else train
#            (BHSig260 Hindi 16/16/127, Bengali 10/10/79, ICDAR Dutch 5/4/34, NFI 3/3/24 writers).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${1:-../shared/data}
[ -f data/real-split.tsv ] || bash scripts/real-split.sh "$SHARED/real/LABELS.tsv" >/dev/null
{
  echo "# All shared labelled scans, writer-disjoint (scripts/all-split.sh). Paths are relative to ../shared/data."
  printf 'file\tlabel\tsource\twriter\tsplit\tdataset\tkind\n'
  awk -F'\t' '!/^#/ && $1 != "file" {
    source = $3; dataset = source; kind = "genuine"
    if (source == "cedar") { dataset = "cedar"; if ($1 ~ /forgeries_/) kind = "forgery" }
    else if (source == "sigcomp2009_nisdcc") {
      dataset = "sigcomp2009"; n = split($1, part, "/"); f = part[n]
      if (substr(f, 1, 3) != substr(f, 4, 3)) kind = "forgery"
    }
    else if (source == "cross_media_chinese") dataset = "chinese"
    else if (source == "4nsigcomp2010") dataset = "4nsigcomp"
    else { dataset = "nonsig"; kind = "other" }
    printf "real/%s\t%s\t%s\t%s\t%s\t%s\t%s\n", $1, $2, source, $4, $5, dataset, kind
  }' data/real-split.tsv
  awk -F'\t' 'NR > 1 {
    source = $2; writer = $3; n = writer + 0
    dataset = (source ~ /^bhsig260/) ? "bhsig260" : (source == "icdar2011_dutch") ? "icdar_dutch" : source
    role = (n % 10 == 3) ? "test" : (n % 10 == 7) ? "validation" : "train"
    printf "writers/%s\tvalid\t%s\t%s\t%s\t%s\t%s\n", $1, source, writer, role, dataset, $4
  }' "$SHARED/writers/WRITERS.tsv"
} > data/all-split.tsv
awk -F'\t' '!/^#/ && $1 != "file" { n[$6 " " $5 " " $2]++ } END { for (k in n) print n[k], k }' data/all-split.tsv | sort -k2
