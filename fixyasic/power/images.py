"""Stimulus from dataset images: pixels streamed one per clock into a design's pixel port."""

from __future__ import annotations

import numpy as np

from .stimulus import Stimulus


def image_stream_stimulus(port: str, bits: int, dataset: str = "fashion_mnist", count: int = 2,
                          valid_port: str | None = None, reset_port: str | None = None,
                          split: str = "test") -> Stimulus:
    """Row-major pixels of `count` images, quantized to `bits` bits, on `port`; `valid_port`
    (if any) held high."""
    from ..datasets import load_dataset
    images, _ = load_dataset(dataset, split=split, limit=count)
    codes = np.clip(np.round(images.reshape(len(images), -1) * ((1 << bits) - 1)), 0, (1 << bits) - 1)
    stream = codes.astype(np.int64).reshape(-1)
    vec = {port: stream}
    if valid_port:
        vec[valid_port] = np.ones_like(stream)
    return Stimulus(vectors=vec, reset_port=reset_port,
                    source=f"{dataset} {split}[0:{count}] on {port} ({bits}-bit)")
