#!/usr/bin/env bash
# The main job end to end on the bundled sample scans: installs system packages, builds the
# release binary, starts a throwaway PostgreSQL on loopback, migrates, enqueues samples/, runs
# two workers until the queue drains, and prints the verdict report.
# Usage: scripts/demo.sh [SCAN_OR_FOLDER...]   (default: samples/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
echo "demo: building (release)…" >&2
swift build -c release --product sigverify 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -n 3 >&2
bin="$(swift build -c release --show-bin-path)/sigverify"
export DATABASE_URL="$(bash scripts/pg-start.sh)"
echo "demo: PostgreSQL at $DATABASE_URL (stop it with scripts/pg-stop.sh)" >&2
"$bin" migrate
"$bin" enqueue "${@:-samples}"
"$bin" work --concurrency 2 --until-empty
"$bin" report
