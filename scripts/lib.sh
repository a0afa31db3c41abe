# Shared by the scripts in this folder: paths, pinned versions, ports, logging helpers.
# shellcheck shell=bash
set -euo pipefail

RTCSTACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RTCSTACK_ROOT
# Builds are cached outside the repo, by version, so a second run is instant.
RTCSTACK_CACHE=${RTCSTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rtcstack}
# Runtime state (data dirs, logs, pid files) of the native stack.
RTCSTACK_STATE=${RTCSTACK_STATE:-$RTCSTACK_ROOT/.stack}
# The deployment's settings and secrets (scripts/init writes it; compose reads it as its .env).
RTCSTACK_ENV_FILE=${RTCSTACK_ENV_FILE:-$RTCSTACK_ROOT/.env}

LIVEKIT_VERSION=v1.13.5
LIVEKIT_BIN="$RTCSTACK_CACHE/livekit-server/$LIVEKIT_VERSION/server"
# MinIO tags releases as RELEASE.<date>, which Go cannot read as versions, so this is a pseudo-version:
# the repository's last commit (2026-02-12, maintenance mode), RELEASE.2025-10-15T17-29-55Z plus 11
# commits of fixes (PostPolicy tagging, conditional-put quorum, duplicate responses) and docs. The
# release commit itself (v0.0.0-20251015172955-9e49d5e7a648) is not fully served by the module proxy
# (no .info, no checksum-database entry), so `go install` refuses it.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_BIN="$RTCSTACK_CACHE/minio/$MINIO_VERSION/minio"
# egress and ingress start copies of themselves by name, so each gets a bin/ folder for PATH.
EGRESS_VERSION=v1.14.1
EGRESS_BIN="$RTCSTACK_CACHE/egress/$EGRESS_VERSION/bin/egress"
INGRESS_VERSION=v1.5.0
INGRESS_BIN="$RTCSTACK_CACHE/ingress/$INGRESS_VERSION/bin/ingress"
# stt-live's offline engine (scripts/install-whisper): a Python venv with faster-whisper and whisper
# weights from PyPI. The tag names the pins in that script; bump it whenever one of them changes.
WHISPER_ENV_VERSION=fw1.2.1-ct2-4.8.5-r2
WHISPER_PY="$RTCSTACK_CACHE/whisper/$WHISPER_ENV_VERSION/venv/bin/python"
WHISPER_MODELS_DIR="$RTCSTACK_CACHE/whisper/$WHISPER_ENV_VERSION/models"

POSTGRES_PORT=${POSTGRES_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
LIVEKIT_PORT=${LIVEKIT_PORT:-7880}
MINIO_PORT=${MINIO_PORT:-9000}
MINIO_CONSOLE_PORT=${MINIO_CONSOLE_PORT:-9001}
# Fixed in config/egress.yaml and config/ingress.yaml (shared with compose), hence not variables.
EGRESS_HEALTH_PORT=9090
INGRESS_HEALTH_PORT=9091
INGRESS_RELAY_PORT=9092
RTMP_PORT=1935
WHIP_PORT=8080
PORT=${PORT:-3000}

log() { printf '\033[1;34m[rtcstack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[rtcstack] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

rand_alnum() { head -c "$1" /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$2"; }

# secret_value NAME: a fresh random value for the secret NAME (a VAR= line of .env.example).
secret_value() {
  case $1 in
    API_SECRET) rand_alnum 64 48 ;;
    LIVEKIT_API_KEY) printf 'API%s' "$(rand_alnum 32 12)" ;;
    LIVEKIT_API_SECRET) rand_alnum 96 48 ;;
    POSTGRES_PASSWORD) rand_alnum 64 32 ;;
    MINIO_ROOT_USER) printf 'rtcstack%s' "$(rand_alnum 32 12)" ;;
    MINIO_APP_USER) printf 'rtcstack-app-%s' "$(rand_alnum 32 8)" ;;
    *) rand_alnum 64 40 ;;
  esac
}

# complete_env: appends to an existing .env every variable of .env.example that it lacks (a fresh
# secret, or the documented default), so a .env from an older checkout keeps working. Lines that
# are there are never changed.
complete_env() {
  local file="$RTCSTACK_ENV_FILE" line key value added=()
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    grep -q "^$key=" "$file" && continue
    [ -z "$value" ] && value=$(secret_value "$key")
    if [ ${#added[@]} -eq 0 ]; then
      [ -z "$(tail -c1 "$file")" ] || echo >>"$file"
      printf '\n# added by scripts/init from .env.example\n' >>"$file"
    fi
    printf '%s=%s\n' "$key" "$value" >>"$file"
    added+=("$key")
  done <"$RTCSTACK_ROOT/.env.example"
  [ ${#added[@]} -eq 0 ] || log ".env: added ${added[*]} (from .env.example)"
}

# Loads .env (secrets written by scripts/init) into the environment without overriding what is set.
# Variables that a newer .env.example added are appended to .env first (complete_env).
load_env() {
  local file="$RTCSTACK_ENV_FILE" line key
  [ -f "$file" ] || die "$file is missing: run scripts/init first"
  complete_env
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
  # The control plane's shared counters (rate limits) and cross-replica fan-out live in the same Redis as LiveKit's.
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT}}
  # The public URLs in .env are compose's (Caddy, https/wss): natively clients reach loopback.
  export LIVEKIT_PUBLIC_URL=ws://127.0.0.1:${LIVEKIT_PORT}
  export S3_PUBLIC_ENDPOINT=http://127.0.0.1:${MINIO_PORT}
  export PORT HOST=${HOST:-127.0.0.1}
  # Recordings: the MinIO that scripts/stack runs, with its root credentials.
  export S3_ENDPOINT=http://127.0.0.1:${MINIO_PORT} S3_REGION=us-east-1 S3_BUCKET=$MINIO_BUCKET
  export S3_ACCESS_KEY=$MINIO_ROOT_USER S3_SECRET_KEY=$MINIO_ROOT_PASSWORD S3_FORCE_PATH_STYLE=true
  # Debian's GStreamer has no faac, egress's only AAC encoder: natively, record Opus in MP4. (An AAC
  # request fails with "could not create element: faac", and egress restarts after such a failure.)
  # (.env's RECORDING_AUDIO_CODEC is compose's, for the official egress image, which has faac.)
  export RECORDING_AUDIO_CODEC=opus
  # The offline transcription engine that scripts/install-whisper installs.
  export WHISPER_PYTHON=${WHISPER_PYTHON:-$WHISPER_PY} WHISPER_MODELS_DIR WHISPER_MODEL=${WHISPER_MODEL:-base}
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
