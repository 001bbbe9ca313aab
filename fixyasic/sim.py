"""Compile and run Verilog simulations with Icarus Verilog or Verilator.

Both simulators run the same self-checking-free Verilog testbench (Verilator 5 in
``--binary --timing`` mode), so results are comparable and either can be used."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .errors import ToolError
from .toolcheck import require

SIMULATORS = ("iverilog", "verilator")


@dataclass
class SimResult:
    simulator: str
    stdout: str
    compile_seconds: float
    run_seconds: float


@dataclass
class CompiledSim:
    simulator: str
    executable: Path
    work_dir: Path
    compile_seconds: float


def _run(cmd: list[str], cwd: Path, what: str, timeout: float | None) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{what} timed out after {timeout:.0f} s: {' '.join(cmd[:3])} ...") from None
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-15:]
        msg = " | ".join(tail)
        raise ToolError(f"{what} failed (exit {proc.returncode}): {msg[:1500]}")
    return proc


def compile_sim(sources: Sequence[str | os.PathLike], top: str, work_dir: str | os.PathLike,
                simulator: str = "iverilog", defines: dict[str, str | None] | None = None,
                include_dirs: Sequence[str | os.PathLike] = (), timeout: float | None = 1800,
                extra_args: Sequence[str] = ()) -> CompiledSim:
    """Compile ``sources`` with ``top`` as the root module; returns the runnable simulation."""
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    defs = []
    for k, v in (defines or {}).items():
        defs.append(f"{k}" if v is None else f"{k}={v}")
    srcs = [str(Path(s).resolve()) for s in sources]
    t0 = time.perf_counter()
    if simulator == "iverilog":
        exe = require("iverilog")
        require("vvp")
        out = work / f"{top}.vvp"
        cmd = [exe, "-g2012", "-o", str(out), "-s", top] + [f"-D{d}" for d in defs] + \
              [f"-I{Path(i).resolve()}" for i in include_dirs] + list(extra_args) + srcs
        _run(cmd, work, "iverilog compile", timeout)
    elif simulator == "verilator":
        exe = require("verilator")
        mdir = work / "obj_dir"
        cmd = [exe, "--binary", "--timing", "-j", "1", "-O3", "--top-module", top, "-Mdir", str(mdir),
               "-Wno-fatal", "-Wno-WIDTH", "-Wno-UNUSED", "-Wno-DECLFILENAME", "-Wno-UNOPTFLAT",
               "-o", f"V{top}"] + [f"+define+{d}" for d in defs] + \
              [f"-I{Path(i).resolve()}" for i in include_dirs] + list(extra_args) + srcs
        env_cmd = cmd
        _run(env_cmd, work, "verilator build", timeout)
        out = mdir / f"V{top}"
    else:
        raise ToolError(f"unknown simulator '{simulator}' (choose from: {', '.join(SIMULATORS)})")
    return CompiledSim(simulator, out, work, time.perf_counter() - t0)


def run_sim(sim: CompiledSim, plusargs: Sequence[str] = (), timeout: float | None = 3600) -> SimResult:
    """Run a compiled simulation in its work directory; raises ToolError on failure."""
    if sim.simulator == "iverilog":
        cmd = [require("vvp"), "-n", str(sim.executable)] + list(plusargs)
    else:
        cmd = [str(sim.executable)] + list(plusargs)
    t0 = time.perf_counter()
    proc = _run(cmd, sim.work_dir, f"{sim.simulator} simulation", timeout)
    return SimResult(sim.simulator, proc.stdout, sim.compile_seconds, time.perf_counter() - t0)


def simulate(sources: Sequence[str | os.PathLike], top: str, work_dir: str | os.PathLike,
             simulator: str = "iverilog", plusargs: Sequence[str] = (),
             defines: dict[str, str | None] | None = None, timeout: float | None = 3600) -> SimResult:
    """Compile then run in one call."""
    sim = compile_sim(sources, top, work_dir, simulator, defines, timeout=timeout)
    return run_sim(sim, plusargs, timeout)
