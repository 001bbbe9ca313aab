"""Minimal sky130hd synthesis with pyosys for P&R tests and benchmarks, honouring the P&R dont-use
list. The project's real synthesis is fixyasic.synth (SiliconCompiler); this exists so the P&R layer
can be exercised on its own.

The yosys passes run in a child Python process, never in the caller's: libyosys keeps
process-wide state that a fresh `Design()` does not reset (the `autoidx` counter behind every
`$auto$`/`$abc$` name and the global IdString table, whose indices order cells in passes such as
wreduce and alumacc). A second synthesis in one process therefore gives a different netlist
(pnr_mac: 546 cells first, 560 after an earlier run), so a result would depend on what ran before
it; pyosys offers no call that resets that state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, ToolError
from .config import load_config, plain_liberty

_FAILED = 3  # child exit status: a yosys pass failed (details as JSON on stderr)


@dataclass
class PrepResult:
    netlist: Path
    top: str
    seconds: float


def _commands(sources: list[Path], top: str, corner: str, flatten: bool, out_v: Path) -> list[str]:
    cfg = load_config()
    lib = plain_liberty(corner)
    dont = " ".join(f"-dont_use {p}" for p in cfg.dont_use_patterns())
    tie, buf = cfg["tie_cell"], cfg["buffer_cell"]
    return [f"read_verilog -sv {' '.join(str(s) for s in sources)}",
            f"synth -top {top}" + (" -flatten" if flatten else ""),
            f"dfflibmap -liberty {lib} {dont}",
            f"abc -liberty {lib} {dont}",
            "opt_clean -purge", "setundef -zero",
            f"hilomap -singleton -hicell {tie['cell']} {tie['hi']} -locell {tie['cell']} {tie['lo']}",
            f"insbuf -buf {buf['cell']} {buf['in']} {buf['out']}",
            "opt_clean -purge",
            f"write_verilog -noattr -noexpr -nohex -nodec {out_v}"]


def run_yosys_fresh(commands: list[str], log: Path, what: str = "yosys") -> None:
    """Run yosys passes on one new design in a new Python process (see the module doc for why),
    appending their log to `log`. The child's stdout is this process' fd 1, so a caller's
    captured_stdout() still collects yosys' console output."""
    pkg_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [pkg_root, os.environ.get("PYTHONPATH")]))}
    start = Path(log).stat().st_size if Path(log).exists() else 0  # the log is appended to
    sys.stdout.flush()
    proc = subprocess.run([sys.executable, "-m", __name__], input=json.dumps(
        {"commands": commands, "log": str(log)}), stderr=subprocess.PIPE, text=True, env=env)
    if proc.returncode == _FAILED:
        err = json.loads(proc.stderr.strip().splitlines()[-1])
        raise InputError(f"{what} failed at '{err['command'].split()[0]}': {err['error']}")
    if proc.returncode != 0:
        # yosys exits the process itself on most errors (log_error): its message is in the log
        errors = [ln.strip() for ln in _log_since(Path(log), start) if "ERROR:" in ln]
        if errors:
            raise InputError(f"{what} failed: {errors[-1]} (log: {log})")
        raise ToolError(f"{what}: yosys process ended with status {proc.returncode}: "
                        f"{proc.stderr.strip()[-2000:]} (log: {log})")


def _log_since(log: Path, start: int) -> list[str]:
    if not log.exists():
        return []
    with open(log, "rb") as fh:
        fh.seek(start)
        return fh.read().decode(errors="replace").splitlines()


def synthesize_gates(sources: list[Path], top: str, out: Path, corner: str = "tt",
                     flatten: bool = True) -> PrepResult:
    """Synthesize `top` to a flat sky130hd gate netlist at `out` (the same netlist whatever ran
    earlier in this process)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.v")
    t0 = time.time()
    run_yosys_fresh(_commands(sources, top, corner, flatten, tmp), out.with_suffix(".yosys.log"),
                    f"synthesis of {top}")
    tmp.replace(out)
    return PrepResult(out, top, time.time() - t0)


def _child() -> int:
    """Entry of the child process: JSON {commands, log} on stdin."""
    try:
        from pyosys import libyosys as ys
    except ImportError:
        print("pyosys is missing: pip install pyosys", file=sys.stderr)
        return 2
    job = json.loads(sys.stdin.read())
    d = ys.Design()
    for c in job["commands"]:
        try:
            ys.run_pass(f"tee -q -a {job['log']} {c}", d)
        except Exception as exc:  # pyosys raises plain RuntimeError on pass failures
            sys.stdout.flush()
            print(json.dumps({"command": c, "error": str(exc)}), file=sys.stderr)
            return _FAILED
    return 0


if __name__ == "__main__":
    sys.exit(_child())
