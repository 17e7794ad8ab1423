#!/usr/bin/env bash
# Runs every check and test: formatting, lints, unit tests, and the
# integration tests (each on SQLite and on PostgreSQL, browser tests in
# headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-widget.sh

pg_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "PostgreSQL does not answer at 127.0.0.1:5432; the tests need it (TEST_POSTGRES_URL=$pg_url)." >&2
  exit 1
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

# The CLI tests run the carefolio binary; cargo test builds only test targets.
cargo build --locked -p carefolio --bin carefolio

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked 2>&1 | tee "$log" || status=$?
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
exit $status
