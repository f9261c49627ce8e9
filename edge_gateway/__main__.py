"""``python -m edge_gateway``: run the gateway, check a configuration, or browse an OPC UA server.

    python -m edge_gateway run --config gateway.yaml
    python -m edge_gateway check --config gateway.yaml     # config, then each endpoint once; exit 0/1
    python -m edge_gateway browse opc.tcp://127.0.0.1:4840 # print a mapping skeleton for its variables

Exit codes: 0 fine, 1 an endpoint is unreachable or refuses us (check, browse), 2 the configuration or the
command line is wrong. Errors are one readable line each, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from .config import ConfigError, GatewayConfig, OpcUaSource, load_gateway_config

__all__ = ["main"]

log = logging.getLogger("edge_gateway")


async def _from_interfaces(config: GatewayConfig) -> GatewayConfig:
    """Sources and signals from the AID/AIMC submodels; waits (with backoff) for the server to answer."""
    from .aid import AidError, derive_config
    from .retry import backoff_delays

    if config.interfaces is None:
        return config
    delays = backoff_delays(config.server.retry)
    while True:
        try:
            return await derive_config(config, config.interfaces.aid_submodel, config.interfaces.aimc_submodel)
        except AidError as exc:
            if "HTTP 404" not in str(exc):
                raise
            log.warning("waiting for the interface submodels: %s", exc)
        except (OSError, TimeoutError) as exc:
            log.warning("waiting for the server to read the interface submodels: %s", exc)
        await asyncio.sleep(next(delays))


async def _run(config: GatewayConfig) -> None:
    from .gateway import Gateway
    from .ops import ops_app

    config = await _from_interfaces(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    gateway = Gateway(config)
    async with gateway.running():
        runner = web.AppRunner(ops_app(gateway), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, config.http.host, config.http.port)
        await site.start()
        port = runner.addresses[0][1] if runner.addresses else config.http.port  # the bound one (port 0)
        print(
            f"Gateway {config.name}: {len(config.signals)} signals -> {config.server.url}; "
            f"health http://{config.http.host}:{port}/health, metrics /metrics",
            flush=True,
        )
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


async def _check(config: GatewayConfig) -> int:
    """Reach each endpoint once: the server's /description, each OPC UA server, each Modbus device."""
    import aiohttp

    from .sources.opcua import opcua_client, secure

    failures = 0
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                config.server.url.rstrip("/") + "/description",
                timeout=aiohttp.ClientTimeout(total=config.server.timeout_s),
            ) as response,
        ):
            print(f"server {config.server.url}: {'ok' if response.status == 200 else f'HTTP {response.status}'}")
            failures += response.status != 200
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"server {config.server.url}: unreachable ({exc.__class__.__name__}: {exc})")
        failures += 1
    for source in config.opcua:
        client = opcua_client(source, timeout=5)
        try:
            await secure(client, source)
            mismatch = await _pinned_certificate_mismatch(source)
            if mismatch:
                raise ConnectionError(mismatch)
            await asyncio.wait_for(client.connect(), 10)
            await client.disconnect()
            print(f"opcua {source.name} {source.endpoint}: ok")
        except Exception as exc:  # report every kind of refusal (network, certificate, login) the same way
            print(f"opcua {source.name} {source.endpoint}: failed ({exc.__class__.__name__}: {exc})")
            failures += 1
    for device in config.modbus:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(device.host, device.port), device.timeout_s)
            writer.close()
            print(f"modbus {device.name} {device.host}:{device.port}: ok")
        except (OSError, TimeoutError) as exc:
            print(f"modbus {device.name} {device.host}:{device.port}: unreachable ({exc.__class__.__name__}: {exc})")
            failures += 1
    return 1 if failures else 0


async def _pinned_certificate_mismatch(source: OpcUaSource) -> str | None:
    """Why a secure channel would fail silently: the server's certificate is not the pinned one."""
    pinned = source.security.server_certificate
    if source.security.policy == "None" or pinned is None:
        return None
    from asyncua import Client
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    data = pinned.read_bytes()
    certificate = (
        x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    )
    expected = certificate.public_bytes(Encoding.DER)
    endpoints = await asyncio.wait_for(Client(source.endpoint, timeout=5).connect_and_get_server_endpoints(), 10)
    offered = {bytes(e.ServerCertificate or b"") for e in endpoints}
    if expected not in offered:
        return f"the server's certificate is not the pinned server_certificate {pinned}"
    return None


async def _browse(endpoint: str, max_nodes: int) -> int:
    from .sources.browse import mapping_skeleton

    try:
        print(await mapping_skeleton(endpoint, max_nodes=max_nodes), end="")
    except Exception as exc:  # a browse is interactive: one line, no traceback
        print(f"error: {endpoint}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "check"):
        command = commands.add_parser(name)
        command.add_argument("--config", type=Path, required=True)
    browse = commands.add_parser("browse")
    browse.add_argument("endpoint")
    browse.add_argument("--max-nodes", type=int, default=5000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("asyncua").setLevel(logging.WARNING)

    if args.command == "browse":
        return asyncio.run(_browse(args.endpoint, args.max_nodes))
    try:
        config = load_gateway_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        return asyncio.run(_check(config))
    from .aid import AidError

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(config))
    except (AidError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a port in use, a buffer path that cannot be created: say which, no traceback
        print(f"error: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
