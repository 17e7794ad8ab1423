#!/usr/bin/env bash
# Installs what building and testing Carefolio needs and this machine lacks.
# Idempotent: each step checks first and does nothing when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen library version in Cargo.lock exactly.
wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wanted" ]; then
  say "Installing wasm-bindgen-cli $wanted (found: ${have:-none})"
  say "(a one-time build of a few minutes)"
  # The CLI's own lock file may name a dependency release the registry no
  # longer offers (yanked): then let cargo choose compatible releases.
  cargo install wasm-bindgen-cli --version "$wanted" --locked \
    || cargo install wasm-bindgen-cli --version "$wanted"
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]} for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

# axe-core, which the browser tests inject into every view of the widget
# (version pinned in tests/browser/package.json and its lock file).
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  say "Installing axe-core for the accessibility checks of the browser tests"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# The Open Badges 3.0 verifier the badge tests run (tests/openbadges/
# verify-ob3.mjs): the Digital Credentials Consortium's VC library and the
# Open Badges 3.0 contexts, pinned in package.json and its lock file.
if [ ! -f tests/openbadges/node_modules/@digitalcredentials/vc/package.json ]; then
  say "Installing the Open Badges 3.0 verifier for the badge tests"
  (cd tests/openbadges && npm ci --no-audit --no-fund --loglevel=error)
fi

# 1EdTech's Open Badges 2.0 validator (PyPI `openbadges`), which the badge
# tests run offline on hosted assertions (tests/openbadges/verify.py). Its
# pinned dependencies import only on Python 3.7 to 3.9, so it gets a
# virtual environment of its own with such a Python.
validator="$HOME/.cache/carefolio/openbadges-validator"
if ! "$validator/bin/python" -c 'import openbadges' >/dev/null 2>&1; then
  old_python=""
  for candidate in python3.9 python3.8 python3.7 \
      "$HOME"/.pyenv/versions/3.9*/bin/python3 "$HOME"/.pyenv/versions/3.8*/bin/python3 \
      "$HOME"/.pyenv/versions/3.7*/bin/python3; do
    # Runs, not just exists (pyenv's shims exist for versions not selected).
    if "$candidate" -c 'import venv' >/dev/null 2>&1; then
      old_python=$candidate
      break
    fi
  done
  if [ -z "$old_python" ]; then
    echo "The Open Badges validator needs Python 3.7, 3.8 or 3.9 (its dependencies do not import on newer ones); none was found." >&2
    exit 1
  fi
  say "Installing the Open Badges 2.0 validator with $old_python"
  rm -rf "$validator"
  "$old_python" -m venv "$validator"
  "$validator/bin/python" -m pip install --quiet --disable-pip-version-check "openbadges==1.1.2"
fi

# An S3-compatible server on loopback for the tests of S3 file storage:
# moto's server mode, from PyPI.
if ! command -v moto_server >/dev/null 2>&1; then
  say "Installing moto (an S3-compatible test server) with pip"
  python3 -m pip install --quiet --user "moto[server]>=5,<6" \
    || python3 -m pip install --quiet "moto[server]>=5,<6"
fi
