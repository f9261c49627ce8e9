#!/usr/bin/env bash
# The main job on the embedded default: the AAS server on SQLite, loaded with the example packaging plant.
# (The simulated PLCs and the edge gateway join here with issue #4.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
PORT=${PORT:-8080}
DATA=${DATA_DIR:-data}
UNITS=${UNITS:-20}
mkdir -p "$DATA"
PLANT="$DATA/example-plant-$UNITS-port$PORT.aasx"
if [ ! -f "$PLANT" ]; then
  .venv/bin/python -m submodels.example --units "$UNITS" --seed 1 --out "$PLANT" \
    --server-url "http://127.0.0.1:$PORT/api/v3.0"
fi
echo "Starting the AAS server: API at http://127.0.0.1:$PORT/api/v3.0 (try /shells?idShort=FFS200_000001, /submodels, /description), data in $DATA/"
exec .venv/bin/python -m aas_server --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" --load "$PLANT" "$@"
