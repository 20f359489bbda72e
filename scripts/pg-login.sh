#!/usr/bin/env bash
# Creates (once) a LOGIN role in the throwaway cluster of scripts/pg-start.sh that is a member of
# one of the group roles `sigverify migrate` creates, and prints its connection URL on stdout.
# The cluster trusts loopback connections, so the login has no password; on a real server give it
# one (CREATE ROLE … LOGIN PASSWORD … IN ROLE sigverify_worker).
# Usage: scripts/pg-login.sh enqueuer|worker|auditor|enroller [OWNER_URL]   (default: $DATABASE_URL)
set -euo pipefail
kind="${1:?usage: scripts/pg-login.sh enqueuer|worker|auditor|enroller [OWNER_URL]}"
case "$kind" in enqueuer|worker|auditor|enroller) ;; *) echo "pg-login: unknown role kind $kind" >&2; exit 2 ;; esac
url="${2:-${DATABASE_URL:?pg-login: pass the owner URL or set DATABASE_URL}}"
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
login="sigverify_${kind}_login"
"$bindir/psql" "$url" -qtA -v ON_ERROR_STOP=1 -c "
    DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$login') THEN
            CREATE ROLE $login LOGIN IN ROLE sigverify_$kind;
        END IF;
    END \$\$" >/dev/null
echo "$url" | sed -E "s#^(postgres(ql)?://)[^@/]*@#\1$login@#"
