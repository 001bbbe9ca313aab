"""Programmable baseline end to end: iso-area sizing by synthesis against the fixed extractor,
co-simulation on real Fashion-MNIST images, cycles per inference and the report row.

    python benchmarks/bench_baseline.py                     # trained default preset, 100 images
    python benchmarks/bench_baseline.py --target-area 250000 --images 20
    python benchmarks/bench_baseline.py --calibrate         # re-synthesize the area-model points

Prints figures; asserts nothing about speed."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixyasic.baseline import BaselineConfig, compile_network  # noqa: E402
from fixyasic.baseline.area import AreaPoint, load_points, save_points, synth_area  # noqa: E402
from fixyasic.baseline.cosim import cosimulate  # noqa: E402
from fixyasic.baseline.nets import synthetic_preset_network  # noqa: E402
from fixyasic.baseline.report import BaselineReport  # noqa: E402
from fixyasic.baseline.sizing import size_to_area  # noqa: E402

CALIBRATION = [BaselineConfig(1, 4, 84, 9, 1, 14), BaselineConfig(4, 4, 128, 32, 2, 32),
               BaselineConfig(1, 8, 64, 64, 2, 32), BaselineConfig(2, 2, 256, 16, 2, 64),
               BaselineConfig(4, 8, 96, 16, 1, 16), BaselineConfig(8, 2, 64, 16, 1, 32),
               BaselineConfig(1, 16, 32, 32, 1, 16), BaselineConfig(2, 4, 128, 64, 4, 64),
               BaselineConfig(1, 1, 84, 9, 1, 14), BaselineConfig(2, 1, 512, 64, 4, 128),
               BaselineConfig(4, 4, 84, 9, 1, 28)]


def calibrate(work: Path) -> None:
    from tqdm import tqdm

    pts = load_points()
    for cfg in tqdm(CALIBRATION, desc="synthesizing"):
        if any(p.config == cfg for p in pts):
            continue
        t = time.time()
        res = synth_area(cfg, work / "_".join(map(str, cfg.as_dict().values())))
        pts.append(AreaPoint(cfg, res.cellarea, res.cells, 10.0))
        save_points(pts)
        print(f"{cfg.label()}: {res.cellarea:.0f} um^2, {res.cells} cells ({time.time() - t:.0f} s)")


def network(preset: str, synthetic: bool):
    if not synthetic:
        try:
            from fixyasic.train import pretrained_fixed_network
            return pretrained_fixed_network(preset), f"pretrained '{preset}'"
        except ImportError as exc:
            print(f"(pretrained network unavailable: {exc}; using a synthetic one of the same shape)")
    return synthetic_preset_network(seed=0), "synthetic, tiny-preset shapes"


def fixed_area(net, work: Path, clock_ns: float) -> float:
    """Synthesized cell area of the hard-wired extractor for the same network (the target)."""
    from fixyasic.rtl.generate import generate_rtl
    from fixyasic.synth import synthesize

    design = generate_rtl(net, work / "fixed_rtl")
    return synthesize(design.files, design.top, clock_ns=clock_ns, out_dir=work / "fixed_synth").cellarea


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="default")
    ap.add_argument("--synthetic", action="store_true", help="use a synthetic network of the preset's shape")
    ap.add_argument("--target-area", type=float, help="um^2 (default: synthesize the fixed extractor)")
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--clock-ns", type=float, default=10.0)
    ap.add_argument("--work", type=Path, help="keep build files here")
    ap.add_argument("--calibrate", action="store_true", help="synthesize the area-model calibration points")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_baseline_"))
    if args.calibrate:
        calibrate(work)
        return

    net, what = network(args.preset, args.synthetic)
    print(f"network: {what}, digest {net.digest()[:12]}, shapes {net.shapes()}")
    print(f"dense MACs/inference {net.macs_per_inference()} (ops = 2 x MACs = {2 * net.macs_per_inference()})")
    t = time.time()
    target = args.target_area or fixed_area(net, work, args.clock_ns)
    print(f"target (fixed extractor) area: {target:.0f} um^2 ({time.time() - t:.0f} s)")

    t = time.time()
    res = size_to_area(net, target, work / "sizing", clock_ns=args.clock_ns, progress=True)
    for s in res.steps:
        print(f"  tried {s.config.label()}: predicted {s.predicted_area:.0f}, synthesized {s.synth_area:.0f} "
              f"um^2, {s.cycles} cycles")
    print(f"sized in {time.time() - t:.0f} s: {res.config.label()}, baseline {res.synth_area:.0f} um^2 vs "
          f"fixed {target:.0f} um^2 -> ratio {res.ratio:.3f}")

    prog = compile_network(net, res.config)
    from fixyasic.datasets import load_dataset

    x, _ = load_dataset("fashion_mnist", "test", limit=args.images)
    codes = net.quantize_input(x)
    t = time.time()
    sim = cosimulate(prog, codes)
    ref = net.forward(codes)
    bad = int((sim.outputs != ref).reshape(len(codes), -1).any(axis=1).sum())
    print(f"co-simulation (iverilog): {len(codes)} Fashion-MNIST test images, {bad} mismatching images, "
          f"simulated cycles/inference {sorted(set(sim.cycles))} vs model {prog.cycles()} "
          f"({time.time() - t:.0f} s)")
    print(f"cycles per layer: {dict(zip(prog.layer_names, prog.layer_cycles()))}")
    rep = BaselineReport.build(net, prog, res.synth_area, target, args.clock_ns)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(rep.to_row().T.to_string(header=False))


if __name__ == "__main__":
    main()
