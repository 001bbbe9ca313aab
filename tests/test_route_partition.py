"""Windowed (partitioned) routing with the real qrouter on a placed ~550-cell MAC, forced into 2x2
windows: every net routed once and connected, no shorts, the merged DEF usable as a normal routed
DEF; the independent checker itself is checked on an injected short."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from fixyasic.pnr import route, route_partition as rp
from fixyasic.toolcheck import require

DATA = Path(__file__).parent / "data"
TOP = "pnr_mac"


@pytest.fixture(scope="module")
def placed(tmp_path_factory):
    require("qrouter")
    from fixyasic.pnr import prep, steps
    from fixyasic.pnr.quiet import captured_stdout
    d = tmp_path_factory.mktemp("rp")
    with captured_stdout(d / "synth.log"):
        syn = prep.synthesize_gates([DATA / "pnr_mac.v"], TOP, d / f"{TOP}.syn.v")
    opt = steps.PnrOptions()
    steps.step_floorplan(syn.netlist, TOP, d, opt)
    steps.step_place(TOP, d, opt)
    steps.step_cts(TOP, d, opt)
    return d


@pytest.fixture(scope="module")
def routed(placed):
    from fixyasic.pnr.floorplan import Floorplan
    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rr = route.route(placed / f"{TOP}.router.def", fp, placed / "part", partition=2)
    return placed, fp, rr


def test_plan_assigns_every_net_once_in_aligned_disjoint_windows(placed):
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    g = rp.routing_grid(rd)
    phases, full = rp.plan(rd, g, 2)   # 2 tiles: below STRIP_MIN_TILES, tiles only
    windows = [w for ph in phases for w in ph]
    assert len(windows) == 4 and len(phases) == 4
    _check_plan(rd, g, phases, full)


def _check_plan(rd, g, phases, full):
    windows = [w for ph in phases for w in ph]
    nets = [n for w in windows + [full] for n in w.nets]
    multi = {n for n, cs in rd.conns.items() if len(cs) >= 2}
    assert sorted(nets) == sorted(multi)                       # each multi-pin net exactly once
    assert len(full.nets) < 0.2 * len(multi)                    # most nets are local
    boxes = rp.net_boxes(rd, g)
    for w in windows:
        assert w.cells[0] % g.ax == 0 and w.cells[1] % g.ay == 0  # coarse-layer track pattern kept
        area = g.box(*w.cells)
        assert all(rp._inside(boxes[n], area) for n in w.nets)
    for ph in phases:  # windows running at the same time never meet
        for a in ph:
            for b in ph:
                assert a is b or not rp._touch(g.box(*a.cells), g.box(*b.cells))


def test_strip_windows_take_the_nets_no_tile_holds(placed):
    """Strips (the die's full width or height): aligned, disjoint within a phase, each net
    still in exactly one window; they take nets the whole die had, larger strips only what the
    smaller ones cannot hold."""
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    g = rp.routing_grid(rd)
    _, full0 = rp.plan(rd, g, 2, strips=())
    phases, full = rp.plan(rd, g, 2, strips=rp.STRIP_FRACTIONS)
    _check_plan(rd, g, phases, full)
    strips = [w for ph in phases for w in ph if w.name.startswith("S")]
    assert strips and len(full.nets) < len(full0.nets)
    assert {n for w in strips for n in w.nets} | set(full.nets) == set(full0.nets)
    kinds = rp._strips(g, rp.STRIP_FRACTIONS)   # smallest first
    boxes = rp.net_boxes(rd, g)
    for w in strips:
        i0, j0, i1, j1 = w.cells
        assert (i0, i1) == (0, g.nx - 1) or (j0, j1) == (0, g.ny - 1)
        s = int(w.name[1:].split("_")[0])
        for cells_of in kinds[:s]:
            assert not any(rp._inside(boxes[n], g.box(*c)) for n in w.nets for c in cells_of)
    by_default, _ = rp.plan(rd, g, rp.STRIP_MIN_TILES)   # from STRIP_MIN_TILES tiles on
    assert any(w.name.startswith("S") for ph in by_default for w in ph)


def test_route_with_strip_windows_complete_and_short_free(placed, tmp_path):
    """The real qrouter on the strip windows too (forced at 2 tiles): every net routed, no short."""
    from fixyasic.pnr.floorplan import Floorplan

    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    res = rp.PartitionedRouter(rd, fp, tmp_path, timeout=600).route(2, tmp_path / "out.def",
                                                                     strips=rp.STRIP_FRACTIONS)
    assert any(r.window.name.startswith("S") and r.nets for r in res.runs)
    assert res.failed == 0
    rep = rp.check_routed(tmp_path / "out.def")
    assert rep.unrouted == [] and rep.shorts == []


def test_window_runs_search_one_corridor_repairs_two(placed, tmp_path):
    """Window runs' stage2 searches the 30-track corridor only (their 200-track rounds gained 1
    net in 244 on the full-size designs); a repair on a window, its neighbours loaded as routes,
    searches both."""
    from fixyasic.pnr.floorplan import Floorplan
    from fixyasic.pnr.route import STAGE2_MASKS

    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    router = rp.PartitionedRouter(rd, fp, tmp_path, timeout=600)
    phases, _ = rp.plan(rd, router.grid, 2)
    w = phases[0][0]

    def masks(script: Path) -> list[str]:
        return re.findall(r"\[stage2 mask (\w+)", script.read_text())

    assert masks(router._prepare(w)[1]) == [str(STAGE2_MASKS[0])]
    n = w.nets[0]
    assert masks(router._prepare(rp.Window("local_x", -2, 0, w.cells, [n]), {}, only=[n])[1]) == \
        [str(m) for m in STAGE2_MASKS]


def test_partitioned_route_complete_and_short_free(routed):
    placed, fp, rr = routed
    assert rr.partition is not None and rr.partition["windows"] == 4
    assert rr.unrouted == [] and rr.failed_nets == 0
    rep = rp.check_routed(rr.routed_def)
    assert rep.unrouted == []
    assert rep.shorts == [], rep.shorts[:3]
    assert rr.partition["check"]["shorts"] == 0


def test_every_net_routed_exactly_once(routed):
    placed, fp, rr = routed
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    text = rr.routed_def.read_text()
    s, e, body = rp._section(text, "NETS")
    names = [st.split()[1] for st in rp._statements(body)]
    assert sorted(names) == sorted(rd.nets)                     # one statement per net
    assert int(re.search(r"\nNETS (\d+) ;", text).group(1)) == len(rd.nets)
    info = json.loads((placed / "part" / "partition.json").read_text())
    by = info["routed_by"]
    multi = {n for n, cs in rd.conns.items() if len(cs) >= 2}
    assert set(by) == multi                                      # by exactly one run each
    assert sum(r.startswith("L0_") for r in by.values()) > 0.7 * len(multi)
    # the net statements in the merged DEF are the ones of the run that routed them
    for net in list(multi)[:50]:
        run_def = (placed / "part" / by[net] / "routed.def").read_text()
        st = next(x for x in rp._statements(rp._section(run_def, "NETS")[2]) if x.split()[1] == net)
        assert st in text


def test_merged_def_is_a_normal_routed_def(routed):
    placed, fp, rr = routed
    from fixyasic.pnr.defio import read_routed_nets
    text = rr.routed_def.read_text()
    assert text.count("\nSPECIALNETS ") == 1 and "\n- VPWR" in text   # power grid restored
    assert re.search(r"\nVIAS \d+ ;", text)
    nets = read_routed_nets(rr.routed_def)
    assert sum(len(n.wires) for n in nets.values()) > 1000
    assert rr.wirelength_um > 0 and rr.vias > 0


def test_wirelength_close_to_whole_die_route(routed, tmp_path):
    placed, fp, rr = routed
    mono = route.route(placed / f"{TOP}.router.def", fp, tmp_path / "mono", partition=None)
    assert mono.partition is None and mono.failed_nets == 0
    assert abs(rr.wirelength_um - mono.wirelength_um) < 0.15 * mono.wirelength_um


def test_checker_finds_an_injected_short(routed, tmp_path):
    placed, fp, rr = routed
    from fixyasic.pnr.defio import read_routed_nets
    nets = read_routed_nets(rr.routed_def)
    a, b = [n for n, rn in nets.items() if rn.wires][:2]
    layer, x0, y0, x1, y1 = nets[a].wires[0]
    text = rr.routed_def.read_text()
    # net b gets a copy of a wire of net a (in NETS: the stubs' SPECIALNETS come first)
    i = text.index(f"\n- {b}\n", text.index("\nNETS "))
    j = text.index(";", i)
    bad = text[:j] + f"\n  NEW {layer} ( {x0} {y0} ) ( {x1} {y1} )" + text[j:]
    p = tmp_path / "bad.def"
    p.write_text(bad)
    rep = rp.check_routed(p)
    assert any({a, b} == {s[0], s[1]} and s[2] == layer for s in rep.shorts)


def test_auto_keeps_small_designs_monolithic(placed):
    assert rp.resolve_partition("auto", placed / f"{TOP}.router.def") == 0
    assert rp.resolve_partition(None, placed / f"{TOP}.router.def") == 0
    assert rp.resolve_partition(3, placed / f"{TOP}.router.def") == 3


def _routed_statements(placed: Path, rr):
    """The routed MAC as a repair is handed it: the router DEF, the routed DEF's text, its NETS
    statements by net and qrouter's stub statements."""
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    text = rr.routed_def.read_text()
    nets = {n: st for n, st in rp._net_statements(rp._section(text, "NETS")[2]).items() if "ROUTED" in st}
    stubs = [st for st in rp._statements(rp._section(text, "SPECIALNETS")[2])
             if "ROUTED" in st and st.split()[1] not in ("VPWR", "VGND")]
    return rd, text, nets, stubs


def _router_given(rd, fp, text: str, nets: dict, stubs: list, merged: Path):
    """A whole-die router and the wiring `nets` as one earlier run's result, merged into `merged`."""
    given = rp.RunResult(rp.Window("given", 0, 0, (0, 0, 0, 0)), 0, [], nets, stubs, {})
    router = rp.PartitionedRouter(rd, fp, merged.parent, timeout=600)
    router.vias.update(rp._def_vias(text))
    rp.merge(rd, [given], router.vias, merged)
    return router, given


def _rail_wire(rd) -> str:
    """A li1 wire (a NETS continuation) along the bottom edge of a tap cell's row: on its rails."""
    _, x, y, _, _ = next(c for c in rd.comps.values() if c[0].endswith("tapvpwrvgnd_1"))
    return f"\n  NEW li1 ( {x} {y} ) ( {x + 2000} {y} )"


def test_repair_routes_away_a_short_left_in_the_merged_def(routed, tmp_path):
    """A short between two nets that no repair run has routed (the per-run checks only look at
    the nets just routed) is found by the repair's check of the whole merged DEF: both nets are
    routed again (real qrouter, whole die) and the result has no shorts and every net wired."""
    from fixyasic.pnr.defio import read_routed_nets
    placed, fp, rr = routed
    rd, text, nets, stubs = _routed_statements(placed, rr)
    wires = {n: rn.wires for n, rn in read_routed_nets(rr.routed_def).items() if n in nets and rn.wires}
    a, b = sorted(n for n in wires if len(rd.conns[n]) == 2)[:2]
    layer, x0, y0, x1, y1 = wires[a][0]
    nets[b] += f"\n  NEW {layer} ( {x0} {y0} ) ( {x1} {y1} )"     # b's metal now touches a's
    router, given = _router_given(rd, fp, text, nets, stubs, tmp_path / "before.def")
    assert any({a, b} == {s[0], s[1]} for s in rp.check_routed(tmp_path / "before.def").shorts)
    reps = router._repair([], [given])
    assert reps and {a, b} <= {n for r in reps for n in r.nets} and not reps[-1].failed
    rp.merge(rd, [given, *reps], router.vias, tmp_path / "after.def")
    rep = rp.check_routed(tmp_path / "after.def")
    assert rep.shorts == [] and rep.stub_shorts == [] and rep.unrouted == []


def test_repair_routes_a_net_off_a_cell_rail(routed, tmp_path):
    """A wire lying on a cell's VPWR/VGND li1 rail (qrouter keeps no spacing from the rails it
    sees as obstructions; run G of docs/flow.md ended with 58 such touches) is found by the
    repair's check with the cells and routed again: the result touches no cell shape."""
    placed, fp, rr = routed
    rd, text, nets, stubs = _routed_statements(placed, rr)
    a = sorted(n for n in nets if len(rd.conns[n]) == 2)[0]
    nets[a] += _rail_wire(rd)
    router, given = _router_given(rd, fp, text, nets, stubs, tmp_path / "before.def")
    before = rp.check_routed(tmp_path / "before.def", cells=True)
    assert before.shorts == [] and any(a in s[:2] and {"VPWR", "VGND"} & set(s[:2])
                                       for s in before.cell_shorts)
    reps = router._repair([], [given])
    assert reps and a in {n for r in reps for n in r.nets} and not reps[-1].failed
    rp.merge(rd, [given, *reps], router.vias, tmp_path / "after.def")
    after = rp.check_routed(tmp_path / "after.def", cells=True)
    assert after.cell_shorts == [] and after.shorts == [] and after.unrouted == []


def _failing_router(lost: list[str], pick):
    """A PartitionedRouter whose first level-0 window run then loses the routed net `pick(nets)`
    chooses (wiring and stubs dropped, reported failed), as if qrouter had failed it; the net
    goes into `lost`."""
    class Failing(rp.PartitionedRouter):
        def _run(self, w, d, script, out):
            r = super()._run(w, d, script, out)
            n = pick(r.nets) if not lost and w.level == 0 else None
            if n is not None:
                lost.append(n)
                r.nets.pop(n)
                r.stubs = [x for x in r.stubs if x.split()[1] != n]
                r.failed.append(n)
            return r
    return Failing


def test_failures_over_the_repair_budget_are_left_unrouted_and_reported(placed, tmp_path):
    """Real qrouter windows; one window's result then loses a routed net, as if qrouter had
    failed it. With a repair budget of 0 failed nets the whole-die repair is skipped: the net is
    unrouted in the output, counted as failed, and the route step's checks see it."""
    from fixyasic.pnr.floorplan import Floorplan

    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    lost: list[str] = []

    Failing = _failing_router(lost, lambda nets: sorted(nets)[0] if nets else None)
    res = Failing(rd, fp, tmp_path, timeout=600).route(2, tmp_path / "out.def", max_repair=0, local_repair=False)
    # (the windows' own failures and shorts, which the repair would route, are left out too)
    assert lost and set(lost) <= set(res.unrepaired) and res.failed == len(res.unrepaired)
    assert not [r for r in res.runs if r.window.name.startswith("repair")]
    rep = rp.check_routed(tmp_path / "out.def")
    assert rep.unrouted == res.unrepaired and rep.shorts == []
    # with the default (no budget) the same failure is repaired
    lost.clear()
    told: list[str] = []
    res = Failing(rd, fp, tmp_path / "b", timeout=600, progress=told.append).route(
        2, tmp_path / "b.def", local_repair=False)
    assert lost and not res.unrepaired and rp.check_routed(tmp_path / "b.def").unrouted == []
    # progress: a line per window run, counting up to all of them, then the repair runs
    windows = [m for m in told if m.startswith("windows ")]
    n = len([r for r in res.runs if r.window.level >= 0 or r.window.name == "full"])
    assert len(windows) == n and windows[-1].startswith(f"windows {n}/{n} runs")
    assert told[len(windows)].startswith("whole-die repair run 1: ")
    # the per-stage table: every window run once under its level, the repair's runs after them
    st = res.summary()["stages"]
    assert list(st)[-1] == "whole-die repair" and st["whole-die repair"]["runs"] >= 1
    assert sum(v["runs"] for k, v in st.items() if k != "whole-die repair") == n
    assert st["L0"]["failed"] >= 1 and sum(v["nets"] for k, v in st.items() if k[0] in "LSf") == len(
        {x for r in res.runs if r.window.level >= 0 or r.window.name == "full" for x in r.window.nets})


def test_a_window_wire_on_a_cell_rail_goes_to_the_whole_die_repair(placed, tmp_path):
    """Real qrouter windows; one window's routed net then gets a wire along a row edge, on the
    cells' li1 rails. The check after the windows sees it with the cells, the net goes to the
    whole-die repair and the output touches no cell shape."""
    from fixyasic.pnr.floorplan import Floorplan

    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    rail = _rail_wire(rd)
    bent: list[str] = []

    class OnRail(rp.PartitionedRouter):
        def _run(self, w, d, script, out):
            r = super()._run(w, d, script, out)
            two = sorted(n for n in r.nets if len(rd.conns[n]) == 2)
            if not bent and w.level == 0 and two:
                bent.append(two[0])
                r.nets[two[0]] += rail
            return r

    res = OnRail(rd, fp, tmp_path, timeout=600).route(2, tmp_path / "out.def", local_repair=False)
    repaired = {n for r in res.runs if r.window.name.startswith("repair") for n in r.nets}
    assert bent and set(bent) <= repaired and res.failed == 0
    rep = rp.check_routed(tmp_path / "out.def", cells=True)
    assert rep.cell_shorts == [] and rep.shorts == [] and rep.unrouted == []


def test_a_repair_run_past_the_timeout_leaves_its_nets_failed_not_the_flow_dead(placed, tmp_path):
    """The whole-die repair run gets a timeout the real qrouter cannot meet: the route still
    returns, the net it was to repair is counted failed and is unrouted in the output DEF, and
    the summary names the stopped run (the full-size baseline's first repair run once took
    over an hour and killed the whole flow with it)."""
    from fixyasic.pnr.floorplan import Floorplan

    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    lost: list[str] = []

    class Stopped(_failing_router(lost, lambda nets: sorted(nets)[0] if nets else None)):
        def _repair_round(self, s, todo):
            self.timeout = 0.01
            return super()._repair_round(s, todo)

    res = Stopped(rd, fp, tmp_path, timeout=600).route(2, tmp_path / "out.def", local_repair=False)
    assert lost and res.repair_timed_out is not None and res.repair_timed_out.name == "qrouter.log"
    assert res.summary()["repair_timed_out"] == str(res.repair_timed_out)
    assert res.failed >= 1
    final = {n for r in res.runs if r.final for n in r.failed}
    assert set(lost) <= final
    assert set(lost) <= set(rp.check_routed(tmp_path / "out.def").unrouted)


def test_local_repair_routes_a_window_failure_on_its_window(placed, tmp_path):
    """A window's failed net is routed again on that window (real qrouter), its neighbours loaded
    as routes: with no budget for the whole-die repair the net still ends routed, by a local run,
    every net is in the output once, nothing shorts, and only nets reported unrepaired lack
    wiring."""
    from fixyasic.pnr.floorplan import Floorplan

    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    lost: list[str] = []

    Failing = _failing_router(lost, lambda nets: sorted(nets)[len(nets) // 2] if len(nets) > 1 else None)
    res = Failing(rd, fp, tmp_path, timeout=600).route(2, tmp_path / "out.def", max_repair=0)
    # (nets the windows really failed and the local runs could not route stay unrepaired)
    assert lost and lost[0] not in res.unrepaired and res.local_left < len(res.escalated)
    by = {n: r.window.name for r in res.runs for n in r.nets}
    assert by[lost[0]].startswith("local_L0_")
    assert not [r for r in res.runs if r.window.name.startswith("repair")]
    rep = rp.check_routed(tmp_path / "out.def")
    assert rep.unrouted == res.unrepaired and rep.shorts == []
    text = (tmp_path / "out.def").read_text()
    names = [st.split()[1] for st in rp._statements(rp._section(text, "NETS")[2])]
    assert sorted(names) == sorted(rd.nets)


def test_region_repair_routes_a_failure_the_local_repair_left(placed, tmp_path):
    """Failures the local repair leaves are routed again on a region one level-0 tile larger
    than the net on every side: regions are aligned to the coarse-track pattern, hold their
    nets and never meet (they run at once); a real qrouter run on one routes an injected
    window failure among the other nets' wiring without a short."""
    from fixyasic.pnr.floorplan import Floorplan

    fp = Floorplan.load(placed / f"{TOP}.fp.json")
    rd = rp.read_router_def(placed / f"{TOP}.router.def")
    router = rp.PartitionedRouter(rd, fp, tmp_path / "geo", timeout=600)
    g = router.grid
    size = {n: (b[2] - b[0]) * (b[3] - b[1]) for n, b in router.boxes.items()}
    small = sorted(size, key=size.get)[:60]
    # small nets near opposite corners: a region each, run together; a net of the tile next to
    # one of them: another region overlapping that one, so in a later phase
    lo = min(small, key=lambda n: router.boxes[n][0] + router.boxes[n][1])
    hi = max(small, key=lambda n: router.boxes[n][2] + router.boxes[n][3])
    phases = router.regions([lo, hi], 6)
    assert len(phases) == 1 and sorted(n for _, ns in phases[0] for n in ns) == sorted([lo, hi])
    tile = (g.nx // 6) * g.px
    nxt = min((n for n in small if router.boxes[n][0] > router.boxes[lo][2] + tile),
              key=lambda n: router.boxes[n][0] + router.boxes[n][1])
    phases = router.regions([lo, hi, nxt], 6)
    assert [len(ph) for ph in phases] == [2, 1]
    for ph in phases:
        for w, ns in ph:
            assert w.cells[0] % g.ax == 0 and w.cells[1] % g.ay == 0
            assert (w.cells[2] - w.cells[0] + 1) * (w.cells[3] - w.cells[1] + 1) <= \
                rp.MAX_WINDOW_FRACTION * g.nx * g.ny
            assert all(rp._inside(router.boxes[n], g.box(*w.cells)) for n in ns)
        for wa, _ in ph:
            for wb, _ in ph:
                a, b = wa.cells, wb.cells
                assert wa is wb or a[2] + 2 * g.ax < b[0] or b[2] + 2 * g.ax < a[0] or \
                    a[3] + 2 * g.ay < b[1] or b[3] + 2 * g.ay < a[1]
    assert router.regions([lo], 1) == []          # a region of most of the die: left to the whole die
    # a later pass grows the region by more tiles: it holds the first pass's region
    (w1, _), = router.regions([lo], 8)[0]
    (w2, _), = router.regions([lo], 8, grow=2, tag="1_")[0]
    assert w2.name == "region1_0" and rp._inside(g.box(*w1.cells), g.box(*w2.cells)) and w1.cells != w2.cells

    # a failure left after the windows (local repair off, no whole-die budget), then its region run
    lost: list[str] = []
    Failing = _failing_router(lost, lambda nets: min(nets, key=size.get) if nets else None)
    router = Failing(rd, fp, tmp_path / "r", timeout=600)
    res = router.route(2, tmp_path / "windows.def", max_repair=0, local_repair=False)
    assert lost and lost[0] in res.unrepaired
    phases = router.regions([lost[0]], 6)
    assert len(phases) == 1 and len(phases[0]) == 1
    runs = router._repair_in_windows(res.runs, phases, "region pass 1")
    assert [r.window.name for r in runs] == ["local_region0"] and lost[0] in runs[0].nets and not runs[0].failed
    rp.merge(rd, res.runs + runs, router.vias, tmp_path / "out.def")
    rep = rp.check_routed(tmp_path / "out.def")
    assert lost[0] not in rep.unrouted and set(rep.unrouted) <= set(res.unrepaired) and rep.shorts == []
    text = (tmp_path / "out.def").read_text()
    names = [st.split()[1] for st in rp._statements(rp._section(text, "NETS")[2])]
    assert sorted(names) == sorted(rd.nets)
