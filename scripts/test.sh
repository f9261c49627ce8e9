#!/usr/bin/env bash
# The one command that checks everything: format, lint, types, import contracts, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff";          ruff check . && ruff format --check aas_server edge_gateway submodels aasx_packages yaml_config
echo "== mypy --strict"; mypy
echo "== import contracts"; lint-imports
echo "== pytest";        pytest "$@"
