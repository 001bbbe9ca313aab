"""Regenerate the PPA model's calibration points (real flow runs) and print the fit.

    python benchmarks/bench_ppa_model.py [--work build/ppa] [--only NAME,...] [--fit-only]

Designs: the trained tiny preset at K=1..5, synthetic networks of other widths whose
weights follow the trained weight histogram, and baseline PE arrays running tiny K=2. Each point: synthesis + gate-level sim on
Fashion-MNIST + OpenSTA activity power (see fixyasic/report/calibrate.py). Points already in
the file are kept unless named in --only. Held-out designs are marked in DESIGNS.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

# name -> (builder description, held out)
DESIGNS = [
    ("tiny_k1", ("tiny", 1), False),
    ("tiny_k2", ("tiny", 2), False),
    ("tiny_k3", ("tiny", 3), True),
    ("tiny_k4", ("tiny", 4), False),
    ("tiny_k5", ("tiny", 5), False),
    ("syn_s8_b16", ("syn", 8, ((16, 2),)), False),
    ("syn_s6_b12", ("syn", 6, ((12, 1),)), True),
    ("syn_s4_b8_16", ("syn", 4, ((8, 2), (16, 1))), False),
]
# baseline PE arrays (rows, cols) running the trained tiny K=2 network, buffers from config_for
BASELINES = [((1, 1), False), ((2, 2), False), ((1, 2), True), ((4, 1), False), ((3, 1), False),
             ((1, 4), False), ((2, 1), True)]


def build(spec):
    from fixyasic.report.calibrate import realistic_network
    from fixyasic.train.pretrained import pretrained_fixed_network

    if spec[0] == "tiny":
        return pretrained_fixed_network("tiny", spec[1])
    like = pretrained_fixed_network("tiny", 5)
    return realistic_network(seed=len(spec[2]) * 10 + spec[1], stem=spec[1], blocks=spec[2], like=like)


def main() -> None:
    from tqdm import tqdm

    from fixyasic.report import calibrate as cal

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default="build/ppa")
    ap.add_argument("--only", default="")
    ap.add_argument("--fit-only", action="store_true")
    ap.add_argument("--clock-ns", type=float, default=20.0)
    a = ap.parse_args()
    only = {s for s in a.only.split(",") if s}
    try:
        pts = {p["name"]: p for p in cal.load_points().to_dict("records")}
    except Exception:
        pts = {}
    if not a.fit_only:
        todo = [d for d in DESIGNS if (d[0] in only) or (not only and d[0] not in pts)]
        todo += [(f"base_{r}x{c}", ("base", r, c), held) for (r, c), held in BASELINES
                 if (f"base_{r}x{c}" in only) or (not only and f"base_{r}x{c}" not in pts)]
        for name, spec, held in tqdm(todo, desc="ppa points"):
            t0 = time.time()
            if spec[0] == "base":
                from fixyasic.baseline.sizing import config_for
                from fixyasic.train.pretrained import pretrained_fixed_network
                net = pretrained_fixed_network("tiny", 2)
                p = cal.measure_baseline(config_for(net, spec[1], spec[2]), net, name, Path(a.work) / name,
                                         clock_ns=a.clock_ns)
            else:
                p = cal.measure_ffe(build(spec), name, Path(a.work) / name, clock_ns=a.clock_ns)
            p["heldout"] = held
            pts[name] = p
            cal.save_points(list(pts.values()))  # after each point: a crash keeps the others
            tqdm.write(f"{name}: area {p['area_um2']:.0f} um^2, power {p['power_mw']:.4f} mW "
                       f"({time.time() - t0:.0f} s)")
    df = cal.load_points()
    for m in cal.fit_models(df).values():
        print(m.describe())
        print(f"  training error: mean {m.train_error['mape']:.1%} max {m.train_error['max_ape']:.1%}"
              f" (n={m.train_error['n']}); held-out: {m.heldout_error}")


if __name__ == "__main__":
    main()
