"""Hold repair (fixyasic.pnr.holdfix) with the real OpenSTA on placed designs: a shift register
whose capture clocks are skewed late on purpose (flop-to-flop violations), and the ~550-cell MAC
after its clock tree (input-to-flop violations). Violations exist before and not after, setup
holds, the placement stays legal and the buffers only delay (never re-route) the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixyasic.pnr import steps
from fixyasic.toolcheck import require

DATA = Path(__file__).parent / "data"
SKEW_BUFS = 8   # clkbuf_1 per shift stage: ~0.6 ns of skew against ~0.3 ns clock-to-Q
STAGES = 4


def skewed_shift_register(path: Path) -> Path:
    """d -> f0 -> f1 -> ... -> q, where stage i's clock passes SKEW_BUFS * i clock buffers."""
    cell = "sky130_fd_sc_hd__"
    v = ["module shreg (clk, d, q);", "  input clk, d;", "  output q;"]
    clk, k = "clk", 0
    data = "d"
    for i in range(STAGES):
        if i:
            for _ in range(SKEW_BUFS):
                v.append(f"  wire c{k};")
                v.append(f"  {cell}clkbuf_1 cb{k} (.A({clk}), .X(c{k}));")
                clk, k = f"c{k}", k + 1
        out = "q" if i == STAGES - 1 else f"s{i}"
        if out != "q":
            v.append(f"  wire {out};")
        v.append(f"  {cell}dfxtp_4 f{i} (.CLK({clk}), .D({data}), .Q({out}));")
        data = out
    v.append("endmodule")
    path.write_text("\n".join(v) + "\n")
    return path


def _placed(d: Path, top: str, netlist: Path, opt: steps.PnrOptions) -> Path:
    steps.step_floorplan(netlist, top, d, opt)
    steps.step_place(top, d, opt)
    steps.step_cts(top, d, opt)
    return d


def _est_timing(d: Path, top: str, opt: steps.PnrOptions) -> dict:
    """step_timing (real OpenSTA) on a SPEF estimated from the placement."""
    from fixyasic.pnr.floorplan import Floorplan
    from fixyasic.pnr.spef import write_estimated_spef
    nl = steps._netlist(d, top)
    fp = Floorplan.load(d / f"{top}.fp.json")
    pl = json.loads((d / f"{top}.placement.json").read_text())
    write_estimated_spef(nl, fp, pl, d / f"{top}.spef")
    return steps.step_timing(top, d, opt)


@pytest.fixture(scope="module")
def shreg(tmp_path_factory):
    require("sta")
    d = tmp_path_factory.mktemp("shreg")
    opt = steps.PnrOptions(clock_ns=10.0)
    _placed(d, "shreg", skewed_shift_register(d / "shreg.v"), opt)
    before = _est_timing(d, "shreg", opt)
    nl_before = steps._netlist(d, "shreg")
    fix = steps.step_holdfix("shreg", d, opt)
    after = _est_timing(d, "shreg", opt)
    return d, opt, before, fix, after, nl_before


def test_skewed_shift_register_hold_fixed(shreg):
    d, opt, before, fix, after, _ = shreg
    assert before["holdwns"] < -0.1                       # the skew beats clock-to-Q
    assert fix["hold_violating_pins"] == STAGES - 1         # every flop-to-flop stage
    assert fix["hold_fixed_pins"] == STAGES - 1 and fix["hold_buffers"] >= STAGES - 1
    assert fix["hold_est_wns_after"] >= opt.hold_margin_ns - 1e-9
    assert after["holdwns"] >= 0 and after["setupwns"] >= 0
    assert not fix["hold_fix_reverted"]


def test_hold_buffers_legal_and_only_delay(shreg):
    from fixyasic.pnr.config import load_config
    from fixyasic.pnr.floorplan import Floorplan
    from fixyasic.pnr.place_coloquinte import check_legal
    d, opt, before, fix, after, nl0 = shreg
    nl = steps._netlist(d, "shreg")
    fp = Floorplan.load(d / "shreg.fp.json")
    pl = {k: tuple(v) for k, v in json.loads((d / "shreg.placement.json").read_text()).items()}
    assert check_legal(nl, fp, pl) == []
    bufs = {i.name: i for i in nl.instances if i.name.startswith("fx_hold")}
    assert len(bufs) == fix["hold_buffers"]
    assert not any(load_config().is_dont_use(b.cell) for b in bufs.values())
    drv = {b.conns["X"]: b.conns["A"] for b in bufs.values()}
    old = {i.name: i.conns for i in nl0.instances}
    for inst in nl.instances:
        if inst.name in bufs:
            continue
        for pin, net in inst.conns.items():   # walk back through the buffer chain
            while net in drv:
                net = drv[net]
            assert net == old[inst.name][pin], (inst.name, pin)
    # the router DEF carries the buffers too
    assert all(f"- {b} " in (d / "shreg.router.def").read_text() for b in bufs)


def test_judge_fails_on_negative_hold(shreg):
    d, opt, before, fix, after, _ = shreg
    good = {"unrouted_nets": 0, "router_failed_nets": 0, "shorts": 0, "stub_shorts": 0,
            "activity_coverage": 1.0, "averagepower": 1e-3}
    st = steps.judge({**good, **before}, opt)
    assert not st.valid
    assert any("hold slack" in r and "< 0" in r for r in st.reasons), st.reasons
    assert steps.judge({**good, **after}, opt).valid


def test_hold_fix_switch_off(tmp_path):
    require("sta")
    opt = steps.PnrOptions(clock_ns=10.0, hold_fix=False)
    _placed(tmp_path, "shreg", skewed_shift_register(tmp_path / "shreg.v"), opt)
    vg = (tmp_path / "shreg.vg").read_text()
    assert steps.step_holdfix("shreg", tmp_path, opt) == {"hold_fix": False}
    assert (tmp_path / "shreg.vg").read_text() == vg


def test_mac_after_clock_tree_hold_fixed(tmp_path):
    """pnr_mac: the clock tree delays the clock past the input-to-flop paths."""
    require("sta")
    from fixyasic.pnr import prep
    from fixyasic.pnr.quiet import captured_stdout
    with captured_stdout(tmp_path / "synth.log"):
        syn = prep.synthesize_gates([DATA / "pnr_mac.v"], "pnr_mac", tmp_path / "pnr_mac.syn.v")
    opt = steps.PnrOptions(clock_ns=10.0)
    _placed(tmp_path, "pnr_mac", syn.netlist, opt)
    before = _est_timing(tmp_path, "pnr_mac", opt)
    fix = steps.step_holdfix("pnr_mac", tmp_path, opt)
    after = _est_timing(tmp_path, "pnr_mac", opt)
    assert before["holdwns"] < 0 and fix["hold_violating_pins"] > 0
    assert fix["hold_fixed_pins"] == fix["hold_violating_pins"] and fix["hold_buffers"] > 0
    assert after["holdwns"] >= 0
    assert after["setupwns"] >= before["setupwns"] - 0.05 and after["setupwns"] > 0


def test_input_min_delay_removes_input_fed_hold_violations(tmp_path):
    """pnr_mac's hold violations are all on registers fed from its input ports (the clock tree
    delays the capture clock; the inputs change at the edge). Inputs launched by registers of
    the same tree (input_min_delay_ns=1.0) leave none of them, so the repair adds no buffers."""
    require("sta")
    from fixyasic.pnr import prep
    from fixyasic.pnr.quiet import captured_stdout
    with captured_stdout(tmp_path / "synth.log"):
        syn = prep.synthesize_gates([DATA / "pnr_mac.v"], "pnr_mac", tmp_path / "pnr_mac.syn.v")
    at_edge = steps.PnrOptions(clock_ns=10.0)
    late = steps.PnrOptions(clock_ns=10.0, input_min_delay_ns=1.0)
    _placed(tmp_path, "pnr_mac", syn.netlist, at_edge)
    assert _est_timing(tmp_path, "pnr_mac", at_edge)["holdwns"] < 0
    t = _est_timing(tmp_path, "pnr_mac", late)
    assert t["holdwns"] > 0
    fix = steps.step_holdfix("pnr_mac", tmp_path, late)
    assert fix["hold_violating_pins"] == 0 and fix["hold_buffers"] == 0
