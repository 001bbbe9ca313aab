"""Fixed-weight RTL: every weight a constant in shift-add logic, streamed one pixel per clock.

Public API: ``generate_rtl(net, out_dir, style, top, pipeline) -> RtlDesign``,
``build_mcm`` (multiple-constant multiplication), ``cosimulate`` (RTL or gate-level vs
FixedNetwork.forward)."""

from .generate import GENERATOR_VERSION, STYLES, RtlDesign, build_modules, generate_rtl
from .mcm import McmGraph, build_mcm, plain_csd_adders

__all__ = ["GENERATOR_VERSION", "STYLES", "RtlDesign", "build_modules", "generate_rtl",
           "McmGraph", "build_mcm", "plain_csd_adders"]
