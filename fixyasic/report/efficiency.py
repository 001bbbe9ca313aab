"""Energy-efficiency figures of one design and the fixed-vs-programmable comparison.

Ops are counted identically for both designs: 2 x dense multiply-accumulates of the fixed
layers per inference (zero weights counted), whatever the hardware skips.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..errors import InputError
from .scaling import ScalingEstimate, scale

OPS_DEFINITION = "2 x dense MACs of the fixed layers per inference (zero weights counted)"


@dataclass
class DesignMetrics:
    """What the flow measured for one design, in SI-friendly units."""

    name: str
    area_um2: float  # placed-and-routed core area (cell area if only synthesized)
    cellarea_um2: float
    clock_mhz: float  # the clock power was analysed at
    fmax_mhz: float  # from STA
    power_mw: float  # total power, activity-annotated from real images
    power_vectorless_mw: float | None
    leakage_mw: float | None
    cycles_per_inference: float
    ops_per_inference: int
    valid: bool = True
    reasons: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        for k in ("area_um2", "clock_mhz", "power_mw", "cycles_per_inference", "ops_per_inference"):
            v = getattr(self, k)
            if v is None or not math.isfinite(float(v)) or float(v) <= 0:
                raise InputError(f"design '{self.name}': metric {k} is missing or not positive ({v}); "
                                 "cannot compute efficiency")

    @property
    def inferences_per_s(self) -> float:
        return self.clock_mhz * 1e6 / self.cycles_per_inference

    @property
    def tops(self) -> float:
        return self.ops_per_inference * self.inferences_per_s / 1e12

    @property
    def tops_per_w(self) -> float:
        return self.tops / (self.power_mw * 1e-3)

    @property
    def energy_per_inference_uj(self) -> float:
        return self.power_mw * 1e-3 / self.inferences_per_s * 1e6

    @property
    def timing_met(self) -> bool:
        return self.fmax_mhz >= self.clock_mhz * (1 - 1e-9)

    def row(self) -> dict[str, Any]:
        self.check()
        return {
            "design": self.name,
            "valid": self.valid,
            "area_mm2": self.area_um2 * 1e-6,
            "cell_area_mm2": self.cellarea_um2 * 1e-6,
            "clock_mhz": self.clock_mhz,
            "fmax_mhz": self.fmax_mhz,
            "power_mw": self.power_mw,
            "power_vectorless_mw": self.power_vectorless_mw,
            "leakage_mw": self.leakage_mw,
            "ops_per_inference": self.ops_per_inference,
            "cycles_per_inference": self.cycles_per_inference,
            "inferences_per_s": self.inferences_per_s,
            "tops": self.tops,
            "tops_per_w": self.tops_per_w,
            "energy_per_inference_uj": self.energy_per_inference_uj,
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DesignMetrics":
        try:
            return cls(**d)
        except TypeError as exc:
            raise InputError(f"malformed design metrics: {exc}") from None


def comparison_table(fixed: DesignMetrics, baseline: DesignMetrics,
                     scaling: ScalingEstimate | None = None) -> pd.DataFrame:
    """One row per design plus a ratio row; refuses invalid runs or mismatched workloads."""
    for d in (fixed, baseline):
        if not d.valid:
            raise InputError(f"design '{d.name}' is from an invalid run ({'; '.join(d.reasons) or 'no reason'}); "
                             "no TOPS/W is computed from it")
    if fixed.ops_per_inference != baseline.ops_per_inference:
        raise InputError(f"ops per inference differ ({fixed.ops_per_inference} vs {baseline.ops_per_inference}): "
                         f"both designs must run the same workload ({OPS_DEFINITION})")
    rows = [fixed.row(), baseline.row()]
    df = pd.DataFrame(rows).set_index("design").astype({"valid": object})
    num = [c for c in df.columns if c != "valid"]
    df[num] = df[num].astype(float)
    ratio = {}
    for col in df.columns:
        if col == "valid":
            ratio[col] = True
            continue
        a, b = df[col].iloc[0], df[col].iloc[1]
        ratio[col] = (a / b) if (a is not None and b not in (None, 0) and pd.notna(a) and pd.notna(b)) else None
    df.loc[f"{fixed.name}/{baseline.name}"] = pd.Series(ratio)
    sc = scaling or scale()
    df["tops_per_w_16nm_est"] = [
        sc.tops_per_watt(float(df["tops_per_w"].iloc[0])),
        sc.tops_per_watt(float(df["tops_per_w"].iloc[1])),
        df["tops_per_w"].iloc[2],
    ]
    return df
