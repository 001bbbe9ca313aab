"""Full-size checks (pytest -m slow): the default preset's real pretraining."""

import numpy as np
import pytest
import torch

from fixyasic.datasets import load_dataset
from fixyasic.train import checkpoint
from fixyasic.train.pretrained import default_cache_dir, pretrained_fixed_network


@pytest.mark.slow
def test_default_pretrained_network_is_exact_and_accurate():
    net = pretrained_fixed_network("default")
    assert net.meta["preset"] == "default" and 800 <= net.nonzero_weights() <= 1056
    assert net.meta["source_test_acc"] > 0.85
    ckpt = next((default_cache_dir() / "pretrained").glob("default-*/pretrain.pt"))
    model = checkpoint.build_model(checkpoint.load(ckpt)).eval()
    x = np.concatenate([load_dataset(n, "test", limit=500, seed=9)[0]
                        for n in ("mnist", "animal_mnist", "letters", "textures")])
    with torch.no_grad():
        want = model.features(torch.from_numpy(x), len(net.layers)).double().numpy()
    want = want * 2.0 ** net.layers[-1].out_frac_bits
    assert np.array_equal(net.forward(net.quantize_input(x)), want.astype(np.int64))
