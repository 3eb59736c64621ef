#!/usr/bin/env bash
# Runs a benchmark (optimized build). See BENCHMARKS.md for what is measured and the numbers.
#   scripts/bench.sh [ARGS...]          the offline-plan benchmark (the default), for example
#                                       scripts/bench.sh --sizes 1000,10000 --runs 5
#   scripts/bench.sh plan [ARGS...]     the same, named
#   scripts/bench.sh apply [ARGS...]    the apply-scheduler benchmark, for example
#                                       scripts/bench.sh apply --latency-ms 100 --parallelism 10
set -euo pipefail
cd "$(dirname "$0")/.."
bench=plan_offline
case "${1:-}" in
  plan) shift ;;
  apply) bench=apply_schedule; shift ;;
esac
exec cargo bench --bench "$bench" -- "$@"
