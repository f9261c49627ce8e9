"""``python -m submodels.example --units N --seed S --out plant.aasx``: generate the example plant."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .package import write_package
from .plant import DEFAULT_SERVER_URL, generate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m submodels.example", description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20, help="produced machines (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same plant (default 1)")
    parser.add_argument("--out", type=Path, default=Path("plant.aasx"), help=".aasx (default) or .json")
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER_URL,
        help=f"API base the time series History points to ({DEFAULT_SERVER_URL})",
    )
    args = parser.parse_args(argv)
    if args.units < 0:
        parser.error("--units must be >= 0")
    started = time.perf_counter()
    plant = generate(args.units, args.seed, args.server_url)
    built = time.perf_counter()
    write_package(plant, args.out)
    kinds = Counter(type(obj).__name__ for obj in plant.objects)
    print(
        f"{args.out}: {kinds['AssetAdministrationShell']} shells, {kinds['Submodel']} submodels "
        f"({args.units} units); built in {built - started:.1f} s, written in {time.perf_counter() - built:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
