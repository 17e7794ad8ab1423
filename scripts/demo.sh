#!/usr/bin/env bash
# Builds Carefolio (server and widget) and runs it on the embedded default:
# SQLite and local files under data/demo, with a demo LTI platform
# registered. The demo platform performs one launch to show it works, then
# both keep running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-widget.sh
cargo build --locked -p carefolio -p carefolio-tests --bins
target_dir=${CARGO_TARGET_DIR:-target}
bin="$target_dir/debug"

export CAREFOLIO_CONFIG=config/demo.toml
"$bin/carefolio" serve &
server=$!
"$bin/demo-platform" --tool http://127.0.0.1:8300 --bind 127.0.0.1:8301 &
platform=$!
trap 'kill $server $platform 2>/dev/null || true' EXIT INT TERM
wait -n $server $platform
