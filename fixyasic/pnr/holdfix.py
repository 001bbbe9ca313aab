"""Hold repair on the placed design, after the clock tree and before routing.

The clock reaches the flip-flops through step_cts's buffer tree (~0.6 ns on the lite extractor),
while data from the input ports (at the clock edge unless `input_min_delay_ns` says the inputs
come from registers on the same tree) and short flop-to-flop paths arrive sooner, so
OpenSTA finds hold violations that routing only makes worse. Nothing else here repairs them (no
OpenROAD), so this module does the textbook fix: delay buffers between the violating register pin
and its net.

Each round: the netlist and an estimated SPEF (wire RC from the placement,
fixyasic.pnr.spef.estimate_parasitics, an RC tree per net) go through OpenSTA with the flow's own constraints
(fixyasic.pnr.sta.timing_tcl); every register pin with hold slack below the margin gets
k = ceil(missing / delay per buffer) more buffers in front of it, never more than its setup slack
allows. The delay per buffer starts from a nominal value and is re-measured from the slack the
previous round's chains actually gained. Buffers go into the free row space nearest the pin
(buffertree.RowSpace, keeping the placer's padding). If setup ends worse than it started and
negative, every insertion is undone."""

from __future__ import annotations

import copy
import math
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PdkError
from .buffertree import FreshNames, RowSpace, pin_position
from .config import load_config, pdk_files
from .defio import Placement
from .floorplan import Floorplan
from .lef import macros_cached
from .netlist import Instance, Netlist
from .spef import write_estimated_spef
from .sta import run_tcl, timing_tcl

# buf_1: the smallest buffer whose pins qrouter reaches (dlygate*/clkdlybuf* would give more delay
# per area but are dont-use: their pins have no clean on-grid access, pdk_configs/sky130hd_pnr.json)
HOLD_BUFFER = ("sky130_fd_sc_hd__buf_1", "A", "X")
NOMINAL_DELAY_NS = 0.08      # buf_1 driving buf_1, tt corner, no wire (OpenSTA on a chain)
MAX_BUFFERS_PER_ROUND = 16   # per pin: bounds the damage of a wrong delay estimate
SETUP_DELAY_FACTOR = 1.5     # the setup bound assumes buffers this much slower than measured

_END_LINE = re.compile(r"^(\S+) \((\S+)\)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)", re.M)


@dataclass
class HoldReport:
    wns_before_ns: float
    wns_after_ns: float
    setup_wns_before_ns: float
    setup_wns_after_ns: float
    violating: int = 0            # register pins with hold slack < 0 before the repair
    fixed: int = 0                # of those, pins with hold slack >= 0 after it
    buffers: int = 0
    rounds: int = 0               # rounds that inserted buffers
    delay_per_buffer_ns: float = NOMINAL_DELAY_NS
    setup_limited: list[str] = field(default_factory=list)  # pins whose setup slack capped the fix
    reverted: bool = False


@dataclass
class Slacks:
    """One OpenSTA run's view of the register endpoints."""
    hold: dict[str, float]        # endpoint pin (inst/PIN) -> worst hold slack, ns
    setup: dict[str, float]       # endpoint pin -> worst setup slack, ns
    hold_wns: float
    setup_wns: float


def _section(out: str, tag: str) -> str:
    return out.split(f"FX_{tag}_BEGIN", 1)[-1].split(f"FX_{tag}_END", 1)[0]


def _ends(text: str) -> dict[str, float]:
    """`report_checks -format end` lines -> {endpoint: slack}; ports (no '/') are skipped."""
    return {m.group(1): float(m.group(5)) for m in _END_LINE.finditer(text) if "/" in m.group(1)}


def analyse(nl: Netlist, fp: Floorplan, placement: Placement, workdir: Path, clock_ns: float,
            clock_port: str | None = None, corner: str = "tt", input_min_delay_ns: float = 0.0) -> Slacks:
    """Hold and setup slack of every register endpoint, OpenSTA on estimated parasitics."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    v = nl.write_verilog(workdir / f"{nl.top}.v")
    spef = write_estimated_spef(nl, fp, placement, workdir / f"{nl.top}.est.spef").path
    T = timing_tcl(v, nl, clock_ns, spef, clock_port, corner, input_min_delay_ns=input_min_delay_ns)
    every = "-group_count 100000000 -endpoint_count 1 -format end -digits 4"
    T += ['puts "FX_WNS [sta::worst_slack_cmd max] [sta::worst_slack_cmd min]"',
          'puts "FX_HOLD_BEGIN"', f"report_checks -path_delay min {every}", 'puts "FX_HOLD_END"',
          'puts "FX_SETUP_BEGIN"', f"report_checks -path_delay max {every}", 'puts "FX_SETUP_END"']
    out = run_tcl(T, workdir)
    m = re.search(r"FX_WNS\s+(\S+)\s+(\S+)", out)
    setup_wns, hold_wns = (float(g) * 1e9 for g in m.groups())
    return Slacks(_ends(_section(out, "HOLD")), _ends(_section(out, "SETUP")), hold_wns, setup_wns)


def repair_hold(nl: Netlist, fp: Floorplan, placement: Placement, workdir: Path, clock_ns: float,
                clock_port: str | None = None, corner: str = "tt", margin_ns: float = 0.05,
                max_rounds: int = 6, pad_sites: int = 1, input_min_delay_ns: float = 0.0) -> HoldReport:
    """Insert hold buffers in place (nl.instances and placement grow) until every register pin
    has hold slack >= margin_ns on estimated parasitics, or max_rounds insertions were made."""
    from .place_coloquinte import row_gaps
    macros = macros_cached(str(pdk_files().lef))
    cell, a_pin, x_pin = HOLD_BUFFER
    if load_config().is_dont_use(cell):
        raise PdkError(f"hold buffer {cell} is on the dont-use list (pdk_configs/sky130hd_pnr.json)")
    width = round(macros[cell].width * fp.dbu)
    saved = (copy.deepcopy(nl.instances), dict(placement))
    by_name = {i.name: i for i in nl.instances}
    inst_name, net_name = FreshNames(set(by_name)), FreshNames(set(nl.nets()))
    space = RowSpace(fp, row_gaps(fp, nl, placement), pad_sites)
    workdir = Path(workdir)

    s = analyse(nl, fp, placement, workdir / "round_0", clock_ns, clock_port, corner, input_min_delay_ns)
    first = s
    rep = HoldReport(s.hold_wns, s.hold_wns, s.setup_wns, s.setup_wns,
                     violating=sum(1 for v in s.hold.values() if v < 0))
    limited: set[str] = set()
    last: dict[str, tuple[float, int]] = {}   # pin -> (hold slack before, buffers added)
    d = NOMINAL_DELAY_NS
    for rnd in range(1, max_rounds + 1):
        gains = [(s.hold[p] - s0) / k for p, (s0, k) in last.items() if p in s.hold]
        if gains:
            d = max(statistics.median(gains), 0.01)
        todo = {p: v for p, v in s.hold.items() if v < margin_ns}
        last = {}
        for pin, slack in sorted(todo.items(), key=lambda kv: kv[1]):
            need = math.ceil((margin_ns - slack) / d - 1e-9)
            room = s.setup.get(pin, float("-inf")) - margin_ns
            k = min(need, MAX_BUFFERS_PER_ROUND, max(0, math.floor(room / (d * SETUP_DELAY_FACTOR))))
            if k < need:
                limited.add(pin)
            if k <= 0:
                continue
            iname, pname = pin.rsplit("/", 1)
            inst = by_name[iname]
            x, y = pin_position(inst, pname, placement, macros, fp.dbu)
            base = inst.conns[pname].replace("[", "_").replace("]", "")
            for _ in range(k):
                # the new buffer goes between the pin and whatever drives it now
                out = net_name(f"{base}_hold")
                buf = Instance(inst_name("fx_hold"), cell, {a_pin: inst.conns[pname], x_pin: out})
                inst.conns[pname] = out
                nl.instances.append(buf)
                by_name[buf.name] = buf
                bx, by = space.take(x - width / 2, y, width)
                placement[buf.name] = (bx, by, next(o for _, ry, o in fp.rows if ry == by))
            last[pin] = (slack, k)
            rep.buffers += k
        if not last:
            break
        rep.rounds = rnd
        s = analyse(nl, fp, placement, workdir / f"round_{rnd}", clock_ns, clock_port, corner,
                        input_min_delay_ns)
    rep.wns_after_ns, rep.setup_wns_after_ns = s.hold_wns, s.setup_wns
    rep.fixed = sum(1 for p, v in first.hold.items() if v < 0 and s.hold.get(p, 0.0) >= 0)
    rep.delay_per_buffer_ns = d
    rep.setup_limited = sorted(p for p in limited if s.hold.get(p, 0.0) < margin_ns)
    if s.setup_wns < 0 and s.setup_wns < first.setup_wns:
        # the per-pin setup bound rests on estimates; never hand on a design that lost setup
        nl.instances[:] = saved[0]
        placement.clear()
        placement.update(saved[1])
        rep.reverted = True
        rep.buffers = rep.fixed = 0
        rep.wns_after_ns, rep.setup_wns_after_ns = first.hold_wns, first.setup_wns
    return rep
