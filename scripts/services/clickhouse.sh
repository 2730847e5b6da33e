#!/usr/bin/env bash
# ClickHouse for the tests (Debian's 18.16): HTTP and native ports on loopback, data in the
# service folder, user `default` without a password. Usage: clickhouse.sh start|stop|env
SERVICE_NAME=clickhouse
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
PACKAGES=(clickhouse-server=/usr/sbin/clickhouse-server)

start_service() {
  local dir http tcp
  dir="$(service_dir)"
  http="$(pick_port "${TEST_CLICKHOUSE_PORT:-18123}")"
  tcp="$(pick_port "${TEST_CLICKHOUSE_TCP_PORT:-19000}" "$http")"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files"
  cat >"$dir/config.xml" <<CONF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
CONF
  cat >"$dir/users.xml" <<'CONF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
CONF
  launch clickhouse-server --config-file="$dir/config.xml"
  wait_until_ready "clickhouse on $http" http_ping "$http"
  write_env TEST_CLICKHOUSE_URL "http://127.0.0.1:$http"
}

# GET /ping answers "Ok." once the server takes queries. Bash's /dev/tcp keeps curl optional.
http_ping() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  reply="$(timeout 2 cat <&3)"
  exec 3<&-
  [[ $reply == *'Ok.'* ]]
}

stop_service() { stop_group TERM; }

service_main "$@"
