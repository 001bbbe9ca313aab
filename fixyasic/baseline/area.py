"""Synthesized area of baseline configurations: run synthesis, and a linear area model fitted
on synthesized points (area ~ c0 + c1*PEs + c2*buffer bits + c3*activation read-port bits + c4*C)
used to pick candidate sizes before verifying them by synthesis."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .config import BaselineConfig
from .rtl import TOP, write_rtl

CALIBRATION_FILE = Path(__file__).with_name("data") / "area_calibration.json"
FEATURES = ("const", "pes", "buffer_bits", "abuf_port_bits", "cols")


@dataclass
class AreaPoint:
    config: BaselineConfig
    cellarea: float
    cells: int
    clock_ns: float


def features(cfg: BaselineConfig) -> np.ndarray:
    """Area drivers: PEs (multiplier + int32 accumulator), stored bits (flip-flops + write
    enables), extra read-port mux bits of the R-port activation buffer, per-lane requantizers."""
    abits = cfg.abuf_depth * 8 * cfg.cols
    return np.array([1.0, cfg.pes, cfg.buffer_bits, abits * (cfg.rows - 1), cfg.cols], dtype=float)


def synth_area(cfg: BaselineConfig, out_dir: str | os.PathLike, clock_ns: float = 10.0,
               pnr_ready: bool = False):
    """Synthesize one configuration through fixyasic.synth (SiliconCompiler, sky130hd tt)."""
    from ..synth import synthesize

    out = Path(out_dir)
    srcs = write_rtl(cfg, out / "rtl")
    return synthesize(srcs, TOP, clock_ns=clock_ns, out_dir=out / "synth", pnr_ready=pnr_ready)


@dataclass
class AreaModel:
    coef: np.ndarray
    points: int
    max_rel_error: float     # worst relative error on the fitted points

    def predict(self, cfg: BaselineConfig) -> float:
        return float(features(cfg) @ self.coef)

    @classmethod
    def fit(cls, pts: list[AreaPoint]) -> "AreaModel":
        from scipy.optimize import nnls

        if len(pts) < 2:
            raise ValueError("need at least two synthesized points to fit the area model")
        x = np.array([features(p.config) for p in pts])
        y = np.array([p.cellarea for p in pts])
        # relative-error fit: scale rows by 1/area so small designs count as much as big ones
        coef, _ = nnls(x / y[:, None], np.ones_like(y))
        err = float(np.max(np.abs(x @ coef - y) / y))
        return cls(coef, len(pts), err)


def load_points(path: str | os.PathLike = CALIBRATION_FILE) -> list[AreaPoint]:
    p = Path(path)
    if not p.is_file():
        return []
    data = json.loads(p.read_text())
    return [AreaPoint(BaselineConfig(**d["config"]), d["cellarea"], d["cells"], d["clock_ns"])
            for d in data["points"]]


def save_points(pts: list[AreaPoint], path: str | os.PathLike = CALIBRATION_FILE) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    data = {"note": "baseline cell areas (um^2) from fixyasic.synth.synthesize, sky130hd tt; "
                    "regenerate with `python benchmarks/bench_baseline.py --calibrate`",
            "points": [{"config": asdict(pt.config), "cellarea": pt.cellarea, "cells": pt.cells,
                        "clock_ns": pt.clock_ns} for pt in pts]}
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, p)


def default_model() -> AreaModel:
    return AreaModel.fit(load_points())
