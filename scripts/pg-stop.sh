#!/usr/bin/env bash
# Stops the throwaway cluster started by scripts/pg-start.sh (data stays under .pg/ until removed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/.pg}"
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -d "$dir/data" ] || exit 0
if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
else
    "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
fi
