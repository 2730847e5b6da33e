#!/usr/bin/env bash
# Starts, stops or describes every service the tests use, each on its own loopback ports:
#
#   services.sh start [name...]   install what is missing, start in parallel, wait until ready
#   services.sh stop [name...]    stop and delete their data
#   services.sh env [name...]     print `export TEST_..._URL=...` lines for a shell to eval
#
# Names: redis postgres mosquitto rabbitmq clickhouse kafka-mock (default: all). State lives in
# $SERVICES_DIR (default .services/dev): `npm run -s services -- start` once, then
# `eval "$(npm run -s services -- env)"` and run single test files against them.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ALL=(redis postgres mosquitto rabbitmq clickhouse kafka-mock)

command="${1:-}"
shift || true
names=("$@")
((${#names[@]})) || names=("${ALL[@]}")
for name in "${names[@]}"; do
  [[ -f $HERE/services/$name.sh ]] || { echo "unknown service: $name" >&2; exit 2; }
done

# One apt-get run for everything missing, before the parallel starts (dpkg takes one at a time).
install_missing() {
  local specs=() name
  for name in "${names[@]}"; do
    mapfile -t -O "${#specs[@]}" specs < <(bash "$HERE/services/$name.sh" packages)
  done
  (
    SERVICE_NAME=install
    # shellcheck source=services/lib.sh
    source "$HERE/services/lib.sh"
    ensure_packages "${specs[@]}"
  ) || echo "[services] some packages could not be installed" >&2
}

# Runs "$1" on every service at once; fails if any of them failed.
for_each_parallel() {
  local action="$1" name failed=()
  declare -A jobs=()
  for name in "${names[@]}"; do
    bash "$HERE/services/$name.sh" "$action" &
    jobs[$name]=$!
  done
  for name in "${names[@]}"; do
    wait "${jobs[$name]}" || failed+=("$name")
  done
  if ((${#failed[@]})); then
    echo "[services] $action failed: ${failed[*]}" >&2
    return 1
  fi
}

case "$command" in
  start)
    started=$SECONDS
    install_missing
    export SERVICES_NO_INSTALL=1
    status=0
    for_each_parallel start || status=$?
    echo "[services] start took $((SECONDS - started))s" >&2
    exit "$status"
    ;;
  stop) for_each_parallel stop ;;
  env)
    for name in "${names[@]}"; do bash "$HERE/services/$name.sh" env; done
    ;;
  *)
    echo "usage: $(basename "$0") start|stop|env [${ALL[*]}]" >&2
    exit 2
    ;;
esac
