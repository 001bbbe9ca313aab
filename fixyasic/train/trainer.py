"""Pretraining on the source dataset and per-target transfer (fixed K layers vs fully trainable).

A run directory holds config.json, one final checkpoint per finished stage and a partial
checkpoint per unfinished stage (written after every epoch), so an interrupted run resumes
where it stopped.  Seeds fix initialisation and the data order; with the same thread count
a run is reproducible.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import datasets
from ..errors import InputError
from . import checkpoint, qat
from .model import Backbone, get_preset

MODES = ("fixed", "full")


@dataclass
class TrainConfig:
    preset: str = "default"
    ks: list[int] = field(default_factory=list)  # empty: the preset's default K
    source: str = datasets.SOURCE
    targets: list[str] = field(default_factory=lambda: list(datasets.TARGETS))
    source_limit: int | None = None
    target_limit: int | None = None
    test_limit: int | None = None
    float_epochs: int = 5
    qat_epochs: int = 1
    target_epochs: int = 10
    min_target_steps: int = 600  # small targets get more epochs so every target sees enough updates
    batch_size: int = 128
    lr: float = 2e-3
    qat_lr: float = 5e-4
    target_lr: float = 3e-3
    augment: bool = True  # random +-2 pixel shifts while training targets
    input_scale: float = 2.0 ** -7
    calib_images: int = 2000
    calib_percentile: float = 99.99
    seed: int = 0
    threads: int = 1

    def validate(self) -> None:
        preset = get_preset(self.preset)
        qat.frac_bits(self.input_scale, "input scale")
        n = len(preset.layers())
        for k in self.ks:
            if not 1 <= k <= n:
                raise InputError(f"K={k} outside 1..{n} (preset '{self.preset}' has {n} conv layers)")
        for name in [self.source, *self.targets]:
            if not name.startswith(datasets.FOLDER_PREFIX) and name not in datasets.list_datasets():
                raise InputError(f"unknown dataset '{name}' (known: {', '.join(datasets.list_datasets())})")
        for key in ("float_epochs", "target_epochs", "batch_size", "threads"):
            if getattr(self, key) < 1:
                raise InputError(f"{key} must be >= 1")

    @property
    def k_values(self) -> list[int]:
        return list(self.ks) or [get_preset(self.preset).default_k]

    def pretrain_key(self) -> dict:
        keep = ("preset", "source", "source_limit", "float_epochs", "qat_epochs", "batch_size", "lr",
                "qat_lr", "input_scale", "calib_images", "calib_percentile", "seed")
        return {k: getattr(self, k) for k in keep}

    def target_key(self) -> dict:
        keep = ("target_limit", "test_limit", "target_epochs", "min_target_steps", "target_lr", "augment")
        return {**self.pretrain_key(), **{k: getattr(self, k) for k in keep}}


# ------------------------------------------------------------------------------- helpers
def _log(msg: str) -> None:
    tqdm.write(msg)


def accuracy(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, y: torch.Tensor,
             batch: int = 512) -> float:
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            correct += int((fn(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    return correct / len(y)


def shift_augment(x: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Translate each image by a random whole number of pixels (zero fill), seeded by `gen`."""
    n, c, h, w = x.shape
    pad = F.pad(x, (max_shift,) * 4)
    off = torch.randint(0, 2 * max_shift + 1, (2, n), generator=gen)
    rows = (off[0][:, None] + torch.arange(h))[:, None, :, None]
    cols = (off[1][:, None] + torch.arange(w))[:, None, None, :]
    return pad[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols]


def fit(model: Backbone, params, step_fn: Callable[[torch.Tensor], torch.Tensor],
        x: torch.Tensor, y: torch.Tensor, epochs: int, lr: float, batch: int, seed: int,
        partial: Path, desc: str, extra: dict | None = None, augment: bool = False) -> None:
    """Adam + cosine schedule; checkpoint after every epoch into `partial` and resume from it.
    Data order and augmentation are seeded per epoch, so a resumed run matches an uninterrupted one."""
    params = list(params)
    opt = torch.optim.Adam(params, lr=lr)
    steps_per_epoch = math.ceil(len(y) / batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs * steps_per_epoch))
    start = 0
    if partial.exists():
        obj = checkpoint.load(partial, "partial checkpoint")
        if obj.get("desc") != desc:
            raise InputError(f"partial checkpoint {partial} belongs to '{obj.get('desc')}', not '{desc}'; "
                             "delete it")
        model.load_state_dict(obj["model"]["state"])
        opt.load_state_dict(obj["opt"])
        sched.load_state_dict(obj["sched"])
        start = int(obj["epoch"]) + 1
        _log(f"[{desc}] resuming after epoch {start}/{epochs}")
    for epoch in range(start, epochs):
        model.train()
        order = torch.from_numpy(np.random.default_rng([seed, epoch]).permutation(len(y)))
        gen = torch.Generator().manual_seed(seed * 100_003 + epoch)
        total, n = 0.0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"{desc} {epoch + 1}/{epochs}", leave=False,
                   mininterval=2.0, unit="batch")
        for s in bar:
            idx = order[s * batch:(s + 1) * batch]
            xb = shift_augment(x[idx], gen) if augment else x[idx]
            loss = F.cross_entropy(step_fn(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        bar.close()
        _log(f"[{desc}] epoch {epoch + 1}/{epochs} loss {total / n:.4f}")
        checkpoint.save({"model": checkpoint.model_record(model, **(extra or {})), "opt": opt.state_dict(),
                         "sched": sched.state_dict(), "epoch": epoch, "desc": desc}, partial)


def _tensors(name: str, split: str, limit: int | None, seed: int):
    x, y = datasets.load_dataset(name, split, limit=limit, seed=seed)
    return torch.from_numpy(x), torch.from_numpy(y)


def _target_epochs(cfg: TrainConfig, n: int) -> int:
    steps = math.ceil(n / cfg.batch_size)
    return max(cfg.target_epochs, math.ceil(cfg.min_target_steps / steps))


# --------------------------------------------------------------------------------- runs
class Run:
    """One run directory: pretraining, then (target, K, mode) stages."""

    def __init__(self, run_dir: str | os.PathLike, cfg: TrainConfig):
        cfg.validate()
        self.dir = Path(run_dir)
        self.cfg = cfg
        self.dir.mkdir(parents=True, exist_ok=True)
        cfg_file = self.dir / "config.json"
        if cfg_file.exists():
            try:
                old = json.loads(cfg_file.read_text())
            except json.JSONDecodeError as exc:
                raise InputError(f"{cfg_file} is corrupt ({exc}); delete the run directory") from None
            if old.get("target_key") != _jsonable(cfg.target_key()):
                raise InputError(f"run directory {self.dir} was made with different training settings "
                                 f"({cfg_file}); use another --run-dir or the same settings")
        tmp = cfg_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"config": asdict(cfg), "target_key": _jsonable(cfg.target_key())}, indent=1))
        os.replace(tmp, cfg_file)
        torch.set_num_threads(cfg.threads)

    @property
    def pretrain_path(self) -> Path:
        return self.dir / "pretrain.pt"

    def stage_path(self, target: str, k: int, mode: str) -> Path:
        safe = target.replace(os.sep, "_").replace(":", "_")
        return self.dir / "targets" / f"{safe}_k{k}_{mode}.pt"

    # ---------------------------------------------------------------------- pretraining
    def pretrain(self) -> Backbone:
        if self.pretrain_path.exists():
            return checkpoint.build_model(checkpoint.load(self.pretrain_path, "pretraining checkpoint"),
                                          str(self.pretrain_path))
        cfg, t0 = self.cfg, time.time()
        preset = get_preset(cfg.preset)
        xtr, ytr = _tensors(cfg.source, "train", cfg.source_limit, cfg.seed)
        xte, yte = _tensors(cfg.source, "test", cfg.test_limit, cfg.seed)
        info = {"stage": "pretrain", "preset": cfg.preset, "default_k": preset.default_k,
                "dataset": cfg.source, "seed": cfg.seed}
        float_part = self.dir / "partial" / "pretrain_float.pt"
        qat_part = self.dir / "partial" / "pretrain_qat.pt"

        torch.manual_seed(cfg.seed)
        model = Backbone(preset.layers(), datasets.num_classes(cfg.source), qat.frac_bits(cfg.input_scale))
        if not qat_part.exists():
            fit(model, model.parameters(), model, xtr, ytr, cfg.float_epochs, cfg.lr, cfg.batch_size,
                cfg.seed, float_part, "pretrain float", {"info": info})
            float_acc = accuracy(model.eval(), xte, yte)
            _log(f"[pretrain] float accuracy on {cfg.source} test: {float_acc:.4f}")
            model.fold_bn()
            model.calibrate(xtr[:cfg.calib_images], cfg.calib_percentile)
            info["float_test_acc"] = float_acc
        else:  # resuming inside QAT: the partial checkpoint has the folded, calibrated model
            model.fold_bn()
        model.set_quantized(len(model.layers))
        if cfg.qat_epochs:
            if qat_part.exists():
                info = checkpoint.load(qat_part)["model"].get("info", info)
            fit(model, model.parameters(), model, xtr, ytr, cfg.qat_epochs, cfg.qat_lr, cfg.batch_size,
                cfg.seed + 1, qat_part, "pretrain qat", {"info": info})
        acc = accuracy(model.eval(), xte, yte)
        _log(f"[pretrain] int8 accuracy on {cfg.source} test: {acc:.4f} ({time.time() - t0:.0f} s)")
        info.update(source_test_acc=acc, seconds=round(time.time() - t0, 1))
        checkpoint.save(checkpoint.model_record(model, info=info), self.pretrain_path)
        float_part.unlink(missing_ok=True)
        qat_part.unlink(missing_ok=True)
        return model

    # ------------------------------------------------------------------------- transfer
    def transfer(self, target: str, k: int, mode: str) -> dict:
        """Train `target` with the first k layers fixed ('fixed') or everything trainable ('full')."""
        if mode not in MODES:
            raise InputError(f"unknown mode '{mode}' (use {' or '.join(MODES)})")
        final = self.stage_path(target, k, mode)
        if final.exists():
            return checkpoint.load(final)["result"]
        cfg, t0 = self.cfg, time.time()
        pre = self.pretrain()
        model = checkpoint.build_model(checkpoint.model_record(pre))
        model.new_head(datasets.num_classes(target), cfg.seed)
        model.set_quantized(k)
        xtr, ytr = _tensors(target, "train", cfg.target_limit, cfg.seed)
        xte, yte = _tensors(target, "test", cfg.test_limit, cfg.seed)
        epochs = _target_epochs(cfg, len(ytr))
        desc = f"{target} K={k} {mode}"
        info = {"stage": f"transfer-{mode}", "preset": cfg.preset, "k": k, "dataset": target,
                "source": cfg.source, "seed": cfg.seed}
        partial = self.dir / "partial" / final.name
        torch.manual_seed(cfg.seed)
        model.add_bn_from(k, xtr[:cfg.calib_images])
        if mode == "fixed":
            for layer in model.layers[:k]:
                layer.exact = True  # frozen: run the exact integer arithmetic, no STE needed
                for p in layer.parameters():
                    p.requires_grad_(False)

            def step(xb: torch.Tensor) -> torch.Tensor:
                with torch.no_grad():
                    feats = model.features(xb, k)
                return model.classify(feats, k)

            trainable = [p for p in model.parameters() if p.requires_grad]
            fit(model, trainable, step, xtr, ytr, epochs, cfg.target_lr, cfg.batch_size, cfg.seed + 2,
                partial, desc, {"info": info}, augment=cfg.augment)
        else:
            fit(model, model.parameters(), model, xtr, ytr, epochs, cfg.target_lr, cfg.batch_size,
                cfg.seed + 2, partial, desc, {"info": info}, augment=cfg.augment)
        acc = accuracy(model.eval(), xte, yte)
        result = {"dataset": target, "k": k, "mode": mode, "accuracy": acc, "epochs": epochs,
                  "train_images": len(ytr), "test_images": len(yte), "seconds": round(time.time() - t0, 1)}
        _log(f"[{desc}] test accuracy {acc:.4f} ({result['seconds']:.0f} s)")
        checkpoint.save(checkpoint.model_record(model, info=info) | {"result": result}, final)
        partial.unlink(missing_ok=True)
        return result

    def run_all(self) -> list[dict]:
        self.pretrain()
        out = []
        for target in self.cfg.targets:
            for k in self.cfg.k_values:
                for mode in MODES:
                    out.append(self.transfer(target, k, mode))
        return out


def _jsonable(d: dict) -> dict:
    return json.loads(json.dumps(d))
