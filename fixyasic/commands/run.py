"""`fixyasic run`: the whole chain (train, export, RTL, baseline, synthesis, P&R, power, report)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the whole chain into a run directory",
                       description="Train, export, generate RTL, size the iso-area baseline, synthesize, place "
                                   "and route both designs, measure activity-annotated power and write the "
                                   "TOPS/W report. Exit 0 only if the run is valid.")
    p.add_argument("--out", default="runs/lite", help="run directory (default: %(default)s)")
    p.add_argument("--config", choices=["lite", "full"], default="lite",
                   help="lite: the 'lite' preset, 3 small fixed layers, minutes (CI tapeout-lite); "
                        "full: default network, all targets")
    p.add_argument("--preset", default=None, help="network width preset instead of the config's "
                   "(lite, tiny, default, large, xlarge)")
    p.add_argument("--weights", default=None, help="an exported fixed-layer file (.npz): skip training and "
                   "build the hardware for it (no accuracy table)")
    p.add_argument("--k", type=int, default=None, help="number of fixed layers (default: the preset's)")
    p.add_argument("--clock-ns", type=float, default=None, help="clock period for both designs")
    p.add_argument("--placer", choices=["coloquinte", "graywolf"], default=None)
    p.add_argument("--targets", default=None, help="comma-separated target datasets for the accuracy table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..pipeline import Chain, ChainConfig

    if args.weights and (args.k is not None or args.preset or args.targets is not None):
        raise InputError("--weights fixes the network: --k, --preset and --targets do not apply")
    cfg = ChainConfig.lite() if args.config == "lite" else ChainConfig.full()
    if args.preset:
        cfg.preset = args.preset
    if args.k is not None:
        cfg.k = args.k
    if args.clock_ns is not None:
        cfg.clock_ns = args.clock_ns
    if args.placer:
        cfg.placer = args.placer
    if args.targets is not None:
        cfg.targets = [t for t in args.targets.split(",") if t]
    status = Chain(args.out, cfg).run(weights=args.weights)
    if status.valid:
        print(f"run valid: report in {args.out}/report/report.html")
        return 0
    print("run INVALID:\n  " + "\n  ".join(status.reasons))
    return 1
