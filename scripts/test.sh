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

# The Moodle suite runs the carefolio binary built above (the debug build:
# a release build would add minutes to every run for the same code) against
# a real Moodle 4.5, set up (or reused when already running) by the Moodle
# kit: a folder holding setup.sh and the Moodle tarball. It is looked for in
# MOODLE_KIT, beside MOODLE_TARBALL, and in shared/moodle beside this clone
# or beside the repository it was cloned from.
find_moodle_kit() {
  local origin candidates=()
  origin=$(git config --get remote.origin.url 2>/dev/null || true)
  [ -n "${MOODLE_KIT:-}" ] && candidates+=("$MOODLE_KIT")
  [ -n "${MOODLE_TARBALL:-}" ] && candidates+=("$(dirname "$MOODLE_TARBALL")")
  candidates+=("$PWD/../shared/moodle")
  case "$origin" in
    /*|file://*) candidates+=("${origin#file://}/../shared/moodle") ;;
  esac
  for dir in "${candidates[@]}"; do
    if [ -x "$dir/setup.sh" ] && compgen -G "$dir/moodle-*.tar.xz" >/dev/null; then
      (cd "$dir" && pwd)
      return 0
    fi
  done
  return 1
}

if kit=$(find_moodle_kit); then
  echo "==> Moodle suite: kit $kit"
  MOODLE_KIT=$kit CAREFOLIO_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/carefolio" \
    cargo test --locked -p carefolio-tests --test moodle 2>&1 | tee -a "$log" || status=$?
elif [ -n "${CI:-}" ]; then
  echo "The Moodle suite must run in CI, but no Moodle kit was found (set MOODLE_KIT to the folder with setup.sh and the Moodle 4.5 tarball)." >&2
  status=1
else
  echo "The Moodle suite did not run: no Moodle kit was found (set MOODLE_KIT to the folder with setup.sh and the Moodle 4.5 tarball)."
fi
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
exit $status
