"""Texture patches cut from scikit-image's bundled sample images (no download).

Train patches come from the left 75 % of each image, test patches from the right 25 %, so the
two splits never share pixels.  Patch sizes, positions, flips and rotations are seeded."""

from __future__ import annotations

import numpy as np

from ..errors import InputError

# bundled with scikit-image (skimage/data/*.png), gray or converted to gray
CLASSES = ["brick", "grass", "gravel", "moon", "coins", "page"]
PER_CLASS = {"train": 600, "test": 150}
TRAIN_FRACTION = 0.75


def _source_images():
    try:
        import skimage.data as sd
        from skimage.transform import resize
    except ImportError:
        raise InputError("textures need scikit-image: `pip install scikit-image`") from None
    out = {}
    for name in CLASSES:
        try:
            im = np.asarray(getattr(sd, name)(), dtype=np.float32)
        except Exception as exc:  # pooch raises various errors when a file is not bundled
            raise InputError(f"scikit-image sample image '{name}' unavailable ({exc}); "
                             "reinstall scikit-image (`pip install --force-reinstall scikit-image`)") from None
        out[name] = im / 255.0
    return out, resize


def load(split: str, path=None):
    images, resize = _source_images()
    rng = np.random.default_rng({"train": 11, "test": 12}[split])
    n = PER_CLASS[split]
    xs, ys = [], []
    for label, name in enumerate(CLASSES):
        im = images[name]
        h, w = im.shape
        cut = int(w * TRAIN_FRACTION)
        x0, x1 = (0, cut) if split == "train" else (cut, w)
        for _ in range(n):
            size = int(rng.integers(28, min(64, h, x1 - x0) + 1))
            y = int(rng.integers(0, h - size + 1))
            x = int(rng.integers(x0, x1 - size + 1))
            patch = resize(im[y:y + size, x:x + size], (28, 28), order=1, anti_aliasing=True)
            patch = np.rot90(patch, int(rng.integers(4)))
            if rng.random() < 0.5:
                patch = patch[:, ::-1]
            xs.append(patch)
            ys.append(label)
    imgs = np.clip(np.stack(xs).astype(np.float32), 0.0, 1.0)[:, None]
    return np.ascontiguousarray(imgs), np.asarray(ys, dtype=np.int64)
