"""K / width sweep with the calibrated model: no flow runs.

For each width preset with a cached trained backbone (else a synthetic network with the trained
weight histogram) and K = 1..(conv layers): predicted fixed-extractor area and power (one pixel
per clock: cycles = H*W), the iso-area programmable baseline (sized by the baseline's area model,
cycles from its compiler), TOPS/W of both, and the training side's accuracy if a table exists.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .calibrate import baseline_features, ffe_features, fit_models, load_points
from .efficiency import OPS_DEFINITION

ACC_COLUMNS = ("dataset", "k", "acc_fixed", "acc_full")


def load_accuracy(path: str | os.PathLike | None) -> pd.DataFrame | None:
    """The training side's accuracy.csv averaged over datasets per K; None when absent."""
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise InputError(f"accuracy table {p} not found")
    try:
        df = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: unreadable accuracy table ({exc})") from None
    missing = [c for c in ACC_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{p}: accuracy table lacks columns {missing} (want {', '.join(ACC_COLUMNS)})")
    return df.groupby("k")[["acc_fixed", "acc_full"]].mean()


def _network(preset: str, k: int):
    """Trained prefix if cached (no training here), else a synthetic one of the preset's shape."""
    from ..train.model import get_preset
    from ..train.pretrained import default_cache_dir, recipe
    from ..qnet import FixedNetwork
    from .calibrate import realistic_network
    import hashlib
    import json

    cfg = recipe(preset)
    key = hashlib.sha256(json.dumps(cfg.pretrain_key(), sort_keys=True).encode()).hexdigest()[:10]
    run = default_cache_dir() / "pretrained" / f"{preset}-{key}"
    if (run / "pretrain.pt").is_file():
        from ..train.pretrained import pretrained_fixed_network
        return pretrained_fixed_network(preset, k), "trained"
    pre = get_preset(preset)
    like = FixedNetwork.load(sorted((default_cache_dir() / "pretrained").glob("*/fixed_k*.npz"))[0]) \
        if list((default_cache_dir() / "pretrained").glob("*/fixed_k*.npz")) else None
    if like is None:
        raise InputError("no trained network cached to draw weights from (run `fixyasic train` once)")
    n_blocks = (k - 1 + 1) // 2
    net = realistic_network(k, pre.stem[0], tuple(pre.blocks[:max(n_blocks, 0)]), like)
    net.layers = net.layers[:k]
    net.validate()
    return net, "synthetic"


def sweep(points: str | os.PathLike | None = None, accuracy: str | os.PathLike | None = None,
          presets: tuple[str, ...] = ("tiny",), clock_ns: float | None = None,
          max_k: int | None = None) -> tuple[pd.DataFrame, dict]:
    """The table (one row per preset x K) and the fitted models."""
    from ..baseline import compile_network
    from ..baseline.area import default_model
    from ..baseline.sizing import choose
    from ..rtl import build_modules
    from ..rtl.generate import _manifest
    from ..train.model import get_preset

    df = load_points(points) if points is not None else load_points()
    models = fit_models(df)
    ffe = df[df["kind"] == "ffe"]
    clock = float(clock_ns or ffe["clock_ns"].iloc[0])
    acc = load_accuracy(accuracy)
    bmodel = default_model()
    rows = []
    for preset in presets:
        kmax = len(get_preset(preset).layers())
        for k in range(1, min(kmax, max_k or kmax) + 1):
            net, origin = _network(preset, k)
            _, infos = build_modules(net)
            feats = ffe_features(net, _manifest(net, "shiftadd", "fixyasic_top", 0, infos, []))
            x = pd.DataFrame([feats])
            area = float(models["area_um2"].predict(x)[0])
            power = float(models["power_mw"].predict(x)[0])
            ops = 2 * net.macs_per_inference()
            h, w = net.input_shape[1:]
            f_hz = 1e9 / clock
            ffe_tops_w = ops * f_hz / (h * w) / 1e12 / (power * 1e-3)
            try:
                cfg, barea, bcyc = choose(net, area, bmodel)
                bcyc = compile_network(net, cfg).cycles()
                base_label = cfg.label()
            except InputError as exc:  # FFE smaller than the smallest baseline that runs the net
                cfg, barea, bcyc, base_label = None, math.nan, math.nan, f"none ({exc})"
            bpower = btops_w = math.nan
            if cfg is not None and "baseline_power_mw" in models:
                bpower = float(models["baseline_power_mw"].predict(pd.DataFrame([baseline_features(cfg)]))[0])
                btops_w = ops * f_hz / bcyc / 1e12 / (bpower * 1e-3)
            row = {"preset": preset, "k": k, "weights": origin, **{f: feats[f] for f in
                   ("adder_bits", "register_bits", "nonzero_weights")},
                   "ops_per_inference": ops, "ffe_area_um2": area, "ffe_power_mw": power,
                   "ffe_cycles": h * w, "ffe_tops_per_w": ffe_tops_w,
                   "baseline": base_label, "baseline_area_um2": barea, "baseline_cycles": bcyc,
                   "baseline_power_mw": bpower, "baseline_tops_per_w": btops_w,
                   "accuracy": math.nan, "acc_full": math.nan}
            if acc is not None and k in acc.index:
                row["accuracy"] = float(acc.loc[k, "acc_fixed"])
                row["acc_full"] = float(acc.loc[k, "acc_full"])
            rows.append(row)
    out = pd.DataFrame(rows)
    out["tops_per_w"] = out["ffe_tops_per_w"]
    out["series"] = "FFE " + out["preset"]
    return out, {"models": models, "clock_ns": clock, "ops": OPS_DEFINITION,
                 "accuracy": "joined" if acc is not None else "no accuracy table given: accuracy is NaN",
                 "baseline_power": ("baseline power from its fitted model" if "baseline_power_mw" in models
                                    else "too few baseline power points: baseline power/TOPS/W NaN")}


def write_sweep(table: pd.DataFrame, out_dir: str | os.PathLike) -> dict[str, Path]:
    """CSV (atomic) and, when accuracy is present, the accuracy-vs-TOPS/W plot via render."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "sweep.csv"
    tmp = csv.with_name(csv.name + ".tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, csv)
    files = {"csv": csv}
    if table["accuracy"].notna().any():
        from .render import ReportInputs, _plots
        from .scaling import scale
        inp = ReportInputs(comparison=pd.DataFrame(), scaling=scale(), sweep=table.dropna(subset=["accuracy"]))
        try:
            files.update(_plots_only_tradeoff(inp, out))
        except Exception as exc:  # plot is secondary; the table is the result
            raise InputError(f"could not draw the sweep plot: {exc}") from None
    return files


def _plots_only_tradeoff(inp, out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sw = inp.sweep
    fig, ax = plt.subplots(figsize=(5, 3.5))
    base = sw.assign(tops_per_w=sw["baseline_tops_per_w"], series="iso-area baseline " + sw["preset"])
    for label, g in pd.concat([sw, base.dropna(subset=["tops_per_w"])]).groupby("series"):
        ax.plot(g["tops_per_w"], g["accuracy"], "o-", label=str(label))
        for _, r in g.iterrows():
            ax.annotate(f"K={int(r['k'])}", (r["tops_per_w"], r["accuracy"]), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("TOPS/W (model, sky130, log)")
    ax.set_ylabel("accuracy (%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    p = out / "accuracy_vs_tops_per_w.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    return {"plot": p}
