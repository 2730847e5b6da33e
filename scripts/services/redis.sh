#!/usr/bin/env bash
# Redis for the tests: loopback, nothing on disk. Usage: redis.sh start|stop|env
SERVICE_NAME=redis
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
PACKAGES=(redis-server=/usr/bin/redis-server)

start_service() {
  local dir port
  dir="$(service_dir)"
  port="$(pick_port "${TEST_REDIS_PORT:-16379}")"
  launch redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$dir" --daemonize no --protected-mode yes
  wait_until_ready "redis on $port" redis_ping "$port"
  write_env TEST_REDIS_URL "redis://127.0.0.1:$port"
}

redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping) == PONG ]]; }

stop_service() { stop_group TERM; }

service_main "$@"
