#!/usr/bin/env bash
# Ceph radosgw on loopback for tests and benchmarks: one mon, one memstore OSD, auth none, beast on 127.0.0.1.
#
#   tools/servers/radosgw.sh start   install what is missing, start (or reuse) the cluster, print the env file
#   tools/servers/radosgw.sh env     print the env file of the running cluster
#   tools/servers/radosgw.sh stop    stop every daemon by its PID file and remove the state folder
#
# State lives in $GITMIRROR_SERVERS_DIR/radosgw (default /tmp/gitmirror-servers/radosgw); `source` its env file to
# get GITMIRROR_RADOSGW_ENDPOINT, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY and _REGION.
set -euo pipefail

server=radosgw
daemons=(radosgw osd mon)
# shellcheck source=tools/servers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conf="$state_dir/ceph.conf"

random_hex() { tr -d - </proc/sys/kernel/random/uuid; }

ceph_cli() { timeout 20 ceph --conf "$conf" --connect-timeout 10 "$@"; }

write_conf() {
  local fsid=$1 mon_port=$2 rgw_port=$3
  cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms mon service mode = crc
ms mon cluster mode = crc
ms client mode = crc
ms service mode = crc
ms cluster mode = crc
client mount timeout = 30
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
admin socket = $state_dir/\$name.asok
log file = $state_dir/log/\$name.log
run dir = $state_dir
keyring = /dev/null
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon pg warn min per osd = 0
osd crush chooseleaf type = 0

[mon]
pid file = $state_dir/mon.pid
mon data = $state_dir/mon
mon initial members = a
mon cluster log file = $state_dir/log/cluster.log

[osd]
pid file = $state_dir/osd.pid
osd data = $state_dir/osd
osd objectstore = memstore
memstore device bytes = 8589934592
osd crush update on start = true

[client.rgw.gitmirror]
pid file = $state_dir/radosgw.pid
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw max chunk size = 4194304
rgw gc obj min wait = 30
rgw gc processor period = 30
rgw data = $state_dir/rgw
CONF
}

start() {
  if pid_alive radosgw && pid_alive osd && pid_alive mon && http_answers "$(env_value GITMIRROR_RADOSGW_ENDPOINT)"; then
    print_env
    return
  fi
  stop_daemons
  ensure_commands radosgw=radosgw ceph-mon=ceph-mon ceph-osd=ceph-osd radosgw-admin=ceph-common curl=curl
  rm -rf "$state_dir"
  mkdir -p "$state_dir/log" "$state_dir/mon" "$state_dir/osd" "$state_dir/rgw"

  local fsid mon_port rgw_port
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  write_conf "$fsid" "$mon_port" "$rgw_port"

  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$state_dir/monmap" >/dev/null
  ceph-mon --conf "$conf" --mkfs -i a --monmap "$state_dir/monmap" >>"$state_dir/log/setup.log" 2>&1
  ceph-mon --conf "$conf" -i a >>"$state_dir/log/setup.log" 2>&1
  wait_for 30 'the monitor' ceph_cli mon stat

  local osd_id
  osd_id=$(ceph_cli osd create)
  ceph-osd --conf "$conf" -i "$osd_id" --mkfs >>"$state_dir/log/setup.log" 2>&1
  ceph-osd --conf "$conf" -i "$osd_id" >>"$state_dir/log/setup.log" 2>&1
  wait_for 60 'the OSD to come up' sh -c "ceph --conf '$conf' --connect-timeout 10 osd dump | grep -q '^osd.$osd_id up'"

  radosgw --conf "$conf" -n client.rgw.gitmirror >>"$state_dir/log/setup.log" 2>&1
  local endpoint="http://127.0.0.1:$rgw_port"
  wait_for 90 'radosgw to answer' http_answers "$endpoint"

  # Keys generated afresh for every cluster, so no secret is shared between machines or runs.
  local access_key secret_key
  access_key=$(random_hex | tr '[:lower:]' '[:upper:]' | cut -c1-20)
  secret_key=$(printf '%s%s' "$(random_hex)" "$(random_hex)" | cut -c1-40)
  radosgw-admin --conf "$conf" user create --uid=gitmirror --display-name='gitmirror tests' \
    --access-key="$access_key" --secret-key="$secret_key" >>"$state_dir/log/setup.log" 2>&1

  cat >"$env_file" <<ENV
export GITMIRROR_RADOSGW_ENDPOINT=$endpoint
export GITMIRROR_RADOSGW_ACCESS_KEY_ID=$access_key
export GITMIRROR_RADOSGW_SECRET_ACCESS_KEY=$secret_key
export GITMIRROR_RADOSGW_REGION=default
ENV
  print_env
}

main "$@"
