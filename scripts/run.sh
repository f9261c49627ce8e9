#!/usr/bin/env bash
# The main job on the embedded default: the AAS server on SQLite, loaded with an example environment.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
PORT=${PORT:-8080}
DATA=${DATA_DIR:-data}
echo "Starting the AAS server: API at http://127.0.0.1:$PORT/api/v3.0 (try /shells, /submodels, /description), data in $DATA/"
exec .venv/bin/python -m aas_server --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" \
  --load ../shared/examples/basyx-python-sdk/test_demo_full_example_json.aasx "$@"
