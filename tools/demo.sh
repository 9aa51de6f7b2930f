#!/usr/bin/env bash
# The main job on embedded defaults (fake:// bus, SQLite, fake driver): see README.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q 'tox>=4.0'
exec python3 -m tox -q -e demo -- "$@"
