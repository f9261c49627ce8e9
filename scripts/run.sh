#!/usr/bin/env bash
# The main job on the embedded default: the AAS server (SQLite) loaded with the example packaging plant,
# the simulated packaging machine (OPC UA + Modbus TCP) and the edge gateway that maps it into unit
# FFS200-000001. Ctrl-C stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
PORT=${PORT:-8080}
OPCUA_PORT=${OPCUA_PORT:-4840}
MODBUS_PORT=${MODBUS_PORT:-5020}
GATEWAY_PORT=${GATEWAY_PORT:-8090}
DATA=${DATA_DIR:-data}
UNITS=${UNITS:-20}
API="http://127.0.0.1:$PORT/api/v3.0"
PY=.venv/bin/python
mkdir -p "$DATA"

PLANT="$DATA/example-plant-$UNITS-port$PORT.aasx"
if [ ! -f "$PLANT" ]; then
  $PY -m submodels.example --units "$UNITS" --seed 1 --out "$PLANT" --server-url "$API"
fi

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY -m aas_server --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" --load "$PLANT" --no-access-log &
pids+=($!)
$PY -m edge_gateway.simulators both --opcua-port "$OPCUA_PORT" --modbus-port "$MODBUS_PORT" --log-level WARNING &
pids+=($!)
for _ in $(seq 1 600); do
  if $PY -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=1)" 2>/dev/null; then break; fi
  sleep 0.2
done

$PY -m edge_gateway.demo --server-url "$API" --opcua "opc.tcp://127.0.0.1:$OPCUA_PORT" \
  --modbus-port "$MODBUS_PORT" --data-dir "$DATA" --http-port "$GATEWAY_PORT" --out "$DATA/gateway.yaml"
$PY -m edge_gateway --log-level WARNING run --config "$DATA/gateway.yaml" &
pids+=($!)

UNIT_STATE=$($PY -c "import base64;print(base64.urlsafe_b64encode(b'https://example.com/ids/sm/unit/FFS200-000001/machine-state').decode().rstrip('='))")
cat <<INFO

  AAS server          $API   (try /shells?idShort=FFS200_000001, /description)
  live machine values $API/submodels/$UNIT_STATE/\$value
  speed setpoint      PATCH $API/submodels/$UNIT_STATE/submodel-elements/SpeedSetpoint/\$value  (e.g. 140)
  gateway             http://127.0.0.1:$GATEWAY_PORT/health   http://127.0.0.1:$GATEWAY_PORT/metrics
  start a job         POST http://127.0.0.1:$GATEWAY_PORT/operations/start_job/invoke/\$value
                      {"inputArguments": {"JobId": "B2026W48", "Quantity": 500}}
  simulated machine   opc.tcp://127.0.0.1:$OPCUA_PORT   modbus 127.0.0.1:$MODBUS_PORT
  gateway mapping     $DATA/gateway.yaml
  Ctrl-C stops everything.

INFO
wait -n "${pids[@]}"
