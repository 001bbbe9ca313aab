"""Trained model -> fixyasic.qnet.FixedNetwork (the fixed first K layers as integers)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..qnet import FixedNetwork, QuantLayer
from . import checkpoint, qat
from .model import INPUT_SHAPE, Backbone


@torch.no_grad()
def fixed_network(model: Backbone, k: int, input_scale: float | None = None,
                  meta: dict[str, Any] | None = None) -> FixedNetwork:
    """The first k layers of `model` as integers.  `input_scale`, when given, states the pixel
    scale the caller expects (must be a power of two and match training)."""
    n = len(model.layers)
    if not 1 <= k <= n:
        raise InputError(f"K={k} outside 1..{n} (this model has {n} conv layers)")
    if k > model.n_quant:
        raise InputError(f"K={k}, but only the first {model.n_quant} layers of this model were trained "
                         "quantized; export K <= that, or export from the pretraining checkpoint")
    if input_scale is not None:
        f = qat.frac_bits(input_scale, "requested input scale")
        if f != model.input_frac:
            raise InputError(f"requested input scale 2**-{f} but the model was trained with "
                             f"2**-{model.input_frac}; retrain with --input-scale {input_scale}")
    layers = []
    for i, layer in enumerate(model.layers[:k]):
        s = layer.spec
        in_f, wf, of = model.in_frac(i), layer.w_frac, layer.out_frac
        w = layer.weight_codes().numpy().astype(np.int64)
        b = layer.bias_codes(in_f).numpy().astype(np.int64)
        layers.append(QuantLayer(name=s.name, kind=s.kind, in_channels=s.in_channels,
                                 out_channels=s.out_channels, kernel=s.kernel, stride=s.stride,
                                 padding=s.padding, relu=s.relu, shift=in_f + wf - of, weight=w, bias=b,
                                 in_frac_bits=in_f, weight_frac_bits=wf, out_frac_bits=of))
    net = FixedNetwork(input_shape=INPUT_SHAPE, input_frac_bits=model.input_frac, layers=layers,
                       meta=dict(meta or {}))
    net.validate()
    return net


def export_checkpoint(path: str | os.PathLike, k: int | None, out: str | os.PathLike,
                      input_scale: float | None = None) -> FixedNetwork:
    """Load a training checkpoint, export its first k layers (default: the run's K) to `out`."""
    obj = checkpoint.load(path)
    rec = obj.get("model", obj)
    model = checkpoint.build_model(rec, str(path))
    info = rec.get("info", {})
    if k is None:
        k = int(info.get("k") or info.get("default_k") or model.n_quant)
    meta = {"generator": "fixyasic.train", "checkpoint": Path(path).name,
            "checkpoint_sha256": checkpoint.file_sha256(path), "k": k,
            "torch": torch.__version__, **{key: v for key, v in info.items() if key != "k"}}
    net = fixed_network(model, k, input_scale, meta)
    net.save(out)
    return net
