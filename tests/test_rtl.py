"""Fixed-weight RTL generator: bit-exact co-simulation against FixedNetwork.forward on real
Fashion-MNIST images (Icarus Verilog / Verilator), determinism, manifest and bad input."""

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from fixyasic.errors import InputError
from fixyasic.qnet import FixedNetwork, QuantLayer
from fixyasic.rtl import RtlDesign, generate_rtl
from fixyasic.rtl.cosim import compile_cosim, cosimulate, run_cosim
from fixyasic.rtl.workloads import default_shaped_network, fashion_codes
from fixyasic.synthetic import random_layer, random_mobilenet_stem
from fixyasic.toolcheck import require


def _net(layers, shape=(1, 28, 28), signed=False):
    net = FixedNetwork(input_shape=shape, input_frac_bits=7, layers=layers, input_signed=signed)
    net.validate()
    return net


def _check(res):
    assert res.values > 0
    assert res.mismatches == 0, "\n".join(res.examples)


def all_kinds_net(seed=1):
    """conv s1 (relu), dw s2, pw, dw s1 without relu, pw without relu: every kind and stride."""
    rng = np.random.default_rng(seed)
    return _net([random_layer(rng, "conv0", "conv", 1, 4, stride=1),
                 random_layer(rng, "dw1", "dwconv", 4, 4, stride=2),
                 random_layer(rng, "pw1", "pwconv", 4, 6),
                 random_layer(rng, "dw2", "dwconv", 6, 6, stride=1, relu=False),
                 random_layer(rng, "pw2", "pwconv", 6, 5, relu=False)])


def test_cosim_all_layer_kinds_strides_real_images(tmp_path):
    require("iverilog")
    net = all_kinds_net()
    design = generate_rtl(net, tmp_path / "rtl")
    codes = fashion_codes(net, 4)
    res = cosimulate(design.files, design.top, net, codes, tmp_path / "sim", stall_in=5, stall_out=5)
    _check(res)
    assert res.values == 4 * 5 * 14 * 14


def test_outputs_registered_unless_asked_not_to(tmp_path):
    """A final 1x1 layer is pure logic; by default the top still ends in a register, one
    more pipeline stage, same results under back-pressure."""
    require("iverilog")
    net = all_kinds_net(3)
    codes = fashion_codes(net, 2)
    reg = generate_rtl(net, tmp_path / "reg")
    raw = generate_rtl(net, tmp_path / "raw", register_outputs=False)
    for d, name in ((reg, "reg"), (raw, "raw")):
        _check(cosimulate(d.files, d.top, net, codes, tmp_path / f"sim_{name}", stall_in=3, stall_out=4))
    last = reg.manifest["layers"][-1]
    assert last["kind"] == "pwconv"
    assert last["register_stages"] == raw.manifest["layers"][-1]["register_stages"] + 1
    assert reg.manifest["register_outputs"] and not raw.manifest["register_outputs"]
    assert "assign out_data = q;" in (tmp_path / "reg" / f"{last['module']}.v").read_text()
    assert "assign out_data = y;" in (tmp_path / "raw" / f"{last['module']}.v").read_text()
    # earlier 1x1 layers stay fused
    pw1 = next(l for l in reg.manifest["layers"] if l["name"] == "pw1")
    assert pw1["register_stages"] == 0


def test_cosim_odd_frame_multichannel_signed_input(tmp_path):
    """Odd width/height with stride 2 (decimation at the right border), 3 signed input
    channels, dense 3x3 conv with stride 2."""
    rng = np.random.default_rng(7)
    net = _net([random_layer(rng, "conv0", "conv", 3, 4, stride=2),
                random_layer(rng, "dw1", "dwconv", 4, 4, stride=2, relu=False),
                random_layer(rng, "pw1", "pwconv", 4, 3)], shape=(3, 9, 7), signed=True)
    design = generate_rtl(net, tmp_path / "rtl")
    codes = rng.integers(-128, 128, size=(6, 3, 9, 7))
    codes[0] = 127
    codes[1] = -128
    res = cosimulate(design.files, design.top, net, codes, tmp_path / "sim", stall_in=3, stall_out=7)
    _check(res)
    assert net.output_shape == (3, 3, 2)


def extreme_net():
    """Extreme int8 weights (all 127 / all -128 / mixed), an all-zero depthwise channel and
    an all-zero layer output (constant), int32-extreme biases, shift 0 and large shifts."""
    w0 = np.full((4, 1, 3, 3), 127)
    w0[1] = -128
    w0[2, 0, ::2, ::2] = -128
    w0[3] = 0
    l0 = QuantLayer("conv0", "conv", 1, 4, 3, 1, 1, True, 10, w0, np.array([0, 2**31 - 1, 5 << 9, -300]))
    w1 = np.full((4, 1, 3, 3), 127)
    w1[0] = 0
    w1[2] = -128
    w1[3, 0, 1::2] = -128
    l1 = QuantLayer("dw1", "dwconv", 4, 4, 3, 2, 1, False, 9, w1, np.array([-(2**31), 7, 200, -200]))
    w2 = np.full((6, 4, 1, 1), -128)
    w2[::2] = 127
    w2[5] = 0
    l2 = QuantLayer("pw2", "pwconv", 4, 6, 1, 1, 0, False, 8, w2, np.array([0, 1, -1, 127, -128, 3]))
    w3 = np.full((4, 6, 3, 3), 127)
    w3[1::2] = -128
    w3[2, ::2] = 0
    l3 = QuantLayer("conv3", "conv", 6, 4, 3, 1, 1, False, 13, w3, np.array([0, 0, 1 << 12, -(1 << 12)]))
    l4 = QuantLayer("pw4", "pwconv", 4, 2, 1, 1, 0, False, 0, np.zeros((2, 4, 1, 1), dtype=np.int64),
                    np.array([-5, 9]))
    return _net([l0, l1, l2, l3, l4])


def test_cosim_extreme_weights_no_zero_layer(tmp_path):
    """The extreme network without its all-zero last layer, so outputs vary and are signed."""
    require("iverilog")
    net = extreme_net()
    net.layers = net.layers[:-1]
    design = generate_rtl(net, tmp_path / "rtl")
    codes = np.concatenate([fashion_codes(net, 3), _adversarial()])
    res = cosimulate(design.files, design.top, net, codes, tmp_path / "sim", stall_in=2, stall_out=2)
    _check(res)
    out = net.forward(codes)
    assert out.min() < 0 < out.max() and len(np.unique(out)) > 8


def _adversarial():
    adversarial = np.zeros((3, 1, 28, 28), dtype=np.int64)
    adversarial[1] = 127
    adversarial[2, :, ::2, 1::2] = 127
    return adversarial


def test_cosim_zero_and_extreme_weights(tmp_path):
    require("iverilog")
    net = extreme_net()
    design = generate_rtl(net, tmp_path / "rtl")
    codes = np.concatenate([fashion_codes(net, 2), _adversarial()])
    res = cosimulate(design.files, design.top, net, codes, tmp_path / "sim", stall_in=2, stall_out=2)
    _check(res)
    layers = {l["name"]: l for l in design.manifest["layers"]}
    assert layers["pw4"]["adders"] == 0  # zero weights cost nothing: constant outputs
    assert [tuple(v) for v in layers["pw4"]["out_intervals"]] == [(-5, -5), (9, 9)]


def test_cosim_multiply_style_and_pipeline_with_backpressure(tmp_path):
    require("iverilog")
    net = all_kinds_net(seed=2)
    codes = fashion_codes(net, 3, offset=10)
    for style, pipe, stall in (("multiply", 0, 4), ("shiftadd", 1, 12)):
        design = generate_rtl(net, tmp_path / f"rtl_{style}", style=style, pipeline=pipe)
        res = cosimulate(design.files, design.top, net, codes, tmp_path / f"sim_{style}",
                         stall_in=1, stall_out=stall)
        _check(res)
        if pipe:
            assert sum(l["pipeline_stages"] for l in design.manifest["layers"]) > 0


def test_cosim_default_extractor_shape_iverilog(tmp_path):
    """The default preset's shape (random weights) on 6 real images."""
    require("iverilog")
    net = default_shaped_network()
    design = generate_rtl(net, tmp_path / "rtl")
    res = cosimulate(design.files, design.top, net, fashion_codes(net, 6), tmp_path / "sim")
    _check(res)
    # steady state: about one input pixel per clock (H*W + border cycles per frame)
    assert res.cycles_per_image < 28 * 28 * 1.1


def test_cosim_verilator(tmp_path):
    require("verilator")
    net = random_mobilenet_stem(3)
    design = generate_rtl(net, tmp_path / "rtl")
    res = cosimulate(design.files, design.top, net, fashion_codes(net, 20), tmp_path / "sim",
                     simulator="verilator", stall_in=3, stall_out=3)
    _check(res)


def test_cosim_detects_a_wrong_design(tmp_path):
    """The comparison can fail: RTL of one network against the model of a perturbed one."""
    require("iverilog")
    net = random_mobilenet_stem(4)
    design = generate_rtl(net, tmp_path / "rtl")
    other = random_mobilenet_stem(4)
    last = other.layers[-1]
    last.bias = last.bias.copy()
    last.bias[0] += 3 << last.shift  # one channel off by 3 wherever it is not saturated
    sim = compile_cosim(design.files, design.top, net, tmp_path / "sim", max_images=2)
    codes = fashion_codes(net, 2)
    _check(run_cosim(sim, net, codes))
    assert run_cosim(sim, other, codes).mismatches > 0


def _tree_bytes(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def test_generation_is_deterministic_and_manifest(tmp_path):
    net = default_shaped_network(5)
    path = net.save(tmp_path / "w.npz")
    a = generate_rtl(FixedNetwork.load(path), tmp_path / "a")
    b = generate_rtl(FixedNetwork.load(path), tmp_path / "b")
    assert _tree_bytes(tmp_path / "a") == _tree_bytes(tmp_path / "b")
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert man["weights_sha256"] == net.digest()
    assert man["generator"].startswith("fixyasic-rtl")
    assert [f.name for f in a.files] == man["files"] and man["files"][-1] == "fixyasic_top.v"
    for layer in man["layers"]:
        assert layer["adders"] <= layer["csd_adders"]
        assert layer["max_internal_bits"] <= 32
    assert man["totals"]["adders"] < man["totals"]["csd_adders"]
    # different weights -> different Verilog; multiply style has no MCM adders
    c = generate_rtl(default_shaped_network(6), tmp_path / "c")
    assert _tree_bytes(tmp_path / "c") != _tree_bytes(tmp_path / "a")
    m = generate_rtl(net, tmp_path / "m", style="multiply")
    assert all(l["mcm_adders"] == 0 and l["multipliers"] > 0 for l in m.manifest["layers"])
    last = man["layers"][-1]["module"] + ".v"  # a pointwise layer
    assert " * " in (tmp_path / "m" / last).read_text()
    assert " * " not in (tmp_path / "a" / last).read_text()
    assert RtlDesign.load(tmp_path / "a").manifest == a.manifest


def test_widths_follow_the_weights(tmp_path):
    """Worst-case widths: a layer of tiny weights needs narrower wires than 127s."""
    small = [QuantLayer("pw", "pwconv", 2, 2, 1, 1, 0, True, 0, np.array([[[[1]], [[1]]], [[[2]], [[0]]]]),
                        np.array([0, 0]))]
    big = [QuantLayer("pw", "pwconv", 2, 2, 1, 1, 0, True, 0, np.full((2, 2, 1, 1), 127), np.array([0, 0]))]
    a = generate_rtl(_net(small, shape=(2, 4, 4)), tmp_path / "a").manifest["layers"][0]
    b = generate_rtl(_net(big, shape=(2, 4, 4)), tmp_path / "b").manifest["layers"][0]
    # inputs in [0, 127] stay unsigned: 127+127 needs 8 bits; 127*127*2 needs 15
    assert a["max_internal_bits"] == 8
    assert b["max_internal_bits"] == 15


@pytest.mark.parametrize("mutate, match", [
    (lambda L: setattr(L, "kernel", 5) or setattr(L, "weight", np.zeros((4, 1, 5, 5), dtype=np.int64))
     or setattr(L, "padding", 2), "conv0.*kernel=5"),
    (lambda L: setattr(L, "stride", 3), "conv0.*stride=3"),
    (lambda L: setattr(L, "padding", 0), "conv0.*padding=0"),
])
def test_unsupported_layer_options_are_named(tmp_path, mutate, match):
    net = random_mobilenet_stem(0)
    mutate(net.layers[0])
    with pytest.raises(InputError, match=match):
        generate_rtl(net, tmp_path / "o")
    assert not (tmp_path / "o" / "manifest.json").exists()


def test_bad_style_pipeline_top(tmp_path):
    net = random_mobilenet_stem(0)
    with pytest.raises(InputError, match="style"):
        generate_rtl(net, tmp_path, style="lut")
    with pytest.raises(InputError, match="pipeline"):
        generate_rtl(net, tmp_path, pipeline=-1)
    with pytest.raises(InputError, match="identifier"):
        generate_rtl(net, tmp_path, top="1bad name")


def test_cli_rtl(tmp_path):
    import os

    w = random_mobilenet_stem(0).save(tmp_path / "w.npz")
    # byte-identical across processes with different hash seeds
    for seed in ("1", "977"):
        r = subprocess.run([sys.executable, "-m", "fixyasic.cli", "rtl", str(w), "--out", str(tmp_path / seed)],
                           capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
    assert _tree_bytes(tmp_path / "1") == _tree_bytes(tmp_path / "977")
    with pytest.raises(InputError, match="manifest"):
        RtlDesign.load(tmp_path)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "fixyasic.cli", "rtl", str(w), "--out", str(out),
                        "--style", "multiply"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "manifest.json").read_text())["style"] == "multiply"
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    r = subprocess.run([sys.executable, "-m", "fixyasic.cli", "rtl", str(bad), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "fixyasic: error:" in r.stderr and len(r.stderr.strip().splitlines()) == 1
