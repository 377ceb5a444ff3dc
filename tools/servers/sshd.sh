#!/usr/bin/env bash
# OpenSSH sshd on a loopback port for smart-target tests: its own host key and config, key auth only for the current
# user with a generated client key, GIT_PROTOCOL accepted from clients.
#
#   tools/servers/sshd.sh start   install what is missing, start (or reuse) sshd, print the env file
#   tools/servers/sshd.sh env     print the env file of the running server
#   tools/servers/sshd.sh stop    stop it by its PID file and remove the state folder
#
# `source` the printed env file ($GITMIRROR_SERVERS_DIR/sshd/env) to get GITMIRROR_SSHD_HOST, _PORT, _USER, _KEY_FILE
# (the client's private key) and _KNOWN_HOSTS (a known_hosts file holding the server's host key).
set -euo pipefail
server=sshd
daemons=(sshd)
# shellcheck source=tools/servers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# True when the client key logs in and the host key matches known_hosts.
logs_in() {
  ssh -n -i "$state_dir/client_key" -p "$1" -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$state_dir/known_hosts" -o ConnectTimeout=2 "$(id -un)@127.0.0.1" true
}

start() {
  if pid_alive sshd && logs_in "$(env_value GITMIRROR_SSHD_PORT)"; then
    print_env
    return
  fi
  stop
  ensure_commands /usr/sbin/sshd=openssh-server ssh=openssh-client ssh-keygen=openssh-client
  mkdir -p "$state_dir" /run/sshd
  local port
  port=$(free_port)
  ssh-keygen -q -t ed25519 -N '' -C gitmirror-sshd-host -f "$state_dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -C gitmirror-sshd-client -f "$state_dir/client_key"
  cp "$state_dir/client_key.pub" "$state_dir/authorized_keys"
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$state_dir/host_key.pub")" >"$state_dir/known_hosts"
  cat >"$state_dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $state_dir/host_key
PidFile $state_dir/sshd.pid
AuthorizedKeysFile $state_dir/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
StrictModes no
UsePAM no
AcceptEnv GIT_PROTOCOL
PrintMotd no
LogLevel VERBOSE
CONF
  /usr/sbin/sshd -f "$state_dir/sshd_config" -E "$state_dir/sshd.log"
  wait_for 30 'sshd to accept the client key' logs_in "$port"
  cat >"$env_file" <<ENV
export GITMIRROR_SSHD_HOST=127.0.0.1
export GITMIRROR_SSHD_PORT=$port
export GITMIRROR_SSHD_USER=$(id -un)
export GITMIRROR_SSHD_KEY_FILE=$state_dir/client_key
export GITMIRROR_SSHD_KNOWN_HOSTS=$state_dir/known_hosts
ENV
  print_env
}

main "$@"
