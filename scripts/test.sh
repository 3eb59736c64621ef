#!/usr/bin/env bash
# Runs the whole test suite: unit tests, integration tests (the AWS ones against a local moto
# server, through the real SDK), golden files, fixture diagnostics, property tests.
# Needs only cargo and python3: the pinned emulator is installed into .venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

# Install the emulator once up front, rather than from the first test that needs it.
scripts/moto.sh install

if cargo nextest --version >/dev/null 2>&1; then
  # Doc tests first (nextest does not run them), so the suite's own summary closes the output.
  cargo test --doc --quiet
  cargo nextest run --no-fail-fast "$@"
else
  cargo test --no-fail-fast "$@"
fi
