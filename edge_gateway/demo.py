"""``python -m edge_gateway.demo``: the gateway configuration of the demo (``scripts/run.sh``).

It connects the simulated packaging machine (OPC UA and Modbus, ``python -m edge_gateway.simulators both``)
to unit ``FFS200-000001`` of the example plant (``python -m submodels.example``): live values and the speed
setpoint go to the unit's MachineState submodel, speed and motor temperature also to its operational time
series. Written out as YAML so that the file a user edits next is the one that ran.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .config import GatewayConfig

__all__ = ["demo_config", "main"]

NS = "https://example.com/ids"  # the example plant's id namespace (submodels.example.catalog.NS)


def demo_config(
    server_url: str, opcua_endpoint: str, modbus_host: str, modbus_port: int, unit: str, data_dir: Path, http_port: int
) -> dict[str, Any]:
    state = f"{NS}/sm/unit/{unit}/machine-state"
    series = f"{NS}/sm/unit/{unit}/operational-data"

    def opcua(signal_id: str, name: str, **extra: Any) -> dict[str, Any]:
        return {"id": signal_id, "source": "ffs200", "node": f"ns=2;s=Machine.{name}", **extra}

    def live(path: str, value_type: str = "xs:double") -> dict[str, Any]:
        return {"target": {"submodel": state, "path": path, "value_type": value_type}}

    def record(variable: str, semantic: str) -> dict[str, Any]:
        return {"series": {"submodel": series, "variable": variable, "semantic_id": f"{NS}/cd/{semantic}"}}

    signals = [
        opcua("speed", "Speed", **live("Speed"), **record("Speed", "MachineSpeed"), deadband={"absolute": 0.1}),
        opcua("speed_setpoint", "SpeedSetpoint", **live("SpeedSetpoint"), writable=True),
        opcua("good_count", "GoodCount", **live("GoodCount", "xs:long")),
        opcua("reject_count", "RejectCount", **live("RejectCount", "xs:long")),
        opcua("state", "State", **live("State", "xs:int")),
        opcua("batch_id", "BatchId", **live("BatchId", "xs:string")),
        {
            "id": "motor_temperature",
            "source": "plc",
            "table": "holding",
            "address": 9,
            "type": "int16",
            "scale": 0.1,
            "poll_ms": 500,
            "unit": "degC",
            **live("MotorTemperature"),
            **record("MotorTemperature", "MotorTemperature"),
        },
        {
            "id": "vibration_rms",
            "source": "plc",
            "table": "input",
            "address": 0,
            "type": "int16",
            "scale": 0.01,
            "poll_ms": 200,
            "unit": "mm/s",
            **live("VibrationRms"),
        },
    ]
    config = {
        "name": "ffs200-edge",
        "status_submodel": f"{NS}/sm/gateway/ffs200-edge/status",
        "server": {"url": server_url},
        "buffer": {"path": str(data_dir / "gateway-buffer.sqlite")},
        "http": {"host": "127.0.0.1", "port": http_port},
        "opcua": [{"name": "ffs200", "endpoint": opcua_endpoint}],
        "modbus": [{"name": "plc", "host": modbus_host, "port": modbus_port}],
        "signals": signals,
        "operations": [
            {
                "id": "start_job",
                "source": "ffs200",
                "object": "ns=2;s=Machine",
                "method": "ns=2;s=Machine.StartJob",
                "inputs": [{"name": "JobId", "type": "String"}, {"name": "Quantity", "type": "UInt32"}],
                "outputs": [{"name": "Accepted", "type": "Boolean"}],
            },
            {
                "id": "reset_counters",
                "source": "ffs200",
                "object": "ns=2;s=Machine",
                "method": "ns=2;s=Machine.ResetCounters",
            },
        ],
    }
    GatewayConfig.model_validate(config)  # the demo must never write a config the gateway rejects
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_gateway.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="http://127.0.0.1:8080/api/v3.0")
    parser.add_argument("--opcua", default="opc.tcp://127.0.0.1:4840")
    parser.add_argument("--modbus-host", default="127.0.0.1")
    parser.add_argument("--modbus-port", type=int, default=5020)
    parser.add_argument("--unit", default="FFS200-000001")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--http-port", type=int, default=8090)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    config = demo_config(
        args.server_url, args.opcua, args.modbus_host, args.modbus_port, args.unit, args.data_dir, args.http_port
    )
    args.out.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
