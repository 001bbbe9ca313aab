"""Upper-case letters A-Z rendered with the fonts bundled in matplotlib (generated, seeded).

Each image draws one letter with a random font, size, offset and rotation; train and test use
different random streams, so no image is shared."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np

from ..errors import InputError

CLASSES = list(string.ascii_uppercase)
PER_CLASS = {"train": 200, "test": 50}
FONT_FILES = [
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf",
    "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmb10.ttf",
]


def _fonts() -> list[Path]:
    try:
        import matplotlib
        from PIL import ImageFont  # noqa: F401  (Pillow comes with matplotlib)
    except ImportError as exc:
        raise InputError(f"letters need matplotlib and Pillow ({exc.name} missing): "
                         "`pip install matplotlib pillow`") from None
    root = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    fonts = [root / f for f in FONT_FILES if (root / f).is_file()]
    if len(fonts) < 4:
        raise InputError(f"matplotlib's bundled fonts not found under {root}; "
                         "reinstall matplotlib (`pip install --force-reinstall matplotlib`)")
    return fonts


def _render(ch: str, font, angle: float, dx: int, dy: int) -> np.ndarray:
    from PIL import Image, ImageDraw
    canvas = Image.new("L", (56, 56), 0)
    ImageDraw.Draw(canvas).text((28, 28), ch, fill=255, font=font, anchor="mm")
    canvas = canvas.rotate(angle, resample=Image.BILINEAR, center=(28, 28))
    box = canvas.getbbox()
    if box is None:
        raise InputError(f"font {getattr(font, 'path', font)} rendered '{ch}' as an empty image")
    # centre the glyph's bounding box, then shift by the random offset
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    left, top = int(round(cx - 14)) - dx, int(round(cy - 14)) - dy
    return np.asarray(canvas.crop((left, top, left + 28, top + 28)), dtype=np.float32) / 255.0


def load(split: str, path=None):
    from PIL import ImageFont
    fonts = _fonts()
    rng = np.random.default_rng({"train": 21, "test": 22}[split])
    cache: dict[tuple[int, int], object] = {}
    xs, ys = [], []
    for label, ch in enumerate(CLASSES):
        for _ in range(PER_CLASS[split]):
            fi, size = int(rng.integers(len(fonts))), int(rng.integers(15, 23))
            font = cache.get((fi, size))
            if font is None:
                font = cache[(fi, size)] = ImageFont.truetype(str(fonts[fi]), size)
            angle = float(rng.uniform(-15, 15))
            dx, dy = (int(v) for v in rng.integers(-2, 3, size=2))
            xs.append(_render(ch, font, angle, dx, dy))
            ys.append(label)
    return np.stack(xs)[:, None].astype(np.float32), np.asarray(ys, dtype=np.int64)
