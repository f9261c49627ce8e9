"""Run the simulated packaging machine until Ctrl-C or SIGTERM (then shut down cleanly, exit 0).

    python -m edge_gateway.simulators opcua  --port 4840 [--seed S] [--step 0.1] [--signals N --rate HZ]
    python -m edge_gateway.simulators modbus --port 5020 [--seed S] [--step 0.1] [--registers N]
    python -m edge_gateway.simulators both   --opcua-port 4840 --modbus-port 5020 [...]

``both`` shows one machine over both protocols (the OPC UA server steps it, Modbus reads it live), so a
setpoint written over Modbus is visible over OPC UA. Endpoints are printed on stdout, one per line, once
the servers listen (port 0 picks a free port). Bad arguments exit with status 2 (argparse).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from .machine import PackagingMachine
from .modbus_server import ModbusMachineServer
from .opcua_server import OpcUaMachineServer


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {text}")
    return value


def _user(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME:PASSWORD")
    return name, password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m edge_gateway.simulators", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: loopback)")
    common.add_argument("--seed", type=int, default=0, help="model random seed (default 0)")
    common.add_argument("--step", type=_positive_float, default=0.1, help="model step in seconds (default 0.1)")
    common.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    opcua = argparse.ArgumentParser(add_help=False)
    opcua.add_argument("--signals", type=_non_negative_int, default=0, help="extra Double signals (load mode)")
    opcua.add_argument("--rate", type=_positive_float, default=1.0, help="load-mode change rate in Hz (default 1)")
    opcua.add_argument("--certificate", help="server certificate (DER or PEM)")
    opcua.add_argument("--private-key", help="server private key (PEM)")
    opcua.add_argument("--security", action="store_true", help="add Basic256Sha256 Sign and SignAndEncrypt")
    opcua.add_argument("--require-security", action="store_true", help="no None endpoint (implies --security)")
    opcua.add_argument("--user", type=_user, action="append", default=[], help="NAME:PASSWORD (repeatable)")

    modbus = argparse.ArgumentParser(add_help=False)
    modbus.add_argument("--registers", type=_non_negative_int, default=0, help="extra holding registers at 1000")

    sub = commands.add_parser("opcua", parents=[common, opcua], help="OPC UA server")
    sub.add_argument("--port", type=_port, default=4840)
    sub = commands.add_parser("modbus", parents=[common, modbus], help="Modbus TCP server")
    sub.add_argument("--port", type=_port, default=5020)
    sub = commands.add_parser("both", parents=[common, opcua, modbus], help="one machine, both protocols")
    sub.add_argument("--opcua-port", type=_port, default=4840)
    sub.add_argument("--modbus-port", type=_port, default=5020)
    return parser


def _opcua_server(args: argparse.Namespace, port: int, machine: PackagingMachine) -> OpcUaMachineServer:
    security = args.security or args.require_security
    return OpcUaMachineServer(
        args.host,
        port,
        step_s=args.step,
        machine=machine,
        signals=args.signals,
        rate_hz=args.rate,
        certificate=args.certificate,
        private_key=args.private_key,
        security=security,
        require_security=args.require_security,
        users=dict(args.user) or None,
    )


async def _run(args: argparse.Namespace) -> None:
    machine = PackagingMachine(args.seed)
    servers: list[OpcUaMachineServer | ModbusMachineServer] = []
    if args.command in ("opcua", "both"):
        servers.append(_opcua_server(args, args.port if args.command == "opcua" else args.opcua_port, machine))
    if args.command in ("modbus", "both"):
        port = args.port if args.command == "modbus" else args.modbus_port
        step = args.step if args.command == "modbus" else None  # in "both" the OPC UA server owns the clock
        servers.append(ModbusMachineServer(args.host, port, step_s=step, machine=machine, registers=args.registers))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        for server in servers:
            await server.start()
            if isinstance(server, OpcUaMachineServer):
                print(f"OPC UA endpoint: {server.endpoint} (namespace {server.namespace_index})", flush=True)
            else:
                print(f"Modbus TCP endpoint: {server.host}:{server.port} (device id 1)", flush=True)
        await stop.wait()
    finally:
        for server in reversed(servers):
            try:
                await server.stop()
            except Exception:  # keep stopping the others; the log says what failed
                logging.getLogger(__name__).exception("stopping %s failed", type(server).__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    wants_security = getattr(args, "security", False) or getattr(args, "require_security", False)
    if wants_security and not (args.certificate and args.private_key):
        parser.error("--security needs --certificate and --private-key")
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_run(args))
    except OSError as exc:  # typically: the port is taken
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
