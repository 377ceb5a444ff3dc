#!/usr/bin/env bash
# Installs the Debian packages the tests need besides the servers: GNU time at /usr/bin/time, which the peak-RSS
# tests spawn the CLI under (the shell's `time` keyword cannot report memory), and chromium, the headless browser the
# status page of `serve` is tested in.
#
#   tools/servers/test-tools.sh start   install what is missing (nothing to stop; `stop` and `env` do nothing)
set -euo pipefail
server=test-tools
# shellcheck source=tools/servers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  start) ensure_commands /usr/bin/time=time chromium=chromium ;;
  stop | env) ;;
  *) die "usage: $0 start|stop|env" ;;
esac
