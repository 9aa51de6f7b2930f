#!/usr/bin/env bash
# The full test suite: system packages, RabbitMQ + PostgreSQL up, then every tox env.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-system-packages.sh
tools/ensure-services.sh
python3 -m pip install -q 'tox>=4.0'
exec python3 -m tox "$@"
