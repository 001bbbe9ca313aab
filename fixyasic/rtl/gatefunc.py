"""Fast gate-level simulation: the synthesized netlist with every sky130hd cell replaced by
the logic function its liberty entry declares (``function``, ``ff`` ``next_state``), flattened
by yosys into a plain netlist that Verilator can compile.  Same cells, same connections as
the netlist; only the cell models come from the liberty instead of the UDP-based Verilog
models (which only Icarus can run, ~100x slower)."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import ToolError


def _plain_liberty(work: Path) -> Path:
    from ..pdk import sky130hd

    src = sky130hd().liberty("tt")
    dst = work / "sky130hd_tt.lib"
    if not dst.exists():
        tmp = dst.with_name(dst.name + ".tmp")
        with gzip.open(src, "rb") as fi, open(tmp, "wb") as fo:
            shutil.copyfileobj(fi, fo)
        os.replace(tmp, dst)
    return dst


def liberty_functional_netlist(netlist: str | os.PathLike, top: str, out: str | os.PathLike) -> Path:
    """Write ``out``: ``top`` flattened over liberty-function cell models (plain Verilog)."""
    from pyosys import libyosys as ys

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as td:
        lib = _plain_liberty(Path(td))
        d = ys.Design()
        try:
            ys.run_pass(f"tee -q read_liberty -ignore_miss_func -ignore_miss_dir {lib}", d)
            ys.run_pass(f"tee -q read_verilog {Path(netlist).resolve()}", d)
            ys.run_pass(f"tee -q hierarchy -check -top {top}", d)
            ys.run_pass("tee -q flatten", d)
            ys.run_pass("tee -q opt_clean -purge", d)
            tmp = out.with_name(out.name + ".tmp")
            ys.run_pass(f"tee -q write_verilog -noattr {tmp}", d)
        except Exception as exc:  # pyosys raises plain RuntimeError on pass failures
            raise ToolError(f"yosys could not flatten {netlist} over liberty cell functions: {exc}") from None
        os.replace(tmp, out)
    return out
