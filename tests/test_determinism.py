"""Determinism: the same inputs and seeds give byte-identical Verilog (also across processes
with different hash seeds), identical synthesis metrics and netlists, identical fuzz cases and
an identical trained fixed network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from fixyasic.fuzz import case_from_seed
from fixyasic.qnet import FixedNetwork
from fixyasic.rtl import generate_rtl
from fixyasic.synthetic import random_mobilenet_stem

REPO = Path(__file__).resolve().parents[1]
# SiliconCompiler's run-time bookkeeping: the only metrics allowed to differ between runs
TIMING_METRICS = {"exetime", "tasktime", "totaltime", "memory"}


def _cli(args, cwd: Path, hashseed: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "fixyasic.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _tree(d: Path) -> dict[str, bytes]:
    files = {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}
    assert "manifest.json" in files and len(files) > 2
    return files


def test_verilog_byte_identical_across_processes_and_dirs(tmp_path):
    """`fixyasic rtl` twice, in two processes with different PYTHONHASHSEED and different output
    directories: every .v file and the manifest are byte-identical, in both styles."""
    nets = {"stem": (random_mobilenet_stem(2), 1), "fuzz": (case_from_seed(1001).net, 0)}
    for name, (net, pipeline) in nets.items():
        w = net.save(tmp_path / f"{name}.npz")
        for style in ("shiftadd", "multiply"):
            a, b = tmp_path / f"{name}_{style}_a", tmp_path / "elsewhere" / f"{name}_{style}_b"
            common = ["--style", style, "--pipeline", str(pipeline)]
            _cli(["rtl", w, "--out", a, *common], tmp_path, "1")
            _cli(["rtl", w, "--out", b, *common], tmp_path / "..", "4242")
            ta, tb = _tree(a), _tree(b)
            assert ta.keys() == tb.keys()
            for f in ta:
                assert ta[f] == tb[f], f"{name}/{style}: {f} differs between runs"
    # and an in-process regeneration over an existing output directory changes nothing
    net = random_mobilenet_stem(2)
    before = _tree(tmp_path / "stem_shiftadd_a")
    generate_rtl(net, tmp_path / "stem_shiftadd_a", pipeline=1)
    assert _tree(tmp_path / "stem_shiftadd_a") == before
    # the check can fail: one weight changed -> different Verilog
    net.layers[2].weight = net.layers[2].weight.copy()
    net.layers[2].weight.flat[0] += 1 if net.layers[2].weight.flat[0] < 127 else -1
    generate_rtl(net, tmp_path / "changed", pipeline=1)
    assert _tree(tmp_path / "changed") != before


def test_fuzz_cases_identical_across_processes():
    code = ("from fixyasic.fuzz import case_from_seed\n"
            "for s in (0, 7, 123):\n"
            "    c = case_from_seed(s); print(c.net.digest(), c.codes.tobytes().hex()[:64], c.style)\n")
    env = dict(os.environ, PYTHONHASHSEED="99", PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout.split("\n")
    for line, s in zip(out, (0, 7, 123)):
        c = case_from_seed(s)
        assert line == f"{c.net.digest()} {c.codes.tobytes().hex()[:64]} {c.style}"


def test_synthesis_metrics_and_netlist_identical(tmp_path):
    """fixyasic.synth.synthesize twice on the same RTL: same area, cell count, every recorded
    metric except run-time bookkeeping, and a byte-identical netlist."""
    from fixyasic.synth import synthesize
    from fixyasic.synthetic import random_layer

    rng = np.random.default_rng(3)
    net = FixedNetwork((1, 6, 6), 7, [random_layer(rng, "c0", "conv", 1, 2),
                                      random_layer(rng, "p1", "pwconv", 2, 2)])
    design = generate_rtl(net, tmp_path / "rtl")
    runs = [synthesize(design.files, design.top, 10.0, tmp_path / f"syn{i}") for i in range(2)]
    a, b = runs
    assert a.cells > 100 and a.cellarea > 0
    assert (a.cellarea, a.cells) == (b.cellarea, b.cells)
    keep = lambda m: {k: v for k, v in m.items() if k not in TIMING_METRICS}  # noqa: E731
    assert keep(a.metrics) == keep(b.metrics)
    assert {"cellarea", "cells", "registers", "nets"} <= set(keep(a.metrics))
    assert a.netlist.read_bytes() == b.netlist.read_bytes()


def test_training_same_seed_same_fixed_network(tmp_path):
    """`fixyasic train` (tiny preset, tiny subset) twice with one seed, in two processes with
    different hash seeds, then export: identical fixed networks; another seed differs."""
    from fixyasic.train.export import export_checkpoint
    from fixyasic.train.trainer import Run, TrainConfig

    opts = dict(preset="tiny", source_limit=256, test_limit=128, float_epochs=1, qat_epochs=1,
                targets=["sklearn_digits"], threads=1)
    cli = ["--preset", "tiny", "--pretrain-only", "--source-limit", "256", "--test-limit", "128",
           "--float-epochs", "1", "--qat-epochs", "1", "--targets", "sklearn_digits", "--threads", "1"]
    nets = []
    for i, hashseed in enumerate(("1", "777")):
        run = tmp_path / f"run{i}"
        _cli(["train", "--run-dir", run, "--seed", "5", *cli], tmp_path, hashseed)
        nets.append(export_checkpoint(run / "pretrain.pt", 2, run / "fixed.npz"))
    other_run = Run(tmp_path / "run_seed6", TrainConfig(seed=6, **opts))
    other_run.pretrain()
    other = export_checkpoint(other_run.pretrain_path, 2, tmp_path / "o.npz")
    a, b = (FixedNetwork.load(tmp_path / f"run{i}" / "fixed.npz") for i in range(2))
    assert a.digest() == b.digest() == nets[0].digest()
    for la, lb in zip(a.layers, b.layers):
        assert np.array_equal(la.weight, lb.weight) and np.array_equal(la.bias, lb.bias)
        assert la.shift == lb.shift
    assert a.nonzero_weights() > 0
    assert other.digest() != a.digest()
