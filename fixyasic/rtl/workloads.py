"""Networks and real images for RTL checks and benchmarks."""

from __future__ import annotations

import numpy as np

from ..qnet import FixedNetwork
from ..synthetic import random_layer


def default_shaped_network(seed: int = 0, sparsity: float = 0.3) -> FixedNetwork:
    """Random weights with the shape of the training side's ``default`` preset at its default
    K (read from fixyasic.train when present); a stand-in when no trained extractor is at hand."""
    try:
        from ..train.model import get_preset

        p = get_preset("default")
        (stem_c, stem_s), blocks, k = p.stem, p.blocks, p.default_k
    except ImportError:  # training side absent: its original default, K=5
        (stem_c, stem_s), blocks, k = (8, 2), ((16, 1), (32, 2)), 5
    rng = np.random.default_rng(seed)
    layers = [random_layer(rng, "conv0", "conv", 1, stem_c, stride=stem_s, sparsity=sparsity)]
    c = stem_c
    for i, (cout, stride) in enumerate(blocks, start=1):
        layers.append(random_layer(rng, f"dw{i}", "dwconv", c, c, stride=stride, sparsity=sparsity))
        layers.append(random_layer(rng, f"pw{i}", "pwconv", c, cout, sparsity=sparsity))
        c = cout
    net = FixedNetwork(input_shape=(1, 28, 28), input_frac_bits=7, layers=layers[:k],
                       meta={"source": "synthetic-default-shape", "seed": seed})
    net.validate()
    return net


def default_extractor(allow_training: bool = True) -> tuple[FixedNetwork, str]:
    """The trained default fixed extractor when the training side provides it, else the
    random stand-in; returns (network, description)."""
    try:
        from ..train.pretrained import pretrained_fixed_network
    except ImportError:
        return default_shaped_network(), "random weights, default-preset shape (training helper absent)"
    if not allow_training:
        return default_shaped_network(), "random weights, default-preset shape"
    net = pretrained_fixed_network("default")
    return net, f"pretrained 'default' preset (Fashion-MNIST), K={len(net.layers)}"


def fashion_codes(net: FixedNetwork, n: int, offset: int = 0) -> np.ndarray:
    """``n`` Fashion-MNIST test images as the network's int8 input codes [n, C, H, W]."""
    from ..datasets import load_dataset

    images, _ = load_dataset("fashion_mnist", "test", limit=offset + n)
    images = images[offset:offset + n]
    if tuple(images.shape[1:]) != tuple(net.input_shape):
        raise ValueError(f"Fashion-MNIST images {images.shape[1:]} do not fit network input {net.input_shape}")
    return net.quantize_input(images)
