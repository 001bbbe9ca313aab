"""Pre-route parasitics (fixyasic.pnr.spef.estimate_parasitics): an RC tree per net over its placed
pins. Checked against the routed SPEF of the same placed ~550-cell MAC (real qrouter, real
OpenSTA): per-endpoint setup and hold slack closer to the routed ones than the star's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fixyasic.pnr import steps
from fixyasic.toolcheck import require

DATA = Path(__file__).parent / "data"
TOP = "pnr_mac"


def test_spanning_tree_of_points():
    from fixyasic.pnr.spef import _mst
    edges = _mst([(0, 0), (100, 0), (50, 0), (50, 40)])
    assert len(edges) == 3
    assert sum(length for *_, length in edges) == 140          # 50 + 50 + 40
    assert {frozenset(e[:2]) for e in edges} == {frozenset((0, 2)), frozenset((2, 1)), frozenset((2, 3))}


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    require("qrouter")
    require("sta")
    from fixyasic.pnr import prep
    from fixyasic.pnr.quiet import captured_stdout
    d = tmp_path_factory.mktemp("est")
    with captured_stdout(d / "synth.log"):
        syn = prep.synthesize_gates([DATA / "pnr_mac.v"], TOP, d / f"{TOP}.syn.v")
    opt = steps.PnrOptions(clock_ns=5.0)
    steps.step_floorplan(syn.netlist, TOP, d, opt)
    steps.step_place(TOP, d, opt)
    steps.step_cts(TOP, d, opt)
    r = steps.step_route(TOP, d, opt)
    assert r["unrouted_nets"] == 0 and r["router_failed_nets"] == 0
    steps.step_parasitics(TOP, d, opt)
    return d, opt


def _endpoint_slacks(d: Path, opt, spef: Path, work: Path) -> tuple[dict, dict]:
    from fixyasic.pnr import holdfix
    from fixyasic.pnr.sta import run_tcl, timing_tcl
    nl = steps._netlist(d, TOP)
    every = "-group_count 100000000 -endpoint_count 1 -format end -digits 4"
    T = timing_tcl(d / f"{TOP}.vg", nl, opt.clock_ns, spef, None, "tt")
    T += ['puts "FX_HOLD_BEGIN"', f"report_checks -path_delay min {every}", 'puts "FX_HOLD_END"',
          'puts "FX_SETUP_BEGIN"', f"report_checks -path_delay max {every}", 'puts "FX_SETUP_END"']
    work.mkdir(parents=True, exist_ok=True)
    out = run_tcl(T, work)
    return holdfix._ends(holdfix._section(out, "SETUP")), holdfix._ends(holdfix._section(out, "HOLD"))


def test_tree_estimate_is_closer_to_the_routed_timing_than_the_star(routed):
    from fixyasic.pnr import spef as sp
    from fixyasic.pnr.floorplan import Floorplan
    d, opt = routed
    nl = steps._netlist(d, TOP)
    fp = Floorplan.load(d / f"{TOP}.fp.json")
    pl = {k: tuple(v) for k, v in json.loads((d / f"{TOP}.placement.json").read_text()).items()}
    rc, nets = sp.estimate_parasitics(nl, fp, pl)
    assert rc == sp.estimate_rc(nl, fp, pl)                   # same totals as the star
    assert len(nets) >= 0.95 * len(rc)
    for name, tree in nets.items():
        assert sum(tree.caps) == pytest.approx(rc[name][0], rel=1e-9, abs=1e-15)
        assert len(tree.res) == 2 * len(tree.pins) - 1         # a tree: n pins, n taps
    tree = sp.write_estimated_spef(nl, fp, pl, d / "tree.spef")
    assert tree.tree_nets == len(nets)
    star = sp.write_star_spef(nl, rc, d / "star.spef")
    routed_s, routed_h = _endpoint_slacks(d, opt, d / f"{TOP}.spef", d / "sta_routed")
    errors = {}
    for name, f in (("tree", d / "tree.spef"), ("star", star.path)):
        s, h = _endpoint_slacks(d, opt, f, d / f"sta_{name}")
        assert set(s) == set(routed_s) and len(s) > 50
        errors[name] = (np.mean([abs(s[k] - routed_s[k]) for k in s]),
                        np.mean([abs(h[k] - routed_h[k]) for k in h]))
    assert errors["tree"][0] < errors["star"][0], errors
    assert errors["tree"][1] <= errors["star"][1] + 1e-3, errors
    assert errors["tree"][0] < 0.05, errors                    # ns, mean over the endpoints
