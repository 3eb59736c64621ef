#!/usr/bin/env bash
# The main job, as far as this build goes: build strata, validate the `dev` tier of the AI
# stack, and plan it against recorded state. (Apply against the local AWS emulator arrives with
# the AWS and apply issues; this script will then start the emulator itself.)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
strata=target/debug/strata
state_dir=${STRATA_STATE_DIR:-state}

echo "== strata validate --tier dev"
"$strata" validate --tier dev
echo
echo "== strata plan --tier dev --refresh=false"
"$strata" plan --tier dev --refresh=false --state-dir "$state_dir"
echo
echo "== strata graph --tier dev --format mermaid"
"$strata" graph --tier dev --format mermaid
