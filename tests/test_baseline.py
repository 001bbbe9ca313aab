"""Programmable baseline: compiler/tiling, RTL co-simulation (bit- and cycle-exact), errors,
area model and sizing, report row and CLI."""

import json

import numpy as np
import pytest

from fixyasic.baseline import BaselineConfig, compile_network
from fixyasic.baseline.cosim import cosimulate
from fixyasic.baseline.emulator import Emulator
from fixyasic.baseline.nets import synthetic_preset_network
from fixyasic.baseline.report import BaselineReport
from fixyasic.baseline.rtl import source_files, top_verilog, write_rtl
from fixyasic.baseline.sizing import config_for
from fixyasic.errors import InputError
from fixyasic.qnet import FixedNetwork
from fixyasic.synthetic import random_layer, random_mobilenet_stem
from fixyasic.toolcheck import require


@pytest.fixture(scope="module")
def fashion_codes():
    from fixyasic.datasets import load_dataset

    def get(net, n):
        x, _ = load_dataset("fashion_mnist", "test", limit=n)
        return net.quantize_input(x)
    return get


# ------------------------------------------------------------------ RTL co-simulation
def test_cosim_real_images_bit_exact_and_cycle_exact(fashion_codes):
    """Preset-shaped network (stride-2 stem, dw s1/s2, pw), real images, tiled buffers."""
    require("iverilog")
    net = synthetic_preset_network(seed=1)
    codes = fashion_codes(net, 4)
    ref = net.forward(codes)
    for cfg in (config_for(net, 2, 4, band=2, weights="layer"),            # tiled, weights per layer
                config_for(net, 3, 8, band=32, obuf_factor=2, weights="resident")):  # resident weights
        prog = compile_network(net, cfg)
        sim = cosimulate(prog, codes)
        assert sim.outputs.shape == ref.shape
        assert np.array_equal(sim.outputs, ref), cfg.label()
        assert sim.cycles == [prog.cycles()] * len(codes), cfg.label()
        assert sim.setup_cycles == prog.setup_cycles()
        assert (prog.setup_cycles() > 0) == prog.resident_weights
    assert ref.max() > 0 and ref.min() >= 0  # ReLU outputs, not all zero


@pytest.mark.parametrize("case", range(4))
def test_cosim_odd_shapes(case):
    """Odd sizes: one lane (C=1), partial channel groups, 5 pixel lanes, tiny buffers, signed out,
    pixel groups shorter than the drain (pointwise with 2 input channels on 8 pixel lanes)."""
    require("iverilog")
    nets = [random_mobilenet_stem(2, input_shape=(3, 11, 9), stem=5, blocks=((9, 1), (6, 2))),
            random_mobilenet_stem(3, input_shape=(2, 12, 13), stem=12, blocks=((20, 2),)),
            random_mobilenet_stem(5, input_shape=(1, 7, 10), stem=3, blocks=((5, 2),)),
            random_mobilenet_stem(6, input_shape=(1, 9, 20), stem=2, blocks=((3, 1),))]
    cfgs = [BaselineConfig(1, 1, 120, 50, 1, 9), BaselineConfig(5, 8, 200, 300, 3, 60),
            BaselineConfig(2, 2, 64, 40, 2, 10), BaselineConfig(8, 2, 80, 20, 2, 40)]
    net, cfg = nets[case], cfgs[case]
    if case == 2:
        net.layers[-1].relu = False  # signed saturation path [-128, 127]
    rng = np.random.default_rng(case)
    codes = rng.integers(0, 128, size=(2,) + net.input_shape)
    prog = compile_network(net, cfg)
    sim = cosimulate(prog, codes)
    assert np.array_equal(sim.outputs, net.forward(codes))
    assert sim.cycles == [prog.cycles()] * 2
    if case == 2:
        assert sim.outputs.min() < 0


def test_requant_rtl_matches_the_integer_model(tmp_path):
    """fxb_requant (the baseline's drain path) against qnet.requantize on iverilog: every shift
    0..31, ReLU on and off, accumulators at the int32 extremes, around each rounding boundary
    (+-2^(shift-1)) and random."""
    from pathlib import Path

    from fixyasic.qnet import requantize
    from fixyasic.sim import simulate
    require("iverilog")
    rng = np.random.default_rng(7)
    cases = []
    for shift in range(32):
        accs = {-2**31, -2**31 + 1, 2**31 - 1, 2**31 - 2, 0, 1, -1, 127, 128, -128, -129}
        if shift:
            h = 1 << (shift - 1)
            accs |= {max(-2**31, min(2**31 - 1, m * h + d)) for m in (-3, -1, 1, 3) for d in (-1, 0, 1)}
        accs |= set(int(a) for a in rng.integers(-2**31, 2**31, 40))
        cases += [(a, shift, relu) for a in sorted(accs) for relu in (0, 1)]
    (tmp_path / "vec.txt").write_text("".join(f"{a & 0xFFFFFFFF:08x} {s:02x} {r}\n" for a, s, r in cases))
    src = Path(source_files()[0]).parent / "fxb_requant.v"
    tb = tmp_path / "tb.v"
    tb.write_text(f"""module tb;
  reg [31:0] acc; reg [4:0] shift; reg relu; wire [7:0] y; integer fd, n;
  fxb_requant dut(.acc(acc), .shift(shift), .relu(relu), .y(y));
  initial begin
    fd = $fopen("{tmp_path / 'vec.txt'}", "r");
    while (!$feof(fd)) begin
      n = $fscanf(fd, "%h %h %d\\n", acc, shift, relu);
      if (n == 3) begin #1 $display("%0d", $signed(y)); end
    end
    $finish;
  end
endmodule
""")
    out = simulate([src, tb], "tb", tmp_path / "sim").stdout.split()
    got = [int(v) for v in out]
    want = [int(requantize(np.array([a]), s, bool(r))[0]) for a, s, r in cases]
    assert len(got) == len(cases) > 2000
    bad = [(c, g, w) for c, g, w in zip(cases, got, want) if g != w]
    assert not bad, bad[:5]


# ----------------------------------------------------------------- compiler / emulator
@pytest.mark.parametrize("seed", range(12))
def test_emulated_program_matches_integer_model(seed):
    """Compiler tiling on random shapes and buffer sizes, checked with the numpy hardware model."""
    rng = np.random.default_rng(100 + seed)
    c_in = int(rng.integers(1, 4))
    h, w = int(rng.integers(5, 16)), int(rng.integers(5, 16))
    net = random_mobilenet_stem(seed, input_shape=(c_in, h, w), stem=int(rng.integers(1, 11)),
                                blocks=tuple((int(rng.integers(1, 13)), int(rng.integers(1, 3)))
                                             for _ in range(int(rng.integers(1, 3)))))
    rows, cols = int(rng.integers(1, 6)), int(2 ** rng.integers(0, 4))
    cfg = config_for(net, rows, cols, band=int(rng.integers(1, 5)), obuf_factor=int(rng.integers(1, 3)),
                     weights=["group", "layer", "resident"][seed % 3])
    prog = compile_network(net, cfg)
    emu = Emulator(prog)
    codes = rng.integers(0, 128, size=(2,) + net.input_shape)
    ref = net.forward(codes)
    for i in range(2):
        assert np.array_equal(emu.infer(codes[i]), ref[i])
        assert emu.cycles == prog.cycles()


def test_bigger_buffers_fewer_cycles_and_model_terms():
    net = synthetic_preset_network(seed=0)
    small = compile_network(net, config_for(net, 2, 4, band=1, weights="group"))
    big = compile_network(net, config_for(net, 2, 4, band=16, obuf_factor=2, weights="resident"))
    assert big.cycles() < small.cycles()
    assert big.resident_weights and not small.resident_weights
    # MAC cycles are the same work either way; the layer split adds up to the total
    assert big.mac_cycles() == small.mac_cycles()
    assert sum(small.layer_cycles()) == small.cycles()
    # every dense MAC is done: cycles * PEs >= MACs
    assert small.cycles() * small.config.pes > net.macs_per_inference()


def test_weights_are_loaded_not_constants(tmp_path):
    """Two different networks use the very same RTL; only the program/weight image differ."""
    cfg = BaselineConfig(2, 4, 256, 64, 4, 128)
    a, b = random_mobilenet_stem(0), random_mobilenet_stem(1)
    pa, pb = compile_network(a, cfg), compile_network(b, cfg)
    assert not np.array_equal(pa.weight_image, pb.weight_image)
    files = write_rtl(cfg, tmp_path)
    text = "".join(f.read_text() for f in files)
    assert "fxb_pe" in text and "fxb_regfile" in text
    assert top_verilog(cfg) in text
    assert all(f.name in {p.name for p in files} for f in source_files())
    # the top is parameterized by size only
    assert "R(2)" in top_verilog(cfg) and "AD(256)" in top_verilog(cfg)


# ------------------------------------------------------------------------------ errors
def test_error_buffers_too_small_for_one_row():
    net = synthetic_preset_network(seed=0)
    with pytest.raises(InputError, match="one output row needs 84 activation words"):
        compile_network(net, BaselineConfig(2, 4, 83, 64, 4, 64))
    with pytest.raises(InputError, match="weight buffer 8"):
        compile_network(net, BaselineConfig(2, 4, 256, 8, 4, 64))
    with pytest.raises(InputError, match="output words"):
        compile_network(net, BaselineConfig(2, 4, 256, 64, 4, 13))


def test_error_unsupported_layers():
    rng = np.random.default_rng(0)
    cfg = BaselineConfig(2, 4, 4096, 4096, 64, 4096)
    big_k = random_layer(rng, "c5", "conv", 1, 4)
    big_k.kernel, big_k.padding = 5, 2
    big_k.weight = rng.integers(-3, 3, size=(4, 1, 5, 5))
    net = FixedNetwork((1, 12, 12), 7, [big_k])
    with pytest.raises(InputError, match="kernel 5x5 not supported"):
        compile_network(net, cfg)
    s3 = random_layer(rng, "s3", "conv", 1, 4, stride=3)
    with pytest.raises(InputError, match="stride 3 not supported"):
        compile_network(FixedNetwork((1, 12, 12), 7, [s3]), cfg)
    wide = random_layer(rng, "wide", "pwconv", 16, 4, shift=20)
    wide.weight[:] = 127
    wide.bias[:] = 2**31 - 1000  # a legal int32 bias, but partial sums can leave int32
    with pytest.raises(InputError, match="overflows the baseline's int32"):
        compile_network(FixedNetwork((16, 2, 2), 7, [wide]), cfg)
    with pytest.raises(InputError, match="power of two"):
        BaselineConfig(2, 3).validate()


# ------------------------------------------------------------------- area and sizing
def test_area_model_fits_synthesized_points():
    from fixyasic.baseline.area import default_model, load_points

    pts = load_points()
    assert len(pts) >= 5, "area calibration data missing (benchmarks/bench_baseline.py --calibrate)"
    model = default_model()
    assert model.max_rel_error < 0.10
    for p in pts:
        assert abs(model.predict(p.config) / p.cellarea - 1) < 0.10
    # more PEs or more buffer bits cost area
    base = BaselineConfig(2, 4, 128, 64, 2, 64)
    assert model.predict(BaselineConfig(4, 4, 128, 64, 2, 64)) > model.predict(base)
    assert model.predict(BaselineConfig(2, 4, 256, 64, 2, 64)) > model.predict(base)


def test_sizing_on_model_picks_fastest_within_window():
    from fixyasic.baseline.area import default_model
    from fixyasic.baseline.sizing import size_to_area

    net = synthetic_preset_network(seed=0)
    model = default_model()
    small = size_to_area(net, 300e3, synthesize=False, model=model)
    large = size_to_area(net, 900e3, synthesize=False, model=model)
    for res, target in ((small, 300e3), (large, 900e3)):
        assert abs(res.predicted_area / target - 1) <= 0.05
        compile_network(net, res.config)  # it runs the network
    assert large.cycles < small.cycles
    with pytest.raises(InputError, match="too small"):
        size_to_area(net, 20e3, synthesize=False, model=model)


# ------------------------------------------------------------------- report and CLI
def test_report_row():
    net = synthetic_preset_network(seed=0)
    prog = compile_network(net, config_for(net, 2, 4))
    rep = BaselineReport.build(net, prog, synth_area=210e3, target_area=200e3)
    row = rep.to_row()
    assert list(row["pes"]) == [8]
    assert row["ops_per_inference"][0] == 2 * net.macs_per_inference()
    assert row["area_ratio"][0] == pytest.approx(1.05)
    assert row["cycles_per_inference"][0] == prog.cycles()
    assert 0 < rep.pe_utilization < 1


def test_cli_baseline_writes_rtl_program_report(tmp_path, capsys):
    from fixyasic.cli import main

    net = synthetic_preset_network(seed=2)
    wfile = net.save(tmp_path / "fixed.npz")
    out = tmp_path / "bl"
    assert main(["baseline", str(wfile), "--out", str(out), "--pes", "8", "--cosim", "2"]) == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["pes"] == 8 and rep["cosim_mismatching_images"] == 0 and rep["cosim_images"] == 2
    assert (out / "rtl" / "fixyasic_baseline.v").is_file()
    assert (out / "program" / "prog.hex").is_file() and (out / "report.csv").is_file()
    assert "cycles/inference" in capsys.readouterr().out
    # a bad request is one clear error line, exit code 2
    assert main(["baseline", str(wfile), "--out", str(out), "--rows", "2", "--cols", "4",
                 "--abuf-depth", "10"]) == 2
    assert "activation words" in capsys.readouterr().err


@pytest.mark.parametrize("pnr_ready", [False, True], ids=["foundation_cells", "pnr_dont_use"])
def test_synthesized_area_close_to_model_and_netlist_runs(tmp_path, pnr_ready):
    """A configuration outside the calibration set, through the real SiliconCompiler synthesis:
    area within 10% of the model, every buffer bit a real flip-flop (nothing constant), and the
    gate-level netlist runs a network bit-exactly in the cycles the model predicts. With the
    P&R dont-use list (what `fixyasic run` places and routes) no listed cell may appear, and the
    netlist must still simulate without x: never-reset loop counters once broke that."""
    import re

    from fixyasic.baseline.area import default_model, synth_area
    from fixyasic.pnr.config import load_config

    cfg = BaselineConfig(3, 2, 100, 20, 2, 30)
    res = synth_area(cfg, tmp_path, pnr_ready=pnr_ready)
    if pnr_ready:
        used = set(re.findall(r"^\s*(sky130_fd_sc_hd__\w+)\s", res.netlist.read_text(), re.M))
        assert used and not [c for c in used if load_config().is_dont_use(c)]
    else:
        pred = default_model().predict(cfg)
        assert abs(pred / res.cellarea - 1) < 0.10, (pred, res.cellarea)
    flops = len(re.findall(r"sky130_fd_sc_hd__e?dfx\w*", res.netlist.read_text()))
    assert flops >= cfg.buffer_bits
    net = random_mobilenet_stem(7, input_shape=(2, 10, 9), stem=3, blocks=((5, 2),))
    net.layers[-1].relu = False
    prog = compile_network(net, cfg)
    codes = np.random.default_rng(7).integers(0, 128, size=(1,) + net.input_shape)
    sim = cosimulate(prog, codes, netlist=res.netlist)
    assert np.array_equal(sim.outputs, net.forward(codes))
    assert sim.cycles == [prog.cycles()]
