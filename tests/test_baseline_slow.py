"""Long baseline runs (pytest -m slow): 100 real images through the RTL on the trained network,
and iso-area sizing by synthesis against the synthesized fixed extractor."""

import numpy as np
import pytest

from fixyasic.baseline import compile_network
from fixyasic.baseline.cosim import cosimulate
from fixyasic.baseline.report import BaselineReport
from fixyasic.baseline.sizing import config_for, size_to_area
from fixyasic.toolcheck import require

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_net():
    from fixyasic.train import pretrained_fixed_network

    return pretrained_fixed_network("default")


def test_cosim_100_fashion_mnist_images_trained_network(default_net):
    from fixyasic.datasets import load_dataset

    require("iverilog")
    x, _ = load_dataset("fashion_mnist", "test", limit=100)
    codes = default_net.quantize_input(x)
    prog = compile_network(default_net, config_for(default_net, 2, 4, band=2, weights="layer"))
    sim = cosimulate(prog, codes)
    ref = default_net.forward(codes)
    assert len(codes) == 100
    assert np.array_equal(sim.outputs, ref)
    assert sim.cycles == [prog.cycles()] * 100
    assert np.count_nonzero(ref) > 0


def test_iso_area_sizing_against_fixed_extractor(default_net, tmp_path):
    from fixyasic.rtl.generate import generate_rtl
    from fixyasic.synth import synthesize

    design = generate_rtl(default_net, tmp_path / "fixed")
    target = synthesize(design.files, design.top, out_dir=tmp_path / "fixed_syn").cellarea
    res = size_to_area(default_net, target, tmp_path / "sizing")
    assert 0.9 <= res.synth_area / target <= 1.1
    assert res.synth is not None and res.synth.netlist.is_file()
    prog = compile_network(default_net, res.config)
    rep = BaselineReport.build(default_net, prog, res.synth_area, target)
    assert 0.9 <= rep.area_ratio <= 1.1
    assert rep.cycles_per_inference == prog.cycles()
