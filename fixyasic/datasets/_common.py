"""Shared helpers for the dataset loaders: validation, fixed splits, subsets."""

from __future__ import annotations

import numpy as np

from ..errors import InputError

IMAGE_SHAPE = (1, 28, 28)
SPLITS = ("train", "test")
# Splits of single-pool sources use this seed, never the caller's: a test image must never
# move into the training set because someone changed `seed`.
SPLIT_SEED = 20240601


def check_split(split: str) -> None:
    if split not in SPLITS:
        raise InputError(f"unknown split '{split}' (use one of: {', '.join(SPLITS)})")


def fixed_split(n: int, split: str, test_fraction: float = 0.2, salt: int = 0) -> np.ndarray:
    """Indices of a deterministic train/test split of n items."""
    perm = np.random.default_rng(SPLIT_SEED + salt).permutation(n)
    n_test = int(round(n * test_fraction))
    idx = perm[:n_test] if split == "test" else perm[n_test:]
    return np.sort(idx)


def validate(name: str, images: np.ndarray, labels: np.ndarray, n_classes: int) -> None:
    """Raise InputError unless images are float32 [N,1,28,28] in [0,1] and labels int64 in range."""
    where = f"dataset '{name}'"
    if images.ndim != 4 or tuple(images.shape[1:]) != IMAGE_SHAPE:
        raise InputError(f"{where}: images have shape {tuple(images.shape)}, expected (N, 1, 28, 28)")
    if images.shape[0] == 0:
        raise InputError(f"{where}: no images")
    if labels.shape != (images.shape[0],):
        raise InputError(f"{where}: {images.shape[0]} images but labels of shape {tuple(labels.shape)}")
    if images.dtype != np.float32 or labels.dtype != np.int64:
        raise InputError(f"{where}: dtypes {images.dtype}/{labels.dtype}, expected float32/int64")
    if not np.isfinite(images).all() or images.min() < 0.0 or images.max() > 1.0:
        raise InputError(f"{where}: pixel values outside [0, 1]")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise InputError(f"{where}: labels outside [0, {n_classes - 1}] "
                         f"(found [{labels.min()}, {labels.max()}])")


def take_subset(images: np.ndarray, labels: np.ndarray, limit: int | None, seed: int):
    """A seeded random subset of `limit` items (all items, in order, when limit is None)."""
    if limit is None or limit >= len(labels):
        return images.copy(), labels.copy()
    if limit < 1:
        raise InputError(f"limit must be a positive number of images, got {limit}")
    idx = np.random.default_rng(seed).permutation(len(labels))[:limit]
    return images[idx].copy(), labels[idx].copy()


def to_float_images(u8: np.ndarray) -> np.ndarray:
    """uint8 [N,28,28] -> float32 [N,1,28,28] in [0,1]."""
    return (np.asarray(u8, dtype=np.float32) / 255.0)[:, None, :, :]
