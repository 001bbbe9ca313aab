"""Co-simulation: stream integer images through the RTL (or a gate-level netlist) and
compare every output value with FixedNetwork.forward, bit for bit."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import InputError, ToolError
from ..qnet import FixedNetwork
from ..sim import CompiledSim, compile_sim, run_sim

TESTBENCH = Path(__file__).with_name("tb_stream.v")
TB_TOP = "fixyasic_tb"


@dataclass
class CosimResult:
    simulator: str
    images: int
    values: int
    mismatches: int
    cycles: int
    first_output_cycle: int
    compile_seconds: float
    run_seconds: float
    examples: list[str] = field(default_factory=list)

    @property
    def images_per_second(self) -> float:
        return self.images / self.run_seconds if self.run_seconds > 0 else float("inf")

    @property
    def cycles_per_image(self) -> float:
        return self.cycles / max(self.images, 1)


def compile_cosim(sources: Sequence[str | os.PathLike], top: str, net: FixedNetwork,
                  work_dir: str | os.PathLike, simulator: str = "iverilog", max_images: int = 1000,
                  defines: dict[str, str | None] | None = None,
                  include_dirs: Sequence[str | os.PathLike] = (), extra_args: Sequence[str] = ()) -> CompiledSim:
    """Build the testbench around ``top`` (RTL files, or a netlist plus cell models)."""
    c, h, w = net.input_shape
    co = net.output_shape[0]
    d = {"DUT": top, "IN_BITS": str(8 * c), "OUT_BITS": str(8 * co), "MAX_PIX": str(max_images * h * w)}
    d.update(defines or {})
    return compile_sim(list(sources) + [TESTBENCH], TB_TOP, work_dir, simulator, d, include_dirs,
                       extra_args=extra_args)


def pack_pixels(codes: np.ndarray) -> list[str]:
    """[N, C, H, W] int codes -> one hex line per pixel (raster order), channel c at bits 8c."""
    n, c, h, w = codes.shape
    u = (np.asarray(codes, dtype=np.int64) & 0xFF).transpose(0, 2, 3, 1).reshape(-1, c)
    words = np.zeros(len(u), dtype=object)
    for ch in range(c):
        words = words + (u[:, ch].astype(object) << (8 * ch))
    digits = (8 * c + 3) // 4
    return [format(int(v), f"0{digits}x") for v in words]


def unpack_pixels(lines: list[str], channels: int) -> np.ndarray:
    """Hex lines -> int8 values [P, channels]; unknown bits (x/z) raise."""
    out = np.zeros((len(lines), channels), dtype=np.int64)
    for i, line in enumerate(lines):
        s = line.strip()
        if not re.fullmatch(r"[0-9a-fA-F]+", s):
            raise ValueError(f"output beat {i} has unknown bits: {s!r}")
        v = int(s, 16)
        for ch in range(channels):
            b = (v >> (8 * ch)) & 0xFF
            out[i, ch] = b - 256 if b >= 128 else b
    return out


def run_cosim(sim: CompiledSim, net: FixedNetwork, codes: np.ndarray, stall_in: int = 0,
              stall_out: int = 0, seed: int = 1, max_images: int | None = None,
              first_image: int = 0) -> CosimResult:
    """Stream ``codes`` [N, C, H, W] through the compiled design and compare with forward().

    ``first_image`` only numbers the images in mismatch messages (for runs in chunks)."""
    codes = np.asarray(codes)
    if codes.ndim != 4 or tuple(codes.shape[1:]) != tuple(net.input_shape):
        raise InputError(f"co-simulation images have shape {codes.shape}, network input is "
                         f"(N, {', '.join(map(str, net.input_shape))})")
    if not 0 <= stall_in < 16 or not 0 <= stall_out < 16:
        raise InputError("stall_in/stall_out are in sixteenths and must be in [0, 15]")
    n = len(codes)
    want = net.forward(codes)  # [N, Co, OH, OW]
    co, oh, ow = want.shape[1:]
    work = sim.work_dir
    inp, outp = work / f"in_{seed}.hex", work / f"out_{seed}.hex"
    inp.write_text("\n".join(pack_pixels(codes)) + "\n")
    if outp.exists():
        outp.unlink()
    n_in, n_out = n * int(np.prod(net.input_shape[1:])), n * oh * ow
    slow = 16 / (16 - max(stall_in, stall_out))
    max_cycles = int((n_in + n * 8 * net.input_shape[2] * len(net.layers) + 1000) * 2 * slow * slow) + 10000
    res = run_sim(sim, [f"+in={inp.name}", f"+out={outp.name}", f"+n_in={n_in}", f"+n_out={n_out}",
                        f"+stall_in={stall_in}", f"+stall_out={stall_out}", f"+seed={seed:x}",
                        f"+max_cycles={max_cycles}"])
    m = re.search(r"FIXYASIC_TB DONE cycles=(\d+) first_out=(\d+)", res.stdout)
    if not m:
        t = re.search(r"FIXYASIC_TB TIMEOUT.*", res.stdout)
        raise ToolError(f"co-simulation did not finish: {t.group(0) if t else res.stdout[-500:]} "
                        f"(design stalled or produced too few outputs; expected {n_out})")
    lines = outp.read_text().split()
    examples: list[str] = []
    try:
        got = unpack_pixels(lines, co)
    except ValueError as exc:
        return CosimResult(sim.simulator, n, want.size, want.size, int(m.group(1)), int(m.group(2)),
                           res.compile_seconds, res.run_seconds,
                           [f"images {first_image}-{first_image + n - 1}: {exc}"])
    if len(got) != n_out:
        raise ToolError(f"co-simulation produced {len(got)} output pixels, expected {n_out}")
    got = got.reshape(n, oh, ow, co).transpose(0, 3, 1, 2)
    bad = np.argwhere(got != want)
    for idx in bad[:10]:
        i, c, y, x = map(int, idx)
        examples.append(f"image {first_image + i} channel {c} at ({y},{x}): "
                        f"rtl {got[i, c, y, x]} != model {want[i, c, y, x]}")
    return CosimResult(sim.simulator, n, int(want.size), int(len(bad)), int(m.group(1)), int(m.group(2)),
                       res.compile_seconds, res.run_seconds, examples)


def cosimulate(sources: Sequence[str | os.PathLike], top: str, net: FixedNetwork, codes: np.ndarray,
               work_dir: str | os.PathLike, simulator: str = "iverilog", stall_in: int = 0,
               stall_out: int = 0, seed: int = 1, defines: dict[str, str | None] | None = None,
               include_dirs: Sequence[str | os.PathLike] = ()) -> CosimResult:
    """Compile the testbench and run it once over ``codes``."""
    sim = compile_cosim(sources, top, net, work_dir, simulator, max(len(codes), 1), defines, include_dirs)
    return run_cosim(sim, net, codes, stall_in, stall_out, seed)


def gate_level_cosim(netlist: str | os.PathLike, top: str, net: FixedNetwork, codes: np.ndarray,
                     work_dir: str | os.PathLike, stall_in: int = 0, stall_out: int = 0,
                     seed: int = 1, chunk_images: int | None = 10, progress: bool = False) -> CosimResult:
    """Simulate a synthesized sky130hd netlist with the official cell models over ``codes``.

    The models (UDP primitives + sky130_fd_sc_hd.v, read from the PDK, unmodified) run in
    Icarus only. One compile; the images then stream back to back through consecutive vvp
    runs of ``chunk_images`` images (None: all in one run). Each run reloads the compiled
    design (about 1.5 s for 60k cells, against roughly 20 s of simulation per 28x28 image)
    and restarts from reset, which keeps each run well inside its timeout and lets
    ``progress`` show a tqdm bar over a long run.
    """
    from tqdm import tqdm

    from ..gatesim import DEFINES, check_models, gate_models

    check_models()
    codes = np.asarray(codes)
    n = len(codes)
    if n == 0:
        raise InputError("gate-level co-simulation needs at least one image")
    step = max(1, min(chunk_images or n, n))
    sim = compile_cosim([netlist, *gate_models()], top, net, work_dir, "iverilog", step, dict(DEFINES))
    parts: list[CosimResult] = []
    with tqdm(total=n, unit="image", desc="gate-level (sky130 models, Icarus)", disable=not progress) as bar:
        for k, start in enumerate(range(0, n, step)):
            chunk = codes[start:start + step]
            parts.append(run_cosim(sim, net, chunk, stall_in, stall_out, seed + k, first_image=start))
            bar.update(len(chunk))
    return merge_results(parts)


def merge_results(parts: Sequence[CosimResult]) -> CosimResult:
    """One result for consecutive runs of the same compiled design (compile counted once)."""
    if not parts:
        raise InputError("no co-simulation results to merge")
    examples = [e for p in parts for e in p.examples][:10]
    return CosimResult(parts[0].simulator, sum(p.images for p in parts), sum(p.values for p in parts),
                       sum(p.mismatches for p in parts), sum(p.cycles for p in parts),
                       parts[0].first_output_cycle, parts[0].compile_seconds,
                       sum(p.run_seconds for p in parts), examples)


def gate_level_cosim_fast(netlist: str | os.PathLike, top: str, net: FixedNetwork, codes: np.ndarray,
                          work_dir: str | os.PathLike, stall_in: int = 0, stall_out: int = 0,
                          seed: int = 1) -> CosimResult:
    """Gate-level co-simulation with liberty-function cell models under Verilator (see
    fixyasic.rtl.gatefunc); for image counts the UDP models make too slow in Icarus."""
    from .gatefunc import liberty_functional_netlist

    work = Path(work_dir)
    flat = liberty_functional_netlist(netlist, top, work / f"{top}_libfunc.v")
    # a flat netlist of tens of thousands of gates: unoptimized C++ compiles much faster and
    # still runs far ahead of the event-driven models
    sim = compile_cosim([flat], top, net, work, "verilator", max(len(codes), 1),
                        extra_args=["-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"])
    return run_cosim(sim, net, codes, stall_in, stall_out, seed)
