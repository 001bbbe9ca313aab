"""Technology scaling of energy and area, for setting sky130 figures beside 16 nm ones.

Method: Stillmaker & Baas (2017) per-node energy polynomials E_node(V) evaluated at each
node's own supply; energy/op scales by E_to(V_to) / E_from(V_from). TOPS/W scales by the
inverse. This is an estimate and is always labelled as one in reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import InputError

_DATA = Path(__file__).resolve().parents[2] / "pdk_configs" / "scaling_stillmaker2017.json"


@lru_cache(maxsize=1)
def _table() -> dict:
    if not _DATA.is_file():
        raise InputError(f"scaling table missing: {_DATA}")
    return json.loads(_DATA.read_text())


def energy_factor(node_nm: int, vdd: float) -> float:
    poly = _table()["energy_poly"].get(str(node_nm))
    if poly is None:
        raise InputError(f"no scaling data for {node_nm} nm (have {', '.join(_table()['energy_poly'])})")
    a, b, c = poly
    return a * vdd * vdd + b * vdd + c


@dataclass(frozen=True)
class ScalingEstimate:
    from_node: int
    from_vdd: float
    to_node: int
    to_vdd: float
    energy_ratio: float  # E_to / E_from (per operation)
    area_ratio: float  # A_to / A_from
    source: str

    def tops_per_watt(self, tops_w_from: float) -> float:
        return tops_w_from / self.energy_ratio


def scale(from_node: int = 130, from_vdd: float = 1.8, to_node: int = 16, to_vdd: float = 0.8) -> ScalingEstimate:
    t = _table()
    area = t["area_from_130"]
    if str(from_node) not in area or str(to_node) not in area:
        raise InputError(f"no area scaling for {from_node} -> {to_node} nm")
    return ScalingEstimate(
        from_node, from_vdd, to_node, to_vdd,
        energy_ratio=energy_factor(to_node, to_vdd) / energy_factor(from_node, from_vdd),
        area_ratio=area[str(to_node)] / area[str(from_node)],
        source=t["source"],
    )
