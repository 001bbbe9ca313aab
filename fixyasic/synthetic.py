"""Random fixed networks with the library's arithmetic, for tests, fuzzing and flow bring-up
before a trained network exists. Seeded: the same arguments give the same network."""

from __future__ import annotations

import numpy as np

from .qnet import FixedNetwork, QuantLayer


def random_layer(rng: np.random.Generator, name: str, kind: str, cin: int, cout: int,
                 stride: int = 1, relu: bool = True, sparsity: float = 0.3,
                 shift: int | None = None) -> QuantLayer:
    k = 1 if kind == "pwconv" else 3
    pad = 0 if kind == "pwconv" else 1
    per_out = 1 if kind == "dwconv" else cin
    w = rng.integers(-128, 128, size=(cout, per_out, k, k))
    w[rng.random(w.shape) < sparsity] = 0
    fan_in = per_out * k * k
    if shift is None:
        # keep outputs in range: accumulator grows ~ 127*64*sqrt(fan_in)
        shift = int(np.clip(np.round(np.log2(64 * np.sqrt(fan_in))) + 1, 0, 20))
    b = rng.integers(-(1 << (shift + 2)), 1 << (shift + 2), size=(cout,)) if shift else rng.integers(-8, 8, size=(cout,))
    return QuantLayer(name=name, kind=kind, in_channels=cin, out_channels=cout, kernel=k,
                      stride=stride, padding=pad, relu=relu, shift=shift, weight=w, bias=b)


def random_mobilenet_stem(seed: int = 0, input_shape=(1, 28, 28), stem: int = 4,
                          blocks: tuple[tuple[int, int], ...] = ((8, 2),),
                          sparsity: float = 0.3) -> FixedNetwork:
    """conv3x3 stem, then (depthwise 3x3 stride s, pointwise -> c) per block."""
    rng = np.random.default_rng(seed)
    layers = [random_layer(rng, "conv0", "conv", input_shape[0], stem, sparsity=sparsity)]
    c = stem
    for i, (cout, stride) in enumerate(blocks, start=1):
        layers.append(random_layer(rng, f"dw{i}", "dwconv", c, c, stride=stride, sparsity=sparsity))
        layers.append(random_layer(rng, f"pw{i}", "pwconv", c, cout, sparsity=sparsity))
        c = cout
    net = FixedNetwork(input_shape=tuple(input_shape), input_frac_bits=7, layers=layers,
                       meta={"source": "synthetic", "seed": seed})
    net.validate()
    return net
