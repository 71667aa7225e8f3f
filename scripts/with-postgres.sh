#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: initdb in a temporary directory,
# start on a free loopback port, export SAM_DATABASE_URL, run, and stop the cluster whatever happens.
# PostgreSQL refuses to run as root, so the cluster runs as the `postgres` system user then.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found in $PG_BIN" >&2; exit 1; }

workdir=$(mktemp -d /tmp/sam-pg.XXXXXX)
chmod 755 "$workdir"
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres: "$workdir"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
    as_pg "$PG_BIN/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

as_pg "$PG_BIN/initdb" -D "$workdir/data" -U sam -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
    -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
echo "PostgreSQL test cluster on 127.0.0.1:$port ($workdir)"

export SAM_DATABASE_URL="postgres://sam@127.0.0.1:$port/sam"
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U sam sam
set +e
"$@"
status=$?
set -e
exit $status
