"""Gate sizing (fixyasic.pnr.resize) with the real OpenSTA on a placed design: weak drivers on
heavy loads become stronger variants of their cells, the placement stays legal (no overlaps,
every cell on a row and the site grid), and the row-level widening keeps the placer's padding,
refusing where a row has no room."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixyasic.pnr import steps
from fixyasic.pnr.config import load_config, pdk_files
from fixyasic.pnr.floorplan import FixedCell, Floorplan
from fixyasic.pnr.lef import macros_cached
from fixyasic.pnr.netlist import Instance, Netlist
from fixyasic.pnr.place_coloquinte import check_legal
from fixyasic.pnr import resize
from fixyasic.toolcheck import require

HD = "sky130_fd_sc_hd__"
LOADS = 16   # inv_8 inputs (~0.02 pF each): far beyond a _1 cell's max_capacitance, under fanout 24


def weak_drivers(path: Path) -> Path:
    """A flop feeding a nand2_1 and an a211oi_1, each driving LOADS inv_8 that drive output
    ports around the die: nand2 has sizes up to _8, a211oi only _2 (_4 is dont-use), which
    cannot drive that load either, so it gets a buffer."""
    v = ["module weak (clk, a, b, c, d, o, p);", "  input clk, a, b, c, d;",
         f"  output [{LOADS - 1}:0] o, p;", "  wire q, y, z;",
         f"  {HD}dfxtp_4 r0 (.CLK(clk), .D(a), .Q(q));",
         f"  {HD}nand2_1 g0 (.A(q), .B(b), .Y(y));",
         f"  {HD}a211oi_1 g1 (.A1(q), .A2(b), .B1(c), .C1(d), .Y(z));"]
    for i in range(LOADS):
        v.append(f"  {HD}inv_8 l{i} (.A(y), .Y(o[{i}]));")
        v.append(f"  {HD}inv_8 m{i} (.A(z), .Y(p[{i}]));")
    path.write_text("\n".join([*v, "endmodule"]) + "\n")
    return path


def _load(d: Path, top: str):
    fp = Floorplan.load(d / f"{top}.fp.json")
    pl = {k: tuple(v) for k, v in json.loads((d / f"{top}.placement.json").read_text()).items()}
    return steps._netlist(d, top), fp, pl


@pytest.fixture(scope="module")
def weak(tmp_path_factory):
    require("sta")
    d = tmp_path_factory.mktemp("weak")
    opt = steps.PnrOptions(clock_ns=10.0, utilization=0.05)
    steps.step_floorplan(weak_drivers(d / "weak.v"), "weak", d, opt)
    steps.step_place("weak", d, opt)
    steps.step_cts("weak", d, opt)
    before = _load(d, "weak")
    return d, before, steps.step_resize("weak", d, opt)


def test_weak_drivers_upsized(weak):
    d, (nl0, _, _), m = weak
    nl, fp, pl = _load(d, "weak")
    cells = {i.name: i.cell for i in nl.instances}
    assert m["resize_cap_violators_before"] == 2 and m["resize_slew_violators_before"] == 2
    assert cells["g0"] in (f"{HD}nand2_4", f"{HD}nand2_8") and cells["g1"] == f"{HD}a211oi_1"
    bufs = {i.name: i for i in nl.instances if i.name.startswith(resize.BUFFER_PREFIX)}
    assert m["resize_cells"] == 1 and m["resize_buffers"] == len(bufs) == 1
    (buf,) = bufs.values()
    assert buf.conns["A"] == {i.name: i for i in nl.instances}["g1"].conns["Y"]
    assert buf.conns["X"] == "z" and buf.cell.startswith(f"{HD}buf_")   # the loads stay on z
    assert m["resize_slew_violators_after"] == 0 and m["resize_cap_violators_after"] == 0
    assert m["resize_not_placed"] == 0 and m["resize_no_variant"] == 0
    assert m["resize_est_worst_slew_after"] <= resize.SLEW_TARGET_NS < m["resize_est_worst_slew_before"]
    assert m["resize_est_setupwns_after"] > m["resize_est_setupwns_before"] + 1.0
    assert not any(load_config().is_dont_use(c) for c in cells.values())
    # otherwise only cells changed: every other instance keeps its name and connections
    old = {i.name: i.conns for i in nl0.instances}
    old["g1"] = {**old["g1"], "Y": buf.conns["A"]}
    assert {i.name: i.conns for i in nl.instances if i.name not in bufs} == old
    # the DEFs carry the new cells
    assert f"- g0 {cells['g0']} " in (d / "weak.placed.def").read_text()
    assert f"- {buf.name} {buf.cell} " in (d / "weak.router.def").read_text()


def test_resized_placement_legal(weak):
    d, _, _ = weak
    nl, fp, pl = _load(d, "weak")
    assert check_legal(nl, fp, pl) == []     # on rows, on the site grid, inside, no overlaps


def test_resize_switch_off(tmp_path):
    opt = steps.PnrOptions(clock_ns=10.0, utilization=0.05, resize=False)
    steps.step_floorplan(weak_drivers(tmp_path / "weak.v"), "weak", tmp_path, opt)
    steps.step_place("weak", tmp_path, opt)
    vg = (tmp_path / "weak.vg").read_text()
    assert steps.step_resize("weak", tmp_path, opt) == {"resize": False}
    assert (tmp_path / "weak.vg").read_text() == vg


def test_bigger_variants_same_family_not_dont_use():
    macros = macros_cached(str(pdk_files().lef))
    lib = resize.liberty_outputs()
    assert resize.bigger_variants(f"{HD}a211oi_1", macros, lib) == [f"{HD}a211oi_2"]
    assert resize.bigger_variants(f"{HD}clkinv_1", macros, lib)[:2] == [f"{HD}clkinv_2", f"{HD}clkinv_4"]
    assert resize.bigger_variants(f"{HD}o21ai_0", macros, lib)[0] == f"{HD}o21ai_1"
    assert resize.bigger_variants(f"{HD}conb_1", macros, lib) == []
    assert lib[f"{HD}a211oi_1"]["Y"].max_cap_pf == pytest.approx(0.047617)


def test_clock_drivers_left_alone():
    nl = Netlist("t", [("clk", "input", 0), ("en", "input", 0)], [
        Instance("fx_cts_0", f"{HD}clkbuf_4", {"A": "clk", "X": "c0"}),
        Instance("gate", f"{HD}and2_1", {"A": "c0", "B": "en", "X": "gclk"}),
        Instance("r0", f"{HD}dfxtp_4", {"CLK": "gclk", "D": "en", "Q": "q"}),
        Instance("r1", f"{HD}dfxtp_4", {"CLK": "c0", "D": "q", "Q": "q1"})])
    assert resize.clock_drivers(nl) == {"fx_cts_0", "gate"}


def _row_design(xs_sites: list[int], taps_sites: list[int], sites: int = 40):
    """One row of `sites` sites with inv_1 (3 sites wide) and tap cells at the given sites."""
    fp = Floorplan("t", 1000, (0, 0, sites * 460, 2720), (0, 0, sites * 460, 2720), "unithd", 460,
                   2720, [(0, 0, "N")], sites,
                   taps=[FixedCell(f"tap{k}", f"{HD}tapvpwrvgnd_1", s * 460, 0, "N")
                         for k, s in enumerate(taps_sites)])
    nl = Netlist("t", [], [Instance(f"u{k}", f"{HD}inv_1", {}) for k in range(len(xs_sites))])
    pl = {f"u{k}": (s * 460, 0, "N") for k, s in enumerate(xs_sites)}
    return fp, nl, pl


def test_widen_pushes_neighbours_keeping_padding():
    # u0 [0,3) gap 2, u1 [5,8) gap 1, u2 [9,12) gap 5, tap [17,18)
    fp, nl, pl = _row_design([0, 5, 9], [17])
    slots = resize.RowSlots(fp, nl, pl, pad_sites=1)
    assert slots.widen("u1", 8 * 460)                  # +5 sites: 0 own right, 1 own left, 4 pushed
    nl.instances[1].cell = f"{HD}inv_8"                 # 8 sites wide, like the widened slot
    assert check_legal(nl, fp, pl) == []
    sites = {k: v[0] // 460 for k, v in pl.items()}
    assert sites["u0"] == 0 and sites["u1"] == 4        # took its own left gap (2 -> 1 = padding)
    assert sites["u2"] == 13                             # pushed 4 sites, keeps 1 site of padding
    assert 17 - (sites["u2"] + 3) >= 1                   # and the tap keeps its gap


def test_widen_refuses_without_room():
    fp, nl, pl = _row_design([2, 6, 10], [0, 14])     # 1-site pads everywhere, taps at both ends
    before = dict(pl)
    slots = resize.RowSlots(fp, nl, pl, pad_sites=1)
    assert not slots.widen("u1", 5 * 460)
    assert pl == before


def test_insert_keeps_padding_and_refuses_a_full_row():
    fp, nl, pl = _row_design([2, 6, 10], [0, 20], 21)  # free: sites 13..20 only
    slots = resize.RowSlots(fp, nl, pl, pad_sites=1)
    x, y = slots.insert("b0", 3 * 460, 0, 0)            # wanted at the left end: nearest room
    assert (x // 460, y) == (14, 0)                      # one site after u2 (ends at 13)
    pl["b0"] = (x, y, "N")
    nl.instances.append(Instance("b0", f"{HD}inv_1", {}))
    assert check_legal(nl, fp, pl) == []
    assert slots.insert("b1", 3 * 460, 0, 0) is None     # 17..20 left: no room with padding


def test_resize_node_between_cts_and_holdfix():
    from fixyasic.pnr.tasks import pnr_tasks
    names = [s for s, _ in pnr_tasks()]
    assert names.index("cts") + 1 == names.index("resize") == names.index("holdfix") - 1


def test_wire_limited_net_split_among_repeaters(tmp_path, monkeypatch):
    """An inv_4 within its limits whose loads see too slow a slew through the wire: the net is
    split among repeaters, every load still hangs off the driver through buffers only. A net
    that slow needs millimetres of wire, too big a die for a unit test, so the wire estimate's
    resistance per um goes up 30x here instead (OpenSTA runs as always)."""
    from fixyasic.pnr import spef
    require("sta")
    v = ["module wl (clk, a, o);", "  input clk, a;", f"  output [{LOADS - 1}:0] o;",
         "  wire q, y;", f"  {HD}dfxtp_4 r0 (.CLK(clk), .D(a), .Q(q));",
         f"  {HD}inv_4 g0 (.A(q), .Y(y));"]  # (synthesis buffers are removed)
    v += [f"  {HD}inv_8 l{i} (.A(y), .Y(o[{i}]));" for i in range(LOADS)]
    (tmp_path / "wl.v").write_text("\n".join([*v, "endmodule"]) + "\n")
    opt = steps.PnrOptions(clock_ns=10.0, utilization=0.05)
    steps.step_floorplan(tmp_path / "wl.v", "wl", tmp_path, opt)
    steps.step_place("wl", tmp_path, opt)
    monkeypatch.setattr(spef, "EST_R_OHM_PER_UM", 40.0)
    m = steps.step_resize("wl", tmp_path, opt)
    assert m["resize_wire_violators_before"] > 0 and m["resize_slew_violators_before"] == 0
    assert m["resize_split_nets"] >= 1 and m["resize_repeaters"] >= 2
    assert m["resize_wire_violators_after"] < m["resize_wire_violators_before"]
    nl, fp, pl = _load(tmp_path, "wl")
    assert check_legal(nl, fp, pl) == []
    bufs = {i.conns["X"]: i.conns["A"] for i in nl.instances if i.name.startswith(resize.BUFFER_PREFIX)}
    for i in range(LOADS):
        net = {x.name: x for x in nl.instances}[f"l{i}"].conns["A"]
        while net in bufs:
            net = bufs[net]
        assert net == "y"


def test_clock_tree_buffers_sized_for_slew(tmp_path, monkeypatch):
    """step_cts's buffers above CLOCK_SLEW_TARGET_NS go up a clkbuf size per round (the target
    is lowered here so that a die small enough for a unit test has tree buffers over it); the
    flip-flops, their connections and the placement's legality are untouched."""
    require("sta")
    n = 40
    v = ["module ck (clk, d, q);", "  input clk;", f"  input [{n - 1}:0] d;", f"  output [{n - 1}:0] q;"]
    v += [f"  {HD}dfxtp_4 r{i} (.CLK(clk), .D(d[{i}]), .Q(q[{i}]));" for i in range(n)]
    (tmp_path / "ck.v").write_text("\n".join([*v, "endmodule"]) + "\n")
    opt = steps.PnrOptions(clock_ns=10.0, utilization=0.05)
    steps.step_floorplan(tmp_path / "ck.v", "ck", tmp_path, opt)
    steps.step_place("ck", tmp_path, opt)
    steps.step_cts("ck", tmp_path, opt)
    nl0, _, _ = _load(tmp_path, "ck")
    tree = {i.name: i.cell for i in nl0.instances if i.name.startswith(resize.CLOCK_TREE_PREFIX)}
    assert tree and set(tree.values()) == {f"{HD}clkbuf_4"}
    monkeypatch.setattr(resize, "CLOCK_SLEW_TARGET_NS", 0.05)
    m = steps.step_resize("ck", tmp_path, opt)
    nl, fp, pl = _load(tmp_path, "ck")
    cells = {i.name: i.cell for i in nl.instances}
    grown = [b for b in tree if cells[b] != tree[b]]
    assert m["resize_clock_buffers"] == len(grown) >= 1
    assert all(cells[b] in (f"{HD}clkbuf_8", f"{HD}clkbuf_16") for b in grown)
    assert m["resize_est_clock_slew_after"] < m["resize_est_clock_slew_before"]
    assert {i.name: i.conns for i in nl.instances} == {i.name: i.conns for i in nl0.instances}
    assert check_legal(nl, fp, pl) == []


STAGES = 14


def slow_chain(path: Path) -> Path:
    """Flop -> STAGES nand2_1, each also driving 5 inv_4 (within a nand2_1's limits, slow) ->
    flop; the inverters drive output ports so nothing is dead."""
    v = ["module chain (clk, a, b, q, o);", "  input clk, a, b;", "  output q;",
         f"  output [{5 * STAGES - 1}:0] o;", f"  wire [{STAGES}:0] n;",
         f"  {HD}dfxtp_4 r0 (.CLK(clk), .D(a), .Q(n[0]));"]
    for i in range(STAGES):
        v.append(f"  {HD}nand2_1 g{i} (.A(n[{i}]), .B(b), .Y(n[{i + 1}]));")
        v += [f"  {HD}inv_4 l{i}_{k} (.A(n[{i + 1}]), .Y(o[{5 * i + k}]));" for k in range(5)]
    v.append(f"  {HD}dfxtp_4 r1 (.CLK(clk), .D(n[{STAGES}]), .Q(q));")
    path.write_text("\n".join([*v, "endmodule"]) + "\n")
    return path


def test_setup_rounds_upsize_the_slow_path(tmp_path):
    """Within every electrical limit the chain misses its clock; the setup rounds size its
    stages up until the estimate meets the margin. With the rounds off nothing changes."""
    require("sta")
    out = {}
    for rounds in (0, resize.SETUP_ROUNDS):
        d = tmp_path / f"r{rounds}"
        opt = steps.PnrOptions(clock_ns=4.0, utilization=0.2, setup_rounds=rounds)
        steps.step_floorplan(slow_chain(tmp_path / "chain.v"), "chain", d, opt)
        steps.step_place("chain", d, opt)
        steps.step_cts("chain", d, opt)
        out[rounds] = (steps.step_resize("chain", d, opt), _load(d, "chain"))
    (off, _), (on, (nl, fp, pl)) = out[0], out[resize.SETUP_ROUNDS]
    assert off["resize_slew_violators_before"] == off["resize_cap_violators_before"] == 0
    assert off["resize_est_setupwns_after"] < 0 and off["resize_setup_cells"] == 0
    assert on["resize_est_setupwns_electrical"] == pytest.approx(off["resize_est_setupwns_after"])
    assert on["resize_setup_cells"] >= STAGES // 2 and on["resize_setup_rounds"] >= 1
    assert on["resize_est_setupwns_after"] >= resize.SETUP_MARGIN_NS
    cells = {i.name: i.cell for i in nl.instances}
    assert sum(cells[f"g{i}"] != f"{HD}nand2_1" for i in range(STAGES)) == on["resize_setup_cells"]
    assert check_legal(nl, fp, pl) == []


def test_parse_paths_reads_stages_and_slack():
    text = """Startpoint: r0 (rising edge-triggered flip-flop clocked by core_clk)
Endpoint: r1 (rising edge-triggered flip-flop clocked by core_clk)
     Cap     Slew    Delay     Time   Description
---------------------------------------------------------------------------
                     0.000    0.000   clock core_clk (rise edge)
                     0.412    0.412   clock network delay (propagated)
            0.100    0.000    0.412 ^ r0/CLK (sky130_fd_sc_hd__dfxtp_1)
   0.020    0.050    0.300    0.712 ^ r0/Q (sky130_fd_sc_hd__dfxtp_1)
   0.051    0.400    0.512    1.224 v g0/Y (sky130_fd_sc_hd__nand2_1)
                              1.224   data arrival time
                     4.000    4.000   clock core_clk (rise edge)
                              3.900   data required time
---------------------------------------------------------------------------
                             -0.150   slack (VIOLATED)
"""
    (p,) = resize.parse_paths(text)
    assert p.slack_ns == -0.15
    assert [(s.inst, s.pin, s.cell[-7:], s.load_pf, s.delay_ns) for s in p.stages] == [
        ("r0", "Q", "dfxtp_1", 0.02, 0.3), ("g0", "Y", "nand2_1", 0.051, 0.512)]
