"""Generator bugs the fuzzer found (A-D in docs/reliability.md): each must now compile and match."""

import numpy as np
import pytest

from fixyasic.qnet import FixedNetwork, QuantLayer
from fixyasic.rtl import generate_rtl
from fixyasic.rtl.cosim import cosimulate


def L(name, kind, cin, cout, k, s, relu, shift, w, b):
    return QuantLayer(name, kind, cin, cout, k, s, 1 if k == 3 else 0, relu, shift,
                      np.array(w).reshape(cout, 1 if kind == "dwconv" else cin, k, k), np.array(b))


CASES = {
    "A_1bit_line_buffer": ([L("pw0", "pwconv", 1, 1, 1, 1, True, 0, [0], [1]),
                            L("c1", "conv", 1, 1, 3, 1, False, 0, [1] * 9, [0])], (1, 4, 4), 0),
    "B_stride2_width2": ([L("d0", "dwconv", 1, 1, 3, 2, False, 0, [1] * 9, [0])], (1, 4, 2), 0),
    "C_pipeline_shared_reg": ([L("pw0", "pwconv", 3, 2, 1, 1, False, 0, [1, 1, 1, 2, 2, 2], [0, 0])], (3, 4, 4), 1),
    "D_zero_input_shift": ([L("pw0", "pwconv", 1, 1, 1, 1, False, 0, [0], [0]),
                            L("pw1", "pwconv", 1, 6, 1, 1, False, 8, [115, 83, -10, 98, -110, 41], [0] * 6)],
                           (1, 4, 4), 0),
}


@pytest.mark.parametrize("style", ["shiftadd", "multiply"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_fuzzer_found_generator_bugs_stay_fixed(case, style, tmp_path):
    layers, shape, pipeline = CASES[case]
    net = FixedNetwork(shape, 7, layers)
    design = generate_rtl(net, tmp_path / "rtl", style=style, pipeline=pipeline)
    codes = np.random.default_rng(0).integers(0, 128, size=(3, *shape))
    res = cosimulate(design.files, design.top, net, codes, tmp_path / "sim")
    assert res.values == net.forward(codes).size and res.mismatches == 0, res.examples
