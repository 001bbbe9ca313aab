"""Calibration points for the analytic PPA model: structural features a generator reports
without running the flow, and the cell area / activity-annotated power the flow measured.

Measurement (``measure_ffe``): fixyasic.synth.synthesize -> canonical netlist -> gate-level
simulation with the sky130hd cell models on real Fashion-MNIST images streamed one pixel per
clock -> per-net activity from the VCD -> OpenSTA power at the stated clock (all pins of each
net annotated). Post-synthesis (no SPEF): wire load is the liberty's, stated in each point.

Points are cached in ``data/ppa_points.json`` with provenance so the sweep and the tests never
re-run the flow; ``benchmarks/bench_ppa_model.py`` regenerates them.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..qnet import FixedNetwork
from .ppa_model import PPAModel, fit

POINTS_FILE = Path(__file__).with_name("data") / "ppa_points.json"
FFE_FEATURES = ["adder_bits", "register_bits", "nonzero_weights"]
FFE_TARGETS = ("area_um2", "power_mw")
REQUIRED = ("name", "kind", "heldout", *FFE_FEATURES, *FFE_TARGETS)


def ffe_features(net: FixedNetwork, manifest: dict[str, Any]) -> dict[str, float]:
    """Counts from the RTL manifest and the network: the cost drivers of shift-add logic.

    adder_bits: adders x their widest internal word (an upper bound on each adder's width);
    register_bits: line buffers + the 8-bit output register of every channel of every layer."""
    layers = manifest["layers"]
    adder_bits = sum(l["adders"] * l["max_internal_bits"] for l in layers)
    regs = sum(l["line_buffer_bits"] for l in layers) + sum(8 * l["out_shape"][0] for l in layers)
    return {"adders": float(sum(l["adders"] for l in layers)), "adder_bits": float(adder_bits),
            "register_bits": float(regs), "nonzero_weights": float(net.nonzero_weights()),
            "out_channels": float(sum(l["out_shape"][0] for l in layers)),
            "layers": float(len(layers)), "macs": float(net.macs_per_inference())}


def realistic_network(seed: int, stem: int, blocks: tuple[tuple[int, int], ...],
                      like: FixedNetwork) -> FixedNetwork:
    """A synthetic network of another width whose weights are drawn from a trained network's
    weight histogram (same zero fraction and magnitudes), with its shifts and bias scale."""
    from ..synthetic import random_mobilenet_stem

    net = random_mobilenet_stem(seed, tuple(like.input_shape), stem, blocks)
    rng = np.random.default_rng(seed + 1000)
    pool = np.concatenate([l.weight.ravel() for l in like.layers])
    ref = {l.kind: l for l in like.layers}
    for layer in net.layers:
        layer.weight = rng.choice(pool, size=layer.weight.shape).astype(layer.weight.dtype)
        r = ref.get(layer.kind, like.layers[-1])
        layer.shift = r.shift
        lim = max(int(np.abs(r.bias).max()), 1)
        layer.bias = rng.integers(-lim, lim + 1, size=layer.bias.shape)
    net.meta = {"source": "synthetic-trained-histogram", "seed": seed}
    net.validate()
    return net


def _fashion_codes(net: FixedNetwork, n: int, offset: int = 100) -> np.ndarray:
    from ..datasets import load_dataset

    images, _ = load_dataset("fashion_mnist", split="test", limit=offset + n)
    return net.quantize_input(images[offset:offset + n])


def _stream_stimulus(net: FixedNetwork, codes: np.ndarray):
    """Pixels one per clock (all channels packed), then a flush while outputs drain."""
    from ..power.stimulus import Stimulus

    n, c, h, w = codes.shape
    pix = (codes & 0xFF).transpose(0, 2, 3, 1).reshape(-1, c)
    data = np.zeros(len(pix), dtype=np.int64)
    for ch in range(c):
        data |= pix[:, ch].astype(np.int64) << (8 * ch)
    flush = h * w
    data = np.concatenate([data, np.zeros(flush, dtype=np.int64)])
    valid = np.concatenate([np.ones(n * h * w, dtype=np.int64), np.zeros(flush, dtype=np.int64)])
    return Stimulus(vectors={"in_data": data, "in_valid": valid, "out_ready": np.ones_like(valid)},
                    reset_port="rst", source=f"fashion_mnist test[100:{100 + n}] streamed")


def measure_ffe(net: FixedNetwork, name: str, work: str | os.PathLike, clock_ns: float = 20.0,
                images: int = 2) -> dict[str, Any]:
    """RTL -> synthesis -> gate-level sim on real images -> OpenSTA activity power."""
    from ..pdk import sky130hd
    from .. import gatesim
    from ..pnr.netlist import Netlist
    from ..power.stimulus import write_testbench
    from ..rtl import generate_rtl
    from ..sta import read_vcd_activity, run_sta
    from ..synth import synthesize

    work = Path(work).resolve()
    t0 = time.time()
    design = generate_rtl(net, work / "rtl", top="fixyasic_top")
    syn = synthesize(design.files, design.top, clock_ns=clock_ns, out_dir=work / "synth")
    # the synthesized netlist as is (the P&R canonical form refuses some synthesis cells);
    # the testbench writer only needs the top's ports
    ports = [("clk", "input", 0), ("rst", "input", 0), ("in_valid", "input", 0), ("in_ready", "output", 0),
             ("in_data", "input", 8 * net.input_shape[0]), ("out_valid", "output", 0),
             ("out_ready", "input", 0), ("out_data", "output", 8 * net.layers[-1].out_channels)]
    nl = Netlist(design.top, ports)
    stim = _stream_stimulus(net, _fashion_codes(net, images))
    simdir = work / "activity"
    simdir.mkdir(parents=True, exist_ok=True)
    tb, _ = write_testbench(nl, stim, "clk", clock_ns, simdir)
    vvp = gatesim.compile_sim([tb, Path(syn.netlist).resolve()], "tb", simdir / "activity.vvp")
    vcd = simdir / "activity.vcd"
    gatesim.run_sim(vvp, args=[f"+vcd={vcd}"], cwd=simdir, timeout=1800)
    na = read_vcd_activity(vcd, "tb.dut", clock_ns, start_ns=(stim.reset_cycles + 1) * clock_ns)
    vg = syn.netlist
    vcd.unlink()  # large; the activity is in the STA work dir
    sta = run_sta(vg, design.top, sky130hd().liberty("tt"), work / "sta", period_ns=clock_ns, activity=na)
    p = sta.power_activity
    h, w = net.input_shape[1:]
    return {"name": name, "kind": "ffe", **ffe_features(net, design.manifest),
            "area_um2": syn.cellarea, "cells": syn.cells, "power_mw": p.total_w * 1e3,
            "leakage_mw": p.leakage_w * 1e3,
            "power_vectorless_mw": sta.power_vectorless.total_w * 1e3 if sta.power_vectorless else None,
            "clock_ns": clock_ns, "fmax_mhz": sta.fmax_mhz, "cycles_per_inference": h * w,
            "annotated_nets": sta.annotated_nets, "total_nets": sta.total_nets,
            "provenance": {"area": "fixyasic.synth.synthesize (SiliconCompiler/yosys, sky130hd tt), cell area",
                           "power": f"OpenSTA 2019 post-synthesis (no SPEF), activity from iverilog gate-level "
                                    f"sim of {stim.source}, clock {clock_ns} ns",
                           "weights_sha256": net.digest()[:16], "seconds": round(time.time() - t0, 1),
                           "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}}


# ----------------------------------------------------------------------------- points file
def save_points(points: list[dict[str, Any]], path: str | os.PathLike = POINTS_FILE) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"note": "PPA model calibration points; regenerate with `python benchmarks/bench_ppa_model.py`",
           "features": FFE_FEATURES, "points": points}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=float) + "\n")
    os.replace(tmp, path)
    return path


def load_points(path: str | os.PathLike = POINTS_FILE) -> pd.DataFrame:
    """Points as a DataFrame; InputError naming the problem for a bad or incomplete file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"PPA points file {path} not found (regenerate: python benchmarks/bench_ppa_model.py)")
    try:
        doc = json.loads(path.read_text())
        pts = doc["points"]
        if not isinstance(pts, list) or not pts:
            raise ValueError("no points")
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not a PPA points file ({exc})") from None
    df = pd.DataFrame(pts)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"{path}: points lack columns {missing}")
    bkind = df["kind"] == "baseline"
    for mask, cols in ((~bkind, FFE_FEATURES), (bkind, BASELINE_FEATURES)):
        if not mask.any():
            continue
        lack = [c for c in cols if c not in df.columns]
        if lack:
            raise InputError(f"{path}: points lack columns {lack}")
        num = df.loc[mask, cols + list(FFE_TARGETS)].apply(pd.to_numeric, errors="coerce")
        if num.isna().any().any() or (num[list(FFE_TARGETS)] <= 0).any().any():
            raise InputError(f"{path}: features/targets must be numbers and targets positive")
    for c in set(FFE_FEATURES + BASELINE_FEATURES + list(FFE_TARGETS)) & set(df.columns):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def fit_models(df: pd.DataFrame, features: list[str] | None = None) -> dict[str, PPAModel]:
    """Area and power models of the fixed extractor, and the baseline's power model when there
    are enough baseline points (its area model is fixyasic.baseline.area's) (relative-error NNLS); rows with heldout=True
    are kept out of the fit and give the held-out error."""
    feats = features or FFE_FEATURES
    ffe = df[df["kind"] == "ffe"].reset_index(drop=True)
    held = ffe["heldout"].astype(bool)
    models = {t: fit(ffe, t, feats, heldout=held, relative=True) for t in FFE_TARGETS}
    base = df[df["kind"] == "baseline"].reset_index(drop=True)
    bheld = base["heldout"].astype(bool) if len(base) else None
    if len(base) and (~bheld).sum() >= len(BASELINE_FEATURES) + 1:
        models["baseline_power_mw"] = fit(base, "power_mw", BASELINE_FEATURES, heldout=bheld, relative=True)
        models["baseline_power_mw"].target = "baseline_power_mw"
    return models


# ----------------------------------------------------------------------------- baseline
BASELINE_FEATURES = ["pes", "buffer_bits"]


def baseline_features(cfg) -> dict[str, float]:
    return {"pes": float(cfg.pes), "buffer_bits": float(cfg.buffer_bits), "cols": float(cfg.cols)}


def measure_baseline(cfg, net: FixedNetwork, name: str, work: str | os.PathLike, clock_ns: float = 20.0,
                     images: int = 1) -> dict[str, Any]:
    """Baseline config -> synthesis -> gate-level sim of its program on real images (trace
    starts after the one-time weight preload) -> OpenSTA activity power."""
    from .. import gatesim
    from ..baseline import compile_network
    from ..baseline.area import synth_area
    from ..baseline.rtl import TOP
    from ..pdk import sky130hd
    from ..pipeline import Chain, ChainConfig
    from ..sta import read_vcd_activity, run_sta

    work = Path(work).resolve()
    t0 = time.time()
    syn = synth_area(cfg, work, clock_ns=clock_ns)
    prog = compile_network(net, cfg)
    chain = Chain(work / "chain", ChainConfig(power_images=images, clock_ns=clock_ns))
    stim = chain.baseline_stimulus(net, prog, work / "activity")
    simdir = work / "activity"
    vvp = gatesim.compile_sim([stim.testbench, Path(syn.netlist).resolve()], "tb", simdir / "activity.vvp")
    vcd = simdir / "activity.vcd"
    gatesim.run_sim(vvp, args=[f"+vcd={vcd}"], cwd=simdir, timeout=3600)
    na = read_vcd_activity(vcd, "tb.dut", clock_ns)
    vcd.unlink()
    sta = run_sta(syn.netlist, TOP, sky130hd().liberty("tt"), work / "sta", period_ns=clock_ns, activity=na)
    p = sta.power_activity
    return {"name": name, "kind": "baseline", **baseline_features(cfg), "config": cfg.as_dict(),
            "area_um2": syn.cellarea, "cells": syn.cells, "power_mw": p.total_w * 1e3,
            "leakage_mw": p.leakage_w * 1e3,
            "power_vectorless_mw": sta.power_vectorless.total_w * 1e3 if sta.power_vectorless else None,
            "clock_ns": clock_ns, "fmax_mhz": sta.fmax_mhz, "cycles_per_inference": prog.cycles(),
            "annotated_nets": sta.annotated_nets, "total_nets": sta.total_nets,
            "provenance": {"area": "fixyasic.synth.synthesize (SiliconCompiler/yosys, sky130hd tt), cell area",
                           "power": f"OpenSTA 2019 post-synthesis (no SPEF), activity from iverilog gate-level "
                                    f"sim of {stim.source}, clock {clock_ns} ns",
                           "weights_sha256": net.digest()[:16], "seconds": round(time.time() - t0, 1),
                           "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}}
