#!/usr/bin/env bash
# Mosquitto for the tests: MQTT over TCP on loopback, anonymous, no persistence.
# Usage: mosquitto.sh start|stop|env
SERVICE_NAME=mosquitto
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
PACKAGES=(mosquitto=/usr/sbin/mosquitto)

start_service() {
  local dir port
  dir="$(service_dir)"
  port="$(pick_port "${TEST_MQTT_PORT:-11883}")"
  # Unlimited queues and in-flight windows: with the defaults Mosquitto 2.0 drops QoS 1 bursts.
  # TCP only: its websockets listener would ignore the bind address.
  cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
log_dest stderr
log_type error
log_type warning
CONF
  launch mosquitto -c "$dir/mosquitto.conf"
  wait_until_ready "mosquitto on $port" port_in_use "$port"
  write_env TEST_MQTT_URL "mqtt://127.0.0.1:$port"
}

stop_service() { stop_group TERM; }

service_main "$@"
