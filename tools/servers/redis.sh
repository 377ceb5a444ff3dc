#!/usr/bin/env bash
# Redis on a loopback port for the scale-out tests of `serve --queue`: Debian's redis-server, no persistence, no
# password (loopback only).
#
#   tools/servers/redis.sh start   install what is missing, start (or reuse) redis-server, print the env file
#   tools/servers/redis.sh env     print the env file of the running server
#   tools/servers/redis.sh stop    stop it by its PID file and remove the state folder
#
# `source` the printed env file ($GITMIRROR_SERVERS_DIR/redis/env) to get GITMIRROR_REDIS_URL (redis://127.0.0.1:PORT)
# and GITMIRROR_REDIS_PORT.
set -euo pipefail
server=redis
daemons=(redis)
# shellcheck source=tools/servers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

answers() { [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; }

start() {
  if pid_alive redis && answers "$(env_value GITMIRROR_REDIS_PORT)"; then
    print_env
    return
  fi
  stop
  ensure_commands redis-server=redis-server redis-cli=redis-tools
  mkdir -p "$state_dir"
  local port
  port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --pidfile "$state_dir/redis.pid" --logfile "$state_dir/redis.log" --dir "$state_dir"
  wait_for 30 'redis to answer PING' answers "$port"
  cat >"$env_file" <<ENV
export GITMIRROR_REDIS_URL=redis://127.0.0.1:$port
export GITMIRROR_REDIS_PORT=$port
ENV
  print_env
}

main "$@"
