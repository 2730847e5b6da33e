#!/usr/bin/env bash
# The test command (`npm test`): starts the services the tests use on ports of their own, runs
# the type check, the linter and every test file with their addresses in TEST_*_URL, and stops
# the services whatever happens. Exits non-zero if any step failed.
#
# With CI=true a service that does not start fails the run; elsewhere the tests that need it
# are skipped (test/support/services.ts).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# A folder of this run's own, so a developer's long-running services (.services/dev) and other
# copies of the test command are left alone.
export SERVICES_DIR="$PWD/.services/test-$$"
# Only this run's services: addresses left in the shell from `npm run services` would be stale
# wherever a service fails to start here.
unset TEST_REDIS_URL TEST_PG_URL TEST_MQTT_URL TEST_AMQP_URL TEST_CLICKHOUSE_URL TEST_KAFKA_BROKERS
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  bash scripts/services.sh stop || echo "[test] some services did not stop cleanly" >&2
  rm -rf "$SERVICES_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! bash scripts/services.sh start; then
  if [[ ${CI:-} == true ]]; then
    echo "[test] a service failed to start (CI=true: that is a failure)" >&2
    exit 1
  fi
  echo "[test] a service failed to start: the tests that need it will be skipped" >&2
fi
eval "$(bash scripts/services.sh env)"
# The browser tests drive Debian's Chromium; without it they are skipped (a failure in CI).
if ! bash scripts/services/chromium.sh install; then
  if [[ ${CI:-} == true ]]; then
    echo "[test] chromium could not be installed (CI=true: that is a failure)" >&2
    exit 1
  fi
  echo "[test] chromium could not be installed: the browser tests will be skipped" >&2
fi

status=0
step() {
  local name="$1"; shift
  local begin=$SECONDS rc=0
  echo "[test] $name" >&2
  "$@" || rc=$?
  echo "[test] $name: $([[ $rc == 0 ]] && echo ok || echo "failed ($rc)") in $((SECONDS - begin))s" >&2
  ((status == 0)) && status=$rc
  return 0
}
step typecheck npx tsc --noEmit -p .
step lint npx eslint .
step typecheck-web npx tsc --noEmit -p web
step tests npm run -s test:unit
exit "$status"
