#!/usr/bin/env bash
# The main job end to end on the bundled sample scans: installs system packages, builds the
# release binary, starts a throwaway PostgreSQL on loopback, migrates (as the owner), enqueues
# samples/ as a sigverify_enqueuer login, runs two workers as a sigverify_worker login until the
# queue drains, and prints the verdict report and the audit chain check as a sigverify_auditor login,
# then how to open the same verdicts, with their images, in the read-only web console.
# Usage: scripts/demo.sh [SCAN_OR_FOLDER...]   (default: samples/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
echo "demo: building (release)…" >&2
swift build -c release --product sigverify 2>&1 | tail -n 3 >&2   # pipefail: a failed build stops here
bin="$(swift build -c release --show-bin-path)/sigverify"
export DATABASE_URL="$(bash scripts/pg-start.sh)"
echo "demo: PostgreSQL at $DATABASE_URL (stop it with scripts/pg-stop.sh)" >&2
"$bin" migrate                                       # the owner: the only login that changes the schema
"$bin" enqueue --database-url "$(bash scripts/pg-login.sh enqueuer)" "${@:-samples}"
"$bin" work --database-url "$(bash scripts/pg-login.sh worker)" --concurrency 2 --until-empty
auditor="$(bash scripts/pg-login.sh auditor)"
"$bin" report --database-url "$auditor"
"$bin" audit --database-url "$auditor"
echo "demo: browse these verdicts: $bin console --database-url '$auditor'   then open http://127.0.0.1:8080/" >&2
