# shellcheck shell=bash
# Shared helpers for the service scripts in this folder. Sourced, never run.
#
# Every service lives in its own folder under $SERVICES_DIR (default .services/dev in the repo):
# pid (the process group we started), log, data, and an env file with the connection settings
# the tests read (TEST_<SERVICE>_URL). Ports start at a preferred value outside the standard
# ones and move up when taken, so several copies can run on one machine.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVICES_DIR="${SERVICES_DIR:-$REPO_ROOT/.services/dev}"
# Seconds a service may take to become ready before its start counts as failed.
SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-60}"

log() { printf '[%s] %s\n' "${SERVICE_NAME:-services}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

service_dir() { printf '%s/%s' "$SERVICES_DIR" "$SERVICE_NAME"; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# First free port at or above the preferred one ($1), skipping ports already handed out by
# this script run ($2...: a service that needs several ports asks once per port).
pick_port() {
  local port="$1"; shift
  local limit=$((port + 100))
  while ((port < limit)); do
    if ! port_in_use "$port" && [[ " $* " != *" $port "* ]]; then
      printf '%s' "$port"
      return 0
    fi
    port=$((port + 1))
  done
  die "no free port in $1..$limit"
}

# Installs the Debian packages among "$@" whose marker file is missing. Arguments are
# package=path pairs (the path may be a glob). apt-get update runs once, and only when something
# is missing; packages' own init scripts are kept from starting the system-wide copies.
# With SERVICES_NO_INSTALL=1 (set by services.sh once it has tried) a missing package fails.
ensure_packages() {
  local missing=() spec pkg marker
  for spec in "$@"; do
    pkg="${spec%%=*}"
    marker="${spec#*=}"
    if ! compgen -G "$marker" >/dev/null; then missing+=("$pkg"); fi
  done
  ((${#missing[@]} == 0)) && return 0
  [[ ${SERVICES_NO_INSTALL:-} != 1 ]] || die "not installed: ${missing[*]}"
  log "installing ${missing[*]}"
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install ${missing[*]}"
    sudo=(sudo -n)
  fi
  local policy=/usr/sbin/policy-rc.d added_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    added_policy=1
  fi
  local rc=0
  {
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=120 update -qq &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 \
        install -y -qq --no-install-recommends "${missing[@]}"
  } >&2 || rc=$?
  [[ -n $added_policy ]] && "${sudo[@]}" rm -f "$policy"
  ((rc == 0)) || die "apt-get could not install ${missing[*]} (exit $rc)"
}

# Starts "$@" detached in its own session (so it outlives this script and its whole process
# group can be signalled), output to the service's log, and records the group's id.
launch() {
  local dir; dir="$(service_dir)"
  setsid "$@" >"$dir/log" 2>&1 </dev/null &
  printf '%s' "$!" >"$dir/pid"
}

running_pid() {
  local pidfile; pidfile="$(service_dir)/pid"
  [[ -f $pidfile ]] || return 1
  local pid; pid="$(<"$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

# Polls "$@" every 100 ms until it succeeds; fails when the service's process has died or the
# deadline has passed, printing the end of its log.
wait_until_ready() {
  local what="$1"; shift
  local deadline=$((SECONDS + SERVICE_START_TIMEOUT))
  until "$@" 2>/dev/null; do
    if ! running_pid >/dev/null; then
      tail -n 30 "$(service_dir)/log" >&2 || true
      die "$what exited during start"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$(service_dir)/log" >&2 || true
      die "$what not ready after ${SERVICE_START_TIMEOUT}s"
    fi
    sleep 0.1
  done
}

# Sends $1 (default TERM) to the process group started by launch, waits up to 20 s, then kills
# what is left of the group.
stop_group() {
  local signal="${1:-TERM}" pid
  pid="$(running_pid)" || return 0
  kill "-$signal" -- "-$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 -- "-$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "still running after 20s: killing"
      kill -KILL -- "-$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
}

# Writes the env file: one `export NAME='value'` per argument pair.
write_env() {
  local file; file="$(service_dir)/env"
  : >"$file.tmp"
  while (($# >= 2)); do
    [[ $2 != *"'"* ]] || die "unexpected quote in $1"
    printf "export %s='%s'\n" "$1" "$2" >>"$file.tmp"
    shift 2
  done
  mv "$file.tmp" "$file"
}

print_env() {
  local file; file="$(service_dir)/env"
  if [[ -f $file ]] && running_pid >/dev/null; then cat "$file"; fi
}

# The usual command dispatch of a service script: start|stop|env|packages, with PACKAGES
# (package=marker pairs), start_service and stop_service defined by the script.
service_main() {
  case "${1:-}" in
    packages) printf '%s\n' "${PACKAGES[@]}" ;;
    start)
      if running_pid >/dev/null && [[ -f "$(service_dir)/env" ]]; then
        log "already running"
        return 0
      fi
      mkdir -p "$(service_dir)"
      local started=$SECONDS
      # A start that fails half-way leaves nothing behind.
      trap 'stop_service; rm -rf "$(service_dir)"' EXIT
      ensure_packages "${PACKAGES[@]}"
      start_service "${@:2}"
      trap - EXIT
      log "ready in $((SECONDS - started))s: $(sed -n 's/^export //p' "$(service_dir)/env" | tr '\n' ' ')"
      ;;
    stop)
      stop_service
      rm -rf "$(service_dir)"
      ;;
    env) print_env ;;
    *) die "usage: $(basename "$0") start|stop|env|packages" ;;
  esac
}
