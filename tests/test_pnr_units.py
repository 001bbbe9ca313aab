"""P&R building blocks on real PDK data: LEF/tech reading, liberty fix for OpenSTA 2019,
floorplan + coloquinte placement legality, routed-DEF parsing and SPEF R/C, run-status rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixyasic.pnr import config, defio, floorplan, lef, spef, sta
from fixyasic.pnr.netlist import Instance, Netlist
from fixyasic.pnr.steps import PnrOptions, judge
from fixyasic.toolcheck import require

DATA = Path(__file__).parent / "data"


def test_tech_lef_layers_have_rc():
    layers = lef.read_layers(config.pdk_files().tech_lef)
    assert layers["met1"].rpersq == pytest.approx(0.125)
    assert layers["met1"].cpersqdist > 0 and layers["met1"].edgecap > 0
    assert layers["via"].via_resistance == pytest.approx(4.5)
    assert layers["met2"].direction == "VERTICAL"


def test_cell_lef_pins():
    m = lef.read_macros(config.pdk_files().lef)["sky130_fd_sc_hd__nand2_1"]
    assert (m.width, m.height) == (1.38, 2.72)
    assert m.pins["Y"].direction == "OUTPUT" and m.pins["VPWR"].use == "POWER"


def test_liberty_fix_moves_default_operating_conditions():
    text = sta.fixed_liberty("tt").read_text()
    group = text.index('operating_conditions ("tt_025C_1v80")')
    default = text.index("default_operating_conditions")
    assert default > group  # OpenSTA 2019 reads internal power as 0 otherwise


@pytest.fixture(scope="module")
def mac_netlist(tmp_path_factory):
    from fixyasic.pnr import prep
    from fixyasic.pnr.netlist import load_netlist
    from fixyasic.pnr.quiet import captured_stdout
    d = tmp_path_factory.mktemp("mac")
    with captured_stdout(d / "yosys.log"):
        r = prep.synthesize_gates([DATA / "pnr_mac.v"], "pnr_mac", d / "mac.v")
        return load_netlist(r.netlist, "pnr_mac")


def test_netlist_respects_dont_use(mac_netlist):
    cfg = config.load_config()
    assert len(mac_netlist.instances) > 300
    assert not [i.cell for i in mac_netlist.instances if cfg.is_dont_use(i.cell)]


def test_floorplan_and_coloquinte_placement_legal(mac_netlist):
    from fixyasic.pnr.place_coloquinte import check_legal, place_coloquinte
    fp = floorplan.make_floorplan(mac_netlist, 0.5)
    assert fp.cell_area_um2 / fp.core_area_um2 <= 0.5
    assert len(fp.pins) == len(mac_netlist.port_bits())
    tracks = floorplan.route_tracks()
    for p in fp.pins:  # pins sit on the router's grid
        pitch, off, _ = tracks[p.layer]
        coord = p.x if tracks[p.layer][2] == "VERTICAL" else p.y
        assert (coord - round(off * 1000)) % round(pitch * 1000) == 0
    res = place_coloquinte(mac_netlist, fp, effort=2)
    assert check_legal(mac_netlist, fp, res.placement) == []
    assert res.hpwl_um > 0
    # an overlap is caught
    bad = dict(res.placement)
    a, b = mac_netlist.instances[0].name, mac_netlist.instances[1].name
    bad[b] = bad[a]
    assert any("overlap" in p for p in check_legal(mac_netlist, fp, bad))


def test_every_row_point_is_within_half_a_tap_pitch_of_a_tap(mac_netlist):
    """Latch-up (magic LU.2/LU.3: diffusion < 15 um from a tap): with taps every 28 um, no
    point of a row, row ends included, is farther than half the pitch from one of its taps."""
    cfg = config.load_config()
    pitch = cfg["tap_pitch_um"] * 1000
    for util in (0.5, 0.25):
        fp = floorplan.make_floorplan(mac_netlist, util)
        tw = round(lef.read_macros(config.pdk_files().lef)[cfg["tap_cell"]].width * 1000)
        for _, y0, _ in fp.rows:
            xs = sorted(t.x for t in fp.taps if t.y == y0)
            assert xs, f"row at y={y0} has no tap"
            edges = [xs[0] - fp.core[0]] + [b - (a + tw) for a, b in zip(xs, xs[1:])]
            ends = [xs[0] - fp.core[0], fp.core[2] - (xs[-1] + tw)]
            assert max(ends) <= pitch / 2 and max(edges) <= pitch, (y0, xs, fp.core)
            assert all(b - a >= tw for a, b in zip(xs, xs[1:]))  # no overlapping taps


def test_spread_placement_legal_and_covers_more_of_the_core(mac_netlist):
    """spread_density widens the cells for global placement only: the legal result at the true
    widths uses more of a roomy core (the occupied rows' span grows) than the packed default."""
    from fixyasic.pnr.place_coloquinte import check_legal, place_coloquinte
    fp = floorplan.make_floorplan(mac_netlist, 0.25)

    def span(res):
        ys = sorted(y for _, y, _ in res.placement.values())
        return ys[int(0.95 * len(ys))] - ys[int(0.05 * len(ys))]

    packed = place_coloquinte(mac_netlist, fp, effort=2)
    spread = place_coloquinte(mac_netlist, fp, effort=2, spread_density=0.9)
    assert check_legal(mac_netlist, fp, spread.placement) == []
    assert span(spread) > 1.2 * span(packed)


def test_graywolf_placement_legal(mac_netlist, tmp_path):
    require("graywolf")
    from fixyasic.pnr.place_coloquinte import check_legal
    from fixyasic.pnr.place_graywolf import place_graywolf
    fp = floorplan.make_floorplan(mac_netlist, 0.5)
    res = place_graywolf(mac_netlist, fp, tmp_path / "gw")
    assert check_legal(mac_netlist, fp, res.placement) == []
    assert res.placer == "graywolf" and res.hpwl_um > 0


def _buffer_drives(nl) -> tuple[dict, dict]:
    """Buffers the trees added, and net -> nets their buffers drive."""
    bufs = {i.name: i for i in nl.instances if i.name.startswith(("fx_cts", "fx_hfb"))}
    drives = {}
    for b in bufs.values():
        drives.setdefault(b.conns["A"], []).append(b.conns["X"])
    return bufs, drives


def _reach(drives: dict, net: str, depth: int = 0) -> list[tuple[str, int]]:
    out = [(net, depth)]
    for nxt in drives.get(net, []):
        out += _reach(drives, nxt, depth + 1)
    return out


def _assert_transparent(nl, before: dict) -> None:
    """Every original load is still reached from its original driver through buffers only."""
    bufs, drives = _buffer_drives(nl)
    after = nl.nets()
    for net, loads in before.items():
        got = sorted((i, p) for n, _ in _reach(drives, net) for i, p in after.get(n, [])
                     if i != "PIN" and i not in bufs)
        assert got == [ld for ld in loads if ld[0] not in bufs], net


def test_buffer_trees_balanced_legal_and_functionally_transparent(mac_netlist):
    """A clock tree and data fanout trees on the placed MAC: every clock sink sits behind the
    same number of buffers, no net drives more than the limit, the placement stays legal and
    every original load is still reached from its original driver through buffers only."""
    import copy
    from fixyasic.pnr.buffertree import buffer_trees
    from fixyasic.pnr.place_coloquinte import check_legal, place_coloquinte
    nl = copy.deepcopy(mac_netlist)
    fp = floorplan.make_floorplan(nl, 0.5)
    placement = dict(place_coloquinte(nl, fp, effort=2).placement)
    before = {n: sorted((i, p) for i, p in c if i != "PIN") for n, c in nl.nets().items()}
    clk_loads = len(before["clk"])
    assert clk_loads > 8
    rep = buffer_trees(nl, fp, placement, "clk", clock_fanout=4, data_fanout=6)
    assert rep.buffers > 0 and rep.levels["clk"] >= 2
    assert check_legal(nl, fp, placement) == []
    assert rep.max_fanout_after <= 6
    bufs, drives = _buffer_drives(nl)
    assert len(bufs) == rep.buffers
    _assert_transparent(nl, before)
    depths = {d for n, d in _reach(drives, "clk") if not drives.get(n)}
    assert depths == {rep.levels["clk"]}


def test_buffer_trees_split_long_data_nets_by_span(mac_netlist):
    """With a span limit every data net of more than SPAN_MIN_LOADS loads spread wider than the
    limit gets buffers, the buffers nearest the loads drive groups within the limit, nets of
    few loads and the clock are left alone, and the logic is unchanged."""
    import copy
    from fixyasic.pnr.buffertree import SPAN_MIN_LOADS, buffer_trees, pin_position
    from fixyasic.pnr.lef import macros_cached
    from fixyasic.pnr.place_coloquinte import check_legal, place_coloquinte
    nl = copy.deepcopy(mac_netlist)
    fp = floorplan.make_floorplan(nl, 0.5)
    placement = dict(place_coloquinte(nl, fp, effort=2).placement)
    macros = macros_cached(str(config.pdk_files().lef))
    before = {n: sorted((i, p) for i, p in c if i != "PIN") for n, c in nl.nets().items()}
    cells = {i.name: i for i in nl.instances}

    def is_load(i, p):
        return i != "PIN" and macros[cells[i].cell].pins[p].direction != "OUTPUT"

    def span(pts):
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        return (max(xs) - min(xs)) + (max(ys) - min(ys))
    limit_um = (fp.core[2] - fp.core[0]) / fp.dbu / 4
    io = {p.name: (p.x, p.y) for p in fp.pins}
    long_nets = {n for n, c in nl.nets().items() if n != "clk"
                 and sum(is_load(i, p) for i, p in c) > SPAN_MIN_LOADS
                 and span([io[p] if i == "PIN" else
                           pin_position(cells[i], p, placement, macros, fp.dbu)
                           for i, p in c]) > limit_um * fp.dbu}
    assert long_nets, "the test design has no net to split; lower the limit"
    rep = buffer_trees(nl, fp, placement, "clk", clock_fanout=1000, data_fanout=1000,
                       max_span_um=limit_um)
    assert check_legal(nl, fp, placement) == []
    assert set(rep.nets) == long_nets  # fanout limits are out of reach: only the span splits
    bufs, drives = _buffer_drives(nl)
    cells.update(bufs)
    _assert_transparent(nl, before)
    leaf_nets = [b.conns["X"] for b in bufs.values() if b.conns["X"] not in drives]
    assert leaf_nets
    for net in leaf_nets:
        pts = [pin_position(cells[i], p, placement, macros, fp.dbu)
               for i, p in nl.nets()[net] if is_load(i, p)]
        assert len(pts) >= 2 and span(pts) <= limit_um * fp.dbu, net


ROUTED = """VERSION 5.8 ;
DESIGN t ;
UNITS DISTANCE MICRONS 1000 ;
NETS 1 ;
- n1
  ( u1 Y )
  ( u2 A )
+ ROUTED met1 ( 0 170 ) ( 100000 * ) M1M2_PR
  NEW met2 ( 100000 170 ) ( * 50170 ) ;
END NETS
END DESIGN
"""


def test_routed_def_and_spef_rc(tmp_path):
    d = tmp_path / "r.def"
    d.write_text(ROUTED)
    nets = defio.read_routed_nets(d)
    assert [w[0] for w in nets["n1"].wires] == ["met1", "met2"]
    assert nets["n1"].vias == [("M1M2_PR", 100000, 170)]
    nl = Netlist("t", [], [Instance("u1", "sky130_fd_sc_hd__inv_2", {"A": "x", "Y": "n1"}),
                          Instance("u2", "sky130_fd_sc_hd__inv_2", {"A": "n1", "Y": "y"})])
    out = spef.write_spef(d, nl, tmp_path / "t.spef")
    L = lef.read_layers(config.pdk_files().tech_lef)
    r = (L["met1"].rpersq * 100 / L["met1"].width + L["met2"].rpersq * 50 / L["met2"].width
         + L["via"].via_resistance)
    c = (L["met1"].cpersqdist * 100 * L["met1"].width + 2 * L["met1"].edgecap * 100
         + L["met2"].cpersqdist * 50 * L["met2"].width + 2 * L["met2"].edgecap * 50)
    assert out.total_res_ohm == pytest.approx(r, rel=1e-6)
    assert out.total_cap_pf == pytest.approx(c, rel=1e-6)
    text = out.path.read_text()
    assert "*D_NET n1" in text and "*I u1:Y O" in text and "*I u2:A I" in text


TREE = """VERSION 5.8 ;
DESIGN t ;
UNITS DISTANCE MICRONS 1000 ;
COMPONENTS 3 ;
- u1 sky130_fd_sc_hd__inv_2 + PLACED ( 0 0 ) N ;
- u2 sky130_fd_sc_hd__inv_2 + PLACED ( 20000 0 ) N ;
- u3 sky130_fd_sc_hd__inv_2 + PLACED ( 500000 0 ) N ;
END COMPONENTS
NETS 1 ;
- n1
  ( u1 Y )
  ( u2 A )
  ( u3 A )
+ ROUTED li1 ( 730 1200 ) L1M1_PR
  NEW met1 ( 730 1200 ) ( * 5000 ) ( 500270 * ) ( * 1200 )
  NEW li1 ( 500270 1200 ) L1M1_PR
BRANCH ;
END NETS
END DESIGN
"""


def _path_ohms(spef_text: str, net: str) -> dict[str, float]:
    """Resistance from the net's driver pin to every node of its SPEF network (a tree)."""
    body = spef_text.split(f"*D_NET {net} ", 1)[1].split("*END", 1)[0]
    driver = re.search(r"^\*I (\S+) O$", body, re.M).group(1)
    adj: dict[str, list[tuple[str, float]]] = {}
    for a, b, r in re.findall(r"^\d+ (\S+) (\S+) ([\d.eE+-]+)$", body.split("*RES", 1)[1], re.M):
        adj.setdefault(a, []).append((b, float(r)))
        adj.setdefault(b, []).append((a, float(r)))
    dist, todo = {driver: 0.0}, [driver]
    while todo:
        a = todo.pop()
        for b, r in adj.get(a, []):
            if b not in dist:
                dist[b] = dist[a] + r
                todo.append(b)
    return dist


def test_routed_spef_is_the_nets_rc_tree(tmp_path):
    """A routed net becomes its RC network: the load 20 um down a branch that leaves the trunk
    in its middle (and ends 20 nm beside its via, as qrouter's offset vias do) sees the
    resistance of its own path, the load 500 um away that of the whole trunk; a star would give
    both half the net's resistance. Wiring that does not reach a pin leaves the net a star."""
    nl = Netlist("t", [], [Instance("u1", "sky130_fd_sc_hd__inv_2", {"A": "x", "Y": "n1"}),
                          Instance("u2", "sky130_fd_sc_hd__inv_2", {"A": "n1", "Y": "y"}),
                          Instance("u3", "sky130_fd_sc_hd__inv_2", {"A": "n1", "Y": "z"})])
    L = lef.read_layers(config.pdk_files().tech_lef)
    per_um = L["met1"].rpersq / L["met1"].width
    via = L["mcon"].via_resistance
    d = tmp_path / "r.def"
    d.write_text(TREE.replace("BRANCH", "  NEW met1 ( 20270 5000 ) ( * 1220 )\n  NEW li1 ( 20270 1200 ) L1M1_PR"))
    out = spef.write_spef(d, nl, tmp_path / "t.spef")
    assert out.tree_nets == 1
    text = out.path.read_text()
    caps = text.split("*D_NET n1 ", 1)[1].split("*RES", 1)[0].split("*CAP", 1)[1]
    assert sum(float(v) for v in re.findall(r"^\d+ \S+ (\S+)$", caps, re.M)) == \
        pytest.approx(out.total_cap_pf, rel=1e-6)
    ohms = _path_ohms(text, "n1")
    assert ohms["u3:A"] == pytest.approx(per_um * (3.8 + 499.54 + 3.8) + 2 * via, rel=1e-3)
    assert ohms["u2:A"] == pytest.approx(per_um * (3.8 + 19.54 + 3.78) + 2 * via, rel=1e-3)
    star = spef.write_spef(d, nl, tmp_path / "s.spef", tree=False)
    half = star.total_res_ohm / 2
    assert ohms["u2:A"] < half / 5 and star.tree_nets == 0
    # the branch stops 1 um short of u2's via: no tree, the star stands in
    d.write_text(TREE.replace("BRANCH", "  NEW met1 ( 20270 5000 ) ( * 2200 )\n  NEW li1 ( 20270 1200 ) L1M1_PR"))
    assert spef.write_spef(d, nl, tmp_path / "u.spef").tree_nets == 0


GOOD = {"unrouted_nets": 0, "router_failed_nets": 0, "setupwns": 0.5, "activity_coverage": 0.99,
        "averagepower": 1e-3, "activity_source": "fashion_mnist", "shorts": 0, "stub_shorts": 0,
        "power_shorts": 0, "pin_shorts": 0, "holdwns": 0.02}


@pytest.mark.parametrize("change,why", [
    ({"unrouted_nets": 3}, "unrouted"), ({"router_failed_nets": 2}, "failed"),
    ({"setupwns": -0.1}, "setup slack"), ({"activity_coverage": 0.3}, "activity covers"),
    ({"averagepower": 0.0}, "power"), ({"setupwns": None}, "no setup slack"),
    ({"shorts": 2}, "shorts between nets"), ({"stub_shorts": 1}, "shorts between nets"),
    ({"power_shorts": 7}, "VPWR/VGND"), ({"pin_shorts": 1}, "another net's cell pin"),
    ({"holdwns": -0.01}, "hold slack"), ({"holdwns": None}, "no hold slack"),
    ({"holdwns": float("nan")}, "no hold slack")])
def test_status_invalid_reasons(change, why):
    opt = PnrOptions(clock_ns=5.0)
    assert judge(GOOD, opt).valid
    st = judge({**GOOD, **change}, opt)
    assert not st.valid
    assert any(why in r for r in st.reasons), st.reasons


def test_special_wires_end_flush_and_top_layer_stubs_narrowed():
    """Special (stub) wires end flush, as magic and klayout read DEF; qrouter's top-layer stubs,
    sized by the via to the unrouted layer above, get the width of the via below."""
    from fixyasic.pnr.route import narrow_top_layer_stubs
    from fixyasic.pnr.route_partition import Tech, route_shapes

    t = Tech({"met4": 300}, {"met4": 300}, {})
    assert route_shapes("- n\n+ ROUTED met4 1180 ( 0 0 ) ( 460 * ) ;", t, special=True) == \
        [("met4", (0, -590, 460, 590))]
    assert ("met4", (-150, -150, 610, 150)) in route_shapes("- n\n+ ROUTED met4 ( 0 0 ) ( 460 * ) ;", t)
    st = ["- n\n+ ROUTED met4 1180 ( 0 0 ) ( 460 * )\n  NEW met2 320 ( 5 5 ) ( * 9 ) ;"]
    assert narrow_top_layer_stubs(st, 330) == ["- n\n+ ROUTED met4 330 ( 0 0 ) ( 460 * )\n  NEW met2 320 ( 5 5 ) ( * 9 ) ;"]
    assert narrow_top_layer_stubs(["- n\n+ ROUTED met4 200 ( 0 0 ) ( 460 * ) ;"], 330)[0].count(" 200 ") == 1


def test_router_lef_has_power_li1_shapes_as_obstructions():
    """The cell LEF qrouter reads: every VPWR/VGND li1 shape (rails and fingers) of every macro
    becomes an obstruction, every other shape stays where it was."""
    src = lef.read_macros(config.pdk_files().lef)
    view = lef.read_macros(config.router_lef())
    assert src.keys() == view.keys()
    moved = 0
    for name, m in src.items():
        power = [(lay, r) for p in ("VPWR", "VGND") if p in m.pins for lay, r in m.pins[p].shapes if lay == "li1"]
        moved += len(power)
        assert sorted(view[name].obs) == sorted(m.obs + power), name
        for p, pin in m.pins.items():
            keep = [s for s in pin.shapes if not (p in ("VPWR", "VGND") and s[0] == "li1")]
            assert sorted(view[name].pins[p].shapes) == sorted(keep), (name, p)
    assert moved > 1000


def test_route_script_stage2_rounds(tmp_path):
    """The qrouter script's stage2 rounds: masked corridors in the order given; unmasked rounds
    and stage3 only in whole-die routes (not in quick runs, not in repair runs)."""
    from fixyasic.pnr.route import STAGE2_MASKS, write_script

    def stages(**kw) -> list[str]:
        text = write_script(tmp_path / "r.tcl", tmp_path / "in.def", tmp_path / "out.def", None,
                            obs=[], **kw).read_text()
        return [f"{m[0]}:{m[1]}" for m in re.findall(r"\[stage(\d)(?: mask (\w+))?", text)]

    assert stages(quick=True, masks=(30,)) == ["1:", "2:30"]
    assert stages(quick=True) == ["1:", *(f"2:{m}" for m in STAGE2_MASKS)]
    full = stages()
    assert full[:1 + len(STAGE2_MASKS)] == ["1:", *(f"2:{m}" for m in STAGE2_MASKS)]
    assert "2:none" in full and "3:" in full
    repair = stages(only=["a", "b"])
    assert repair == ["1:", *(f"2:{m}" for m in STAGE2_MASKS)]


def test_quick_route_budget_stops_stage2_rounds(tmp_path):
    """A quick run's time budget: no stage2 round starts once the run is older than budget_s
    (qrouter's own Tcl loop, run in tclsh with stage1/stage2 standing in for the router: each
    "round" takes 0.3 s and clears one net of 10)."""
    import shutil
    import subprocess

    from fixyasic.pnr.route import write_script
    tclsh = shutil.which("tclsh")
    assert tclsh, "tclsh not found: install Debian's tcl8.6 (scripts/setup.sh)"

    def rounds(budget: float | None) -> int:
        text = write_script(tmp_path / "r.tcl", tmp_path / "in.def", tmp_path / "out.def", None, obs=[],
                            quick=True, masks=(30, 200), budget_s=budget).read_text()
        lines = text.splitlines()
        body = lines[lines.index("set t0 [clock milliseconds]"):]
        body = [ln for ln in body if not ln.startswith(("cleanup", "write_def", "quit"))]
        prog = ["set n 10", "set calls 0", "proc stage1 {} {global n; return $n}",
                "proc stage2 {args} {global n calls; incr calls; after 300; incr n -1; return $n}",
                "proc write_failed {f} {}", *body, "puts CALLS=$calls"]
        (tmp_path / "t.tcl").write_text("\n".join(prog) + "\n")
        out = subprocess.run([tclsh, str(tmp_path / "t.tcl")], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return int(re.search(r"CALLS=(\d+)", out.stdout).group(1))

    assert rounds(None) == 8          # 4 rounds per mask while each gains a net
    assert rounds(0.5) == 2           # rounds start at 0 and 0.3 s; none after 0.6 s
    with pytest.raises(ValueError):
        write_script(tmp_path / "r.tcl", tmp_path / "in.def", tmp_path / "out.def", None, obs=[], budget_s=5)


def test_repair_runs_raise_the_rip_up_limit(tmp_path):
    """Repair runs (`only`) let every stage2 re-route rip up REPAIR_RIP_LIMIT blocking nets
    (qrouter's default 10 left the full-size baseline's last net failed); window runs keep
    qrouter's default. The script's stage2 calls are recorded by running its loops in tclsh
    with stage1/stage2 standing in for the router (each round clears one net of 3)."""
    import shutil
    import subprocess

    from fixyasic.pnr.route import REPAIR_RIP_LIMIT, write_script
    tclsh = shutil.which("tclsh")
    assert tclsh, "tclsh not found: install Debian's tcl8.6 (scripts/setup.sh)"

    def stage2_args(**kw) -> list[str]:
        text = write_script(tmp_path / "r.tcl", tmp_path / "in.def", tmp_path / "out.def", None, obs=[],
                            **kw).read_text()
        lines = text.splitlines()
        body = [ln for ln in lines[lines.index("set t0 [clock milliseconds]"):]
                if not ln.startswith(("cleanup", "write_def", "quit"))]
        # stage1: 1 failed per listed net (repair) or 3 (whole run)
        prog = ["set left 3", "proc stage1 {args} {global left; if {[llength $args]} {return 1}; return $left}",
                "proc stage2 {args} {global left; puts \"ARGS $args\"; incr left -1; return $left}",
                "proc stage3 {args} {global left; return $left}", "proc write_failed {f} {}", *body]
        (tmp_path / "t.tcl").write_text("\n".join(prog) + "\n")
        out = subprocess.run([tclsh, str(tmp_path / "t.tcl")], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return re.findall(r"^ARGS (.*)$", out.stdout, re.M)

    repair = stage2_args(only=["a", "b", "c"], rip_limit=REPAIR_RIP_LIMIT)
    window = stage2_args(quick=True)
    assert len(repair) == 3 and len(window) == 3
    assert all(a.endswith(f"limit {REPAIR_RIP_LIMIT}") for a in repair), repair
    assert not any("limit" in a for a in window), window
    with pytest.raises(ValueError):
        write_script(tmp_path / "r.tcl", tmp_path / "in.def", tmp_path / "out.def", None, obs=[], rip_limit=0)
    # repair runs search masked corridors only; a whole-die route ends with unmasked rounds
    assert all(not a.startswith("mask none") for a in repair), repair
    assert stage2_args(only=["a", "b", "c"], masks=()) == []
    assert [a.split()[:2] for a in stage2_args(masks=())][:3] == [["mask", "none"]] * 3


def test_input_min_delay_is_measured_from_a_register_clock():
    """Hold constraints on the inputs: `input_min_delay_ns` after the clock reaches a register
    (-reference_pin), not after the port's edge, so it holds whatever the tree's insertion
    delay; a design without registers keeps the delay from the edge."""
    from fixyasic.pnr.sta import reference_clock_pin, timing_tcl
    ports = [("clk", "input", 0), ("d", "input", 0), ("q", "output", 0)]
    seq = Netlist("t", ports, [
        Instance("fx_cts_0", "sky130_fd_sc_hd__clkbuf_4", {"A": "clk", "X": "c1"}),
        Instance("u_inv", "sky130_fd_sc_hd__inv_2", {"A": "d", "Y": "n1"}),
        Instance("u_ff", "sky130_fd_sc_hd__dfxtp_4", {"CLK": "c1", "D": "n1", "Q": "q"})])
    comb = Netlist("t", ports, [Instance("u_inv", "sky130_fd_sc_hd__inv_2", {"A": "d", "Y": "q"})])
    assert reference_clock_pin(seq) == "u_ff/CLK" and reference_clock_pin(comb) is None

    def min_delay(nl, d):
        return [ln for ln in timing_tcl(Path("t.v"), nl, 10.0, input_min_delay_ns=d) if " -min " in ln]

    assert min_delay(seq, 1.0) == ["set_input_delay -min 1.0 -clock core_clk -reference_pin "
                                   "[get_pins {u_ff/CLK}] [delete_from_list [all_inputs] [get_ports clk]]"]
    assert min_delay(comb, 1.0) == ["set_input_delay -min 1.0 -clock core_clk "
                                    "[delete_from_list [all_inputs] [get_ports clk]]"]
    assert min_delay(seq, 0.0) == []


def test_remove_buffers_joins_nets_and_keeps_port_names():
    """Synthesis' buffer chain goes, its loads move to the driver's net; a buffer into an output
    port leaves the port's name on the joined net; buffers between two ports stay."""
    from fixyasic.pnr.netlist import remove_buffers
    B, INV = "sky130_fd_sc_hd__buf_1", "sky130_fd_sc_hd__inv_2"
    nl = Netlist("t", [("a", "input", 0), ("y", "output", 2), ("z", "output", 0), ("w", "output", 0)], [
        Instance("g", INV, {"A": "a", "Y": "n0"}),
        Instance("b1", B, {"A": "n0", "X": "n1"}), Instance("b2", B, {"A": "n1", "X": "n2"}),
        Instance("l1", INV, {"A": "n1", "Y": "m1"}), Instance("l2", INV, {"A": "n2", "Y": "y[0]"}),
        Instance("ob", "sky130_fd_sc_hd__buf_4", {"A": "m1", "X": "y[1]"}),
        Instance("pp", B, {"A": "a", "X": "z"}),            # input port -> output port: stays
        Instance("o2", B, {"A": "y[1]", "X": "w"})])       # output -> output port: stays
    drives = {i.name: dict(i.conns) for i in nl.instances}
    assert remove_buffers(nl) == 3
    by = {i.name: i.conns for i in nl.instances}
    assert set(by) == {"g", "l1", "l2", "pp", "o2"}
    assert by["g"]["Y"] == by["l1"]["A"] == by["l2"]["A"] == "n0"
    assert by["l1"]["Y"] == "y[1]" and by["o2"] == {"A": "y[1]", "X": "w"}
    assert by["pp"] == drives["pp"] and by["l2"]["Y"] == "y[0]"
    # every net still has exactly one driver
    outs = [n for i in nl.instances for p, n in i.conns.items() if p in ("X", "Y")]
    assert len(outs) == len(set(outs))


def test_net_span_limit_must_be_positive(tmp_path):
    from fixyasic.errors import InputError
    with pytest.raises(InputError, match="max_net_span_um"):
        from fixyasic.pnr.steps import step_cts
        step_cts("t", tmp_path, PnrOptions(max_net_span_um=0))
