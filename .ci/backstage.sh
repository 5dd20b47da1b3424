#!/usr/bin/env bash
# A real Backstage backend (catalog + scaffolder) on 127.0.0.1 for the `backstage` source test
# (tests/backstage_source.rs) and remote template runs (tests/scaffold_remote.rs), over its own
# PostgreSQL cluster from Debian.
#
#   .ci/backstage.sh start DIR CATALOG   install what is missing, start PostgreSQL and the backend
#                                        with CATALOG (a descriptor file) as its one location,
#                                        wait for readiness, and print
#                                        GREENROOM_TEST_BACKSTAGE_URL=http://127.0.0.1:PORT and
#                                        GREENROOM_TEST_BACKSTAGE_TOKEN=...
#   .ci/backstage.sh stop DIR            stop both (by their pid files / data dir)
#
# Versions are pinned in .ci/backstage/package-lock.json (the recipe is the shared research
# note on running Backstage locally). node_modules is installed once per lockfile into
# ~/.cache/greenroom-ci/ and reused. Installing PostgreSQL needs root, as in CI.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start DIR CATALOG | stop DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG=/usr/lib/postgresql/15/bin

stop() {
  if [[ -f "$dir/backend.pid" ]]; then
    pid=$(cat "$dir/backend.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/backend.pid"
  fi
  if [[ -d "$dir/pg/data" ]]; then
    su postgres -c "$PG/pg_ctl -D '$dir/pg/data' -m immediate stop" >/dev/null 2>&1 || true
  fi
}

if [[ "$cmd" == stop ]]; then
  stop
  exit 0
fi
[[ "$cmd" == start ]] || { echo "unknown command: $cmd" >&2; exit 2; }
catalog=${3:-}
[[ -f "$catalog" ]] || { echo "start needs a catalogue file, not '$catalog'" >&2; exit 2; }
catalog=$(cd "$(dirname "$catalog")" && pwd)/$(basename "$catalog")

need=()
[[ -x $PG/initdb ]] || need+=(postgresql-15)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v curl >/dev/null 2>&1 || need+=(curl)
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing ${need[*]}; installing needs root: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "installing ${need[*]} from Debian..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
    { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; }
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "running PostgreSQL as the postgres user needs root" >&2
  exit 1
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop
mkdir -p "$dir/pg" "$dir/work"
chmod 755 "$dir"
chown postgres:postgres "$dir/pg"
export BS_TOKEN=greenroom-test-token-$RANDOM$RANDOM$RANDOM
export BS_DB_PASSWORD=backstage-$RANDOM$RANDOM
pgport=$(free_port)
su postgres -c "$PG/initdb -D '$dir/pg/data' -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8" >/dev/null
su postgres -c "$PG/pg_ctl -D '$dir/pg/data' -l '$dir/pg/postgres.log' -o \"-c listen_addresses=127.0.0.1 -p $pgport -k '$dir/pg'\" -w start" >/dev/null
psql -q -h "$dir/pg" -p "$pgport" -U postgres -c "CREATE ROLE backstage LOGIN CREATEDB PASSWORD '$BS_DB_PASSWORD';"

# node_modules, once per lockfile.
lock="$root/.ci/backstage/package-lock.json"
hash=$(sha256sum "$lock" | cut -c1-16)
modules="${XDG_CACHE_HOME:-$HOME/.cache}/greenroom-ci/backstage-$hash"
if [[ ! -d "$modules/node_modules" ]]; then
  echo "installing the Backstage backend's packages (npm ci, about a minute)..." >&2
  rm -rf "$modules.tmp" && mkdir -p "$modules.tmp"
  cp "$root/.ci/backstage/package.json" "$lock" "$modules.tmp/"
  (cd "$modules.tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
  rm -rf "$modules" && mv "$modules.tmp" "$modules"
fi

port=$(free_port)
mkdir -p "$dir/backend"
cp "$root/.ci/backstage/index.js" "$root/.ci/backstage/package.json" "$dir/backend/"
ln -sfn "$modules/node_modules" "$dir/backend/node_modules"
sed -e "s#@PORT@#$port#g" -e "s#@PGPORT@#$pgport#g" -e "s#@RUN@#$dir#g" -e "s#@CATALOG@#$catalog#g" \
  "$root/.ci/backstage/app-config.yaml" > "$dir/backend/app-config.yaml"
(cd "$dir/backend" && NODE_ENV=production exec node index.js --config app-config.yaml) >"$dir/backend.log" 2>&1 &
echo $! > "$dir/backend.pid"

url="http://127.0.0.1:$port"
for _ in $(seq 120); do
  if ! kill -0 "$(cat "$dir/backend.pid")" 2>/dev/null; then
    echo "the Backstage backend exited; its log:" >&2
    tail -50 "$dir/backend.log" >&2
    stop
    exit 1
  fi
  if curl -fs "$url/.backstage/health/v1/readiness" >/dev/null 2>&1; then
    echo "GREENROOM_TEST_BACKSTAGE_URL=$url"
    echo "GREENROOM_TEST_BACKSTAGE_TOKEN=$BS_TOKEN"
    exit 0
  fi
  sleep 0.5
done
echo "the Backstage backend was not ready at $url within 60 s; its log:" >&2
tail -50 "$dir/backend.log" >&2
stop
exit 1
