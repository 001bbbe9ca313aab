"""Print sky130hd synthesis figures for the 16 x 8-bit constant-coefficient MAC fixture.

    python benchmarks/bench_synth.py [--clock-ns 10 5 3] [--out build/bench_synth]

Runs SiliconCompiler synthesis (through fixyasic.synth) once per clock target and prints cell
area, cell count, flops and wall time. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fixyasic.synth import synthesize  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clock-ns", type=float, nargs="+", default=[10.0, 5.0, 3.0])
    ap.add_argument("--out", default=str(REPO / "build" / "bench_synth"))
    args = ap.parse_args()
    rtl = REPO / "tests" / "fixtures" / "mac16x8.v"
    rows = []
    for clk in args.clock_ns:
        t0 = time.perf_counter()
        res = synthesize([rtl], "mac16x8", clock_ns=clk, out_dir=Path(args.out) / f"clk{clk:g}")
        rows.append((clk, res.cellarea, res.cells, res.metrics.get("registers"),
                     time.perf_counter() - t0))
    print(f"{'clock_ns':>8} {'cellarea_um2':>13} {'cells':>6} {'flops':>6} {'wall_s':>7}")
    for clk, area, cells, regs, wall in rows:
        print(f"{clk:8g} {area:13.1f} {cells:6d} {regs!s:>6} {wall:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
