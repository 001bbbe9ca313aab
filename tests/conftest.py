"""Shared fixtures: expensive real-tool results computed once per test session."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def mac_synth(tmp_path_factory):
    """The 16x8 constant-coefficient MAC synthesized through SiliconCompiler on sky130hd."""
    from fixyasic.synth import synthesize
    from fixyasic.toolcheck import require

    require("iverilog")
    return synthesize([FIXTURES / "mac16x8.v"], "mac16x8", clock_ns=10.0,
                      out_dir=tmp_path_factory.mktemp("mac"))
