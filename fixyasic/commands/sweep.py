"""`fixyasic sweep`: accuracy vs TOPS/W over K (and width presets) from the calibrated PPA
model, without running the flow. Prints the table and the model's training/held-out error."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="K/width sweep with the calibrated PPA model (no flow runs)",
                       description=__doc__)
    p.add_argument("--points", help="calibration points JSON (default: the cached fixyasic/report/data/ppa_points.json)")
    p.add_argument("--accuracy", help="training accuracy.csv (dataset,k,acc_fixed,acc_full); without it accuracy is NaN")
    p.add_argument("--presets", default="tiny", help="comma-separated width presets (default: tiny)")
    p.add_argument("--out", required=True, help="output directory (sweep.csv, plot)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report.sweep import sweep, write_sweep

    table, info = sweep(args.points, args.accuracy, presets=tuple(s for s in args.presets.split(",") if s))
    files = write_sweep(table, args.out)
    for m in info["models"].values():
        print(m.describe(), f"(training: mean {m.train_error['mape']:.1%}, max {m.train_error['max_ape']:.1%})")
    print(f"clock {info['clock_ns']} ns; ops = {info['ops']}; {info['accuracy']}; {info['baseline_power']}")
    cols = ["preset", "k", "ffe_area_um2", "ffe_power_mw", "ffe_tops_per_w", "baseline_area_um2",
            "baseline_cycles", "baseline_power_mw", "baseline_tops_per_w", "accuracy"]
    print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print("wrote " + ", ".join(str(p) for p in files.values()))
    return 0
