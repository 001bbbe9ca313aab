"""Fashion-MNIST from Debian's dataset-fashion-mnist (idx files, gzip)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ._common import to_float_images

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
           "ankle-boot"]
HINT = ("install it with `sudo apt-get install dataset-fashion-mnist` or set FIXYASIC_FASHION_MNIST_DIR "
        "to a folder holding the four *-idx*-ubyte.gz files")


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """idx format: 2 zero bytes, dtype code 0x08 (uint8), ndim, big-endian int32 dims, data."""
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise InputError(f"Fashion-MNIST file {path} is unreadable ({exc}); {HINT}") from None
    if len(raw) < 4 + 4 * ndim or raw[0:2] != b"\0\0" or raw[2] != 0x08 or raw[3] != ndim:
        raise InputError(f"{path}: not an idx{ndim} uint8 file; {HINT}")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise InputError(f"{path}: truncated ({data.size} bytes of data, header says {dims})")
    return data.reshape(dims)


def load(split: str, path: str | os.PathLike | None = None):
    root = Path(path or os.environ.get("FIXYASIC_FASHION_MNIST_DIR") or DEFAULT_DIR)
    img_name, lab_name = FILES[split]
    for name in (img_name, lab_name):
        if not (root / name).is_file():
            raise InputError(f"Fashion-MNIST not found ({root / name} missing); {HINT}")
    images = _read_idx(root / img_name, 3)
    labels = _read_idx(root / lab_name, 1).astype(np.int64)
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise InputError(f"Fashion-MNIST in {root}: image/label files do not match "
                         f"({images.shape} vs {labels.shape})")
    return to_float_images(images), labels
