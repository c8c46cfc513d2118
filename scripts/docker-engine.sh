#!/usr/bin/env bash
# A Docker engine with Compose v2 and buildx, for the container tests, on a Debian machine that
# may have none: installs Debian's docker.io and starts dockerd when no engine answers, and adds
# the compose and buildx CLI plugins from Debian's next release (bookworm ships neither) when the
# docker CLI lacks them. Idempotent; an engine that already answers is used as it is.
set -euo pipefail

cache="${FI_CACHE_DIR:-$HOME/.cache/feedback-intelligence}"
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
mkdir -p "$cache" "$plugins"

engine_answers() { docker info >/dev/null 2>&1; }

if ! engine_answers; then
  if ! command -v dockerd >/dev/null; then
    echo "docker-engine: installing Debian's docker.io"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends docker.io
  fi
  echo "docker-engine: starting dockerd (log: $cache/dockerd.log)"
  # setsid: the engine outlives this script and `make`, as a system service would.
  $SUDO setsid dockerd >"$cache/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 60); do engine_answers && break; sleep 1; done
  engine_answers || { tail -20 "$cache/dockerd.log"; echo "docker-engine: dockerd did not answer in 60 s" >&2; exit 1; }
fi

# Compose v2 and buildx: Debian packages them from trixie on. Fetched with apt from the same
# mirror the machine uses (its bookworm sources, suite swapped), unpacked, never installed.
missing=()
docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
docker buildx version >/dev/null 2>&1 || missing+=(docker-buildx)
if ((${#missing[@]})); then
  echo "docker-engine: adding CLI plugins ${missing[*]} to $plugins"
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/root"
  sources=/etc/apt/sources.list.d/debian.sources
  uri="$(awk '/^URIs:/ {print $2; exit}' "$sources")"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
    "$uri" /usr/share/keyrings/debian-archive-keyring.gpg >"$work/trixie.sources"
  apt=(-o "Dir::Etc::SourceList=$work/trixie.sources" -o Dir::Etc::SourceParts=/dev/null
       -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work" -o APT::Sandbox::User=root)
  apt-get "${apt[@]}" update -q >/dev/null
  (cd "$work" && apt-get "${apt[@]}" download "${missing[@]}" >/dev/null)
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  install -m 0755 "$work"/root/usr/libexec/docker/cli-plugins/* "$plugins/"
fi
echo "docker-engine: $(docker version --format 'engine {{.Server.Version}}'), $(docker compose version --short | sed 's/^/compose /'), $(docker buildx version | cut -d' ' -f1-2)"
