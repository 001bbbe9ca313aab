"""Transfer learning with a fixed, int8-quantized feature extractor (PyTorch, CPU).

Pretrain a MobileNet-style backbone on the source dataset with quantization-aware training,
fix its first K conv layers, retrain the rest per target, compare with training everything,
and export the fixed layers as a fixyasic.qnet.FixedNetwork.
"""

from __future__ import annotations

from .pretrained import pretrained_fixed_network

__all__ = ["pretrained_fixed_network"]
