#!/usr/bin/env bash
# A real Keystone for Cepheid on 127.0.0.1, provisioned (compute endpoint, demo/alt users),
# in the foreground until Ctrl-C. Needs python3 with venv + pip; the Keystone venv is cached
# in /var/cache/cepheid-keystone (CEPHEID_KEYSTONE_CACHE). Options: --help.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m tests.fixtures.keystone_up "$@"
