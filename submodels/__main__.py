"""``python -m submodels validate FILE...``: check the submodels in AASX/JSON/XML files against their templates.

Exit code 0 when every submodel with a known template validates, 1 when there are findings, 2 when a file
cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .environment import read_submodels
from .template_model import available_templates, load_template
from .validation import Problem, validate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m submodels", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="validate submodels against their IDTA templates")
    check.add_argument("files", nargs="+", help="AASX, JSON or XML environments")
    check.add_argument("--template", help="semanticId of the template to use (default: each submodel's own)")
    check.add_argument("--strict", action="store_true", help="also fail on submodels without a known template")
    commands.add_parser("templates", help="list the templates this package knows")
    args = parser.parse_args(argv)

    if args.command == "templates":
        for semantic_id, name in sorted(available_templates().items(), key=lambda item: item[1]):
            print(f"{name:<20} {semantic_id}")
        return 0

    template = None
    if args.template:
        try:
            template = load_template(args.template)
        except KeyError:
            print(
                f"error: no template with semanticId {args.template!r} (see: python -m submodels templates)",
                file=sys.stderr,
            )
            return 2
    failed = False
    for path in args.files:
        try:
            submodels = read_submodels(path)
        except (OSError, ValueError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 2
        for submodel in submodels:
            findings = validate(submodel, template)
            skipped = [f for f in findings if f.problem is Problem.NO_TEMPLATE]
            if skipped and not args.strict:
                print(f"{path}: {submodel['id']}: skipped ({skipped[0].message})")
                continue
            print(f"{path}: {submodel['id']}: {'ok' if not findings else f'{len(findings)} finding(s)'}")
            for finding in findings:
                print(f"  {finding}")
            failed = failed or bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
