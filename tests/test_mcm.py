"""CSD and multiple-constant multiplication: exact over all 8-bit inputs, in Python and in
the generated Verilog (simulated with Icarus Verilog)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fixyasic.rtl.arith import Datapath, Sig
from fixyasic.rtl.csd import csd_adders, csd_digits
from fixyasic.rtl.mcm import build_mcm, plain_csd_adders
from fixyasic.rtl.vast import ModuleBuilder, ident, psel, render
from fixyasic.sim import simulate
from fixyasic.toolcheck import require

import pyverilog.vparser.ast as A


@given(st.integers(-(1 << 20), 1 << 20))
def test_csd_is_exact_and_canonical(v):
    digits = csd_digits(v)
    assert sum(d << s for s, d in digits) == v
    shifts = [s for s, _ in digits]
    assert all(b - a >= 2 for a, b in zip(shifts, shifts[1:]))  # no two adjacent nonzeros


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-128, 127), min_size=1, max_size=24), st.sampled_from(["auto", "rag", "csd"]))
def test_mcm_graph_exact_for_all_8bit_inputs(consts, method):
    g = build_mcm(consts, method)
    xs = np.arange(-128, 128)
    for c in {c for c in consts if c}:
        node, sh, sign = g.products[c]
        assert g.nodes[node] << sh == abs(c)
    for x in xs:
        ev = g.evaluate(int(x))
        for c in consts:
            if c:
                assert ev[c] == int(x) * c
    # zero weights cost nothing; sharing never loses to CSD
    assert g.adders <= sum(csd_adders(c) for c in {abs(c) for c in consts if c})
    assert g.adders <= plain_csd_adders(consts)


def test_mcm_shares_subexpressions():
    rng = np.random.default_rng(3)
    ours = csd = 0
    for _ in range(20):
        cs = rng.integers(-128, 128, size=16)
        ours += build_mcm(cs).adders
        csd += plain_csd_adders(cs)
    assert ours < 0.6 * csd, (ours, csd)
    assert build_mcm([0, 0, 0]).adders == 0
    assert build_mcm([1, -2, 64, -128]).adders == 0  # powers of two are wiring


def _product_module(consts, style, lo=-128, hi=127):
    mb = ModuleBuilder("mcm_dut")
    mb.input("x", 8, signed=True)
    nz = sorted({c for c in consts if c})
    mb.output("y", 16 * len(nz))
    dp = Datapath(mb, "", style)
    prods = dp.products(Sig("x", lo, hi), consts, "p")
    outs = []
    for i, c in enumerate(nz):
        t = prods[c]
        # materialise sign * (sig << shift) as a 16-bit value
        from fixyasic.rtl.vast import shifted
        e = shifted(t.sig.name, t.shift)
        name = mb.wire(f"r{i}", 16, True, e if t.sign > 0 else A.Minus(A.IntConst("16'sd0"), e))
        outs.append(ident(name))
    mb.assign("y", A.Concat(list(reversed(outs))))
    return render([mb.build()]), nz


TB = """
module tb;
  reg signed [7:0] x; wire [{W}:0] y; integer i;
  mcm_dut dut(.x(x), .y(y));
  initial begin
    for (i = -128; i < 128; i = i + 1) begin x = i; #1; $display("%0d %h", i, y); end
    $finish;
  end
endmodule
"""


@pytest.mark.parametrize("style", ["shiftadd", "multiply"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_product_block_exhaustive(tmp_path, style, seed):
    require("iverilog")
    rng = np.random.default_rng(seed)
    consts = [int(c) for c in rng.integers(-128, 128, size=12)] + [0, -128, 127, 1, -1, 64]
    src, nz = _product_module(consts, style)
    (tmp_path / "dut.v").write_text(src)
    (tmp_path / "tb.v").write_text(TB.replace("{W}", str(16 * len(nz) - 1)))
    res = simulate([tmp_path / "dut.v", tmp_path / "tb.v"], "tb", tmp_path)
    lines = [l.split() for l in res.stdout.splitlines() if l and l[0] in "-0123456789"]
    assert len(lines) == 256
    for xs, hexv in lines:
        x, v = int(xs), int(hexv, 16)
        for i, c in enumerate(nz):
            got = (v >> (16 * i)) & 0xFFFF
            got = got - (1 << 16) if got >= 1 << 15 else got
            assert got == x * c, (style, x, c, got)
