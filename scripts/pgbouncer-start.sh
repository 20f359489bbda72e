#!/usr/bin/env bash
# Starts PgBouncer in transaction-pooling mode on a free loopback port in front of the PostgreSQL
# server of URL (every database name is passed through), and prints the URL to use instead.
# Trust authentication (loopback test servers only); the worker's startup `options`
# (statement_timeout) are ignored by PgBouncer 1.18, so set such limits on the role instead
# (README, "Many workers, one database"). When run as root PgBouncer runs as `postgres`.
# Usage: scripts/pgbouncer-start.sh DIR URL [POOL_SIZE]   (stop it with scripts/pgbouncer-stop.sh DIR)
set -euo pipefail
dir="$1"; url="$2"; pool="${3:-4}"
command -v pgbouncer >/dev/null || { echo "pgbouncer-start: pgbouncer not installed (run scripts/setup-deps.sh)" >&2; exit 1; }
read -r pg_host pg_port user db < <(python3 -c '
import sys, urllib.parse as u
p = u.urlparse(sys.argv[1])
print(p.hostname or "127.0.0.1", p.port or 5432, u.unquote(p.username or "postgres"), p.path.lstrip("/") or "postgres")' "$url")
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$dir"
printf '"%s" ""\n' "$user" > "$dir/userlist.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=$pg_host port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 500
ignore_startup_parameters = extra_float_digits,options
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
INI
if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$dir"
    runuser -u postgres -- pgbouncer -d -q "$dir/pgbouncer.ini"
else
    pgbouncer -d -q "$dir/pgbouncer.ini"
fi
for _ in $(seq 1 100); do
    if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$port" 2>/dev/null; then
        echo "$port" > "$dir/port"
        echo "postgresql://$user@127.0.0.1:$port/$db"
        exit 0
    fi
    sleep 0.1
done
echo "pgbouncer-start: PgBouncer did not start listening on $port" >&2
tail -n 20 "$dir/pgbouncer.log" >&2 || true
exit 1
