#!/usr/bin/env bash
# Which OpenBLAS builds at hand can run bfloat16 GEMMs (cblas_sbgemm)? A measurement for the
# README's bf16 note, never a runtime dependency: checks the system library and the OpenBLAS that
# PyPI wheels ship (installed into a throwaway, git-ignored venv), by exported symbols and by
# resolving the function through the dynamic loader.
#   scripts/bf16-blas-check.sh [PYPI_PACKAGE...]   (default: scipy-openblas32 scipy-openblas64 cmeel-openblas)
set -euo pipefail
cd "$(dirname "$0")/.."
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(scipy-openblas32 scipy-openblas64 cmeel-openblas)
venv=.venv-bf16
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --no-deps "${packages[@]}"

libraries=(/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0)
while IFS= read -r lib; do libraries+=("$lib"); done < <(find "$venv" -name '*openblas*.so*' -type f | sort)

for lib in "${libraries[@]}"; do
    "$venv/bin/python" - "$lib" <<'PY'
import ctypes, subprocess, sys
path = sys.argv[1]
lib = ctypes.CDLL(path)
def text(name):
    for symbol in (name, "scipy_" + name, "scipy_" + name + "64_"):
        f = getattr(lib, symbol, None)
        if f is not None:
            f.restype = ctypes.c_char_p
            return f().decode()
    return "?"
symbols = subprocess.run(["readelf", "--dyn-syms", "-W", path], capture_output=True, text=True).stdout.split()
exported = sorted({s for s in symbols if "sbgemm" in s.lower() and not s.lower().endswith(("_p", "_q", "_r"))})
print(f"{path}\n  {text('openblas_get_config')}  (kernels: {text('openblas_get_corename')})")
print(f"  sbgemm functions exported: {', '.join(exported) if exported else 'none'}")
PY
done
