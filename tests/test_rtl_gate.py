"""Gate level: SiliconCompiler synthesis on sky130hd, then the netlist with the sky130 cell
models streams real Fashion-MNIST images; every value must match FixedNetwork.forward."""

import numpy as np
import pytest

from fixyasic.rtl import generate_rtl
from fixyasic.rtl.cosim import gate_level_cosim
from fixyasic.rtl.workloads import default_extractor, fashion_codes
from fixyasic.synthetic import random_mobilenet_stem
from fixyasic.toolcheck import require


def test_gate_level_netlist_matches_model(tmp_path):
    """Small design, 2 images with the official sky130 Verilog models (Icarus), one vvp run per
    image from one compile; the same netlist against a perturbed model must mismatch."""
    require("iverilog")
    from fixyasic.synth import synthesize

    net = random_mobilenet_stem(0)
    design = generate_rtl(net, tmp_path / "rtl")
    syn = synthesize(design.files, design.top, 10.0, tmp_path / "syn")
    assert syn.cells > 1000 and syn.netlist.is_file()
    codes = fashion_codes(net, 2)
    res = gate_level_cosim(syn.netlist, design.top, net, codes, tmp_path / "gl",
                           stall_in=3, stall_out=3, chunk_images=1)
    assert res.images == 2 and res.values == 2 * 8 * 14 * 14
    assert res.mismatches == 0, "\n".join(res.examples)

    other = random_mobilenet_stem(0)
    last = other.layers[-1]
    last.bias = last.bias.copy()
    last.bias[0] += 3 << last.shift  # one channel off by 3 wherever it is not saturated
    bad = gate_level_cosim(syn.netlist, design.top, other, codes, tmp_path / "gl_bad", chunk_images=1)
    assert bad.images == 2 and 0 < bad.mismatches <= 2 * 14 * 14
    assert bad.examples and all(" channel 0 " in e for e in bad.examples)


@pytest.mark.slow
def test_default_extractor_1000_images_rtl(tmp_path):
    """Acceptance: >= 1000 real images through the RTL of the default fixed extractor."""
    from fixyasic.rtl.cosim import cosimulate

    require("verilator")
    net, _ = default_extractor()
    design = generate_rtl(net, tmp_path / "rtl")
    res = cosimulate(design.files, design.top, net, fashion_codes(net, 1000), tmp_path / "sim",
                     simulator="verilator", stall_in=2, stall_out=2)
    assert res.images == 1000
    assert res.mismatches == 0, "\n".join(res.examples)


@pytest.fixture(scope="module")
def default_netlist(tmp_path_factory):
    """The default extractor's RTL and its SiliconCompiler netlist (about 1 min), shared by
    the slow gate-level tests."""
    from fixyasic.synth import synthesize

    net, _ = default_extractor()
    d = tmp_path_factory.mktemp("default_extractor")
    design = generate_rtl(net, d / "rtl")
    syn = synthesize(design.files, design.top, 10.0, d / "syn")
    return net, design, syn


@pytest.mark.slow
@pytest.mark.parametrize("models", ["official", "liberty_functions"])
def test_default_extractor_100_images_gate_level(default_netlist, tmp_path, models):
    """Acceptance: 100 real images through the synthesized gate-level netlist, with the official
    sky130hd Verilog cell models (Icarus; ~1.5 h alone for the 84.6k-cell netlist) and with
    liberty-function cell models (Verilator; minutes)."""
    from fixyasic.rtl.cosim import gate_level_cosim_fast

    require("iverilog" if models == "official" else "verilator")
    sim = gate_level_cosim if models == "official" else gate_level_cosim_fast
    net, design, syn = default_netlist
    codes = fashion_codes(net, 100)
    res = sim(syn.netlist, design.top, net, codes, tmp_path / models, stall_in=2, stall_out=2)
    assert res.images == 100 and res.values == 100 * int(np.prod(net.output_shape))
    assert res.mismatches == 0, "\n".join(res.examples)
