#!/usr/bin/env bash
# moto's S3 server on loopback, a light second S3 implementation for tests (any keys, region us-east-1).
#
#   tools/servers/moto.sh start   start (or reuse) moto_server, print the env file
#   tools/servers/moto.sh env     print the env file of the running server
#   tools/servers/moto.sh stop    stop it by its PID file and remove the state folder
#
# `source` the printed env file ($GITMIRROR_SERVERS_DIR/moto/env) to get GITMIRROR_MOTO_ENDPOINT.
set -euo pipefail
server=moto
daemons=(moto)
# shellcheck source=tools/servers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_moto() {
  local candidate
  for candidate in "$(command -v moto_server || true)" /root/.pyenv/shims/moto_server /usr/local/bin/moto_server; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  die "moto_server not found: install it with pip install 'moto[server]' (PyPI is not reachable from this machine)"
}

start() {
  if pid_alive moto && http_answers "$(env_value GITMIRROR_MOTO_ENDPOINT)"; then
    print_env
    return
  fi
  stop
  ensure_commands curl=curl
  local moto port
  moto=$(find_moto)
  port=$(free_port)
  mkdir -p "$state_dir"
  "$moto" -H 127.0.0.1 -p "$port" >"$state_dir/moto.log" 2>&1 </dev/null &
  echo $! >"$state_dir/moto.pid"
  wait_for 60 'moto_server to answer' http_answers "http://127.0.0.1:$port/moto-api/"
  echo "export GITMIRROR_MOTO_ENDPOINT=http://127.0.0.1:$port" >"$env_file"
  print_env
}

main "$@"
