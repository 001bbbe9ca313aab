"""The `fixyasic` command. Each stage lives in fixyasic/commands/<name>.py and exposes
``register(subparsers)``; heavy imports happen inside the handlers so `--help` is fast."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import FixyasicError

# Order is the order shown in --help: it follows the data flow.
COMMAND_MODULES = [
    "train",
    "export",
    "rtl",
    "baseline",
    "synth",
    "flow",
    "report",
    "compare",
    "run",
    "sweep",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fixyasic",
        description="FixyNN fixed feature extractors as hard-wired sky130 logic, vs an iso-area "
                    "programmable accelerator.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"fixyasic.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"fixyasic.commands.{name}":
                continue  # stage not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        rc = args.func(args)
    except FixyasicError as exc:
        if args.debug or os.environ.get("FIXYASIC_DEBUG"):
            raise
        print(f"fixyasic: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # a path the user gave that cannot be created or written: one line, not a traceback
        if args.debug or os.environ.get("FIXYASIC_DEBUG"):
            raise
        where = f" {exc.filename}" if exc.filename else ""
        print(f"fixyasic: error: cannot access{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fixyasic: interrupted", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
