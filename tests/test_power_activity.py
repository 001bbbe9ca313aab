"""Gate-level activity: testbench from per-cycle port values, iverilog on the sky130hd models,
VCD -> toggles per cycle and static probability per net."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fixyasic.toolcheck import require

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    require("iverilog")
    from fixyasic.pnr import prep
    from fixyasic.pnr.netlist import load_netlist
    from fixyasic.pnr.quiet import captured_stdout
    d = tmp_path_factory.mktemp("tiny")
    with captured_stdout(d / "yosys.log"):
        r = prep.synthesize_gates([DATA / "pnr_tiny.v"], "pnr_tiny", d / "raw.v")
        nl = load_netlist(r.netlist, "pnr_tiny")
    return nl, nl.write_verilog(d / "pnr_tiny.vg"), d


def test_activity_matches_stimulus(tiny):
    from fixyasic.power.activity import simulate_activity
    from fixyasic.power.stimulus import Stimulus
    nl, vg, d = tiny
    n = 200
    din = np.tile([1, 0], n // 2)           # din[0] toggles every cycle, other bits stay 0
    stim = Stimulus(vectors={"din": din}, reset_port="rst", source="pattern")
    act = simulate_activity(vg, nl, stim, "clk", 10.0, d / "act")
    assert act.coverage > 0.95
    a0, p0 = act.activity["din[0]"]
    assert a0 == pytest.approx(1.0, abs=0.03)      # one toggle per clock cycle
    assert p0 == pytest.approx(0.5, abs=0.03)
    assert act.activity["din[3]"][0] == 0.0
    # accumulating 1 every other cycle: acc[0] toggles every second cycle
    assert act.activity["acc[0]"][0] == pytest.approx(0.5, abs=0.05)
    assert all(0.0 <= p <= 1.0 for _, p in act.activity.values())


def test_stimulus_rejects_unknown_port(tiny, tmp_path):
    from fixyasic.errors import InputError
    from fixyasic.power.stimulus import Stimulus, write_testbench
    nl, _, _ = tiny
    with pytest.raises(InputError, match="not an input"):
        write_testbench(nl, Stimulus(vectors={"acc": np.zeros(4)}), "clk", 10.0, tmp_path)


def test_stimulus_roundtrip(tmp_path):
    from fixyasic.power.stimulus import Stimulus, load_stimulus, save_stimulus
    s = Stimulus(vectors={"din": np.arange(10)}, reset_port="rst", source="x")
    back = load_stimulus(save_stimulus(s, tmp_path / "s.npz"))
    assert back.source == "x" and back.reset_port == "rst"
    assert np.array_equal(back.vectors["din"], np.arange(10))
