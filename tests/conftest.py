"""Shared fixtures: expensive real-tool results computed once per test session."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def mac_synth(tmp_path_factory):
    """The 16x8 constant-coefficient MAC synthesized through SiliconCompiler on sky130hd."""
    from fixyasic.synth import synthesize
    from fixyasic.toolcheck import require

    require("iverilog")
    return synthesize([FIXTURES / "mac16x8.v"], "mac16x8", clock_ns=10.0,
                      out_dir=tmp_path_factory.mktemp("mac"))


@pytest.fixture(scope="session")
def mac_run(tmp_path_factory):
    """The whole SiliconCompiler flow on the ~550-cell pnr_mac (synthesis -> P&R -> GDS -> magic
    DRC), fed one Fashion-MNIST image as its pixel stream (tests/test_flow_sc.py, test_drc.py)."""
    from fixyasic.toolcheck import require
    for exe in ("qrouter", "sta", "iverilog", "vvp", "magic"):
        require(exe)
    from fixyasic.pnr.scflow import run_sc_flow
    from fixyasic.pnr.steps import PnrOptions
    from fixyasic.power.images import image_stream_stimulus
    out = tmp_path_factory.mktemp("flow")
    stim = image_stream_stimulus("pixel", 8, count=1, valid_port="valid_in", reset_port="rst")
    return run_sc_flow([DATA / "pnr_mac.v"], "pnr_mac", out, PnrOptions(clock_ns=10.0, drc=True),
                       stimulus=stim)
