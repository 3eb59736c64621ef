#!/usr/bin/env bash
# Runs the whole test suite: unit tests, integration tests, golden files, fixture diagnostics,
# property tests. Needs only cargo (cargo-nextest is used when installed).
set -euo pipefail
cd "$(dirname "$0")/.."

if cargo nextest --version >/dev/null 2>&1; then
  # Doc tests first (nextest does not run them), so the suite's own summary closes the output.
  cargo test --doc --quiet
  cargo nextest run --no-fail-fast "$@"
else
  cargo test --no-fail-fast "$@"
fi
