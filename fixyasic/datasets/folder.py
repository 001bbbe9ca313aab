"""A user's own images: one subfolder per class (torchvision ImageFolder layout), read with Pillow.

If the folder holds `train/` and `test/` subfolders they are the splits; otherwise each class
is split 80/20 with a fixed seed.  Images become 28x28 grayscale in [0, 1]."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ._common import fixed_split

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}
LAYOUT = "expected one subfolder per class, each holding images (" + ", ".join(sorted(EXTENSIONS)) + ")"


def _root(path: str) -> Path:
    root = Path(path).expanduser()
    if not root.is_dir():
        raise InputError(f"dataset folder {root} does not exist")
    return root


def _split_roots(root: Path, split: str) -> tuple[Path, bool]:
    """(folder holding the class subfolders, whether it is already the requested split)."""
    if (root / "train").is_dir() and (root / "test").is_dir():
        return root / split, True
    return root, False


def class_names(path: str) -> list[str]:
    base, _ = _split_roots(_root(path), "train")
    classes = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise InputError(f"dataset folder {base} is empty: {LAYOUT}")
    return classes


def _read(f: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(f) as im:
            im = im.convert("L").resize((28, 28), Image.BILINEAR)
            return np.asarray(im, dtype=np.float32) / 255.0
    except (OSError, UnidentifiedImageError) as exc:
        raise InputError(f"cannot read image {f}: {exc}") from None


def load(split: str, path: str):
    root = _root(path)
    classes = class_names(path)
    base, presplit = _split_roots(root, split)
    xs, ys = [], []
    for label, cls in enumerate(classes):
        d = base / cls
        files = sorted(f for f in d.iterdir() if f.suffix.lower() in EXTENSIONS) if d.is_dir() else []
        if not files:
            raise InputError(f"class folder {d} is empty: {LAYOUT}")
        if not presplit:
            if len(files) < 2:
                raise InputError(f"class folder {d} has 1 image; need >= 2 to split train/test "
                                 "(or provide train/ and test/ subfolders)")
            files = [files[i] for i in fixed_split(len(files), split, salt=label)]
        for f in files:
            xs.append(_read(f))
            ys.append(label)
    return np.stack(xs)[:, None].astype(np.float32), np.asarray(ys, dtype=np.int64)
