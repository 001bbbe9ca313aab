"""Long baseline runs (pytest -m slow): 100 real images through the RTL on the trained network,
and iso-area sizing by synthesis against the synthesized fixed extractor."""

import numpy as np
import pytest

from fixyasic.baseline import BaselineConfig, compile_network
from fixyasic.baseline.cosim import cosimulate
from fixyasic.baseline.sizing import config_for
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
    """The acceptance run through the CLI: size to the synthesized fixed extractor's area,
    synthesize, co-simulate 100 real images, write the report row."""
    import json

    from fixyasic.cli import main
    from fixyasic.rtl.generate import generate_rtl
    from fixyasic.synth import synthesize

    design = generate_rtl(default_net, tmp_path / "fixed")
    target = synthesize(design.files, design.top, out_dir=tmp_path / "fixed_syn").cellarea
    wfile = default_net.save(tmp_path / "fixed.npz")
    out = tmp_path / "baseline"
    assert main(["baseline", str(wfile), "--out", str(out), "--target-area", str(target),
                 "--cosim", "100"]) == 0
    rep = json.loads((out / "report.json").read_text())
    assert 0.9 <= rep["area_ratio"] <= 1.1
    assert rep["synth_area_um2"] == pytest.approx(rep["area_ratio"] * target)
    assert rep["cosim_images"] == 100 and rep["cosim_mismatching_images"] == 0
    cfg = BaselineConfig(**rep["config"])
    assert rep["cycles_per_inference"] == compile_network(default_net, cfg).cycles()
    assert rep["ops_per_inference"] == 2 * default_net.macs_per_inference()
