"""Property-based: random small layer stacks through the generated RTL (Icarus Verilog) equal
FixedNetwork.forward bit for bit, in both styles; random constant sets through the generated
product blocks equal x * c for every input value.  benchmarks/soak_fuzz.py runs the same
generator for hundreds of seeds."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pyverilog.vparser.ast as A
import pytest
from hypothesis import HealthCheck, event, given, reject, settings, strategies as st

from fixyasic.errors import InputError, ToolError
from fixyasic.fuzz import (LAYER_SHAPES, WEIGHT_DISTS, case_from_seed, fuzz_cases, fixed_networks,
                           known_bug, run_case)
from fixyasic.rtl import generate_rtl
from fixyasic.rtl.arith import Datapath, Sig
from fixyasic.rtl.vast import ModuleBuilder, ident, render, shifted
from fixyasic.sim import simulate
from fixyasic.toolcheck import require

REPO = Path(__file__).resolve().parents[1]
FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _cosim_or_reject(case):
    """Run one fuzz case; a known (reported) generator bug rejects the example, anything else fails."""
    require("iverilog")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        try:
            res = run_case(case, tmp)
        except ToolError as exc:
            bug = known_bug(exc)
            if bug is None:
                raise
            event(f"known generator bug {bug[:1]}")
            reject()
    assert res.values == case.net.forward(case.codes).size
    assert res.mismatches == 0, case.describe() + "\n" + "\n".join(res.examples)


@pytest.mark.parametrize("style", ["shiftadd", "multiply"])
def test_fuzzed_networks_rtl_equals_model(style):
    @FUZZ
    @given(fuzz_cases(styles=(style,)))
    def prop(case):
        _cosim_or_reject(case)

    prop()


def test_seeded_cases_rtl_equals_model(tmp_path):
    """20 soak seeds in both styles (hypothesis explores near its earlier examples; the seeded
    generator spreads more widely). Known, reported generator bugs are listed, not failed."""
    require("iverilog")
    from dataclasses import replace

    ran, known = 0, []
    for seed in range(1000, 1020):
        for style in ("shiftadd", "multiply"):
            case = replace(case_from_seed(seed), style=style)
            try:
                res = run_case(case, tmp_path / f"{seed}_{style}")
            except ToolError as exc:
                if known_bug(exc) is None:
                    raise
                known.append(f"{seed}/{style}")
                continue
            assert res.mismatches == 0, case.describe() + "\n" + "\n".join(res.examples)
            ran += 1
    print(f"{ran} seeded cases equal the model; known generator bugs hit: {known}")
    assert ran >= 30


def test_soak_seeds_cover_the_distributions():
    """The seeded generator really draws every layer shape, stride, weight distribution and
    input signedness the fuzzer claims to cover (no simulation: cheap)."""
    seen = Counter()
    for seed in range(200):
        case = case_from_seed(seed)
        seen[("signed", case.net.input_signed)] += 1
        seen[("style", case.style)] += 1
        seen[("pipeline", case.pipeline)] += 1
        for layer, dist in zip(case.net.layers, case.net.meta["dists"]):
            seen[("shape", layer.kind, layer.kernel)] += 1
            seen[("stride", layer.stride)] += 1
            seen[("relu", layer.relu)] += 1
            seen[("w", dist["weights"])] += 1
            seen[("b", dist["bias"])] += 1
            seen[("shift0", layer.shift == 0)] += 1
        seen[("layers", len(case.net.layers))] += 1
    for kind, k in LAYER_SHAPES:
        assert seen[("shape", kind, k)] > 0, (kind, k)
    for dist in WEIGHT_DISTS:
        assert seen[("w", dist)] > 0, dist
    for key in [("stride", 1), ("stride", 2), ("signed", True), ("signed", False), ("relu", True),
                ("relu", False), ("style", "shiftadd"), ("style", "multiply"), ("pipeline", 1),
                ("pipeline", 2), ("shift0", True), ("b", "extreme"), ("layers", 1), ("layers", 3)]:
        assert seen[key] > 0, key
    # the same seed gives the same case
    a, b = case_from_seed(17), case_from_seed(17)
    assert a.net.digest() == b.net.digest() and np.array_equal(a.codes, b.codes)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(fixed_networks(), st.integers(0, 5), st.data())
def test_unsupported_layer_options_are_clean_errors(net, what, data):
    """Options the generator does not support are refused with an InputError naming the layer
    and the option, and nothing that looks like RTL output is left behind."""
    layer = data.draw(st.sampled_from(net.layers))
    if what == 0 and layer.kernel == 3:
        layer.padding, opt = data.draw(st.sampled_from([0, 2])), "padding"
    elif what == 1 and layer.kernel == 3:
        layer.stride, opt = 3, "stride"
    elif what == 2 and layer.kernel == 1:
        layer.stride, opt = 2, "stride"
    elif what == 3 and layer.kernel == 1:
        layer.padding, opt = 1, "padding"
    else:
        k = data.draw(st.sampled_from([2, 5]))
        per_out = 1 if layer.kind == "dwconv" else layer.in_channels
        layer.kernel, layer.padding, opt = k, k // 2, "kernel"
        layer.weight = np.ones((layer.out_channels, per_out, k, k), dtype=np.int64)
        if layer.kind == "pwconv":
            layer.kind = "conv"
    try:
        net.validate()
    except InputError:
        reject()  # the model itself refuses it (e.g. output smaller than 1x1): covered elsewhere
    with tempfile.TemporaryDirectory() as tmp:
        with pytest.raises(InputError, match=rf"layer '{layer.name}'.*{opt}"):
            generate_rtl(net, Path(tmp) / "rtl")
        assert not (Path(tmp) / "rtl" / "manifest.json").exists()
        assert not list((Path(tmp)).rglob("*.v"))


# --- constant-multiplier blocks, exhaustive over every input value ----------------------------

def _product_module(consts: list[int], style: str, lo: int, hi: int) -> tuple[str, list[int]]:
    """A module computing x * c for each distinct nonzero c with the generator's Datapath (shared
    shift-add MCM graph or `x * C`), every product widened to 18 bits on the output."""
    mb = ModuleBuilder("prod_dut")
    mb.input("x", 8, signed=True)
    nz = sorted({c for c in consts if c})
    mb.output("y", 18 * len(nz))
    prods = Datapath(mb, "", style).products(Sig("x", lo, hi), consts, "p")
    outs = []
    for i, c in enumerate(nz):
        t = prods[c]
        e = shifted(t.sig.name, t.shift)
        outs.append(ident(mb.wire(f"r{i}", 18, True, e if t.sign > 0 else A.Minus(A.IntConst("18'sd0"), e))))
    mb.assign("y", A.Concat(list(reversed(outs))))
    return render([mb.build()]), nz


_TB = """module tb;
  reg signed [7:0] x; wire [{msb}:0] y; integer i;
  prod_dut dut(.x(x), .y(y));
  initial begin
    for (i = {lo}; i <= {hi}; i = i + 1) begin x = i; #1; $display("P %0d %h", i, y); end
    $finish;
  end
endmodule
"""

_CONST_SETS = st.one_of(
    st.lists(st.integers(-128, 127), min_size=1, max_size=20),
    st.lists(st.sampled_from([-128, 127, 0, 1, -1]), min_size=1, max_size=8),       # extremes
    st.lists(st.sampled_from([-128, -64, -2, 1, 2, 4, 64]), min_size=1, max_size=8),  # wiring only
    st.lists(st.integers(-128, 127).map(lambda c: c | 1), min_size=8, max_size=24),   # odd: most adders
)


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(_CONST_SETS.filter(lambda cs: any(cs)), st.sampled_from(["shiftadd", "multiply"]),
       st.sampled_from([(-128, 127), (0, 127), (-128, 0), (-3, 5)]))
def test_product_blocks_exhaustive_random_constants(consts, style, interval):
    """Hypothesis-drawn constant sets (beyond tests/test_mcm.py's three fixed seeds), including
    ReLU-style unsigned and narrow input intervals: every input value in the interval."""
    require("iverilog")
    lo, hi = interval
    src, nz = _product_module(consts, style, lo, hi)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "dut.v").write_text(src)
        (t / "tb.v").write_text(_TB.format(msb=18 * len(nz) - 1, lo=lo, hi=hi))
        out = simulate([t / "dut.v", t / "tb.v"], "tb", t).stdout
    rows = [line.split()[1:] for line in out.splitlines() if line.startswith("P ")]
    assert [int(x) for x, _ in rows] == list(range(lo, hi + 1))
    for xs, hexv in rows:
        x, v = int(xs), int(hexv, 16)
        for i, c in enumerate(nz):
            got = (v >> (18 * i)) & 0x3FFFF
            got -= (1 << 18) if got >= 1 << 17 else 0
            assert got == x * c, (style, interval, x, c, got)


def test_soak_command_counts_and_fails_on_a_wrong_model():
    """The soak prints its counts, passes on good seeds and exits non-zero when the reference
    is perturbed (so a real mismatch cannot go unnoticed)."""
    require("iverilog")
    good = [s for s in range(40) if s not in (20, 39)][:3]  # seeds 20/39 hit a known bug
    cmd = [sys.executable, str(REPO / "benchmarks" / "soak_fuzz.py"), "--count", "1"]
    runs = [subprocess.run(cmd + ["--start", str(s)], capture_output=True, text=True, timeout=300) for s in good]
    for r in runs:
        assert r.returncode == 0, r.stdout + r.stderr
        assert "cases: 2 " in r.stdout and "mismatches: 0" in r.stdout and "RESULT: PASS" in r.stdout
    bad = subprocess.run(cmd + ["--start", "0", "--inject-fault"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1, bad.stdout
    assert "mismatches: 2" in bad.stdout and "mismatch seeds/styles: 0/shiftadd 0/multiply" in bad.stdout


@pytest.mark.slow
def test_soak_200_seeds_both_styles():
    """Acceptance: >= 200 fuzzed networks (x 2 styles) with no value mismatch and no unknown
    error; already reported generator bugs are listed by the soak but do not fail this test."""
    require("iverilog")
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "soak_fuzz.py"), "--count", "200",
                        "--allow-known-bugs"], capture_output=True, text=True, timeout=3600)
    print(r.stdout)
    assert "cases: 400 " in r.stdout and "mismatches: 0" in r.stdout and "errors: 0" in r.stdout
    assert r.returncode == 0, r.stdout[-3000:]
