"""scikit-learn's bundled 8x8 digits, upsampled to 20x20 and centred in 28x28 like MNIST."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._common import fixed_split

CLASSES = [str(d) for d in range(10)]


def load(split: str, path=None):
    try:
        from sklearn.datasets import load_digits
        from skimage.transform import resize
    except ImportError as exc:
        raise InputError(f"sklearn_digits needs scikit-learn and scikit-image ({exc.name} missing): "
                         "`pip install scikit-learn scikit-image`") from None
    d = load_digits()
    idx = fixed_split(len(d.target), split, salt=3)
    small = d.images[idx] / 16.0
    out = np.zeros((len(idx), 1, 28, 28), dtype=np.float32)
    for i, im in enumerate(small):
        out[i, 0, 4:24, 4:24] = resize(im, (20, 20), order=1, anti_aliasing=False, mode="edge")
    return np.clip(out, 0.0, 1.0), d.target[idx].astype(np.int64)
