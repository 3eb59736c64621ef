#!/usr/bin/env bash
# Runs the offline-plan benchmark (optimized build). Arguments go to the bench, for example:
#   scripts/bench.sh --sizes 1000,10000 --runs 5
# See BENCHMARKS.md for what is measured and the numbers on the reference machine.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --bench plan_offline -- "$@"
