"""Gate-level simulation of sky130hd netlists with iverilog.

The sky130_fd_sc_hd Verilog models need their UDP primitives and two defines:

* ``FUNCTIONAL``: the zero-delay functional models (no specify blocks, no timing checks).
  Required, not a speed option: without it the timing variants (zero-delay specify paths,
  ``*_delayed`` inputs, notifiers) leave a 60k-cell netlist at x and it never produces an
  output (checked on the default extractor, 2026-11-25).
* ``UNIT_DELAY=#1``: the delay the models put on flip-flops and latches, so a register
  output changes 1 ns after its clock edge and testbenches that drive inputs on the edge
  do not race the flops. An empty UNIT_DELAY ran no faster in Icarus, so the margin stays.

``check_models()`` confirms that the PDK's model file really is guarded by these macros, so
the defines cannot silently select a different variant after a PDK update.

    cmd = ["iverilog", "-g2012", *iverilog_flags(), "-o", "sim.vvp", "tb.v", "mac.vg",
           *map(str, gate_models())]

or use ``simulate()``, which compiles and runs in one go.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from . import pdk as pdkmod
from .errors import PdkError, ToolError
from .toolcheck import require

DEFINES: dict[str, str | None] = {"FUNCTIONAL": None, "UNIT_DELAY": "#1"}


def gate_models(lib: pdkmod.StdCellPdk | None = None) -> list[Path]:
    """Verilog files to compile with a sky130hd netlist: the UDP primitives, then the cells."""
    lib = lib or pdkmod.sky130hd()
    return [lib.primitives_verilog, lib.cell_verilog]


@lru_cache(maxsize=4)
def _model_guards(path: str, mtime: float) -> tuple[bool, bool]:
    text = Path(path).read_text(errors="replace")
    return "`ifdef FUNCTIONAL" in text, "`UNIT_DELAY" in text


def check_models(lib: pdkmod.StdCellPdk | None = None) -> None:
    """Raise PdkError unless the cell models select their functional variant with
    ``FUNCTIONAL`` and delay their state elements with ``UNIT_DELAY`` (what DEFINES assume)."""
    cells = gate_models(lib)[-1]
    try:
        functional, unit_delay = _model_guards(str(cells), cells.stat().st_mtime)
    except OSError as exc:
        raise PdkError(f"cannot read the sky130hd cell models {cells}: {exc.strerror}") from None
    missing = [m for m, ok in (("`ifdef FUNCTIONAL", functional), ("`UNIT_DELAY", unit_delay)) if not ok]
    if missing:
        raise PdkError(f"{cells} has no {' or '.join(missing)}: not the open_pdks sky130_fd_sc_hd "
                       f"models fixyasic.gatesim.DEFINES are written for")


def iverilog_flags(defines: dict[str, str | None] | None = None) -> list[str]:
    """``-D`` flags for the cell models (DEFINES, overridable)."""
    flags = []
    for name, value in {**DEFINES, **(defines or {})}.items():
        flags.append(f"-D{name}" if value is None else f"-D{name}={value}")
    return flags


def compile_sim(sources: Iterable[str | Path], top: str, out: str | Path,
                gate_level: bool = True, timeout: float = 600) -> Path:
    """iverilog-compile ``sources`` (testbench + netlist) with top module ``top`` into ``out``.

    With ``gate_level`` the sky130hd models and defines are added. Raises ToolError with
    iverilog's first error line if compilation fails.
    """
    iverilog = require("iverilog")
    out = Path(out)
    files = [str(s) for s in sources]
    cmd = [iverilog, "-g2012", "-s", top, "-o", str(out)]
    if gate_level:
        cmd += iverilog_flags()
        files += [str(p) for p in gate_models()]
    proc = subprocess.run(cmd + files, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.is_file():
        first = next((ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()),
                     f"exit code {proc.returncode}")
        raise ToolError(f"iverilog could not compile {top}: {first}")
    return out


def run_sim(vvp_file: str | Path, args: Iterable[str] = (), cwd: str | Path | None = None,
            timeout: float = 600) -> str:
    """Run a compiled simulation with vvp; returns its stdout. ToolError on failure."""
    vvp = require("vvp")
    proc = subprocess.run([vvp, "-n", str(vvp_file), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        raise ToolError(f"vvp failed on {vvp_file} (exit {proc.returncode}): {tail[0]}")
    return proc.stdout


def simulate(sources: Iterable[str | Path], top: str, workdir: str | Path,
             gate_level: bool = True, args: Iterable[str] = ()) -> str:
    """Compile and run; returns the simulation's stdout."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    vvp_file = compile_sim(sources, top, workdir / f"{top}.vvp", gate_level=gate_level)
    return run_sim(vvp_file, args=args, cwd=workdir)
