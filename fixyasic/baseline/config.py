"""Size parameters of the programmable baseline accelerator (one object, validated)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import InputError

MAX_DEPTH = 1 << 16  # 16-bit load/read addresses


@dataclass(frozen=True)
class BaselineConfig:
    """An R x C PE array (R pixel lanes, C channel lanes) and its four buffers.

    Depths count words: activation/weight/output words are C bytes, a bias entry is one
    channel group (C x int32)."""

    rows: int = 2
    cols: int = 4
    abuf_depth: int = 256
    wbuf_depth: int = 64
    bbuf_depth: int = 4
    obuf_depth: int = 128

    @property
    def pes(self) -> int:
        return self.rows * self.cols

    @property
    def buffer_bits(self) -> int:
        c = self.cols
        return (self.abuf_depth + self.wbuf_depth + self.obuf_depth) * 8 * c + self.bbuf_depth * 32 * c

    @property
    def load_width(self) -> int:
        """Bits of the load port (a C-byte word, at least one int32 bias)."""
        return max(8 * self.cols, 32)

    def validate(self) -> "BaselineConfig":
        if not 1 <= self.rows <= 64:
            raise InputError(f"baseline rows (pixel lanes) must be 1..64, got {self.rows}")
        if self.cols < 1 or self.cols > 32 or self.cols & (self.cols - 1):
            raise InputError(f"baseline cols (channel lanes) must be a power of two 1..32, got {self.cols}")
        for name in ("abuf_depth", "wbuf_depth", "bbuf_depth", "obuf_depth"):
            v = getattr(self, name)
            if not 1 <= v <= MAX_DEPTH:
                raise InputError(f"baseline {name} must be 1..{MAX_DEPTH} words, got {v}")
        return self

    def as_dict(self) -> dict:
        return asdict(self)

    def label(self) -> str:
        return (f"{self.rows}x{self.cols} PEs, A{self.abuf_depth} W{self.wbuf_depth} "
                f"B{self.bbuf_depth} O{self.obuf_depth}")
