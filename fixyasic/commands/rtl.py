"""`fixyasic rtl WEIGHTS.npz --out DIR [--style shiftadd|multiply] [--pipeline N]`."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rtl", help="generate fixed-weight streaming Verilog from a fixed-layer file",
        description="Turn a fixed-layer file (.npz from `fixyasic export`) into Verilog: one "
                    "module per layer with every weight a constant (shift-add with shared "
                    "subexpressions, or plain `x * C` products), line-buffer windows and a "
                    "valid/ready streaming top. Writes the .v files and manifest.json to DIR.")
    p.add_argument("weights", metavar="WEIGHTS.npz", help="fixed-layer file")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--style", choices=("shiftadd", "multiply"), default="shiftadd",
                   help="constant products as shared shift-add logic (default) or `x * C` "
                        "left to synthesis")
    p.add_argument("--top", default="fixyasic_top", help="top module name (default: fixyasic_top)")
    p.add_argument("--pipeline", type=int, default=0, metavar="N",
                   help="register every N adder-tree levels (default 0: one register per layer)")
    p.add_argument("--unregistered-outputs", action="store_true",
                   help="let a final 1x1 layer drive the output pins straight from its logic "
                        "(default: the top's outputs come from a register)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..qnet import FixedNetwork
    from ..rtl import generate_rtl

    net = FixedNetwork.load(args.weights)
    design = generate_rtl(net, args.out, style=args.style, top=args.top, pipeline=args.pipeline,
                          register_outputs=not args.unregistered_outputs)
    tot = design.manifest["totals"]
    print(f"top:      {design.top} ({args.style})")
    print(f"files:    {', '.join(f.name for f in design.files)}")
    if args.style == "shiftadd":
        print(f"adders:   {tot['adders']} (plain CSD would need {tot['csd_adders']})")
    print(f"manifest: {design.manifest_path}")
    return 0
