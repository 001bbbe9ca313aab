"""Synthesize Verilog to sky130hd cells with SiliconCompiler (slang elaborate -> yosys syn_asic).

    res = synthesize(["mac.v"], top="mac", clock_ns=10.0, out_dir="build/mac")
    res.cellarea   # um^2, SiliconCompiler's recorded 'cellarea' metric (yosys stat, tt liberty)
    res.cells      # SiliconCompiler's recorded 'cells' metric
    res.netlist    # gate-level Verilog (<out_dir>/<top>.vg)

Failures become one-line fixyasic errors: a Verilog error names the file and line (InputError),
a tool problem says what to install (ToolError), missing PDK data names the file (PdkError).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import FlowError, InputError, PdkError, ToolError
from .pdk import ENV_VAR

JOB = "job0"
SYN_STEP, SYN_INDEX = "synthesis", "0"


@dataclass(frozen=True)
class SynthResult:
    top: str
    netlist: Path        # gate-level Verilog, sky130_fd_sc_hd cells
    cellarea: float      # um^2
    cells: int
    metrics: dict = field(default_factory=dict)   # every metric SC recorded for synthesis/0
    build_dir: Path = Path(".")                    # SC build directory of this run


def _node_dir(build_dir: Path, top: str, step: str, index: str = "0") -> Path:
    return build_dir / top / JOB / step / index


def _log_lines(node: Path, step: str, index: str = "0") -> list[str]:
    lines: list[str] = []
    for log in (node / f"sc_{step}_{index}.log", node / f"{step}.log"):
        if log.is_file():
            lines.extend(log.read_text(errors="replace").splitlines())
    return lines


def _diagnose(build_dir: Path, top: str, failure: str) -> Exception:
    """Turn a failed SC run into one clear error, from the failing node's logs."""
    elab = _node_dir(build_dir, top, "elaborate")
    # slang reports "<file>:<line>:<col>: error: <message>"
    errors = [m.group(1) for line in _log_lines(elab, "elaborate")
              if (m := re.search(r"((?:\S+:\d+:\d+: )?\berror: .*)$", line))]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return InputError(f"Verilog error: {errors[0]}{more}")
    if "elaborate" in failure:
        return InputError(f"Verilog elaboration of '{top}' failed; see {elab}")
    syn = _node_dir(build_dir, top, SYN_STEP)
    errors = [line.strip() for line in _log_lines(syn, SYN_STEP)
              if re.search(r"\bERROR\b", line)]
    if errors:
        msg = re.sub(r"^\|.*?\|\s*", "", errors[0])
        return ToolError(f"yosys failed: {msg} (log: {syn / 'synthesis.log'})")
    job_log = build_dir / top / JOB / "job.log"
    text = job_log.read_text(errors="replace") if job_log.is_file() else ""
    m = re.search(r"Cannot resolve path (\S+) in required file keypath \[library,", text)
    if m:
        return PdkError(f"PDK file not found: {m.group(1)} (no local PDK data and lambdapdk "
                        f"could not fetch it); set {ENV_VAR} to the directory that holds "
                        f"lambdapdk/sky130")
    if re.search(r"version requirements|could not be found|not found", failure):
        return ToolError(f"SiliconCompiler: {failure.replace('Run failed: ', '')}; a yosys >= 0.48 "
                         f"is needed (unset FIXYASIC_YOSYS to use fixyasic's pyosys console)")
    return FlowError(f"SiliconCompiler synthesis failed: {failure} (logs under {build_dir})")


def collect_metrics(run, step: str, index: str) -> dict:
    """Every metric SiliconCompiler recorded for one node of a run."""
    metrics = {}
    for name in run.getkeys("metric"):
        try:
            value = run.get("metric", name, step=step, index=index)
        except Exception:
            continue
        if value is not None:
            metrics[name] = value
    return metrics


def synthesize(sources: Iterable[str | Path], top: str, clock_ns: float = 10.0,
               out_dir: str | Path | None = None, *, clock_port: str | None = None,
               quiet: bool = True, pnr_ready: bool = False) -> SynthResult:
    """Run SiliconCompiler synthesis on sky130hd (tt corner) and read its recorded metrics.

    ``out_dir`` (default ``build/<top>``) holds SC's build tree and the copied netlist
    ``<top>.vg``. ``clock_port`` defaults to an input named clk/clock. ``pnr_ready`` keeps out
    the cells fixyasic's own P&R cannot use (pdk_configs/sky130hd_pnr.json, dont_use).
    """
    from . import sc_project

    srcs = [Path(s) for s in sources]
    out = Path(out_dir) if out_dir is not None else Path("build") / top
    out = out.resolve()
    build_dir = out / "sc"
    project = sc_project.make_project(srcs, top, clock_ns=clock_ns, build_dir=build_dir,
                                      clock_port=clock_port, jobname=JOB, pnr_ready=pnr_ready)
    sc_project.set_flow(project, sc_project.synthesis_flow())
    project.option.set_quiet(quiet)
    # a stale netlist from an earlier run must never pass for this run's result
    stale = out / f"{top}.vg"
    stale.unlink(missing_ok=True)

    try:
        run = project.run()
    except RuntimeError as exc:
        raise _diagnose(build_dir, top, str(exc)) from None
    except Exception as exc:  # SC raises its own types for missing executables etc.
        if "TaskExecutableNotFound" in type(exc).__name__:
            raise ToolError(f"SiliconCompiler could not find a tool: {exc}") from None
        raise

    metrics = collect_metrics(run, SYN_STEP, SYN_INDEX)
    if "cellarea" not in metrics or "cells" not in metrics:
        raise FlowError(f"synthesis of '{top}' recorded no cellarea/cells metric "
                        f"(see {_node_dir(build_dir, top, SYN_STEP)})")
    sc_netlist = _node_dir(build_dir, top, SYN_STEP) / "outputs" / f"{top}.vg"
    if not sc_netlist.is_file():
        raise FlowError(f"synthesis produced no netlist at {sc_netlist}")
    tmp = out / f".{top}.vg.tmp"
    shutil.copyfile(sc_netlist, tmp)
    tmp.replace(stale)
    return SynthResult(top=top, netlist=stale, cellarea=float(metrics["cellarea"]),
                       cells=int(metrics["cells"]), metrics=metrics, build_dir=build_dir)
