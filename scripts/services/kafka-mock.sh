#!/usr/bin/env bash
# A Kafka cluster for the tests: librdkafka's mock cluster (3 brokers on free loopback ports)
# run by kmock.c, built here on first use. Usage: kafka-mock.sh start [topic[:partitions]...]|stop|env
SERVICE_NAME=kafka
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# gcc only recommends the C library headers; --no-install-recommends would leave them out.
PACKAGES=(gcc=/usr/bin/gcc libc6-dev=/usr/include/stdio.h librdkafka-dev=/usr/include/librdkafka/rdkafka_mock.h)

KMOCK_SRC="$REPO_ROOT/scripts/services/kmock.c"
KMOCK_BIN="$REPO_ROOT/.services/kmock"

build_kmock() {
  [[ -x $KMOCK_BIN && $KMOCK_BIN -nt $KMOCK_SRC ]] && return 0
  mkdir -p "$(dirname "$KMOCK_BIN")"
  # Built beside and renamed, so a copy starting at the same time never runs half a binary.
  gcc -O2 -Wall -o "$KMOCK_BIN.$$" "$KMOCK_SRC" -lrdkafka
  mv -f "$KMOCK_BIN.$$" "$KMOCK_BIN"
}

start_service() {
  build_kmock
  local dir; dir="$(service_dir)"
  launch "$KMOCK_BIN" --ignore-stdin "$@"
  wait_until_ready "kafka mock cluster" grep -qE '^[0-9.]+:[0-9]+' "$dir/log"
  local brokers first
  brokers="$(grep -m1 -E '^[0-9.]+:[0-9]+' "$dir/log")"
  first="${brokers%%,*}"
  wait_until_ready "kafka mock broker $first" port_in_use "${first##*:}"
  # The binary too: fault tests start a cluster of their own and drive it through its input.
  write_env TEST_KAFKA_BROKERS "$brokers" TEST_KAFKA_MOCK_BIN "$KMOCK_BIN"
}

stop_service() { stop_group TERM; }

service_main "$@"
