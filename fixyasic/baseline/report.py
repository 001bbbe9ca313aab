"""One report row per baseline design: size, cycles, ops and areas (plain data + pandas)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..qnet import FixedNetwork
from .compiler import Program


@dataclass
class BaselineReport:
    network: str                 # FixedNetwork digest (first 12 hex digits)
    rows: int
    cols: int
    pes: int
    abuf_depth: int
    wbuf_depth: int
    bbuf_depth: int
    obuf_depth: int
    buffer_bits: int
    cycles_per_inference: int
    setup_cycles: int            # one-time weight preload when weights are resident (else 0)
    resident_weights: bool
    macs_per_inference: int      # dense MACs of the fixed layers (zero weights counted)
    ops_per_inference: int       # 2 x dense MACs, counted the same way as for the fixed extractor
    pe_utilization: float        # dense MACs / (PEs x cycles)
    synth_area_um2: float | None
    target_area_um2: float | None
    area_ratio: float | None     # synthesized baseline area / fixed extractor area
    clock_ns: float

    @classmethod
    def build(cls, net: FixedNetwork, prog: Program, synth_area: float | None = None,
              target_area: float | None = None, clock_ns: float = 10.0) -> "BaselineReport":
        cfg = prog.config
        macs = net.macs_per_inference()
        cyc = prog.cycles()
        return cls(network=net.digest()[:12], rows=cfg.rows, cols=cfg.cols, pes=cfg.pes,
                   abuf_depth=cfg.abuf_depth, wbuf_depth=cfg.wbuf_depth, bbuf_depth=cfg.bbuf_depth,
                   obuf_depth=cfg.obuf_depth, buffer_bits=cfg.buffer_bits, cycles_per_inference=cyc,
                   setup_cycles=prog.setup_cycles(), resident_weights=prog.resident_weights,
                   macs_per_inference=macs, ops_per_inference=2 * macs,
                   pe_utilization=macs / (cfg.pes * cyc),
                   synth_area_um2=synth_area, target_area_um2=target_area,
                   area_ratio=(synth_area / target_area) if synth_area and target_area else None,
                   clock_ns=clock_ns)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_row(self):
        """A one-row pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()])
