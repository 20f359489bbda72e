#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback under .pg/ (ignored by git) and prints its
# connection URL on stdout. Reuses the cluster if it is already running. When run as root the
# server runs as the unprivileged `postgres` user, since initdb refuses root.
# Usage: scripts/pg-start.sh [DIR]   (stop it with scripts/pg-stop.sh [DIR])
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/.pg}"
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bindir/initdb" ] || { echo "pg-start: PostgreSQL server binaries not found (run scripts/setup-deps.sh)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$dir"
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
data="$dir/data"
if [ -f "$dir/port" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "postgresql://sigverify@127.0.0.1:$(cat "$dir/port")/sigverify"
    exit 0
fi
if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$data" -U sigverify --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
fi
# A free port: ask the kernel for one.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { tail -n 30 "$dir/server.log" >&2; exit 1; }
echo "$port" > "$dir/port"
"$bindir/psql" -h 127.0.0.1 -p "$port" -U sigverify -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname='sigverify'" | grep -q 1 \
    || "$bindir/createdb" -h 127.0.0.1 -p "$port" -U sigverify sigverify
echo "postgresql://sigverify@127.0.0.1:$port/sigverify"
