"""`fixyasic flow DESIGN.v [more.v] --top NAME [--clock-ns N] [--out DIR] [--placer P]
[--drc] [--stock-openroad]`: synthesis + place and route + parasitics + timing + power on
sky130hd (+ magic DRC of the GDS with --drc)."""

from __future__ import annotations

import argparse

_ROWS = [("cells", "cells", "{:.0f}"), ("cellarea", "cell area (um^2)", "{:.1f}"),
         ("totalarea", "die area (um^2)", "{:.1f}"), ("utilization", "utilization (%)", "{:.1f}"),
         ("hpwl_um", "placed HPWL (um)", "{:.0f}"), ("wire_demand", "HPWL / track supply", "{:.3f}"),
         ("wire_demand_peak", "  peak 100-um bin", "{:.3f}"), ("wirelength", "routed wirelength (um)", "{:.0f}"),
         ("vias", "vias", "{:.0f}"), ("unrouted_nets", "unrouted nets", "{:.0f}"),
         ("router_failed_nets", "router failed nets", "{:.0f}"), ("setupwns", "setup WNS (ns)", "{:.3f}"),
         ("fmax_mhz", "fmax (MHz)", "{:.1f}"), ("averagepower", "power, activity (W)", "{:.4g}"),
         ("vectorless_power", "power, vectorless (W)", "{:.4g}"),
         ("leakagepower", "leakage (W)", "{:.3g}"), ("activity_coverage", "nets with activity", "{:.1%}"),
         ("activity_source", "activity source", "{}"),
         ("drc_violations", "DRC error tiles (magic)", "{:.0f}")]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "flow", help="synthesis + place & route + timing + power on sky130hd (SiliconCompiler)",
        description="Run the fixyasic SiliconCompiler flow: synthesis -> floorplan -> place -> "
                    "route (qrouter) -> parasitics -> timing (OpenSTA) -> power (gate-level "
                    "activity) -> GDS/PNG. Prints the metrics and writes metrics.json and "
                    "status.json (valid only if routing, timing and activity checks pass).")
    p.add_argument("sources", nargs="+", metavar="DESIGN.v", help="Verilog sources")
    p.add_argument("--top", required=True, help="top module name")
    p.add_argument("--clock-ns", type=float, default=10.0, help="clock period in ns (default 10)")
    p.add_argument("--clock-port", default=None, help="clock input (default clk/clock)")
    p.add_argument("--out", default=None, metavar="DIR", help="run directory (default build/<top>_flow)")
    p.add_argument("--placer", choices=["coloquinte", "graywolf"], default="coloquinte")
    p.add_argument("--utilization", type=float, default=None, help="target core utilization")
    p.add_argument("--spread-density", type=float, default=None, metavar="D",
                   help="spread the cells evenly over the rows (coloquinte global placement at "
                        "density D, e.g. 0.9) instead of packing them where the nets pull")
    p.add_argument("--max-wire-demand", type=float, default=None, metavar="W",
                   help="placed wirelength / routing track supply above which the die is "
                        "floorplanned again at a lower utilization and placed again (e.g. 0.15)")
    p.add_argument("--congestion-rounds", type=int, default=0, metavar="N",
                   help="with --spread-density: N more global placements with each cell's room "
                        "scaled by the wiring density around it (RUDY), for designs whose "
                        "routing fails where wires pile up")
    p.add_argument("--max-net-span", type=float, default=None, metavar="UM",
                   help="buffer data nets of more than 3 loads whose pins spread wider than UM "
                        "(bounding-box half-perimeter) into groups within it: long nets of many "
                        "pins are the ones the router fails on (e.g. 300)")
    p.add_argument("--drc", action="store_true",
                   help="design-rule check of the GDS with magic (counts recorded as metrics "
                        "drc_violations / drc_rules; they do not make the run invalid)")
    p.add_argument("--stock-openroad", action="store_true",
                   help="use SiliconCompiler's own OpenROAD flow (needs openroad)")
    p.add_argument("--verbose", action="store_true", help="show SiliconCompiler's log")
    p.set_defaults(func=run)


def format_metrics(metrics: dict) -> str:
    lines = []
    for key, label, fmt in _ROWS:
        if metrics.get(key) is not None:
            lines.append(f"{label:<24} {fmt.format(metrics[key])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..pnr.scflow import run_sc_flow
    from ..pnr.steps import PnrOptions

    out = Path(args.out) if args.out else Path("build") / f"{args.top}_flow"
    opt = PnrOptions(clock_ns=args.clock_ns, clock_port=args.clock_port, placer=args.placer,
                     utilization=args.utilization, spread_density=args.spread_density,
                     max_wire_demand=args.max_wire_demand, congestion_rounds=args.congestion_rounds,
                     max_net_span_um=args.max_net_span, drc=args.drc)
    res = run_sc_flow([Path(s) for s in args.sources], args.top, out, opt,
                      stock_openroad=args.stock_openroad, quiet=not args.verbose)
    print(format_metrics(res.metrics))
    for k in ("gds", "png", "def", "spef"):
        if k in res.files:
            print(f"{k:<24} {res.files[k]}")
    if res.valid:
        print("status                   VALID")
        return 0
    print("status                   INVALID: " + "; ".join(res.status.reasons))
    return 1
