# Shared helpers for the tools/servers scripts (sourced, not run). The caller sets `server` before sourcing, defines
# `start` and lists its daemons' PID-file names in `daemons`, stopped in that order; then it calls `main "$@"`.
# shellcheck shell=bash

state_dir="${GITMIRROR_SERVERS_DIR:-/tmp/gitmirror-servers}/${server:?set server before sourcing lib.sh}"
env_file="$state_dir/env"

log() { printf '%s.sh: %s\n' "$server" "$*" >&2; }
die() { log "$*"; exit 1; }

# Prints a free TCP port on 127.0.0.1 in the high range (nothing accepts a connection on it).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die 'no free port found'
}

apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

# Installs the Debian packages whose command is missing: `ensure_commands command=package ...`.
ensure_commands() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null || missing+=("${pair#*=}")
  done
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; install as root: apt-get install -y ${missing[*]}"
  log "installing ${missing[*]}"
  # Keep package scripts from starting system services (sshd on port 22, ceph units): these scripts run their own.
  local policy=/usr/sbin/policy-rc.d created='' status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1
  fi
  {
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
      apt-get update -qq
    fi
    apt_install "${missing[@]}" || { apt-get update -qq && apt_install "${missing[@]}"; }
  } || status=$?
  [ -z "$created" ] || rm -f "$policy"
  [ "$status" -eq 0 ] || die "could not install ${missing[*]}"
}

# True when the daemon whose PID is in $state_dir/$1.pid is running.
pid_alive() { [ -f "$state_dir/$1.pid" ] && kill -0 "$(cat "$state_dir/$1.pid")" 2>/dev/null; }

# Stops the daemon whose PID is in $state_dir/$1.pid: TERM, then KILL after 10 s.
stop_pid() {
  pid_alive "$1" || return 0
  local pid
  pid=$(cat "$state_dir/$1.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
}

# Waits up to $1 seconds until the rest of the arguments, a command, succeeds; $2 names what is awaited.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    "$@" >/dev/null 2>&1 && return
    sleep 0.25
  done
  die "timed out after ${seconds}s waiting for $what (logs in $state_dir)"
}

# True when an HTTP server answers at $1 (any status).
http_answers() { curl -sS -o /dev/null --max-time 2 "$1"; }

# Prints the value of variable $1 in the env file (empty when there is none).
env_value() { [ -f "$env_file" ] && sed -n "s/^export $1=//p" "$env_file"; }

print_env() {
  [ -f "$env_file" ] || die "not running (no $env_file); run: $0 start"
  cat "$env_file"
}

# Stops every daemon in `daemons`, in order.
stop_daemons() {
  local daemon
  # shellcheck disable=SC2154 # set by the sourcing script
  for daemon in "${daemons[@]}"; do stop_pid "$daemon"; done
}

stop() {
  stop_daemons
  rm -rf "$state_dir"
}

# Runs the subcommand in $1: start, stop or env.
main() {
  case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *) die "usage: $0 start|stop|env" ;;
  esac
}
