"""Training checkpoints: atomic writes, clear errors for missing or corrupt files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import torch

from ..errors import InputError
from .model import Backbone, specs_from_dicts

FORMAT = "fixyasic-train-checkpoint"
VERSION = 1


def model_record(model: Backbone, **extra: Any) -> dict[str, Any]:
    """Everything needed to rebuild `model`, as plain tensors/containers (weights_only-loadable)."""
    return {"format": FORMAT, "version": VERSION, "arch": model.arch(),
            "num_classes": model.head.out_features, "input_frac": model.input_frac,
            "folded": model.folded, "n_quant": model.n_quant,
            "bn_layers": model.bn_layers() if model.folded else [],
            "state": {k: v.detach().clone() for k, v in model.state_dict().items()}, **extra}


def save(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)
    return path


def load(path: str | os.PathLike, what: str = "checkpoint") -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} not found: {path}")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated/garbled files
        msg = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{what} {path} is corrupt or not a fixyasic checkpoint ({msg}); "
                         "delete it to redo that stage") from None
    if not isinstance(obj, dict):
        raise InputError(f"{what} {path} is not a fixyasic checkpoint (holds {type(obj).__name__})")
    rec = obj.get("model", obj)
    if not isinstance(rec, dict) or rec.get("format") != FORMAT:
        raise InputError(f"{what} {path} is not a fixyasic training checkpoint (format "
                         f"{rec.get('format') if isinstance(rec, dict) else None!r})")
    if rec.get("version") != VERSION:
        raise InputError(f"{what} {path}: checkpoint version {rec.get('version')} unsupported "
                         f"(this fixyasic reads {VERSION})")
    return obj


def build_model(rec: dict[str, Any], where: str = "checkpoint") -> Backbone:
    """Rebuild a Backbone from model_record() output."""
    try:
        specs = specs_from_dicts(rec["arch"])
        model = Backbone(specs, int(rec["num_classes"]), int(rec["input_frac"]), folded=bool(rec["folded"]))
        if model.folded:  # float layers retrained per target carry BatchNorm again
            for i in rec.get("bn_layers", []):
                model.layers[int(i)].add_bn()
        model.load_state_dict(rec["state"])
    except (KeyError, TypeError, RuntimeError) as exc:
        msg = str(exc).strip().splitlines()[0][:200]
        raise InputError(f"{where}: model record incomplete or mismatched ({msg})") from None
    model.set_quantized(int(rec.get("n_quant", 0)))
    return model


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
