"""Static timing and power with the Debian OpenSTA (2019 build, `sta`).

That build needs two accommodations: the sky130 liberty's `default_operating_conditions` must come
after the operating_conditions group it names (otherwise internal power reads 0), and it has no
read_vcd, so switching activity is given per driver pin with set_power_activity."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, ToolError
from ..sta.opensta import PowerResult, sta_liberty
from ..toolcheck import require
from .config import plain_liberty, pdk_files
from .lef import macros_cached
from .netlist import Netlist

DEFAULT_INPUT_ACTIVITY = 0.1  # OpenSTA's own vectorless default for primary inputs


def fixed_liberty(corner: str = "tt") -> Path:
    """The corner's liberty with default_operating_conditions moved after its group (cached)."""
    return sta_liberty(plain_liberty(corner))


# one power record for both OpenSTA entry points (fixyasic.sta and this P&R step)
PowerNumbers = PowerResult


@dataclass
class StaResult:
    clock_ns: float
    setup_wns_ns: float          # worst setup slack (negative = violated)
    setup_tns_ns: float
    hold_wns_ns: float
    fmax_mhz: float
    critical_path: str
    vectorless: PowerNumbers | None
    annotated: PowerNumbers | None
    annotated_pins: int = 0
    driver_pins: int = 0
    seconds: float = 0.0
    log: Path | None = None
    info: dict = field(default_factory=dict)


def _tcl(name: str) -> str:
    return "{" + name + "}"


def find_clock(nl: Netlist, clock_port: str | None) -> str | None:
    names = {n for n, d, w in nl.ports if d == "input" and w == 0}
    if clock_port:
        if clock_port not in names:
            raise InputError(f"clock port '{clock_port}' is not a 1-bit input of {nl.top}")
        return clock_port
    for cand in ("clk", "clock", "CLK", "clk_i", "i_clk"):
        if cand in names:
            return cand
    return None


def reference_clock_pin(nl: Netlist) -> str | None:
    """A register clock pin (inst/CLK, the first in netlist order) to measure input delays from;
    step_cts balances the tree by depth, so every register's clock arrives within the skew of
    any other's. None for a design without registers."""
    return next((f"{i.name}/CLK" for i in nl.instances if "CLK" in i.conns), None)


def driver_pins(nl: Netlist) -> dict[str, str]:
    """net -> its driver as an OpenSTA pin path (inst/PIN) or port name."""
    macros = macros_cached(str(pdk_files().lef))
    out: dict[str, str] = {}
    for bit, d in nl.port_bits():
        if d == "input":
            out[bit] = bit
    for inst in nl.instances:
        m = macros[inst.cell]
        for pin, net in inst.conns.items():
            if pin in m.pins and m.pins[pin].direction == "OUTPUT":
                out[net] = f"{inst.name}/{pin}"
    return out


_POWER_TOTAL = re.compile(r"^Total\s+([-\d.eE+]+)\s+([-\d.eE+]+)\s+([-\d.eE+]+)\s+([-\d.eE+]+)", re.M)


def timing_tcl(netlist_v: Path, nl: Netlist, clock_ns: float, spef: Path | None = None,
               clock_port: str | None = None, corner: str = "tt",
               output_load_pf: float = 0.005, input_min_delay_ns: float = 0.0) -> list[str]:
    """OpenSTA commands reading the design and setting the flow's constraints: one clock on the
    clock port (propagated through the clock tree), IO delays 0, a small load on the outputs.
    input_min_delay_ns > 0: for hold, the inputs change no earlier than this after the clock
    reaches a register of the design (`-reference_pin`): they come from the host's registers on
    the same clock tree, which launch at its insertion delay. An absolute delay after the port's
    edge does not scale: the full-size baseline's tree has 2.0-2.5 ns insertion delay, so its
    input-fed register files missed hold by 1.5 ns at 1.0 ns and asked for 58k hold buffers."""
    if clock_ns <= 0:
        raise InputError("clock period must be positive")
    clk = find_clock(nl, clock_port)
    T = [f"read_liberty {fixed_liberty(corner)}", f"read_verilog {Path(netlist_v).resolve()}",
         f"link_design {nl.top}"]
    if spef is not None:
        T.append(f"read_spef {Path(spef).resolve()}")
    if clk:
        T.append(f"create_clock -name core_clk -period {clock_ns} [get_ports {clk}]")
        T.append("set_propagated_clock [all_clocks]")
        T.append(f"set_input_delay 0 -clock core_clk [delete_from_list [all_inputs] [get_ports {clk}]]")
    else:
        T.append(f"create_clock -name core_clk -period {clock_ns}")
        T.append("set_input_delay 0 -clock core_clk [all_inputs]")
    if input_min_delay_ns > 0:
        ins = f"[delete_from_list [all_inputs] [get_ports {clk}]]" if clk else "[all_inputs]"
        ref = reference_clock_pin(nl) if clk else None
        T.append(f"set_input_delay -min {input_min_delay_ns} -clock core_clk "
                 + (f"-reference_pin [get_pins {{{ref}}}] " if ref else "") + ins)
    T += ["set_output_delay 0 -clock core_clk [all_outputs]",
          f"set_load {output_load_pf} [all_outputs]"]
    return T


def run_tcl(commands: list[str], workdir: Path, timeout: float = 1800) -> str:
    """Run OpenSTA on the commands (workdir/sta.tcl, log in workdir/sta.log); its output.
    ToolError when it fails or prints an Error line."""
    exe = require("sta")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "sta.tcl"
    script.write_text("\n".join([*commands, "exit"]) + "\n")
    log = workdir / "sta.log"
    try:
        proc = subprocess.run([exe, "-no_splash", "-exit", str(script.resolve())], cwd=workdir,
                              capture_output=True, stdin=subprocess.DEVNULL,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolError(f"OpenSTA did not finish in {timeout:.0f} s") from None
    out = proc.stdout + proc.stderr
    log.write_text(out)
    errs = [ln for ln in out.splitlines() if ln.startswith("Error")]
    if proc.returncode != 0 or errs:
        raise ToolError(f"OpenSTA failed: {(errs or [out.strip()[-300:]])[0]} (log: {log})")
    return out


def run_sta(netlist_v: Path, nl: Netlist, workdir: Path, clock_ns: float,
            spef: Path | None = None, clock_port: str | None = None,
            activity: dict[str, tuple[float, float]] | None = None, corner: str = "tt",
            output_load_pf: float = 0.005, timeout: float = 1800,
            input_min_delay_ns: float = 0.0) -> StaResult:
    """Timing (setup/hold, propagated clock through the buffer tree of step_cts) and power
    (vectorless, then with `activity` net -> (toggles per clock cycle, static probability))."""
    clk = find_clock(nl, clock_port)
    T = timing_tcl(netlist_v, nl, clock_ns, spef, clock_port, corner, output_load_pf, input_min_delay_ns)
    T += ["puts \"FX_BEGIN_PATH\"", "report_checks -path_delay max -digits 4", "puts \"FX_END_PATH\"",
          "report_wns -digits 4", "report_tns -digits 4",
          "puts \"FX_HOLD [sta::worst_slack_cmd min]\"",
          f"set_power_activity -input -activity {DEFAULT_INPUT_ACTIVITY} -duty 0.5",
          "puts \"FX_POWER vectorless\"", "report_power -digits 6"]
    drivers = driver_pins(nl)
    n_annot = 0
    if activity:
        # Every pin of the net gets the activity: this OpenSTA computes a cell's internal power
        # from its own input pins' activity, so annotating drivers alone leaves the loads on
        # vectorless propagated values (checked on a MAC netlist: load power did not move).
        loads: dict[str, list[str]] = {}
        for inst in nl.instances:
            for pin, net in inst.conns.items():
                loads.setdefault(net, []).append(f"{inst.name}/{pin}")
        for net, (act, duty) in activity.items():
            if net == clk or net not in drivers:
                continue
            drv = drivers[net]
            duty = min(max(duty, 0.0), 1.0)
            # set_power_activity -pins is broken in this build (calls a missing get_pins_error);
            # the underlying commands take the same units (toggles per clock period, duty)
            if "/" not in drv:
                T.append(f"sta::set_power_input_port_activity [lindex [get_ports {_tcl(drv)}] 0] "
                         f"{act:.6g} {duty:.6g}")
            for pin in loads.get(net, []):
                T.append(f"sta::set_power_pin_activity [sta::find_pin {_tcl(pin)}] {act:.6g} {duty:.6g}")
            n_annot += 1
        T += ["puts \"FX_POWER annotated\"", "report_power -digits 6"]
    t0 = time.time()
    out = run_tcl(T, workdir, timeout)
    log = Path(workdir) / "sta.log"
    wns = re.search(r"^wns\s+([-\d.eE+]+)", out, re.M)
    tns = re.search(r"^tns\s+([-\d.eE+]+)", out, re.M)
    hold = re.search(r"FX_HOLD\s+([-\d.eE+]+)", out)
    path = out.split("FX_BEGIN_PATH", 1)[-1].split("FX_END_PATH", 1)[0].strip()
    slack = re.search(r"([-\d.]+)\s+slack", path)
    if wns is None or slack is None:
        raise ToolError(f"OpenSTA reported no setup slack (log: {log})")
    # report_wns clips at 0; the path report carries the signed worst slack
    ws = float(slack.group(1))
    powers: dict[str, PowerNumbers] = {}
    for part in out.split("FX_POWER ")[1:]:
        tag = part.split()[0]
        m = _POWER_TOTAL.search(part)
        if m:
            powers[tag] = PowerNumbers(*(float(g) for g in m.groups()))
    return StaResult(clock_ns=clock_ns, setup_wns_ns=ws, setup_tns_ns=float(tns.group(1)) if tns else 0.0,
                     hold_wns_ns=float(hold.group(1)) * 1e9 if hold else float("nan"),
                     fmax_mhz=1000.0 / (clock_ns - ws) if clock_ns - ws > 0 else float("inf"),
                     critical_path=path, vectorless=powers.get("vectorless"),
                     annotated=powers.get("annotated"), annotated_pins=n_annot,
                     driver_pins=len([n for n in drivers if n != clk]), seconds=time.time() - t0, log=log)
