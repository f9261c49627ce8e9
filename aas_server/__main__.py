"""Command line: ``python -m aas_server --host H --port P --data-dir DIR [--load FILE ...]``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from .app import create_app
from .config import ConfigError, ServerConfig, load_config
from .model.errors import BadRequest

__all__ = ["main"]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="aas_server", description="AAS Part 2 API v3.0 server")
    parser.add_argument("--config", type=Path, help="YAML configuration file")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080)")
    parser.add_argument("--data-dir", type=Path, help="where the database and attachments live (default ./data)")
    parser.add_argument("--load", type=Path, action="append", help="AASX/JSON/XML environment to import at start")
    parser.add_argument("--no-access-log", action="store_true", help="do not log every request")
    parser.add_argument("--validate-config", action="store_true", help="check the configuration and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    overrides: dict[str, Any] = {"host": args.host, "port": args.port, "data_dir": args.data_dir, "load": args.load}
    if args.no_access_log:
        overrides["access_log"] = False
    try:
        config = load_config(args.config, overrides)
    except ConfigError as exc:
        print(f"aas_server: {exc}", file=sys.stderr)
        return 2
    for path in config.load:
        if not path.is_file():
            print(f"aas_server: --load {path}: no such file", file=sys.stderr)
            return 2
    if args.validate_config:
        print("configuration is valid")
        return 0
    return serve(config)


def serve(config: ServerConfig) -> int:
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url = f"http://{config.host}:{config.port}{config.api_prefix}"
    try:
        web.run_app(
            create_app(config),
            host=config.host,
            port=config.port,
            access_log=logging.getLogger("aiohttp.access") if config.access_log else None,
            print=lambda _: print(f"AAS server ready at {url} (data in {config.data_dir})", flush=True),
        )
    except BadRequest as exc:
        print(f"aas_server: cannot load environment: {'; '.join(exc.messages)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"aas_server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
