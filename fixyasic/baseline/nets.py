"""Networks for baseline tests and benchmarks: the trained default when it is cached, else a
seeded synthetic network with the same layer shapes as the training presets."""

from __future__ import annotations

import numpy as np

from ..qnet import FixedNetwork
from ..synthetic import random_layer

TINY_SHAPE = ((4, 2), ((8, 1), (16, 2)))   # preset 'tiny', K = 5: stem (channels, stride), blocks


def synthetic_preset_network(seed: int = 0, stem: tuple[int, int] = TINY_SHAPE[0],
                             blocks=TINY_SHAPE[1], input_shape=(1, 28, 28),
                             sparsity: float = 0.3) -> FixedNetwork:
    """conv3x3 stem with stride, then (depthwise 3x3 stride s, pointwise) blocks; random int8."""
    rng = np.random.default_rng(seed)
    c, s = stem
    layers = [random_layer(rng, "conv0", "conv", input_shape[0], c, stride=s, sparsity=sparsity)]
    for i, (cout, stride) in enumerate(blocks, start=1):
        layers.append(random_layer(rng, f"dw{i}", "dwconv", c, c, stride=stride, sparsity=sparsity))
        layers.append(random_layer(rng, f"pw{i}", "pwconv", c, cout, sparsity=sparsity))
        c = cout
    net = FixedNetwork(tuple(input_shape), 7, layers, meta={"source": "synthetic-preset", "seed": seed})
    net.validate()
    return net
