"""Random small fixed networks for fuzzing the RTL generator against FixedNetwork.forward.

One generator, two sources of randomness:

* ``case_from_seed(seed)``: a seeded numpy Generator draws everything, so a soak run can print
  the seed of a failing case and ``python benchmarks/soak_fuzz.py --seed N --count 1`` replays it;
* ``fuzz_cases()`` / ``fixed_networks()``: hypothesis strategies drawing the same structure
  (layer kinds, channels, strides, kernel 1/3, image sizes, weight distributions) so hypothesis
  can shrink a failure to a small network.

Weight distributions cover what breaks width and constant logic: uniform int8, random
sparsity, all zero, all 127, all -128, a single nonzero, only {-128, 0, 127}, powers of two
(pure wiring), tiny values, and per-output-channel mixtures of those.  Only layer options the
RTL generator supports are drawn (3x3 with padding 1 and stride 1/2, 1x1 with stride 1);
unsupported options are tested separately for clean errors.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, TypeVar

import numpy as np

from .qnet import INT32_MAX, INT32_MIN, FixedNetwork, QuantLayer

T = TypeVar("T")

WEIGHT_DISTS = ("uniform", "sparse", "zero", "max", "min", "single", "extremes", "powers", "small", "mixed")
BIAS_DISTS = ("zero", "small", "large", "extreme")
IMAGE_PATTERNS = ("uniform", "max", "min", "checker", "extremes", "ramp")
# (kind, kernel): every layer shape the RTL generator supports
LAYER_SHAPES = (("conv", 3), ("conv", 1), ("dwconv", 3), ("dwconv", 1), ("pwconv", 1))
STYLES = ("shiftadd", "multiply")


class Draw(Protocol):
    """The few random choices the generator makes (inclusive integer bounds)."""

    def integer(self, lo: int, hi: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...


class RngDraw:
    """Draws from a seeded numpy Generator (reproducible from one integer)."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def choice(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(0, len(options)))]


class HypothesisDraw:
    """Draws through hypothesis' ``draw`` so failures shrink."""

    def __init__(self, draw: Callable[[Any], Any]):
        from hypothesis import strategies as st

        self._draw, self._st = draw, st

    def integer(self, lo: int, hi: int) -> int:
        return int(self._draw(self._st.integers(lo, hi)))

    def choice(self, options: Sequence[T]) -> T:
        return options[int(self._draw(self._st.integers(0, len(options) - 1)))]


# --------------------------------------------------------------------------------- weights
def draw_weights(d: Draw, shape: tuple[int, ...], dist: str | None = None) -> tuple[np.ndarray, str]:
    """int8 weights of ``shape`` [out, in/groups, k, k] from one named distribution."""
    dist = dist or d.choice(WEIGHT_DISTS)
    rng = np.random.default_rng(d.integer(0, 2**32 - 1))  # bulk values from a drawn seed
    if dist == "uniform":
        w = rng.integers(-128, 128, size=shape)
    elif dist == "sparse":
        w = rng.integers(-128, 128, size=shape)
        w[rng.random(shape) < d.choice((0.5, 0.8, 0.95))] = 0
    elif dist == "zero":
        w = np.zeros(shape, dtype=np.int64)
    elif dist == "max":
        w = np.full(shape, 127)
    elif dist == "min":
        w = np.full(shape, -128)
    elif dist == "single":
        w = np.zeros(shape, dtype=np.int64)
        w.flat[d.integer(0, int(np.prod(shape)) - 1)] = d.choice((127, -128, 1, -1, 3, -77, 64))
    elif dist == "extremes":
        w = rng.choice(np.array([-128, 0, 127]), size=shape)
    elif dist == "powers":
        w = rng.choice(np.array([-128, -64, -8, -2, -1, 0, 1, 2, 4, 32, 64]), size=shape)
    elif dist == "small":
        w = rng.integers(-3, 4, size=shape)
    elif dist == "mixed":  # each output channel its own distribution: 0-channels next to 127s
        parts = [draw_weights(d, (1, *shape[1:]), d.choice(WEIGHT_DISTS[:-1]))[0] for _ in range(shape[0])]
        w = np.concatenate(parts, axis=0)
    else:
        raise ValueError(f"unknown weight distribution {dist!r}")
    return np.asarray(w, dtype=np.int64).reshape(shape), dist


def _shift_for(w: np.ndarray, in_lo: int) -> int:
    """Requantization shift that maps the worst-case accumulator to about 8 bits."""
    peak = int(np.abs(w).reshape(w.shape[0], -1).sum(axis=1).max(initial=0)) * max(127, -in_lo)
    return max(int(peak).bit_length() - 8, 0)


def draw_layer(d: Draw, name: str, kind: str, kernel: int, cin: int, cout: int, stride: int,
               in_lo: int) -> tuple[QuantLayer, dict[str, str]]:
    per_out = 1 if kind == "dwconv" else cin
    w, wdist = draw_weights(d, (cout, per_out, kernel, kernel))
    shift = int(np.clip(_shift_for(w, in_lo) + d.integer(-3, 2), 0, 24))
    if d.integer(0, 9) == 0:
        shift = 0  # no rounding term, heavy saturation
    bdist = d.choice(BIAS_DISTS)
    rng = np.random.default_rng(d.integer(0, 2**32 - 1))
    if bdist == "zero":
        b = np.zeros(cout, dtype=np.int64)
    elif bdist == "small":
        b = rng.integers(-(1 << (shift + 1)) - 2, (1 << (shift + 1)) + 3, size=cout)
    elif bdist == "large":
        b = rng.integers(-(1 << (shift + 8)), (1 << (shift + 8)) + 1, size=cout)
    else:
        b = rng.choice(np.array([INT32_MIN, INT32_MAX, 0, -1, 1]), size=cout)
    relu = bool(d.integer(0, 1))
    layer = QuantLayer(name=name, kind=kind, in_channels=cin, out_channels=cout, kernel=kernel,
                       stride=stride, padding=1 if kernel == 3 else 0, relu=relu, shift=shift,
                       weight=w, bias=np.asarray(b, dtype=np.int64))
    return layer, {"weights": wdist, "bias": bdist}


# -------------------------------------------------------------------------------- networks
def draw_network(d: Draw, max_layers: int = 3, in_channels: tuple[int, int] = (1, 3),
                 max_channels: int = 4, size: tuple[int, int] = (4, 10)) -> FixedNetwork:
    """A random chain of 1..max_layers supported layers on a small (C, H, W) input."""
    c0 = c = d.integer(*in_channels)
    h, w = d.integer(*size), d.integer(*size)
    signed = bool(d.integer(0, 1))
    n_layers = d.integer(1, max_layers)
    layers, dists = [], []
    lo = -128 if signed else 0
    shape_h, shape_w = h, w
    for i in range(n_layers):
        options = [s for s in LAYER_SHAPES if s[1] == 1 or (shape_h >= 2 and shape_w >= 2)]
        kind, k = d.choice(options)
        stride = d.choice((1, 2)) if k == 3 else 1
        cout = c if kind == "dwconv" else d.integer(1, max_channels)
        layer, dist = draw_layer(d, f"{kind}{i}", kind, k, c, cout, stride, lo)
        layers.append(layer)
        dists.append(dist)
        shape_h, shape_w = layer.out_hw(shape_h, shape_w)
        c, lo = cout, (0 if layer.relu else -128)
    net = FixedNetwork(input_shape=(c0, h, w), input_frac_bits=7,
                       layers=layers, input_signed=signed, meta={"source": "fixyasic.fuzz", "dists": dists})
    net.validate()
    return net


def draw_codes(d: Draw, net: FixedNetwork, max_images: int = 3) -> np.ndarray:
    """Input codes [N, C, H, W] in the network's input range, mixing random and extreme images."""
    c, h, w = net.input_shape
    lo = -128 if net.input_signed else 0
    rng = np.random.default_rng(d.integer(0, 2**32 - 1))
    images = []
    for _ in range(d.integer(1, max_images)):
        pat = d.choice(IMAGE_PATTERNS)
        if pat == "uniform":
            x = rng.integers(lo, 128, size=(c, h, w))
        elif pat == "max":
            x = np.full((c, h, w), 127)
        elif pat == "min":
            x = np.full((c, h, w), lo)
        elif pat == "checker":
            yy, xx = np.indices((h, w))
            x = np.broadcast_to(np.where((yy + xx) % 2 == 0, 127, lo), (c, h, w))
        elif pat == "extremes":
            x = rng.choice(np.array([lo, 0, 127]), size=(c, h, w))
        else:  # ramp: every code value appears
            x = (np.arange(c * h * w).reshape(c, h, w) * 37) % (128 - lo) + lo
        images.append(np.asarray(x, dtype=np.int64))
    return np.stack(images)


@dataclass
class FuzzCase:
    """One fuzzed co-simulation: network, images and how the RTL is generated and driven."""
    net: FixedNetwork
    codes: np.ndarray
    style: str
    pipeline: int
    stall_in: int
    stall_out: int
    seed: int | None = None

    def describe(self) -> str:
        parts = []
        for layer, dist in zip(self.net.layers, self.net.meta.get("dists", [])):
            parts.append(f"{layer.kind}{layer.kernel}x{layer.kernel}/s{layer.stride} "
                         f"{layer.in_channels}->{layer.out_channels} relu={int(layer.relu)} "
                         f"shift={layer.shift} w={dist['weights']} b={dist['bias']}")
        c, h, w = self.net.input_shape
        sign = "signed" if self.net.input_signed else "unsigned"
        head = f"seed={self.seed} " if self.seed is not None else ""
        return (f"{head}input {c}x{h}x{w} {sign}, {len(self.codes)} image(s), style={self.style}, "
                f"pipeline={self.pipeline}, stall={self.stall_in}/{self.stall_out}: " + "; ".join(parts))


def draw_case(d: Draw, styles: Sequence[str] = STYLES, **net_kw: Any) -> FuzzCase:
    net = draw_network(d, **net_kw)
    codes = draw_codes(d, net)
    style = d.choice(tuple(styles))
    return FuzzCase(net=net, codes=codes, style=style, pipeline=d.choice((0, 0, 1, 2)),
                    stall_in=d.choice((0, 0, 3, 9)), stall_out=d.choice((0, 0, 5, 12)))


def case_from_seed(seed: int, styles: Sequence[str] = STYLES, **net_kw: Any) -> FuzzCase:
    """The fuzz case for ``seed`` (same seed, same numpy -> same case)."""
    case = draw_case(RngDraw(seed), styles, **net_kw)
    case.seed = seed
    return case


# ------------------------------------------------------------------------------ hypothesis
def fixed_networks(**net_kw: Any):
    """hypothesis strategy of random small FixedNetworks (see draw_network for options)."""
    from hypothesis import strategies as st

    return st.composite(lambda draw: draw_network(HypothesisDraw(draw), **net_kw))()


def fuzz_cases(styles: Sequence[str] = STYLES, **net_kw: Any):
    """hypothesis strategy of FuzzCase (network + images + style/pipeline/stalls)."""
    from hypothesis import strategies as st

    return st.composite(lambda draw: draw_case(HypothesisDraw(draw), styles, **net_kw))()


# ------------------------------------------------------------------------------ known bugs
# Generator bugs found by this fuzzer and reported to the RTL side (reproducers in
# docs/reliability.md): each is recognised by the simulator's compile error.  Tests reject such cases so the
# suite stays green while the fix is pending; the soak counts them as failures unless told
# otherwise.  Delete an entry once its fix lands: the fuzzer then checks that case class again.
# Generator bugs A-D found by this fuzzer (1-bit scalar part-selects, a stride-2 1-bit column
# counter, a doubly registered pipeline signal, a fully shifted-out constant-zero term) are fixed;
# new ones go here, recognised by their compile error, until their fix lands.
KNOWN_RTL_BUGS: dict[str, str] = {}


def known_bug(error: BaseException | str) -> str | None:
    """Name of the known generator bug this error message shows, or None."""
    text = str(error)
    for name, pattern in KNOWN_RTL_BUGS.items():
        if re.search(pattern, text):
            return name
    return None


# -------------------------------------------------------------------------------- running
def run_case(case: FuzzCase, work_dir: str | os.PathLike, simulator: str = "iverilog"):
    """Generate the case's RTL, co-simulate it against forward(); returns the CosimResult."""
    from .rtl import generate_rtl
    from .rtl.cosim import cosimulate

    work = Path(work_dir)
    design = generate_rtl(case.net, work / "rtl", style=case.style, pipeline=case.pipeline)
    return cosimulate(design.files, design.top, case.net, case.codes, work / "sim", simulator=simulator,
                      stall_in=case.stall_in, stall_out=case.stall_out, seed=(case.seed or 0) % 997 + 1)
