#!/usr/bin/env bash
# The queue side by side with PgQueuer 1.6.0 on the same PostgreSQL, in the same minutes:
# PgQueuer's drain benchmark (asyncpg, DEQUEUE dequeue tasks; scripts/bench_pgqueuer_drain.py) and
# `sigverify benchmark queue` (WORKERS worker processes, no-op jobs, each writing its verdict, its
# events and their audit chain), JOBS jobs per run, for each batch size, ROUNDS rounds interleaved
# (PgQueuer, then sigverify, per batch size and round). Prints every run, then the median rate of
# each side per batch size and their ratio (sigverify / PgQueuer), and the deadlocks (40P01) the
# server logged meanwhile, and `sigverify audit` after one more drain. PgQueuer lives in a throwaway venv under .build/ and in its own
# database (pgqueuer_bench) on the cluster of scripts/pg-start.sh, which this script starts if
# needed (stop it with scripts/pg-stop.sh). The venv's entry scripts run through its python, so a venv
# moved with its checkout still works.
#
# Usage: scripts/bench-queue-peers.sh   (environment: JOBS=20000 BATCHES="32 256" ROUNDS=2
#        WORKERS=2 DEQUEUE=5; SIGVERIFY_BIN=path to another build, e.g. an older one;
#        SIGVERIFY_MIGRATIONS=its migrations directory)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-20000}
BATCHES=${BATCHES:-"32 256"}
ROUNDS=${ROUNDS:-2}
WORKERS=${WORKERS:-2}
DEQUEUE=${DEQUEUE:-5}

VENV=.build/venv-pgqueuer
if ! "$VENV/bin/python" -c "import pgqueuer, asyncpg, uvloop; assert pgqueuer.__version__ == '1.6.0'" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "pgqueuer==1.6.0" asyncpg uvloop
fi
BIN=${SIGVERIFY_BIN:-}
if [ -z "$BIN" ]; then
    swift build -c release -j 1 --product sigverify >/dev/null
    BIN=.build/release/sigverify
fi

url="$(bash scripts/pg-start.sh)"
server="${url%/*}"
log=.pg/server.log
psql "$server/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = 'pgqueuer_bench'" | grep -q 1 \
    || psql "$server/postgres" -qc "CREATE DATABASE pgqueuer_bench"
"$VENV/bin/python" "$VENV/bin/pgq" --pg-dsn "$server/pgqueuer_bench" verify --expect present >/dev/null 2>&1 \
    || "$VENV/bin/python" "$VENV/bin/pgq" --pg-dsn "$server/pgqueuer_bench" install >/dev/null
deadlocks_before=$(grep -c "deadlock detected" "$log" || true)

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores); $(psql "$server/postgres" -qtAc 'SHOW server_version') "
echo "$JOBS jobs per run; PgQueuer 1.6.0 drain with $DEQUEUE dequeue tasks; sigverify benchmark queue with $WORKERS workers"
printf '%-5s  %-6s  %-10s  %s\n' round batch side jobs/s
declare -A runs
for round in $(seq 1 "$ROUNDS"); do
    for b in $BATCHES; do
        peer=$("$VENV/bin/python" scripts/bench_pgqueuer_drain.py "$server/pgqueuer_bench" "$JOBS" "$DEQUEUE" "$b")
        printf '%-5s  %-6s  %-10s  %s\n' "$round" "$b" pgqueuer "$peer"
        ours=$("$BIN" benchmark queue --database-url "$url" --log-level error --jobs "$JOBS" --workers "$WORKERS" \
                   --batch-sizes "$b" | awk '$1 ~ /^[0-9]+$/ { print $4 }')
        printf '%-5s  %-6s  %-10s  %s\n' "$round" "$b" sigverify "$ours"
        runs[$b,pgqueuer]+="$peer "
        runs[$b,sigverify]+="$ours "
    done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
printf '%-6s  %-16s  %-16s  %s\n' batch "pgqueuer jobs/s" "sigverify jobs/s" ratio
for b in $BATCHES; do
    p=$(echo "${runs[$b,pgqueuer]}" | median)
    s=$(echo "${runs[$b,sigverify]}" | median)
    printf '%-6s  %-16s  %-16s  %.2f×\n' "$b" "$p" "$s" "$(echo "$s / $p" | bc -l)"
done

# The benchmark drops its databases: drain one more the same way (WORKERS benchmark children at
# the largest batch size) in a database kept until `sigverify audit` has verified it.
audit_db="$server/sigverify_bench_audit"
PGOPTIONS="-c client_min_messages=warning" psql "$server/postgres" -qc "DROP DATABASE IF EXISTS sigverify_bench_audit WITH (FORCE)" -c "CREATE DATABASE sigverify_bench_audit"
"$BIN" migrate --database-url "$audit_db" --log-level error >/dev/null
psql "$audit_db" -qc "INSERT INTO sigverify.jobs (image) SELECT decode(repeat(md5(g::text), 188), 'hex') FROM generate_series(1, $JOBS) g"
batch=$(echo "$BATCHES" | tr ' ' '\n' | sort -n | tail -n 1)
for _ in $(seq 1 "$WORKERS"); do
    "$BIN" benchmark queue --child --database-url "$audit_db" --batch-size "$batch" --log-level error &
done
wait
echo "after a drain of $JOBS jobs by $WORKERS workers at batch $batch: $("$BIN" audit --database-url "$audit_db" --log-level error)"
psql "$server/postgres" -qc "DROP DATABASE sigverify_bench_audit WITH (FORCE)"
echo "deadlocks (40P01) in $log during the runs: $(( $(grep -c "deadlock detected" "$log" || true) - deadlocks_before ))"
