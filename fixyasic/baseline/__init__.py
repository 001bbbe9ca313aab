"""The programmable baseline accelerator: parameterized Verilog, host compiler, cycle model,
co-simulation and iso-area sizing (see docs/baseline.md)."""

from .compiler import Op, Program, compile_network
from .config import BaselineConfig

__all__ = ["BaselineConfig", "Op", "Program", "compile_network"]
