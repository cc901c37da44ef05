#!/usr/bin/env bash
# FerretDB: the MongoDB-compatible server the MongoDB adapter is tested against (no MongoDB package
# exists for this machine). Builds FerretDB v1.24.2 from the Go module proxy and runs it on the local
# PostgreSQL.
#
#   scripts/ferretdb.sh install        build .ferretdb/bin/ferretdb (reuses Go's build cache)
#   scripts/ferretdb.sh start          start it on a free 127.0.0.1 port; prints MONGODB_URI=...
#   scripts/ferretdb.sh stop           stop the one started by `start`
#   scripts/ferretdb.sh test           install, start, run `npm test` with MONGODB_URI, stop
#
# Environment: FERRETDB_PG_URL (default postgres://postgres@127.0.0.1:5432/ferretdb_broker),
# FERRETDB_HOME (default ./.ferretdb).
set -euo pipefail

VERSION=v1.24.2
MODULE=github.com/FerretDB/FerretDB
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOME_DIR=${FERRETDB_HOME:-$ROOT/.ferretdb}
BIN=$HOME_DIR/bin/ferretdb
PG_URL=${FERRETDB_PG_URL:-postgres://postgres@127.0.0.1:5432/ferretdb_broker}
PIDFILE=$HOME_DIR/ferretdb.pid
URIFILE=$HOME_DIR/uri
LOG=$HOME_DIR/ferretdb.log

say() { echo "ferretdb: $*" >&2; }
die() { echo "ferretdb: ERROR: $*" >&2; exit 1; }

install() {
  if [[ -x $BIN ]] && [[ $("$BIN" --version 2>/dev/null) == *"version: $VERSION"* ]]; then
    say "$VERSION already built at $BIN"; return
  fi
  command -v go >/dev/null || die "go is not installed; it is needed to build FerretDB"
  mkdir -p "$HOME_DIR/bin"
  # `go install $MODULE/cmd/ferretdb@$VERSION` builds, but the binary panics at start: the module
  # zip lacks build/version/version.txt, which FerretDB requires when it is the main module. So
  # build the same module source with that file written, as FerretDB's own build does.
  say "downloading $MODULE@$VERSION"
  local dir
  dir=$(cd "$HOME_DIR" && GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || die "go mod download did not give a source directory for $MODULE@$VERSION"
  local src=$HOME_DIR/src
  rm -rf "$src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  echo "$VERSION" > "$src/build/version/version.txt"
  say "building (first build takes about a minute)"
  (cd "$src" && go build -o "$BIN" ./cmd/ferretdb) || die "go build of FerretDB failed"
  rm -rf "$src"
  # Not `| head -1`: under pipefail, head closing the pipe early can fail the step.
  local version; version=$("$BIN" --version) || die "the built FerretDB does not run"
  echo "${version%%$'\n'*}" >&2
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

ensure_pg() {
  local db=${PG_URL##*/}; db=${db%%\?*}
  local base=${PG_URL%/*}/postgres
  if ! psql "$base" -qtAc 'select 1' >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null; then
    say "PostgreSQL is not answering; starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >&2 || true
    sleep 1
  fi
  psql "$base" -qtAc 'select 1' >/dev/null 2>&1 || die "PostgreSQL is not reachable at $base (FerretDB stores its data there)"
  if [[ -z $(psql "$base" -qtAc "select 1 from pg_database where datname='$db'") ]]; then
    psql "$base" -qc "create database \"$db\"" >/dev/null || die "could not create database $db"
  fi
}

start() {
  [[ -x $BIN ]] || install
  stop_quiet
  ensure_pg
  mkdir -p "$HOME_DIR/state"
  local port; port=$(free_port)
  "$BIN" --handler=postgresql --postgresql-url="$PG_URL" --listen-addr="127.0.0.1:$port" \
    --debug-addr=- --telemetry=disable --state-dir="$HOME_DIR/state" --log-level=WARN \
    >"$LOG" 2>&1 &
  echo $! > "$PIDFILE"
  local uri="mongodb://127.0.0.1:$port/"
  for _ in $(seq 1 100); do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      tail -20 "$LOG" >&2; die "FerretDB exited at start (log above, full log in $LOG)"
    fi
    if node -e 'const n=require("net").connect(+process.argv[1],"127.0.0.1");n.on("connect",()=>process.exit(0));n.on("error",()=>process.exit(1))' "$port"; then
      echo "$uri" > "$URIFILE"; say "listening on $uri (pid $(cat "$PIDFILE"))"; echo "MONGODB_URI=$uri"; return
    fi
    sleep 0.1
  done
  tail -20 "$LOG" >&2; die "FerretDB did not accept connections within 10 s"
}

stop_quiet() {
  if [[ -f $PIDFILE ]]; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE" "$URIFILE"; fi
}
stop() { stop_quiet; say "stopped"; }

run_tests() {
  install; start >/dev/null
  trap stop_quiet EXIT
  MONGODB_URI=$(cat "$URIFILE") npm test
}

case ${1:-} in
  install) install ;;
  start) start ;;
  stop) stop ;;
  test) run_tests ;;
  *) echo "usage: $0 install|start|stop|test" >&2; exit 2 ;;
esac
