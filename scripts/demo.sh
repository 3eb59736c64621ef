#!/usr/bin/env bash
# The main job: build strata, start the local AWS emulator (moto, pinned, in .venv), then
# validate, plan and apply the `dev` tier of the AI stack into it and show the outputs.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
strata=$PWD/target/debug/strata
scripts/moto.sh install

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scripts/moto.sh start "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/moto-api/" && break
  sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing \
  AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
state_dir=$(mktemp -d)
trap 'kill $moto_pid 2>/dev/null || true; rm -rf "$state_dir"' EXIT

echo "== strata validate --tier dev"
"$strata" validate --tier dev
echo
echo "== strata plan --tier dev --stats   (against the local emulator at $AWS_ENDPOINT_URL)"
"$strata" plan --tier dev --stats --state-dir "$state_dir"
echo
echo "== strata apply --tier dev --yes"
"$strata" apply --tier dev --yes --state-dir "$state_dir"
echo
echo "== strata plan --tier dev --detailed-exitcode   (nothing left to do)"
"$strata" plan --tier dev --detailed-exitcode --state-dir "$state_dir"
echo
echo "== strata show --tier dev   (resources, endpoints, SSH command)"
"$strata" show --tier dev --state-dir "$state_dir"
echo
echo "== strata list"
"$strata" list --state-dir "$state_dir"
echo
echo "To remove it: strata destroy --tier dev --state-dir DIR (here the emulator and the state go away when the demo exits)."
echo "On a real host, strata health --tier dev checks each service's endpoint once user data has run."
