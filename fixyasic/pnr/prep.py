"""Minimal sky130hd synthesis with pyosys for P&R tests and benchmarks, honouring the P&R dont-use
list. The project's real synthesis is fixyasic.synth (SiliconCompiler); this exists so the P&R layer
can be exercised on its own."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, ToolError
from .config import load_config, plain_liberty


@dataclass
class PrepResult:
    netlist: Path
    top: str
    seconds: float


def synthesize_gates(sources: list[Path], top: str, out: Path, corner: str = "tt",
                     flatten: bool = True) -> PrepResult:
    try:
        from pyosys import libyosys as ys
    except ImportError as exc:  # pragma: no cover
        raise ToolError("pyosys is missing: pip install pyosys") from exc
    cfg = load_config()
    lib = plain_liberty(corner)
    dont = " ".join(f"-dont_use {p}" for p in cfg.dont_use_patterns())
    tie, buf = cfg["tie_cell"], cfg["buffer_cell"]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.v")
    t0 = time.time()
    d = ys.Design()
    cmds = [f"read_verilog -sv {' '.join(str(s) for s in sources)}",
            f"synth -top {top}" + (" -flatten" if flatten else ""),
            f"dfflibmap -liberty {lib} {dont}",
            f"abc -liberty {lib} {dont}",
            "opt_clean -purge", "setundef -zero",
            f"hilomap -singleton -hicell {tie['cell']} {tie['hi']} -locell {tie['cell']} {tie['lo']}",
            f"insbuf -buf {buf['cell']} {buf['in']} {buf['out']}",
            "opt_clean -purge",
            f"write_verilog -noattr -noexpr -nohex -nodec {tmp}"]
    for c in cmds:
        try:
            ys.run_pass(f"tee -q -a {out.with_suffix('.yosys.log')} {c}", d)
        except Exception as exc:
            raise InputError(f"synthesis of {top} failed at '{c.split()[0]}': {exc}") from exc
    tmp.replace(out)
    return PrepResult(out, top, time.time() - t0)
