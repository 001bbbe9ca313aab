"""`fixyasic synth FILE.v [FILE.v ...] --top NAME [--clock-ns N] [--out DIR] [--pnr-ready]`."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth", help="synthesize Verilog to sky130hd cells through SiliconCompiler",
        description="Run SiliconCompiler synthesis (slang elaborate -> yosys) on sky130hd, "
                    "tt corner, and print the cell area, cell count and netlist path.")
    p.add_argument("sources", nargs="+", metavar="FILE.v", help="Verilog sources")
    p.add_argument("--top", required=True, help="top module name")
    p.add_argument("--clock-ns", type=float, default=10.0,
                   help="clock period in ns (default: 10)")
    p.add_argument("--clock-port", default=None,
                   help="clock input name (default: an input called clk/clock)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output directory (default: build/<top>)")
    p.add_argument("--pnr-ready", action="store_true",
                   help="also keep out the cells fixyasic's own P&R (qrouter) cannot use, for "
                        "netlists placed and routed on their own (fixyasic.pnr.run_pnr)")
    p.add_argument("--verbose", action="store_true",
                   help="also show the tools' own output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..synth import synthesize

    res = synthesize(args.sources, args.top, clock_ns=args.clock_ns, out_dir=args.out,
                     clock_port=args.clock_port, quiet=not args.verbose,
                     pnr_ready=args.pnr_ready)
    print(f"top:       {res.top}")
    print(f"cell area: {res.cellarea:.2f} um^2")
    print(f"cells:     {res.cells}")
    print(f"netlist:   {res.netlist}")
    return 0
