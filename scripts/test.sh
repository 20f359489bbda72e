#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: installs system packages, starts a throwaway
# PostgreSQL, runs `swift test` in release mode (numeric kernels are 10–50× slower in debug).
# XCTest only: the suite has no Swift Testing tests, so the closing line is XCTest's real count.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
export DATABASE_URL="$(bash scripts/pg-start.sh)"
trap 'bash scripts/pg-stop.sh' EXIT
echo "test: PostgreSQL at $DATABASE_URL" >&2
swift test -c release --disable-swift-testing "$@"
