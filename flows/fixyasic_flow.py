"""sky130hd flow without OpenROAD: elaborate -> synthesis (SC/yosys) -> floorplan -> place
(coloquinte or graywolf) -> cts (clock/fanout buffer trees) -> resize (gate sizing, OpenSTA)
-> holdfix (hold buffers, OpenSTA)
-> route (qrouter) -> parasitics (DEF->SPEF) -> timing (OpenSTA) ->
power (gate-level activity + OpenSTA) -> gds (klayout) [-> drc (magic), with drc=True].
`stock_openroad_flow()` returns SC's own ASIC flow for machines that have OpenROAD."""

from __future__ import annotations

import shutil

from fixyasic.errors import ToolError

FLOW_NAME = "fixyasic_pnr"


def pnr_flow(name: str = FLOW_NAME, drc: bool = False):
    from fixyasic import sc_project
    from fixyasic.pnr.tasks import pnr_tasks

    flow = sc_project.synthesis_flow(name)
    prev = "synthesis"
    for step, cls in pnr_tasks(drc):
        flow.node(step, cls())
        flow.edge(prev, step)
        prev = step
    return flow


def openroad_available() -> bool:
    return shutil.which("openroad") is not None


def stock_openroad_flow():
    """SiliconCompiler's stock ASIC flow (needs OpenROAD and a recent OpenSTA)."""
    if not openroad_available():
        raise ToolError("--stock-openroad needs the 'openroad' executable, which no registry this "
                        "project can reach provides; use the default fixyasic flow")
    from siliconcompiler.flows.asicflow import ASICFlow
    return ASICFlow()
