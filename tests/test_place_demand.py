"""Wiring demand at placement (steps.step_place): half-perimeter wirelength over the die's
routing track supply, and the re-floorplan at a lower utilization when it is over
PnrOptions.max_wire_demand (real coloquinte placements)."""

from __future__ import annotations

import json

import pytest

from fixyasic.pnr import steps
from fixyasic.pnr.floorplan import Floorplan, track_supply_um
from fixyasic.pnr.place_coloquinte import check_legal

HD = "sky130_fd_sc_hd__"


def _ring(path, n: int = 60):
    """n flip-flops in a ring through inverters, scrambled so that neighbours in the ring are
    not neighbours in the netlist; each flop also drives an output port."""
    order = [(i * 37) % n for i in range(n)]
    v = ["module ring (clk, q);", "  input clk;", f"  output [{n - 1}:0] q;", f"  wire [{n - 1}:0] x;"]
    for k, i in enumerate(order):
        nxt = order[(k + 1) % n]
        v.append(f"  {HD}dfxtp_4 r{i} (.CLK(clk), .D(x[{i}]), .Q(q[{i}]));")
        v.append(f"  {HD}inv_2 g{i} (.A(q[{i}]), .Y(x[{nxt}]));")
    path.write_text("\n".join([*v, "endmodule"]) + "\n")
    return path


def test_wire_demand_refloorplans_once(tmp_path):
    v = _ring(tmp_path / "ring.v")
    a, b = tmp_path / "a", tmp_path / "b"
    opt = steps.PnrOptions(utilization=0.5)
    steps.step_floorplan(v, "ring", a, opt)
    first = steps.step_place("ring", a, opt)
    fp_a = Floorplan.load(a / "ring.fp.json")
    assert first["wire_demand"] == pytest.approx(first["hpwl_um"] / track_supply_um(fp_a))
    assert "replaced_for_wire_demand" not in first

    cap = 0.6 * first["wire_demand"]
    opt_b = steps.PnrOptions(utilization=0.5, max_wire_demand=cap)
    fp0 = steps.step_floorplan(v, "ring", b, opt_b)
    m = steps.step_place("ring", b, opt_b)
    fp_b = Floorplan.load(b / "ring.fp.json")
    assert m["replaced_for_wire_demand"] is True
    assert m["wire_demand_first"] == pytest.approx(first["wire_demand"], rel=0.2)
    assert fp_b.utilization < 0.5 and m["totalarea"] > 1.5 * fp0["totalarea"]
    assert m["cellarea"] == pytest.approx(fp0["cellarea"]) and m["utilization"] < fp0["utilization"]
    assert m["wire_demand"] < m["wire_demand_first"]
    # the new floorplan is the one placed and written for the steps after
    nl = steps._netlist(b, "ring")
    pl = {k: tuple(x) for k, x in json.loads((b / "ring.placement.json").read_text()).items()}
    assert check_legal(nl, fp_b, pl) == []
    die = fp_b.die
    assert f"DIEAREA ( {die[0]} {die[1]} ) ( {die[2]} {die[3]} )" in (b / "ring.placed.def").read_text()


def test_run_configs_pass_route_order_and_wire_demand(tmp_path):
    """`fixyasic run --config full` places with the wire-demand cap and routes bottom-up; the
    lite configuration (the CI tapeout) keeps the top-down order and its utilization."""
    from fixyasic.pipeline import Chain, ChainConfig
    full = Chain(tmp_path / "f", ChainConfig.full())._pnr_options()
    lite = Chain(tmp_path / "l", ChainConfig.lite())._pnr_options()
    assert (full.route_order, full.max_wire_demand) == ("bottom-up", 0.15)
    assert (lite.route_order, lite.max_wire_demand) == ("top-down", None)
    assert full.utilization == lite.utilization == 0.35


def test_run_config_per_design_pnr_overrides(tmp_path):
    """The full configuration's extractor gets its own floorplan and net splitting, the
    baseline the shared options; a misspelt option or design is an error, not ignored."""
    from fixyasic.errors import InputError
    from fixyasic.pipeline import Chain, ChainConfig
    chain = Chain(tmp_path / "f", ChainConfig.full())
    ffe, base = chain._pnr_options("ffe"), chain._pnr_options("baseline")
    assert (ffe.utilization, ffe.congestion_rounds, ffe.max_net_span_um) == (0.1173, 1, 300.0)
    assert (base.utilization, base.congestion_rounds, base.max_net_span_um) == (0.35, 0, None)
    assert ffe.route_order == base.route_order == "bottom-up"
    for over, match in (({"ffe": {"utilisation": 0.2}}, "utilisation"), ({"fe": {}}, "unknown design")):
        with pytest.raises(InputError, match=match):
            Chain(tmp_path / "b", ChainConfig(pnr_overrides=over))._pnr_options("ffe")
