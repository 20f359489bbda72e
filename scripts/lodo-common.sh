# Sourced by scripts/lodo.sh and scripts/lodo-evaluate.sh: scoring one fold's model on its left-out
# dataset and summing up a table.
LODO_HEADER=$'recipe\tleft_out\tsignatures_accepted\tn\tnon_signatures_rejected\tn_invalid\ttrain_seconds'

# lodo_row SIGVERIFY NAME FOLD DIR SECONDS SHARED REPORT [evaluate options...]: evaluates DIR/model on
# DIR/eval.tsv (report in DIR/REPORT, log in DIR/REPORT.log) and prints the fold's table row.
lodo_row() {
    local sigverify=$1 name=$2 fold=$3 dir=$4 seconds=$5 shared=$6 report=$7
    shift 7
    "$sigverify" evaluate --model "$dir/model" --labels "$dir/eval.tsv" --scan-root "$shared" --out "$dir/$report" "$@" \
        > "$dir/$report.log"
    awk -v name="$name" -v fold="$fold" -v s="$seconds" '
        /^verdict/ { acc = $3; rej = $4 }
        /^model / { for (i = 1; i <= NF; i++) { if ($(i+1) == "valid" && $(i+2) == "+") nv = $i; if ($(i+1) == "invalid") ni = $i } }
        END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, fold, acc, nv, rej, ni, s }' "$dir/$report.log"
}

# lodo_summary TABLE: mean and worst signatures accepted, mean non-signatures rejected.
lodo_summary() {
    awk -F'\t' 'NR > 1 { n++; s += $3; r += $5; if (min == "" || $3 < min) { min = $3; worst = $2 } }
        END { if (n) printf "%s: signatures accepted mean %.3f, worst %.3f (%s); non-signatures rejected mean %.3f\n", $1, s / n, min, worst, r / n }' "$1"
}
