"""Gate-level simulation (iverilog + sky130hd cell models) -> per-net activity."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FlowError
from ..pnr.netlist import Netlist
from .stimulus import Stimulus, write_testbench


@dataclass
class ActivityResult:
    activity: dict[str, tuple[float, float]]  # net -> (toggles per clock cycle, static probability)
    coverage: float                            # fraction of the netlist's nets found in the trace
    toggled_fraction: float                    # fraction of nets that toggled at least once
    cycles: float
    vcd: Path
    source: str
    seconds: float
    missing: list[str] = field(default_factory=list)


def simulate_activity(netlist_v: Path, nl: Netlist, stim: Stimulus, clock_port: str,
                      clock_ns: float, workdir: Path, skip_ns: float | None = None) -> ActivityResult:
    from .. import gatesim
    from ..sta.activity import read_vcd_activity

    workdir = Path(workdir).resolve()
    netlist_v = Path(netlist_v).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    tb, _ = write_testbench(nl, stim, clock_port, clock_ns, workdir)
    vvp = gatesim.compile_sim([tb, netlist_v], "tb", workdir / "activity.vvp")
    vcd = workdir / "activity.vcd"
    vcd.unlink(missing_ok=True)
    gatesim.run_sim(vvp, args=[f"+vcd={vcd.resolve()}"], cwd=workdir, timeout=3600)
    if not vcd.exists():
        raise FlowError(f"gate-level simulation wrote no VCD ({vcd})")
    skip = skip_ns if skip_ns is not None else (stim.reset_cycles + 1) * clock_ns
    act = read_vcd_activity(vcd, "tb.dut", clock_ns, start_ns=skip)
    nets = set(nl.nets())
    found = {n: (act.activity[n], act.duty[n]) for n in nets if n in act.activity}
    toggled = sum(1 for a, _ in found.values() if a > 0)
    missing = sorted(nets - set(found))
    return ActivityResult(found, len(found) / max(len(nets), 1), toggled / max(len(nets), 1),
                          act.cycles, vcd, stim.source, time.time() - t0, missing[:50])
