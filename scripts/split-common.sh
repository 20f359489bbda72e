# Sourced by scripts/lodo.sh and scripts/train-default-model.sh: the rows of data/all-split.tsv
# (scripts/all-split.sh) a training run reads, and generated non-signatures as rows of the same shape.
SPLIT_HEADER=$'file\tlabel\tsource\twriter\tsplit\tdataset\tkind'

# training_rows CAP [LEFT_OUT]: the train and validation rows (validation drives early stopping and
# calibration), without dataset LEFT_OUT; the writer collections (bhsig260, icdar_dutch, nfi) capped
# at CAP originals per writer and kind, so 258 BHSig writers do not drown 5 CEDAR writers.
training_rows() {
    awk -F'\t' -v cap="$1" -v out="${2:-}" '!/^#/ && $1 != "file" && $5 != "test" && $6 != out {
        if ($6 ~ /^(bhsig260|icdar_dutch|nfi)$/ && ++seen[$3 "/" $4 "/" $7] > cap) next
        print }' data/all-split.tsv
}

# negative_rows DIR: the images of DIR/invalid (from `sigverify synth`) as test rows, source
# synthetic-<kind>.
negative_rows() {
    local f b
    for f in "$1"/invalid/*.png; do
        b=$(basename "$f" .png)
        printf '%s\tinvalid\tsynthetic-%s\t%s\ttest\tgenerated\tother\n' "$f" "${b%_*}" "$b"
    done
}
