# Shared set-up of the side-by-side benchmarks (bench-nn.sh, bench-train.sh); sourced, not run.
# After it: $VENV/bin/python has TensorFlow-CPU (throwaway venv .venv-tf, git-ignored; never a runtime
# dependency), SIGVERIFY=(…) runs the release build — or $SIGVERIFY_BIN, e.g. an older build — with the
# workplace's OpenBLAS overrides removed so its own kernel selection applies, SWIFT_TSV and TF_TSV are
# temporary files removed on exit, the kernel line is printed, and tf_python runs TensorFlow quietly.
cd "$(dirname "$0")/.."
VENV=.venv-tf
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import tensorflow" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet tensorflow-cpu numpy
fi
BIN=${SIGVERIFY_BIN:-}
if [ -z "$BIN" ]; then
    swift build -c release --product sigverify >/dev/null
    BIN=.build/release/sigverify
fi
SIGVERIFY=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$BIN")
SWIFT_TSV=$(mktemp); TF_TSV=$(mktemp)
trap 'rm -f "$SWIFT_TSV" "$TF_TSV"' EXIT
"${SIGVERIFY[@]}" info | grep '^OpenBLAS'
tf_python() {
    TF_CPP_MIN_LOG_LEVEL=2 "$VENV/bin/python" "$@" 2> >(grep -v -e '^WARNING: All log messages' -e 'oneDNN custom operations' >&2)
}
