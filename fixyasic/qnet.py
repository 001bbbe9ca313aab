"""The fixed-layer file and its bit-exact integer reference.

This is the hand-off between the training side and every hardware generator: the
quantized first K layers of a CNN as plain integers.  Nothing downstream needs PyTorch.

Arithmetic (what the RTL, the baseline and the PyTorch quantized path all compute):

* activations are int8; the input image is int8 with ``input.frac_bits`` fractional bits
  (pixels in [0, 1] become ``clamp(floor(p * 2**f + 0.5), lo, 127)``);
* each layer accumulates ``acc = sum(w * x) + bias`` exactly (int8 weights, int32 bias);
* requantization is an arithmetic right shift with round-half-up and saturation:
  ``y = clamp((acc + (1 << (shift - 1))) >> shift, lo, 127)`` (no rounding term when
  ``shift == 0``), with ``lo = 0`` when the layer has ReLU and ``-128`` otherwise;
* ``shift = in_frac_bits + weight_frac_bits - out_frac_bits`` (power-of-two scales).

File format (version 1): one ``.npz`` holding ``header`` (UTF-8 JSON as uint8 bytes) and
``layer{i}.weight`` (int8, [out, in/groups, k, k]) / ``layer{i}.bias`` (int32, [out]).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError

FORMAT_NAME = "fixyasic-fixed-layers"
FORMAT_VERSION = 1
LAYER_KINDS = ("conv", "dwconv", "pwconv")
INT8_MIN, INT8_MAX = -128, 127
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


@dataclass
class QuantLayer:
    """One fixed convolution layer with integer weights.

    kind: ``conv`` (dense KxK, groups=1), ``dwconv`` (depthwise KxK, groups=channels)
    or ``pwconv`` (pointwise 1x1).
    """

    name: str
    kind: str
    in_channels: int
    out_channels: int
    kernel: int
    stride: int
    padding: int
    relu: bool
    shift: int
    weight: np.ndarray  # int8 [out, in/groups, k, k]
    bias: np.ndarray  # int32 [out]
    in_frac_bits: int = 0
    weight_frac_bits: int = 0
    out_frac_bits: int = 0

    @property
    def groups(self) -> int:
        return self.in_channels if self.kind == "dwconv" else 1

    def out_hw(self, h: int, w: int) -> tuple[int, int]:
        oh = (h + 2 * self.padding - self.kernel) // self.stride + 1
        ow = (w + 2 * self.padding - self.kernel) // self.stride + 1
        return oh, ow

    def macs(self, h: int, w: int) -> int:
        """Dense multiply-accumulates for an input of h x w (zeros counted)."""
        oh, ow = self.out_hw(h, w)
        return int(oh * ow * self.weight.size)

    def nonzero_weights(self) -> int:
        return int(np.count_nonzero(self.weight))

    def header(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k not in ("weight", "bias")}
        d["relu"] = bool(self.relu)
        return d

    def validate(self) -> None:
        where = f"layer '{self.name}'"
        if self.kind not in LAYER_KINDS:
            raise InputError(f"{where}: unsupported layer kind '{self.kind}' "
                             f"(supported: {', '.join(LAYER_KINDS)})")
        if self.kind == "pwconv" and (self.kernel != 1 or self.padding != 0):
            raise InputError(f"{where}: pwconv needs kernel=1, padding=0")
        if self.kind == "dwconv" and self.in_channels != self.out_channels:
            raise InputError(f"{where}: dwconv needs in_channels == out_channels "
                             f"(got {self.in_channels} -> {self.out_channels})")
        if self.kernel < 1 or self.stride < 1 or self.padding < 0:
            raise InputError(f"{where}: kernel/stride must be >= 1 and padding >= 0")
        if self.shift < 0:
            raise InputError(f"{where}: requantization shift {self.shift} < 0 "
                             "(output needs more fractional bits than input x weight)")
        if self.shift > 31:
            raise InputError(f"{where}: requantization shift {self.shift} > 31")
        want = (self.out_channels, self.in_channels // self.groups, self.kernel, self.kernel)
        if tuple(self.weight.shape) != want:
            raise InputError(f"{where}: weight shape {tuple(self.weight.shape)}, expected {want}")
        if tuple(self.bias.shape) != (self.out_channels,):
            raise InputError(f"{where}: bias shape {tuple(self.bias.shape)}, "
                             f"expected ({self.out_channels},)")
        w = np.asarray(self.weight)
        if not np.issubdtype(w.dtype, np.integer) or w.min(initial=0) < INT8_MIN or w.max(initial=0) > INT8_MAX:
            raise InputError(f"{where}: weights must be integers in int8 range "
                             f"[{INT8_MIN}, {INT8_MAX}] (got {w.dtype}, "
                             f"range [{w.min(initial=0)}, {w.max(initial=0)}])")
        b = np.asarray(self.bias)
        if not np.issubdtype(b.dtype, np.integer) or b.min(initial=0) < INT32_MIN or b.max(initial=0) > INT32_MAX:
            raise InputError(f"{where}: biases must be integers in int32 range")


@dataclass
class FixedNetwork:
    """The fixed feature extractor: input quantization plus an ordered list of layers."""

    input_shape: tuple[int, int, int]  # (C, H, W)
    input_frac_bits: int
    layers: list[QuantLayer]
    input_signed: bool = False  # unsigned pixels use [0, 127]
    meta: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- shapes
    def shapes(self) -> list[tuple[int, int, int]]:
        """Activation shapes (C, H, W): input first, then after each layer."""
        c, h, w = self.input_shape
        out = [(c, h, w)]
        for layer in self.layers:
            h, w = layer.out_hw(h, w)
            c = layer.out_channels
            out.append((c, h, w))
        return out

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return self.shapes()[-1]

    def macs_per_inference(self) -> int:
        """Dense MACs (zero weights counted); ops = 2 x this."""
        total = 0
        for layer, (_, h, w) in zip(self.layers, self.shapes()):
            total += layer.macs(h, w)
        return total

    def nonzero_weights(self) -> int:
        return sum(layer.nonzero_weights() for layer in self.layers)

    def validate(self) -> None:
        if len(self.input_shape) != 3 or min(self.input_shape) < 1:
            raise InputError(f"input shape must be (C, H, W) with positive sizes, got {self.input_shape}")
        if not self.layers:
            raise InputError("fixed network has no layers")
        c, h, w = self.input_shape
        names = set()
        for layer in self.layers:
            layer.validate()
            if layer.name in names:
                raise InputError(f"duplicate layer name '{layer.name}'")
            names.add(layer.name)
            if layer.in_channels != c:
                raise InputError(f"layer '{layer.name}': expects {layer.in_channels} input channels "
                                 f"but the previous stage produces {c} (shapes do not chain)")
            h, w = layer.out_hw(h, w)
            if h < 1 or w < 1:
                raise InputError(f"layer '{layer.name}': output would be {h}x{w} (input too small)")
            c = layer.out_channels

    # ------------------------------------------------------------ arithmetic
    def quantize_input(self, pixels: np.ndarray) -> np.ndarray:
        """Float pixels in [0, 1] (or signed range) -> int8 input codes."""
        lo = INT8_MIN if self.input_signed else 0
        q = np.floor(np.asarray(pixels, dtype=np.float64) * (1 << self.input_frac_bits) + 0.5)
        return np.clip(q, lo, INT8_MAX).astype(np.int64)

    def forward(self, x: np.ndarray, upto: int | None = None, return_all: bool = False):
        """Integer forward pass. ``x``: int [N, C, H, W] or [C, H, W] input codes.

        Returns the int64 output of layer ``upto`` (default: the last), or every
        layer's output when ``return_all``."""
        x = np.asarray(x)
        single = x.ndim == 3
        if single:
            x = x[None]
        if x.ndim != 4 or tuple(x.shape[1:]) != tuple(self.input_shape):
            raise InputError(f"input shape {tuple(x.shape)} does not match network input "
                             f"(N, {', '.join(map(str, self.input_shape))})")
        if not np.issubdtype(x.dtype, np.integer):
            raise InputError("integer forward needs integer input codes; use quantize_input() first")
        outs = []
        a = x.astype(np.int64)
        n_layers = len(self.layers) if upto is None else upto + 1
        for layer in self.layers[:n_layers]:
            a = layer_forward(layer, a)
            outs.append(a)
        if return_all:
            return [o[0] for o in outs] if single else outs
        return a[0] if single else a

    # -------------------------------------------------------------- file I/O
    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "input": {"shape": list(self.input_shape), "frac_bits": self.input_frac_bits,
                      "signed": bool(self.input_signed)},
            "layers": [layer.header() for layer in self.layers],
            "meta": self.meta,
        }

    def digest(self) -> str:
        """sha256 over the canonical header and all integer arrays."""
        h = hashlib.sha256()
        hdr = self.header()
        hdr.pop("meta")
        h.update(json.dumps(hdr, sort_keys=True).encode())
        for layer in self.layers:
            h.update(np.ascontiguousarray(layer.weight, dtype=np.int8).tobytes())
            h.update(np.ascontiguousarray(layer.bias, dtype="<i4").tobytes())
        return h.hexdigest()

    def save(self, path: str | os.PathLike) -> Path:
        """Write atomically (tmp file + rename) so a crash never leaves a valid-looking file."""
        self.validate()
        path = Path(path)
        arrays: dict[str, np.ndarray] = {}
        hdr = self.header()
        hdr["sha256"] = self.digest()
        arrays["header"] = np.frombuffer(json.dumps(hdr, indent=1, sort_keys=True).encode(), dtype=np.uint8)
        for i, layer in enumerate(self.layers):
            arrays[f"layer{i}.weight"] = np.asarray(layer.weight, dtype=np.int8)
            arrays[f"layer{i}.bias"] = np.asarray(layer.bias, dtype=np.int32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
        except OSError as exc:
            raise InputError(f"cannot write fixed-layer file {path}: {exc.strerror or exc}") from None
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FixedNetwork":
        path = Path(path)
        if not path.is_file():
            raise InputError(f"fixed-layer file not found: {path}")
        try:
            with np.load(path, allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise InputError(f"{path}: not a readable fixed-layer file (corrupt or truncated: {exc})") from None
        if "header" not in data:
            raise InputError(f"{path}: no header; not a fixyasic fixed-layer file")
        try:
            hdr = json.loads(bytes(data["header"]).decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: header is not valid JSON ({exc})") from None
        if hdr.get("format") != FORMAT_NAME:
            raise InputError(f"{path}: format '{hdr.get('format')}' is not '{FORMAT_NAME}'")
        if hdr.get("version") != FORMAT_VERSION:
            raise InputError(f"{path}: format version {hdr.get('version')} is not supported "
                             f"(this fixyasic reads version {FORMAT_VERSION})")
        try:
            layers = []
            for i, lh in enumerate(hdr["layers"]):
                w, b = data[f"layer{i}.weight"], data[f"layer{i}.bias"]
                layers.append(QuantLayer(weight=w.astype(np.int64), bias=b.astype(np.int64), **lh))
            net = cls(input_shape=tuple(hdr["input"]["shape"]), input_frac_bits=int(hdr["input"]["frac_bits"]),
                      input_signed=bool(hdr["input"].get("signed", False)), layers=layers,
                      meta=hdr.get("meta", {}))
        except (KeyError, TypeError) as exc:
            raise InputError(f"{path}: header or arrays incomplete ({exc})") from None
        net.validate()
        if hdr.get("sha256") and hdr["sha256"] != net.digest():
            raise InputError(f"{path}: content hash mismatch (file modified or corrupt)")
        return net

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, header=np.frombuffer(json.dumps(self.header()).encode(), dtype=np.uint8))
        return buf.getvalue()


def requantize(acc: np.ndarray, shift: int, relu: bool) -> np.ndarray:
    """Arithmetic shift right with round-half-up, then saturate to int8 (or [0,127] with ReLU)."""
    acc = np.asarray(acc, dtype=np.int64)
    if shift > 0:
        acc = (acc + (1 << (shift - 1))) >> shift
    return np.clip(acc, 0 if relu else INT8_MIN, INT8_MAX)


def layer_accumulate(layer: QuantLayer, x: np.ndarray) -> np.ndarray:
    """Exact int64 accumulator (sum w*x + bias) of one layer for x: [N, C, H, W]."""
    n, c, h, w = x.shape
    k, s, p = layer.kernel, layer.stride, layer.padding
    oh, ow = layer.out_hw(h, w)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
    wt = np.asarray(layer.weight, dtype=np.int64)
    acc = np.zeros((n, layer.out_channels, oh, ow), dtype=np.int64)
    for dy in range(k):
        for dx in range(k):
            patch = xp[:, :, dy:dy + s * (oh - 1) + 1:s, dx:dx + s * (ow - 1) + 1:s]
            if layer.kind == "dwconv":
                acc += patch * wt[None, :, 0, dy, dx, None, None]
            else:
                acc += np.einsum("nchw,oc->nohw", patch, wt[:, :, dy, dx])
    acc += np.asarray(layer.bias, dtype=np.int64)[None, :, None, None]
    return acc


def layer_forward(layer: QuantLayer, x: np.ndarray) -> np.ndarray:
    return requantize(layer_accumulate(layer, x), layer.shift, layer.relu)
