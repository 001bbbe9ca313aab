"""Iso-area sizing: choose the PE array and buffer depths whose synthesized area matches a target
(the fixed extractor's area) within a tolerance, minimizing cycles per inference.

Candidates (rows x cols x buffer depths) are priced with the fitted area model and the cycle
model (by compiling the network); the fastest one predicted closest to the target is then
synthesized, and the model is refitted with that measurement until the real area is within
tolerance."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path

from ..errors import FlowError, InputError
from ..qnet import FixedNetwork
from .area import AreaModel, AreaPoint, default_model, load_points, synth_area
from .compiler import compile_network
from .config import BaselineConfig

ROWS = (1, 2, 3, 4, 6, 8, 12, 16)
COLS = (1, 2, 4, 8, 16)
BANDS = (1, 2, 3, 4, 6, 8, 12, 16, 32)
OBUF_FACTORS = (1, 2, 4)
WEIGHT_MODES = ("group", "layer", "resident")


def _needs(net: FixedNetwork, cols: int):
    """Per layer: (weight words per group, output groups, input groups, kind, K, s, H, W, OH, OW)."""
    shapes = net.shapes()
    out = []
    for layer, (ci, h, w), (co, oh, ow) in zip(net.layers, shapes, shapes[1:]):
        dw = layer.kind == "dwconv"
        wpg = layer.kernel ** 2 * (1 if dw else layer.in_channels)
        out.append((wpg, ceil(co / cols), ceil(ci / cols), dw, layer.kernel, layer.stride, h, w, oh, ow))
    return out


def config_for(net: FixedNetwork, rows: int, cols: int, band: int = 1, obuf_factor: int = 1,
               weights: str = "group") -> BaselineConfig:
    """Smallest buffers that run every layer with bands of up to `band` output rows.

    weights: 'group' holds one output-channel group, 'layer' a whole layer, 'resident' the whole
    network (loaded once, not per inference)."""
    if weights not in WEIGHT_MODES:
        raise InputError(f"weights mode must be one of {', '.join(WEIGHT_MODES)}, got '{weights}'")
    needs = _needs(net, cols)
    a = o = 1
    for wpg, go, gi, dw, k, s, h, w, oh, ow in needs:
        n = min(band, oh)
        a = max(a, (1 if dw else gi) * min(h, (n - 1) * s + k) * w)
        o = max(o, n * ow * obuf_factor)
    if weights == "group":
        wd, bd = max(x[0] for x in needs), 1
    elif weights == "layer":
        wd, bd = max(x[0] * x[1] for x in needs), max(x[1] for x in needs)
    else:
        wd, bd = sum(x[0] * x[1] for x in needs), sum(x[1] for x in needs)
    return BaselineConfig(rows, cols, a, wd, bd, o).validate()


def candidates(net: FixedNetwork, rows=ROWS, cols=COLS, bands=BANDS, obuf_factors=OBUF_FACTORS,
               weight_modes=WEIGHT_MODES) -> list[BaselineConfig]:
    seen, out = set(), []
    for r in rows:
        for c in cols:
            for n in bands:
                for f in obuf_factors:
                    for wm in weight_modes:
                        cfg = config_for(net, r, c, n, f, wm)
                        if cfg not in seen:
                            seen.add(cfg)
                            out.append(cfg)
    return out


@dataclass
class SizingStep:
    config: BaselineConfig
    predicted_area: float
    synth_area: float | None
    cycles: int


@dataclass
class SizingResult:
    config: BaselineConfig
    target_area: float
    predicted_area: float
    synth_area: float | None        # None when sizing ran on the model only
    cycles: int                     # per inference
    steps: list[SizingStep] = field(default_factory=list)
    synth: object | None = None     # fixyasic.synth.SynthResult of the chosen configuration

    @property
    def area(self) -> float:
        return self.synth_area if self.synth_area is not None else self.predicted_area

    @property
    def ratio(self) -> float:
        return self.area / self.target_area


def choose(net: FixedNetwork, target_area: float, model: AreaModel, tol: float = 0.04,
           pool: list[BaselineConfig] | None = None, exclude=()) -> tuple[BaselineConfig, float, int]:
    """Fastest candidate whose predicted area is within tol of the target (widening to 10%)."""
    pool = candidates(net) if pool is None else pool
    priced = [(model.predict(c), c) for c in pool if c not in exclude]
    if not priced:
        raise InputError("no baseline configuration candidates")
    smallest = min(p for p, _ in priced)
    for t in (tol, 0.10):
        window = [(p, c) for p, c in priced if abs(p / target_area - 1) <= t]
        if window:
            best = None
            for p, c in window:
                cyc = compile_network(net, c).cycles()
                key = (cyc, abs(p / target_area - 1))
                if best is None or key < best[0]:
                    best = (key, c, p)
            return best[1], best[2], best[0][0]
    if smallest > target_area * 1.1:
        raise InputError(f"target area {target_area:.0f} um^2 is too small: the smallest baseline that runs "
                         f"this network is about {smallest:.0f} um^2 (its buffers must hold one output row)")
    raise InputError(f"no baseline configuration predicted within 10% of {target_area:.0f} um^2 "
                     "(the candidate grid is too coarse here)")


def size_to_area(net: FixedNetwork, target_area: float, out_dir: str | os.PathLike | None = None,
                 *, synthesize: bool = True, tol: float = 0.10, max_synth: int = 4,
                 clock_ns: float = 10.0, model: AreaModel | None = None,
                 progress: bool = False, pnr_ready: bool = False) -> SizingResult:
    """Pick the baseline configuration for an area budget; with synthesize=True verify (and
    refit) by synthesis until the synthesized cell area is within tol of the target.
    ``pnr_ready`` synthesizes with fixyasic's P&R dont-use list (as the target design was)."""
    if not target_area or target_area <= 0:
        raise InputError(f"target area must be a positive number of um^2, got {target_area}")
    points = load_points()
    model = model or default_model()
    pool = candidates(net)
    steps: list[SizingStep] = []
    cfg, pred, cyc = choose(net, target_area, model, pool=pool)
    if not synthesize:
        return SizingResult(cfg, target_area, pred, None, cyc, [SizingStep(cfg, pred, None, cyc)])
    if out_dir is None:
        raise InputError("size_to_area(synthesize=True) needs an out_dir for the synthesis runs")
    out = Path(out_dir)
    tried = set()
    for i in range(max_synth):
        if progress:
            print(f"[baseline] synthesizing {cfg.label()} (predicted {pred:.0f} um^2, target {target_area:.0f})",
                  flush=True)
        res = synth_area(cfg, out / f"size{i}", clock_ns=clock_ns, pnr_ready=pnr_ready)
        steps.append(SizingStep(cfg, pred, res.cellarea, cyc))
        tried.add(cfg)
        if abs(res.cellarea / target_area - 1) <= tol:
            return SizingResult(cfg, target_area, pred, res.cellarea, cyc, steps, res)
        points.append(AreaPoint(cfg, res.cellarea, res.cells, clock_ns))
        model = AreaModel.fit(points)
        cfg, pred, cyc = choose(net, target_area, model, pool=pool, exclude=tried)
    best = min(steps, key=lambda s: abs(s.synth_area / target_area - 1))
    raise FlowError(f"no baseline within {tol:.0%} of {target_area:.0f} um^2 after {max_synth} syntheses "
                    f"(closest: {best.config.label()} at {best.synth_area:.0f} um^2)")
