#!/usr/bin/env bash
# Stops the PgBouncer that scripts/pgbouncer-start.sh DIR started.
set -euo pipefail
dir="$1"
[ -f "$dir/pgbouncer.pid" ] || exit 0
kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
for _ in $(seq 1 50); do kill -0 "$(cat "$dir/pgbouncer.pid" 2>/dev/null || echo 0)" 2>/dev/null || exit 0; sleep 0.1; done
