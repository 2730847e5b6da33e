#!/usr/bin/env bash
# PostgreSQL for the tests: a throw-away cluster (trust auth, no fsync) on loopback with a
# database `test`. As root the server runs as the `postgres` user, which PostgreSQL requires.
# Usage: postgres.sh start|stop|env
SERVICE_NAME=postgres
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
PACKAGES=('postgresql=/usr/lib/postgresql/*/bin/initdb')

pg_bin() {
  local initdb
  initdb="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)"
  [[ -n $initdb ]] || die "no PostgreSQL binaries under /usr/lib/postgresql"
  dirname "$initdb"
}

# Runs "$@" as the owner of the cluster.
as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
as_owner_prefix() { if [[ $(id -u) == 0 ]]; then printf '%s\n' runuser -u postgres --; fi; }

start_service() {
  local dir bin port data
  dir="$(service_dir)"
  bin="$(pg_bin)"
  port="$(pick_port "${TEST_PG_PORT:-15432}")"
  data="$dir/data"
  if [[ $(id -u) == 0 ]]; then
    # The postgres user must reach the data folder; a repo under a private home would not let it.
    if ! runuser -u postgres -- test -x "$dir"; then
      data="$(mktemp -d /tmp/sb-test-postgres.XXXXXX)/data"
      printf '%s' "$(dirname "$data")" >"$dir/external-data"
    fi
    mkdir -p "$data"
    chown -R postgres: "$(dirname "$data")"
  fi
  as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # No Unix socket: TCP on loopback only, so nothing collides with the machine's own cluster.
  local owner; mapfile -t owner < <(as_owner_prefix)
  launch "${owner[@]}" "$bin/postgres" -D "$data" -p "$port" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c max_connections=200
  wait_until_ready "postgres on $port" pg_ready "$bin" "$port"
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c 'CREATE DATABASE test' >/dev/null
  write_env TEST_PG_URL "postgres://postgres@127.0.0.1:$port/test"
}

pg_ready() { "$1/pg_isready" -q -h 127.0.0.1 -p "$2" -U postgres; }

stop_service() {
  # SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing is waited for.
  stop_group INT
  local external; external="$(service_dir)/external-data"
  if [[ -f $external ]]; then rm -rf "$(<"$external")"; fi
}

service_main "$@"
