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
# Credentials for the demo's learning record store, made once and kept
# beside the demo's data (the secret is shown only when it is made).
lrs_credentials=data/demo/lrs-client.txt
if [ ! -s "$lrs_credentials" ] || ! "$bin/carefolio" xapi-client list 2>/dev/null | grep -q "^demo-lrs "; then
  mkdir -p data/demo
  "$bin/carefolio" xapi-client add --name demo-lrs --scope all 2>/dev/null > "$lrs_credentials"
fi
echo "Learning record store: http://127.0.0.1:8300/xapi/ ($(grep '^key:' "$lrs_credentials" | tr -s ' '), $(grep '^secret:' "$lrs_credentials" | tr -s ' '); kept in $lrs_credentials)"
"$bin/carefolio" serve &
server=$!
"$bin/demo-platform" --tool http://127.0.0.1:8300 --bind 127.0.0.1:8301 &
platform=$!
trap 'kill $server $platform 2>/dev/null || true' EXIT INT TERM
wait -n $server $platform
