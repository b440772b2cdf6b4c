#!/usr/bin/env bash
# Installs the native tools the embedded stack needs and that npm cannot provide:
# redis-server and chromium (the browser test drives it through playwright-core,
# which must not download a browser of its own) from Debian, and, when no mongod
# is on PATH, the embedded MongoDB-compatible store: Debian's PostgreSQL and
# FerretDB v1 (built from the Go module proxy) in front of it. Idempotent: a
# second run only checks.
set -euo pipefail

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
TOOLS_DIR="${SHOPCART_TOOLS_DIR:-$HOME/.cache/shopcart/bin}"

log() { printf '[install-tools] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; exit 1
  fi
}

apt_updated=false
apt_install() {
  log "installing $* from Debian"
  if [ "$apt_updated" = false ]; then as_root apt-get update -qq; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

command -v redis-server >/dev/null 2>&1 || apt_install redis-server
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || apt_install chromium

if command -v mongod >/dev/null 2>&1; then
  log "mongod found on PATH; FerretDB not needed"
  exit 0
fi

# Debian's server package: initdb and postgres under /usr/lib/postgresql/<major>/bin,
# and the postgres account they run as when the caller is root.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
# The package starts a cluster of its own on 5432; the stack runs its own clusters
# and needs none, but leaves a running one alone.

if [ -x "$TOOLS_DIR/ferretdb" ] && "$TOOLS_DIR/ferretdb" --version 2>/dev/null | grep -q "${FERRETDB_VERSION#v}"; then
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go is required to build FerretDB"; exit 1; }
log "building FerretDB $FERRETDB_VERSION into $TOOLS_DIR"
mkdir -p "$TOOLS_DIR"
src_dir="$(go mod download -json "github.com/FerretDB/FerretDB@${FERRETDB_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src_dir" ] || { log "could not download FerretDB module"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$src_dir" "$work/ferretdb"
chmod -R u+w "$work/ferretdb"
# The module ships without the generated version file its build embeds; without
# it the binary panics at start-up.
echo "$FERRETDB_VERSION" > "$work/ferretdb/build/version/version.txt"
(cd "$work/ferretdb" && go build -o "$TOOLS_DIR/ferretdb" ./cmd/ferretdb)
"$TOOLS_DIR/ferretdb" --version >/dev/null
log "FerretDB ready at $TOOLS_DIR/ferretdb"
