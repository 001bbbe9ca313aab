"""Diff two runs' metrics; decide whether B regresses against A.

Each run directory holds ``metrics.json`` (nested dict of numbers) and ``status.json``.
Metrics are flattened to dotted names; a name's direction (higher or lower is better) comes
from its last component, so new metrics get a direction without code changes here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..runstatus import RunStatus

METRICS_FILE = "metrics.json"

HIGHER_IS_BETTER = ("tops_per_w", "tops", "fmax_mhz", "accuracy", "acc_fixed", "acc_full", "inferences_per_s",
                    "setupwns", "setup_slack_ns", "annotated_fraction", "tops_per_w_16nm_est")
LOWER_IS_BETTER = ("power_mw", "power_vectorless_mw", "leakage_mw", "area_mm2", "area_um2", "cellarea_um2",
                   "cell_area_mm2", "energy_per_inference_uj", "cycles_per_inference", "unrouted_nets", "drvs",
                   "cells", "wirelength_um", "adders", "mismatches", "runtime_s")


def direction(name: str) -> int:
    """+1 higher is better, -1 lower is better, 0 informational."""
    leaf = name.rsplit(".", 1)[-1]
    if leaf in HIGHER_IS_BETTER:
        return 1
    if leaf in LOWER_IS_BETTER:
        return -1
    return 0


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif isinstance(v, bool):
            out[key] = float(v)
        elif isinstance(v, (int, float)) and math.isfinite(float(v)):
            out[key] = float(v)
    return out


def load_metrics(run_dir: str | Path) -> dict[str, float]:
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        raise InputError(f"{run_dir}: no {METRICS_FILE} (not a finished fixyasic run)")
    text = path.read_text()
    if not text.strip():
        raise InputError(f"{path}: empty metrics file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: truncated or malformed metrics file ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: metrics file must hold a JSON object")
    return flatten(data)


@dataclass
class Comparison:
    table: pd.DataFrame  # metric, a, b, change, rel_change, direction, regressed
    status_a: RunStatus
    status_b: RunStatus
    threshold: float

    @property
    def regressions(self) -> pd.DataFrame:
        return self.table[self.table["regressed"]]

    @property
    def failed(self) -> bool:
        return (not self.status_b.valid) or bool(self.table["regressed"].any())

    def summary_lines(self) -> list[str]:
        lines = []
        for label, st in (("A", self.status_a), ("B", self.status_b)):
            lines.append(f"run {label}: {'valid' if st.valid else 'INVALID: ' + '; '.join(st.reasons)}")
        n = int(self.table["regressed"].sum())
        lines.append(f"{len(self.table)} metrics compared, {int((self.table['change'] != 0).sum())} differ, "
                     f"{n} regressed beyond {self.threshold:.0%}")
        return lines


def compare_runs(run_a: str | Path, run_b: str | Path, threshold: float = 0.05,
                 only_changed: bool = False) -> Comparison:
    """B regresses where a directed metric moves the wrong way by more than ``threshold``
    (relative; absolute when A is 0)."""
    if threshold < 0:
        raise InputError("threshold must be >= 0")
    ma, mb = load_metrics(run_a), load_metrics(run_b)
    sa, sb = RunStatus.load(run_a), RunStatus.load(run_b)
    rows = []
    for name in sorted(set(ma) | set(mb)):
        a, b = ma.get(name), mb.get(name)
        d = direction(name)
        if a is None or b is None:
            rows.append(dict(metric=name, a=a, b=b, change=None, rel_change=None, direction=d,
                             regressed=(a is not None and b is None and d != 0)))
            continue
        change = b - a
        rel = change / abs(a) if a != 0 else (0.0 if change == 0 else math.copysign(math.inf, change))
        worse = (d == 1 and rel < -threshold) or (d == -1 and rel > threshold)
        rows.append(dict(metric=name, a=a, b=b, change=change, rel_change=rel, direction=d, regressed=bool(worse)))
    df = pd.DataFrame(rows, columns=["metric", "a", "b", "change", "rel_change", "direction", "regressed"])
    if only_changed:
        df = df[(df["change"].fillna(1) != 0)]
    return Comparison(df.reset_index(drop=True), sa, sb, threshold)
