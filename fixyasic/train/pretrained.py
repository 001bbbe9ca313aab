"""A real trained FixedNetwork on demand: pretrain (seeded) once, export, cache the file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..qnet import FixedNetwork
from .model import get_preset

# Pretraining recipes. 'default' is exactly the benchmark's pretraining (benchmarks/bench_transfer.py).
RECIPES: dict[str, dict] = {
    "tiny": {"source_limit": 10000, "test_limit": 2000, "float_epochs": 4, "qat_epochs": 1, "batch_size": 64,
             "lr": 5e-3},
    "default": {},
}


def default_cache_dir() -> Path:
    return Path(os.environ.get("FIXYASIC_CACHE_DIR") or Path.home() / ".cache" / "fixyasic")


def recipe(preset: str):
    from .trainer import TrainConfig
    get_preset(preset)
    return TrainConfig(preset=preset, targets=[], **RECIPES.get(preset, {}))


def pretrained_fixed_network(preset: str = "tiny", k: int | None = None,
                             cache_dir: str | os.PathLike | None = None) -> FixedNetwork:
    """The first k layers (default: the preset's K) of a backbone pretrained on Fashion-MNIST.

    Trains deterministically (seeded, 1 thread) on first use and caches both the training
    checkpoint and the exported .npz under cache_dir (default $FIXYASIC_CACHE_DIR or
    ~/.cache/fixyasic); later calls just load the file."""
    cfg = recipe(preset)
    k = get_preset(preset).default_k if k is None else int(k)
    key = hashlib.sha256(json.dumps(cfg.pretrain_key(), sort_keys=True).encode()).hexdigest()[:10]
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    run_dir = root / "pretrained" / f"{preset}-{key}"
    out = run_dir / f"fixed_k{k}.npz"
    if out.exists():
        return FixedNetwork.load(out)
    from .export import export_checkpoint
    from .trainer import Run
    run = Run(run_dir, cfg)
    run.pretrain()
    return export_checkpoint(run.pretrain_path, k, out)
