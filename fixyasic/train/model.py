"""MobileNet-style backbone whose first K conv layers can run as exact int8 arithmetic.

Layers: a dense 3x3 conv stem, then depthwise-separable blocks (depthwise 3x3 + pointwise
1x1), each followed by BatchNorm (folded into the conv before quantization) and ReLU; then
global average pooling and a linear classifier.  K counts conv layers: stem = 1, every
depthwise and every pointwise layer = 1 each.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError
from . import qat

KINDS = {"conv": (3, 1), "dwconv": (3, 1), "pwconv": (1, 0)}  # kind -> (kernel, padding)
INPUT_SHAPE = (1, 28, 28)


@dataclass(frozen=True)
class LayerSpec:
    name: str
    kind: str
    in_channels: int
    out_channels: int
    stride: int = 1
    relu: bool = True

    @property
    def kernel(self) -> int:
        return KINDS[self.kind][0]

    @property
    def padding(self) -> int:
        return KINDS[self.kind][1]

    @property
    def groups(self) -> int:
        return self.in_channels if self.kind == "dwconv" else 1

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"layer '{self.name}': unknown layer type '{self.kind}' "
                             f"(supported: {', '.join(KINDS)})")
        if self.stride not in (1, 2):
            raise InputError(f"layer '{self.name}': stride {self.stride} not supported (use 1 or 2)")
        if self.in_channels < 1 or self.out_channels < 1:
            raise InputError(f"layer '{self.name}': channel counts must be >= 1")
        if self.kind == "dwconv" and self.in_channels != self.out_channels:
            raise InputError(f"layer '{self.name}': dwconv needs in == out channels")
        if self.kind == "pwconv" and self.stride != 1:
            raise InputError(f"layer '{self.name}': pwconv must have stride 1")


@dataclass(frozen=True)
class Preset:
    """stem = (channels, stride); blocks = ((channels, depthwise stride), ...)."""

    name: str
    stem: tuple[int, int]
    blocks: tuple[tuple[int, int], ...]
    default_k: int
    note: str = ""

    def layers(self) -> list[LayerSpec]:
        return mobilenet_specs(self.stem, self.blocks)


PRESETS: dict[str, Preset] = {p.name: p for p in [
    # `fixyasic run --config lite`: ~8-9k cells per design (tiny's ~33k are far beyond qrouter in
    # CI); both route, the baseline in ~10 min (docs/flow.md)
    Preset("lite", (3, 2), ((6, 1), (12, 2), (24, 1)), 3, "CI tapeout-lite: 3 fixed layers, ~70 weights"),
    Preset("tiny", (4, 2), ((8, 1), (16, 2), (32, 1)), 5, "~300 fixed weights at K=5 (~33k cells)"),
    # few, wide fixed layers at full resolution transfer better than many narrow ones
    Preset("default", (16, 1), ((48, 2), (64, 1), (64, 2), (128, 1), (128, 2)), 3,
           "~1k fixed weights at K=3: sky130 logic that builds on 2 cores"),
    Preset("large", (32, 1), ((64, 2), (128, 1), (128, 2), (256, 1), (256, 2)), 5,
           "scale run: ~11k fixed weights at K=5"),
    Preset("xlarge", (32, 1), ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (256, 1)), 7,
           "scale run: ~29k fixed weights at K=7"),
]}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(f"unknown preset '{name}' (known: {', '.join(PRESETS)})") from None


def mobilenet_specs(stem: tuple[int, int], blocks) -> list[LayerSpec]:
    c, s = stem
    specs = [LayerSpec("conv0", "conv", INPUT_SHAPE[0], c, s)]
    for i, (cout, stride) in enumerate(blocks, start=1):
        specs.append(LayerSpec(f"dw{i}", "dwconv", c, c, stride))
        specs.append(LayerSpec(f"pw{i}", "pwconv", c, cout, 1))
        c = cout
    return specs


def specs_from_dicts(items: list[dict]) -> list[LayerSpec]:
    """Architecture from plain dicts (checkpoints, JSON); validates kinds and chaining."""
    try:
        specs = [LayerSpec(**d) for d in items]
    except TypeError as exc:
        raise InputError(f"bad layer description: {exc}") from None
    if not specs:
        raise InputError("architecture has no layers")
    c = INPUT_SHAPE[0]
    for s in specs:
        s.validate()
        if s.in_channels != c:
            raise InputError(f"layer '{s.name}': expects {s.in_channels} input channels, previous "
                             f"layer gives {c}")
        c = s.out_channels
    return specs


def out_hw(spec: LayerSpec, h: int, w: int) -> tuple[int, int]:
    return ((h + 2 * spec.padding - spec.kernel) // spec.stride + 1,
            (w + 2 * spec.padding - spec.kernel) // spec.stride + 1)


def feature_size(specs: list[LayerSpec]) -> int:
    """Number of values after the last layer (what the classifier sees)."""
    h, w = INPUT_SHAPE[1:]
    for s in specs:
        h, w = out_hw(s, h, w)
    return specs[-1].out_channels * h * w


class QLayer(nn.Module):
    """conv (+BN until folded) + ReLU; int8 fake-quantized when `quantized` is set."""

    def __init__(self, spec: LayerSpec, with_bn: bool = True):
        super().__init__()
        spec.validate()
        self.spec = spec
        self.conv = nn.Conv2d(spec.in_channels, spec.out_channels, spec.kernel, spec.stride,
                              spec.padding, groups=spec.groups, bias=True)
        self.bn = nn.BatchNorm2d(spec.out_channels) if with_bn else None
        # power-of-two scales, stored as scales so a non-power-of-two is caught at use
        self.register_buffer("w_scale", torch.tensor(1.0, dtype=torch.float64))
        self.register_buffer("out_scale", torch.tensor(1.0, dtype=torch.float64))
        self.quantized = False
        self.exact = False  # frozen fixed layers compute exactly (float64) even in training mode

    @property
    def w_frac(self) -> int:
        return qat.frac_bits(float(self.w_scale), f"layer '{self.spec.name}': weight scale")

    @property
    def out_frac(self) -> int:
        return qat.frac_bits(float(self.out_scale), f"layer '{self.spec.name}': activation scale")

    def _conv(self, x, w, b):
        s = self.spec
        return F.conv2d(x, w, b, s.stride, s.padding, 1, s.groups)

    def weight_codes(self, dtype=torch.float64) -> torch.Tensor:
        return qat.quantize_codes(self.conv.weight.to(dtype), self.w_frac, qat.INT8_MIN, qat.INT8_MAX)

    def bias_codes(self, in_frac: int, dtype=torch.float64) -> torch.Tensor:
        return qat.quantize_codes(self.conv.bias.to(dtype), in_frac + self.w_frac, qat.INT32_MIN, qat.INT32_MAX)

    def forward(self, x: torch.Tensor, in_frac: int | None = None) -> torch.Tensor:
        if not self.quantized:
            y = self._conv(x, self.conv.weight, self.conv.bias)
            if self.bn is not None:
                y = self.bn(y)
            return F.relu(y) if self.spec.relu else y
        if self.bn is not None:
            raise RuntimeError("fold BatchNorm before quantizing")
        # evaluation runs in float64 so every integer is exact (bit-equal to fixyasic.qnet);
        # training uses float32 with straight-through rounding
        dt = torch.float32 if self.training and not self.exact else torch.float64
        wf, of = self.w_frac, self.out_frac
        w = self.weight_codes(dt) * 2.0 ** -wf
        b = self.bias_codes(in_frac, dt) * 2.0 ** -(in_frac + wf)
        acc = self._conv(x.to(dt), w, b)
        return qat.fake_quant(acc, of, 0 if self.spec.relu else qat.INT8_MIN, qat.INT8_MAX)

    @torch.no_grad()
    def add_bn(self, x: torch.Tensor | None = None) -> None:
        """Put a float BatchNorm back after the (folded) conv, initialised to the identity on the
        statistics of `x` (this layer's input), so the function is unchanged at first but the
        retrained float layers get BatchNorm's better-conditioned gradients."""
        self.bn = nn.BatchNorm2d(self.spec.out_channels).to(self.conv.weight.device)
        if x is not None:
            y = self._conv(x, self.conv.weight, self.conv.bias)
            mean, var = y.mean(dim=(0, 2, 3)), y.var(dim=(0, 2, 3), unbiased=False)
            self.bn.running_mean.copy_(mean)
            self.bn.running_var.copy_(var)
            self.bn.weight.copy_(torch.sqrt(var + self.bn.eps))
            self.bn.bias.copy_(mean)

    @torch.no_grad()
    def fold_bn(self) -> None:
        if self.bn is None:
            return
        bn = self.bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        self.conv.weight.mul_(scale[:, None, None, None])
        self.conv.bias.copy_((self.conv.bias - bn.running_mean) * scale + bn.bias)
        self.bn = None


class Backbone(nn.Module):
    """The whole classifier. `n_quant` leading layers run quantized (the fixed-extractor candidates)."""

    def __init__(self, specs: list[LayerSpec], num_classes: int, input_frac: int = 7,
                 folded: bool = False):
        super().__init__()
        self.specs = list(specs)
        self.layers = nn.ModuleList(QLayer(s, with_bn=not folded) for s in specs)
        # flatten, not global average pooling: on 28x28 inputs the position of a stroke matters
        # and the small backbone's receptive field is too narrow to encode it alone
        self.head = nn.Linear(feature_size(specs), num_classes)
        self.input_frac = int(input_frac)
        self.folded = folded
        self._n_quant = 0

    @property
    def n_quant(self) -> int:
        return self._n_quant

    def set_quantized(self, n: int) -> None:
        if not 0 <= n <= len(self.layers):
            raise InputError(f"K={n} outside 0..{len(self.layers)} (this backbone has "
                             f"{len(self.layers)} conv layers)")
        if any(layer.bn is not None for layer in self.layers[:n]):
            raise RuntimeError("fold BatchNorm before quantizing")
        self._n_quant = n
        for i, layer in enumerate(self.layers):
            layer.quantized = i < n

    def fold_bn(self) -> None:
        for layer in self.layers:
            layer.fold_bn()
        self.folded = True

    def bn_layers(self) -> list[int]:
        return [i for i, layer in enumerate(self.layers) if layer.bn is not None]

    @torch.no_grad()
    def add_bn_from(self, start: int, x: torch.Tensor) -> None:
        """BatchNorm (identity-initialised on the images `x`) on every float layer from `start` on."""
        was = self.training
        self.eval()
        a = self.features(x, start)
        for layer in self.layers[start:]:
            if layer.quantized:
                raise RuntimeError("BatchNorm only on float layers")
            layer.add_bn(a)
            a = layer(a)
        self.train(was)

    def in_frac(self, i: int) -> int:
        return self.input_frac if i == 0 else self.layers[i - 1].out_frac

    def features(self, x: torch.Tensor, upto: int | None = None) -> torch.Tensor:
        """Output of the first `upto` layers (all by default)."""
        n = len(self.layers) if upto is None else upto
        if self._n_quant:
            x = qat.quantize_input(x, self.input_frac)
        for i, layer in enumerate(self.layers[:n]):
            if layer.quantized:
                x = layer(x, self.in_frac(i))
            else:
                x = layer(x.float())
        return x.float()

    def classify(self, feats: torch.Tensor, start: int) -> torch.Tensor:
        """Run layers from index `start` on, then pool and classify."""
        x = feats
        for i in range(start, len(self.layers)):
            layer = self.layers[i]
            x = layer(x, self.in_frac(i)).float() if layer.quantized else layer(x)
        return self.head(x.flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x), len(self.layers))

    def new_head(self, num_classes: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        head = nn.Linear(self.head.in_features, num_classes)
        with torch.no_grad():
            bound = 1.0 / self.head.in_features ** 0.5
            head.weight.uniform_(-bound, bound, generator=g)
            head.bias.uniform_(-bound, bound, generator=g)
        self.head = head

    @torch.no_grad()
    def calibrate(self, x: torch.Tensor, percentile: float = 99.99) -> None:
        """Choose power-of-two weight and activation scales from float statistics on `x`."""
        if not self.folded:
            raise RuntimeError("fold BatchNorm before calibrating")
        was_training, nq = self.training, self._n_quant
        self.eval()
        self.set_quantized(0)
        a = x
        for i, layer in enumerate(self.layers):
            a = layer(a)
            in_f = self.in_frac(i)
            wf = qat.weight_frac_for(float(layer.conv.weight.abs().max()))
            hi = float(torch.quantile(a.flatten()[:2_000_000].float(), percentile / 100.0))
            of = qat.act_frac_for(hi)
            of = min(of, in_f + wf)          # shift >= 0
            wf = min(wf, 31 - in_f + of)     # shift <= 31
            layer.w_scale.fill_(2.0 ** -wf)
            layer.out_scale.fill_(2.0 ** -of)
        self.set_quantized(nq)
        self.train(was_training)

    def arch(self) -> list[dict]:
        return [asdict(s) for s in self.specs]
