#!/usr/bin/env bash
# Builds the portfolio widget (Rust → wasm32) and its JavaScript bindings
# into portfolio-wasm/pkg, where the server serves it from.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
cargo build -p portfolio-wasm --target wasm32-unknown-unknown --profile widget
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir portfolio-wasm/pkg \
  "$target_dir/wasm32-unknown-unknown/widget/portfolio_wasm.wasm"
printf 'widget: %s bytes of wasm in portfolio-wasm/pkg\n' "$(wc -c < portfolio-wasm/pkg/portfolio_wasm_bg.wasm)"
