"""Wiring-density maps (RUDY) and the congestion-driven spreading of coloquinte placements."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fixyasic.pnr import steps
from fixyasic.pnr.congestion import demand_map, inflation, rudy
from fixyasic.pnr.floorplan import Floorplan, track_supply_um
from fixyasic.pnr.place_coloquinte import check_legal
from test_place_demand import _ring


def test_rudy_keeps_each_nets_half_perimeter_where_the_net_is():
    boxes = np.array([[10, 10, 30, 20],      # 20 x 10 in the lower-left quadrant
                      [0, 80, 100, 80],      # a flat net across the top quarter
                      [60, 60, 60, 60]])     # a single point: min_side x min_side
    m = rudy(boxes, (0, 0, 100, 100), (4, 4))
    assert m.sum() == pytest.approx(30 + 101 + 2)
    assert m[:2, :2].sum() == pytest.approx(30)            # rows go up in y
    assert m[3, :] == pytest.approx([101 / 4] * 4)          # spread evenly along its length
    assert m[2, 2] == pytest.approx(2)
    assert m[:2, 2:].sum() == 0


def test_demand_map_mean_is_the_die_wire_demand():
    rng = np.random.default_rng(1)
    lo = rng.uniform(0, 800, size=(500, 2))
    boxes = np.hstack([lo, lo + rng.uniform(1, 200, size=(500, 2))])
    dm = demand_map(boxes, (0, 0, 1000, 1000), tracks_per_um=5.0, bin_um=100)
    hp = ((boxes[:, 2] - boxes[:, 0]) + (boxes[:, 3] - boxes[:, 1])).sum()
    assert dm.demand.shape == (10, 10)
    assert dm.demand.mean() == pytest.approx(hp / (1000 * 1000 * 5.0))
    assert dm.peak >= dm.percentile(90) >= dm.demand.mean() * 0.5
    assert 0 < dm.hot_fraction(dm.demand.mean()) < 1


def test_inflation_widens_cells_where_wiring_piles_up():
    d = np.ones((4, 4))
    d[3, 3] = 13.0                                      # mean 1.75
    xs, ys = np.array([3.5, 0.5, 2.0]), np.array([3.5, 0.5, 1.0])
    f = inflation(d, (0, 0, 4, 4), xs, ys, power=1.0, lo=0.6, hi=2.5)
    assert f[0] == 2.5                                  # 13 / 1.75, clipped at hi
    assert f[1] == 0.6                                  # 1 / 1.75 = 0.57, clipped at lo
    assert f[1] == f[2] < 1
    f = inflation(d, (0, 0, 4, 4), xs, ys, power=0.5, lo=0.5, hi=3.0)
    assert f[0] == pytest.approx((13 / 1.75) ** 0.5) and f[1] == pytest.approx((1 / 1.75) ** 0.5)


def test_congestion_rounds_place_legally_and_report_the_map(tmp_path):
    """Real coloquinte: with a congestion round the spread placement is still legal and differs
    from the plain one; step_place reports the map's peak and 90th percentile, both at or
    above the die's mean demand."""
    v = _ring(tmp_path / "ring.v", 120)
    got = {}
    for rounds in (0, 1):
        d = tmp_path / f"r{rounds}"
        opt = steps.PnrOptions(utilization=0.3, spread_density=0.9, congestion_rounds=rounds)
        steps.step_floorplan(v, "ring", d, opt)
        m = steps.step_place("ring", d, opt)
        fp = Floorplan.load(d / "ring.fp.json")
        pl = {k: tuple(x) for k, x in json.loads((d / "ring.placement.json").read_text()).items()}
        assert check_legal(steps._netlist(d, "ring"), fp, pl) == []
        assert m["congestion_rounds"] == rounds
        mean = m["hpwl_um"] / track_supply_um(fp)
        assert m["wire_demand_peak"] >= m["wire_demand_p90"] >= 0.5 * mean > 0
        got[rounds] = pl
    assert got[0] != got[1]


def test_congestion_rounds_without_a_spread_placement_are_refused(tmp_path):
    from fixyasic.errors import InputError
    v = _ring(tmp_path / "ring.v")
    for opt in (steps.PnrOptions(utilization=0.3, congestion_rounds=1),
                steps.PnrOptions(utilization=0.3, spread_density=0.9, congestion_rounds=-1),
                steps.PnrOptions(utilization=0.3, spread_density=0.9, congestion_rounds=1,
                                 placer="graywolf")):
        steps.step_floorplan(v, "ring", tmp_path, opt)
        with pytest.raises(InputError, match="congestion_rounds"):
            steps.step_place("ring", tmp_path, opt)
    assert not (tmp_path / "ring.placed.def").exists()
