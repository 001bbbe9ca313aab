"""Static timing and power with Debian's OpenSTA (2019 build, `sta`).

That build has quirks this module hides:
* the sky130 liberty must have ``default_operating_conditions`` after its group, else
  internal power reads 0 (we write a fixed copy once, cached);
* its Verilog reader rejects yosys attributes and ``signed`` declarations (sanitized copy);
* ``set_power_activity -pins`` is broken (calls an undefined proc), and per-pin activities set
  before the first power query are discarded: we query once, then set pins through
  ``sta::set_power_pin_activity``;
* it has no read_vcd/read_saif: activity comes from fixyasic.sta.activity.
OpenSTA 2019 has no machine-readable report format, so the few figures used are read from
``puts`` lines this module's own script prints (one value per line, tagged).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FlowError, InputError, ToolError
from ..toolcheck import require
from .activity import NetActivity

CACHE = Path(os.environ.get("FIXYASIC_CACHE_DIR") or Path.home() / ".cache" / "fixyasic") / "liberty"


def sta_liberty(lib_path: str | os.PathLike) -> Path:
    """A copy of a (gzipped) liberty file OpenSTA 2019 reads correctly."""
    src = Path(lib_path)
    if not src.is_file():
        raise InputError(f"liberty file not found: {src}")
    key = hashlib.sha256(f"{src.resolve()}:{src.stat().st_size}:{src.stat().st_mtime_ns}".encode()).hexdigest()[:12]
    out = CACHE / f"{src.name.removesuffix('.gz').removesuffix('.lib')}-{key}.lib"
    if out.is_file():
        return out
    text = (gzip.open(src, "rt") if src.suffix == ".gz" else open(src)).read()
    m = re.search(r"\n([ \t]*default_operating_conditions\s*:\s*\"?[\w.]+\"?\s*;)", text)
    if m:
        line = m.group(1)
        text = text[:m.start()] + text[m.end():]
        grp = re.search(r"operating_conditions\s*\(\s*\"?[\w.]+\"?\s*\)\s*\{[^}]*\}", text)
        if grp is None:
            raise InputError(f"{src}: default_operating_conditions without an operating_conditions group")
        text = text[:grp.end()] + "\n" + line + text[grp.end():]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, out)
    return out


_ATTR = re.compile(r"\(\*.*?\*\)", re.S)
_SIGNED = re.compile(r"\b(input|output|inout|wire|reg)(\s+)signed\b")


def sta_netlist(netlist: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Strip what OpenSTA 2019's Verilog reader cannot parse (attributes, ``signed``)."""
    src = Path(netlist)
    if not src.is_file():
        raise InputError(f"netlist not found: {src}")
    text = _SIGNED.sub(r"\1", _ATTR.sub("", src.read_text()))
    out = Path(out)
    out.write_text(text)
    return out


@dataclass
class PowerResult:
    internal_w: float
    switching_w: float
    leakage_w: float
    total_w: float


@dataclass
class StaResult:
    clock_period_ns: float
    worst_slack_ns: float
    tns_ns: float
    fmax_mhz: float
    power_activity: PowerResult | None
    power_vectorless: PowerResult | None
    annotated_nets: int = 0
    total_nets: int = 0
    runtime_s: float = 0.0
    log: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def timing_met(self) -> bool:
        return self.worst_slack_ns >= 0

    @property
    def annotated_fraction(self) -> float:
        return self.annotated_nets / self.total_nets if self.total_nets else 0.0


def default_sdc(clock_port: str, period_ns: float, input_delay_frac: float = 0.0) -> str:
    d = period_ns * input_delay_frac
    return (f"create_clock -name clk -period {period_ns} [get_ports {{{clock_port}}}]\n"
            f"set_input_delay {d} -clock clk [delete_from_list [all_inputs] [get_ports {{{clock_port}}}]]\n"
            f"set_output_delay {d} -clock clk [all_outputs]\n")


def _tcl_quote(name: str) -> str:
    return "{" + name + "}"


def run_sta(netlist: str | os.PathLike, top: str, liberty: str | os.PathLike, work_dir: str | os.PathLike,
            clock_port: str = "clk", period_ns: float = 10.0, sdc: str | None = None,
            spef: str | os.PathLike | None = None, activity: NetActivity | None = None,
            vectorless_input_activity: float = 0.1, timeout_s: float = 1800) -> StaResult:
    """Setup timing, then vectorless and (if given) activity-annotated power at ``period_ns``."""
    exe = require("sta")
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    lib = sta_liberty(liberty)
    net = sta_netlist(netlist, work / f"{top}.sta.v")
    (work / "constraints.sdc").write_text(sdc or default_sdc(clock_port, period_ns))
    lines = [
        f"read_liberty {lib}",
        f"read_verilog {net}",
        f"link_design {top}",
        "read_sdc constraints.sdc",
    ]
    if spef is not None:
        if not Path(spef).is_file():
            raise InputError(f"SPEF not found: {spef}")
        lines.append(f"read_spef {Path(spef).resolve()}")
    lines += [
        'puts "FX nets [llength [get_nets *]]"',
        'puts "FX wns [sta::worst_slack -max]"',
        "report_checks -path_delay max -digits 4 > timing_max.rpt",
        "report_tns > tns.rpt",
        f"set_power_activity -input -activity {vectorless_input_activity} -duty 0.5",
        "report_power -digits 6 > power_vectorless.rpt",
    ]
    annotated = 0
    if activity is not None:
        act_file = work / "activity.tcl"
        rows = []
        for name in sorted(activity.activity):
            a, d = activity.activity[name], activity.duty.get(name, 0.5)
            rows.append(f"{_tcl_quote(name)} {a:.6g} {d:.6g}")
        act_file.write_text("set fx_act {\n" + "\n".join(rows) + "\n}\n")
        lines += [
            f"source {act_file.resolve()}",
            "set fx_done 0",
            "foreach {n a d} $fx_act {",
            "  set nets [get_nets -quiet $n]",
            "  if {[llength $nets] == 0} { continue }",
            "  incr fx_done",
            "  foreach p [get_pins -quiet -of_objects $nets] { sta::set_power_pin_activity $p $a $d }",
            "  foreach p [get_ports -quiet $n] { sta::set_power_input_port_activity $p $a $d }",
            "}",
            'puts "FX annotated $fx_done"',
            "report_power -digits 6 > power_activity.rpt",
        ]
    lines.append("exit")
    script = work / "sta.tcl"
    script.write_text("\n".join(lines) + "\n")
    log = work / "sta.log"
    t0 = time.time()
    try:
        proc = subprocess.run([exe, "-no_splash", "-exit", script.name], cwd=work, capture_output=True,
                              text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise FlowError(f"OpenSTA timed out after {timeout_s:.0f} s (log: {log})") from None
    log.write_text(proc.stdout + proc.stderr)
    tags = dict(re.findall(r"^FX (\w+) (\S+)$", proc.stdout, re.M))
    errors = [l for l in (proc.stdout + proc.stderr).splitlines() if l.startswith("Error")]
    if errors or "wns" not in tags:
        raise ToolError(f"OpenSTA failed: {errors[0] if errors else 'no timing result'} (log: {log})")
    try:
        wns = float(tags["wns"])
    except ValueError:
        raise FlowError(f"OpenSTA found no constrained path (worst slack '{tags['wns']}'); "
                        f"is '{clock_port}' the clock port? (log: {log})") from None
    tns = _read_tns(work / "tns.rpt")
    res = StaResult(
        clock_period_ns=period_ns, worst_slack_ns=wns, tns_ns=tns,
        fmax_mhz=1000.0 / (period_ns - wns) if period_ns - wns > 0 else float("inf"),
        power_vectorless=_read_power(work / "power_vectorless.rpt"),
        power_activity=_read_power(work / "power_activity.rpt") if activity is not None else None,
        annotated_nets=int(tags.get("annotated", 0)), total_nets=int(tags.get("nets", 0)),
        runtime_s=time.time() - t0, log=log)
    return res


def _read_tns(path: Path) -> float:
    m = re.search(r"tns\s+(-?[\d.eE+-]+)", path.read_text()) if path.is_file() else None
    return float(m.group(1)) if m else 0.0


def _read_power(path: Path) -> PowerResult:
    text = path.read_text() if path.is_file() else ""
    m = re.search(r"^Total\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    if not m:
        raise ToolError(f"OpenSTA power report {path} has no Total line (empty or truncated)")
    i, s, l, t = (float(v) for v in m.groups())
    return PowerResult(internal_w=i, switching_w=s, leakage_w=l, total_w=t)
