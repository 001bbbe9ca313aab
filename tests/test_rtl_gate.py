"""Gate level: SiliconCompiler synthesis on sky130hd, then the netlist with the sky130 cell
models streams real Fashion-MNIST images; every value must match FixedNetwork.forward."""

import pytest

from fixyasic.rtl import generate_rtl
from fixyasic.rtl.cosim import gate_level_cosim
from fixyasic.rtl.workloads import default_extractor, fashion_codes
from fixyasic.synthetic import random_mobilenet_stem
from fixyasic.toolcheck import require


def test_gate_level_netlist_matches_model(tmp_path):
    """Small design, 2 images with the sky130 Verilog models (Icarus)."""
    require("iverilog")
    from fixyasic.synth import synthesize

    net = random_mobilenet_stem(0)
    design = generate_rtl(net, tmp_path / "rtl")
    syn = synthesize(design.files, design.top, 10.0, tmp_path / "syn")
    assert syn.cells > 1000 and syn.netlist.is_file()
    res = gate_level_cosim(syn.netlist, design.top, net, fashion_codes(net, 2), tmp_path / "gl",
                           stall_in=3, stall_out=3)
    assert res.values == 2 * 8 * 14 * 14
    assert res.mismatches == 0, "\n".join(res.examples)


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


@pytest.mark.slow
def test_default_extractor_100_images_gate_level(tmp_path):
    """Acceptance: >= 100 real images through the synthesized gate-level netlist."""
    require("iverilog")
    from fixyasic.synth import synthesize

    net, _ = default_extractor()
    design = generate_rtl(net, tmp_path / "rtl")
    syn = synthesize(design.files, design.top, 10.0, tmp_path / "syn")
    from fixyasic.rtl.cosim import gate_level_cosim_fast

    require("verilator")
    codes = fashion_codes(net, 100)
    # all 100 with the liberty cell functions (Verilator), a subset with the UDP Verilog models
    fast = gate_level_cosim_fast(syn.netlist, design.top, net, codes, tmp_path / "glf", stall_in=2, stall_out=2)
    assert fast.images == 100
    assert fast.mismatches == 0, "\n".join(fast.examples)
    res = gate_level_cosim(syn.netlist, design.top, net, codes[:5], tmp_path / "gl")
    assert res.mismatches == 0, "\n".join(res.examples)
