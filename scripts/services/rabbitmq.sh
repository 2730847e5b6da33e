#!/usr/bin/env bash
# RabbitMQ for the tests: its own node name, AMQP, distribution and epmd ports, its own data,
# logs, config and (empty) plugin list, so it never meets the machine's own broker. guest/guest
# over loopback. Usage: rabbitmq.sh start|stop|env
SERVICE_NAME=rabbitmq
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
PACKAGES=(rabbitmq-server=/usr/lib/rabbitmq/bin/rabbitmq-server)

RABBIT_BIN=/usr/lib/rabbitmq/bin

# Everything that makes this node independent of the system-wide one; the server and
# rabbitmqctl both need it.
rabbit_env() {
  local dir; dir="$(service_dir)"
  # shellcheck disable=SC1091 # written by start_service
  source "$dir/ports"
  export RABBITMQ_NODENAME="sbtest-$AMQP_PORT@localhost"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  export ERL_EPMD_PORT="$EPMD_PORT"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log.d"
  export RABBITMQ_PID_FILE="$dir/rabbit.pid"
  export RABBITMQ_LOGS=-
  # Erlang distribution on loopback too (it binds every interface by default).
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
}

start_service() {
  local dir amqp dist epmd
  dir="$(service_dir)"
  amqp="$(pick_port "${TEST_AMQP_PORT:-35672}")"
  dist="$(pick_port $((amqp + 10)) "$amqp")"
  epmd="$(pick_port 34369 "$amqp" "$dist")"
  printf 'AMQP_PORT=%s\nDIST_PORT=%s\nEPMD_PORT=%s\n' "$amqp" "$dist" "$epmd" >"$dir/ports"
  mkdir -p "$dir/mnesia" "$dir/log.d"
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$amqp" >"$dir/rabbitmq.conf"
  printf '[].\n' >"$dir/advanced.config"
  printf '[].\n' >"$dir/enabled_plugins"
  : >"$dir/rabbitmq-env.conf"
  rabbit_env
  launch "$RABBIT_BIN/rabbitmq-server"
  wait_until_ready "rabbitmq on $amqp" amqp_handshake "$amqp"
  write_env TEST_AMQP_URL "amqp://guest:guest@127.0.0.1:$amqp" \
    TEST_AMQP_NODE "$RABBITMQ_NODENAME" TEST_AMQP_EPMD_PORT "$epmd"
}

# Sends the AMQP 0-9-1 protocol header and expects a method frame (connection.start) back:
# the broker is through its boot, not just listening.
amqp_handshake() {
  local first
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'AMQP\x00\x00\x09\x01' >&3
  IFS= read -r -t 2 -N 1 first <&3 || true
  exec 3<&-
  [[ $first == $'\x01' ]]
}

stop_service() {
  local dir; dir="$(service_dir)"
  # The start script turns TERM into a clean broker shutdown.
  stop_group TERM
  if [[ -f $dir/ports ]]; then
    rabbit_env
    # The node started its own epmd on its own port; it outlives the node unless told to stop.
    epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
  fi
}

service_main "$@"
