"""Quantization-aware training arithmetic: exactly the integer semantics of fixyasic.qnet.

A quantized value is ``code * 2**-frac`` with an int8 code.  Rounding is round-half-up,
``floor(x + 0.5)`` (torch.round would round half to even and differ from the hardware).
In training the rounding uses a straight-through gradient; clamping passes no gradient
where it saturates.  Every scale is a power of two so requantization is a shift.
"""

from __future__ import annotations

import math

import torch

from ..errors import InputError

INT8_MIN, INT8_MAX = -128, 127
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


class _FloorHalfUp(torch.autograd.Function):
    """floor(x + 0.5) forward, identity gradient (straight-through estimator)."""

    @staticmethod
    def forward(ctx, x):  # type: ignore[override]
        # not floor(x + 0.5): that sum rounds 0.49999997 up to 1.0 in float32
        f = torch.floor(x)
        return f + ((x - f) >= 0.5).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        return grad


def round_half_up(x: torch.Tensor) -> torch.Tensor:
    return _FloorHalfUp.apply(x)


def frac_bits(scale: float, what: str = "scale") -> int:
    """Fractional bits f of a power-of-two scale 2**-f; anything else is an InputError."""
    s = float(scale)
    if not math.isfinite(s) or s <= 0:
        raise InputError(f"{what} {scale!r} must be a positive power of two")
    m, e = math.frexp(s)  # s = m * 2**e, m in [0.5, 1)
    if m != 0.5:
        raise InputError(f"{what} {s:g} is not a power of two; fixed hardware requantizes with "
                         "shifts, so every scale must be 2**-f (e.g. 0.0078125 = 2**-7)")
    return -(e - 1)


def quantize_codes(x: torch.Tensor, frac: int, lo: int, hi: int) -> torch.Tensor:
    """Integer codes (as float tensor) clamp(floor(x * 2**frac + 0.5), lo, hi)."""
    return torch.clamp(round_half_up(x * (2.0 ** frac)), lo, hi)


def fake_quant(x: torch.Tensor, frac: int, lo: int, hi: int) -> torch.Tensor:
    """Quantize-dequantize: the real value the integer hardware represents."""
    return quantize_codes(x, frac, lo, hi) * (2.0 ** -frac)


def quantize_input(pixels: torch.Tensor, frac: int, signed: bool = False) -> torch.Tensor:
    """Pixels in [0, 1] -> their int8 code's real value, computed in float64 like qnet."""
    lo = INT8_MIN if signed else 0
    return fake_quant(pixels.double(), frac, lo, INT8_MAX)


def weight_frac_for(max_abs: float, max_frac: int = 16) -> int:
    """Largest f with round(max_abs * 2**f) <= 127 (int8 weights without clipping)."""
    if max_abs <= 0:
        return max_frac
    f = math.floor(math.log2(127.5 / max_abs))
    while max_abs * 2.0 ** f >= 127.5:
        f -= 1
    return min(f, max_frac)


def act_frac_for(max_act: float, max_frac: int = 16) -> int:
    """Largest f with max_act <= 127 * 2**-f (ReLU output fits the int8 code range)."""
    if max_act <= 0:
        return max_frac
    return min(math.floor(math.log2(127.0 / max_act)), max_frac)
