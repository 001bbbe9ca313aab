"""The whole SiliconCompiler flow (synthesis -> floorplan -> place -> route -> parasitics ->
timing -> power -> GDS -> DRC) on a ~550-cell FIR/accumulator fed a Fashion-MNIST image as its
pixel stream, and the run status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data"


# mac_run (tests/conftest.py): this flow on pnr_mac, with magic's DRC as its last node


def test_flow_reports_area_timing_power(mac_run):
    m = mac_run.metrics
    assert 300 < m["cells"] < 2000 and m["cellarea"] > 0 and m["totalarea"] > m["cellarea"]
    assert isinstance(m["setupwns"], float) and m["fmax"] > 0
    assert m["averagepower"] > 0 and m["vectorless_power"] > 0
    assert m["activity_coverage"] >= 0.9 and m["annotated_fraction"] >= 0.9
    assert m["activity_source"].startswith("fashion_mnist")
    assert m["wirelength"] > 0
    # the routed nets go to OpenSTA as RC trees (fixyasic.pnr.rcnet), not as stars
    assert m["spef_tree_nets"] >= 0.9 * m["spef_nets"]


def test_flow_writes_layout_and_status(mac_run):
    d = mac_run.run_dir
    for ext in ("gds", "png", "def", "spef"):
        f = d / f"pnr_mac.{ext}"
        assert f.is_file() and f.stat().st_size > 0, f
    status = json.loads((d / "status.json").read_text())
    m = mac_run.metrics
    expect = (m["unrouted_nets"] == 0 and m["router_failed_nets"] == 0 and m["setupwns"] >= 0
              and m["activity_coverage"] >= 0.9)
    assert status["valid"] == expect
    assert bool(status["reasons"]) == (not expect)
    assert status["valid"], status["reasons"]  # 10 ns is easy for this design


def test_flow_runs_gate_sizing(mac_run):
    """The resize node (fixyasic.pnr.resize) runs in the SC flow: pnr_mac's drivers all end
    within their slew and capacitance limits on the estimated parasitics."""
    m = mac_run.metrics
    assert m["resize"] is True and m["resize_rounds"] >= 0
    assert m["resize_slew_violators_after"] == 0 and m["resize_cap_violators_after"] == 0
    assert m["resize_est_setupwns_after"] >= m["resize_est_setupwns_before"] > 0


def test_flow_routes_every_net(mac_run):
    assert mac_run.metrics["unrouted_nets"] == 0
    assert mac_run.metrics["router_failed_nets"] == 0
    # independent metal check of the routed DEF against the PDK's cell LEF: no two nets' wires
    # touch, and no signal metal lies on a cell's VPWR/VGND shapes or another net's pin
    assert {k: mac_run.metrics[k] for k in ("shorts", "stub_shorts", "power_shorts", "pin_shorts")} == \
        {"shorts": 0, "stub_shorts": 0, "power_shorts": 0, "pin_shorts": 0}


def test_missed_timing_makes_run_invalid(mac_run, tmp_path):
    """Real STA on the routed netlist at an impossible clock: the status must say invalid."""
    from fixyasic.pnr.steps import PnrOptions, judge, step_timing
    for ext in ("vg", "spef"):
        shutil.copyfile(mac_run.run_dir / f"pnr_mac.{ext}", tmp_path / f"pnr_mac.{ext}")
    opt = PnrOptions(clock_ns=0.2)
    t = step_timing("pnr_mac", tmp_path, opt)
    assert t["setupwns"] < 0
    st = judge({**mac_run.metrics, **t}, opt)
    assert not st.valid and any("setup slack" in r for r in st.reasons)


def test_input_min_delay_reaches_the_flow_tasks(mac_run, tmp_path):
    """PnrOptions.input_min_delay_ns goes through the SiliconCompiler tasks: pnr_mac's only hold
    violations are input-fed, so with the inputs 1 ns after the edge the hold repair finds none
    (with them at the edge, mac_run's repair found some). So do the route options: windowed
    routing on 2 x 2 tiles where mac_run's 'auto' routed the die in one run."""
    from fixyasic.pnr.scflow import run_sc_flow
    from fixyasic.pnr.steps import PnrOptions
    assert mac_run.metrics["hold_violating_pins"] > 0
    res = run_sc_flow([DATA / "pnr_mac.v"], "pnr_mac", tmp_path / "late",
                      PnrOptions(clock_ns=10.0, input_min_delay_ns=1.0, route_partition=2,
                                 route_window_repair=False))
    assert res.metrics["hold_violating_pins"] == 0 and res.metrics["hold_buffers"] == 0
    assert res.metrics["holdwns"] > 0
    assert mac_run.metrics["route_partition"] is None
    assert res.metrics["route_partition"]["tiles"] == 2 and res.metrics["unrouted_nets"] == 0
    # the route task logs its progress (a large design routes for hours)
    logs = [f.read_text(errors="replace") for f in (tmp_path / "late").rglob("*.log")]
    assert any("route: windows 1/" in t for t in logs)
