# Shared by the scripts in this folder: paths, pinned versions, ports, logging helpers.
# shellcheck shell=bash
set -euo pipefail

RTCSTACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RTCSTACK_ROOT
# Builds are cached outside the repo, by version, so a second run is instant.
RTCSTACK_CACHE=${RTCSTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rtcstack}
# Runtime state (data dirs, logs, pid files) of the native stack.
RTCSTACK_STATE=${RTCSTACK_STATE:-$RTCSTACK_ROOT/.stack}

LIVEKIT_VERSION=v1.13.5
LIVEKIT_BIN="$RTCSTACK_CACHE/livekit-server/$LIVEKIT_VERSION/server"

POSTGRES_PORT=${POSTGRES_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
LIVEKIT_PORT=${LIVEKIT_PORT:-7880}
PORT=${PORT:-3000}

log() { printf '\033[1;34m[rtcstack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[rtcstack] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Loads .env (secrets written by scripts/init) into the environment without overriding what is set.
load_env() {
  local file="$RTCSTACK_ROOT/.env" line key
  [ -f "$file" ] || die ".env is missing: run scripts/init first"
  while IFS= read -r line || [ -n "$line" ]; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    key=${line%%=*}
    [ -z "${!key+x}" ] && export "$key=${line#*=}"
  done <"$file"
  return 0
}

# The environment the control plane gets when it runs on the native stack.
native_server_env() {
  export DATABASE_URL=${DATABASE_URL:-postgres://rtcstack:${POSTGRES_PASSWORD}@127.0.0.1:${POSTGRES_PORT}/rtcstack}
  export LIVEKIT_URL=${LIVEKIT_URL:-http://127.0.0.1:${LIVEKIT_PORT}}
  export LIVEKIT_PUBLIC_URL=${LIVEKIT_PUBLIC_URL:-ws://127.0.0.1:${LIVEKIT_PORT}}
  export PORT HOST=${HOST:-127.0.0.1}
}

# wait_for NAME SECONDS CMD...: polls CMD until it succeeds.
wait_for() {
  local name=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$name did not become healthy within ${secs}s (logs: $RTCSTACK_STATE/logs)"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
