#!/usr/bin/env bash
# Install everything the tests and the local run need, on a fresh Debian machine or a dev box.
# Idempotent: each step checks first and does nothing when its tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

python_only=false
[ "${1:-}" = "--python" ] && python_only=true   # `make dev` needs the Python packages only

# The interpreter: the distribution's python3 when it is 3.11 or newer. Debian builds it with PGO
# and LTO, as the official python images the services ship in are built; pyenv's default build
# is neither, and on it the pipeline spent ~20 % more CPU a message (docs/benchmarks.md).
# UV_PYTHON, when set, wins; uv recreates .venv when its interpreter is another one.
new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
if [ -z "${UV_PYTHON:-}" ] && new_enough /usr/bin/python3; then
  export UV_PYTHON=/usr/bin/python3
fi
DICTIONARIES=(dict-freedict-por-eng dict-freedict-eng-por dict-freedict-spa-eng dict-freedict-eng-spa
              dict-freedict-spa-por dict-freedict-por-spa)
# Both are read first through Apertium's lexicons (Portuguese by way of Spanish), with lt-proc.
DICTIONARIES+=(apertium-eng-spa apertium-es-pt lttoolbox)
have_dictionaries() {
  [ -e /usr/share/dictd/freedict-por-eng.index ] && [ -e /usr/share/dictd/freedict-spa-por.index ] \
    && [ -e /usr/share/apertium/apertium-eng-spa/spa-eng.autobil.bin ] \
    && [ -e /usr/share/apertium/apertium-es-pt/pt-es.autobil.bin ] && command -v lt-proc >/dev/null
}
if $python_only; then
  have_dictionaries || echo "setup: without Debian's ${DICTIONARIES[*]} (make setup installs them)," \
    "the offline tagger reads Portuguese and Spanish less well, or not at all ('not tagged: language')"
  command -v uv >/dev/null || python3 -m pip install -q uv
  UV_PYTHON_DOWNLOADS=never uv sync --locked --all-packages -q
  exit 0
fi

apt_packages=()
have_initdb() { command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }
have_initdb || apt_packages+=(postgresql)
command -v java >/dev/null || apt_packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || apt_packages+=(maven)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v mmdebstrap >/dev/null || apt_packages+=(mmdebstrap)  # the local base image
command -v openssl >/dev/null || apt_packages+=(openssl)  # the control plane's certificates
command -v opusenc >/dev/null || apt_packages+=(opus-tools)  # the tests' voice notes
# The browser test checks that emoji are drawn in colour: Chromium needs an emoji font.
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || apt_packages+=(fonts-noto-color-emoji)
# The offline tagger reads Portuguese and Spanish through these dictionaries.
have_dictionaries || apt_packages+=("${DICTIONARIES[@]}")
if ((${#apt_packages[@]})); then
  echo "setup: installing Debian packages: ${apt_packages[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
fi

if ! command -v uv >/dev/null; then
  echo "setup: installing uv"
  python3 -m pip install -q uv
fi
export UV_PYTHON_DOWNLOADS=never
uv sync --locked --all-packages -q

harness() { uv run --no-sync python -c "import sys; sys.path.insert(0, 'tests'); from harness import $1; print($1.$2())"; }
echo "setup: Kafka broker jars in $(harness kafka ensure_jars)"
echo "setup: helm at $(harness tools ensure_helm)"
echo "setup: Compose schema at $(harness tools compose_schema)"
echo "setup: Kubernetes control plane and kwok: $(harness kubernetes build_all)"

# The container tests: a Docker engine (installed and started where none answers) with the
# compose and buildx plugins. `make images` then builds every image on a local base.
bash scripts/docker-engine.sh

if [ ! -x tests/contract/twilio-prism/node_modules/.bin/prism ]; then
  echo "setup: installing Stoplight Prism and Twilio's OpenAPI specs (npm ci)"
  (cd tests/contract/twilio-prism && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "setup: installing playwright-core for the browser test (npm ci)"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
