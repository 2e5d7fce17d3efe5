#!/usr/bin/env bash
# Brings a fresh machine (Node >= 20 + npm, Debian) to what NeuroLedger needs, and nothing more.
#   bootstrap.sh start   pnpm packages (Node 22 comes with them, from the `node` devDependency)
#   bootstrap.sh test    the above, plus Debian packages the test suite uses
#                        (Chromium, PyTorch, PostgreSQL, flake8)
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-start}"
PNPM_VERSION=10.34.9

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "$profile" = "test" ]; then
  apt_install flake8 # `pnpm lint` runs it over training/
  apt_install chromium python3-torch python3-torchvision python3-onnx python3-pil python3-numpy \
    python3-matplotlib python3-jsonschema python3-pytest postgresql fonts-dejavu-core \
    python3-pydicom dcmtk
fi

# pnpm itself runs on the machine's Node; everything it runs uses node_modules/.bin/node (22).
if [ -x node_modules/.bin/pnpm ]; then
  PNPM=(node_modules/.bin/pnpm)
else
  PNPM=(npx --yes "pnpm@$PNPM_VERSION")
fi
export ONNXRUNTIME_NODE_INSTALL=skip   # its postinstall would try to download CUDA files
log "pnpm install"
"${PNPM[@]}" install --frozen-lockfile --reporter=append-only 2>&1 | grep -vE '^(Progress|Downloading)' || {
  log "pnpm install failed"; exit 1; }
[ "$(node_modules/.bin/node --version | cut -d. -f1)" = "v22" ] || { log "Node 22 did not install"; exit 1; }
log "ready ($profile): node $(node_modules/.bin/node --version), pnpm $PNPM_VERSION"
