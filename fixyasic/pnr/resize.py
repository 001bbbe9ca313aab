"""Electrical repair by gate sizing on the placed design (like OpenROAD's `repair_design`), after
the clock tree and before the hold repair.

Synthesis sizes cells with no idea of the wires: on a placed full-size design a `clkinv_1` ends
up driving 0.42 pF and an `a211oi_1` (max_capacitance 0.048 pF) 0.26 pF with a 9 ns slew, and
those drivers are most of its setup violations. Nothing else here sizes gates (no OpenROAD), so:

Each round writes the netlist and a SPEF estimated from the placement (`spef.estimate_rc`, one
star per net), runs OpenSTA with the flow's constraints (`sta.timing_tcl`) and reads, for
every cell output pin, its worst slew and the capacitance it drives. A driver violates when its
slew is above SLEW_TARGET_NS or its output pin's liberty max_transition, or its load is above
the pin's liberty max_capacitance (this 2019 OpenSTA has no max-capacitance check of its own).
Each violator becomes the smallest stronger variant of its cell (same family `name_<drive>`,
same pins and functions, in the LEF and liberty, not dont-use) whose max_capacitance covers the
load with SIZE_MARGIN; a slew violator whose load already fits goes one size up (its input slew
is the problem, which the upstream driver's own repair fixes). Where no usable size covers the
load (xor2_2, a211oi_2: their _4 are dont-use), a buffer (buf_1..buf_12, sized the same way)
next to the driver takes the net and the driver sees one input pin.

The wider cell grows into the free sites beside it, pushing its row neighbours a few sites aside
where needed, never across a tap and never closing the placer's padding gap (RowSlots); a buffer
goes into the nearest free span with that padding; what finds no room is left (counted). Rounds
repeat until nothing violates or nothing changes. Drivers of register clock pins other than
step_cts's buffers (clock gates) are not touched. step_cts's tree is balanced by depth with equal
buffers, but not its loads: on the full-size baseline two of the three top buffers drove 0.32 pF
(1.38 ns slew, estimated) and the third 0.10 pF (0.39 ns), and after routing the slow branches
arrived 2.5 ns after the fast ones (hold WNS -1.33 ns). So a tree buffer whose slew is above
CLOCK_SLEW_TARGET_NS goes one clkbuf size up per round: a stronger buffer makes its branch's delay
depend less on its wire, which is where the branches differ.

Where the driver is within its limits but load pins are not (OpenSTA's own max_transition check
covers every pin), the wire is too slow: step_cts's fanout trees end in nets of 24 loads spread
over a millimetre (0.4 pF of wire on the full-size baseline's load buses). Such a net's loads are
split in two halves along its wider axis, each behind a repeater at its centroid (one load: a
repeater halfway); later rounds split again where still needed.

Then the setup rounds (like a small `repair_timing`): OpenSTA reports the worst path of each of
the SETUP_PATHS worst endpoints; every cell on a path below SETUP_MARGIN_NS whose own delay is
at least SETUP_STAGE_NS goes one size up (each once per round), and the rounds repeat until the
estimated WNS meets the margin, nothing can grow, or the WNS gets worse. On a spread 80k-cell
extractor the slow stages are full adders (`maj3_1`, `xnor2_1`) on 0.05-0.13 pF of wire
between the adder tree's levels: two rounds took it from -2.08 to +0.54 ns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .buffertree import FreshNames
from .config import load_config, pdk_files
from .defio import Placement
from .floorplan import Floorplan
from .lef import Macro, macros_cached
from .netlist import Instance, Netlist
from .spef import estimate_rc, write_star_spef
from .sta import fixed_liberty, run_tcl, timing_tcl

# Slew target at every pin, ns (tt corner). sky130hd's own default_max_transition is 1.5 ns
# and most output pins carry max_transition 1.5 (a few 1.49); beyond that the liberty tables
# extrapolate and the delays mean little. Lower it for more margin (more and bigger cells).
SLEW_TARGET_NS = 1.5
# A new size must drive SIZE_MARGIN x the estimated load within its max_capacitance: the estimate
# misses routing detours (hold repair: estimated vs routed hold WNS within ~0.03 ns, wire C within
# a few %), and a cell sized to the edge of its table is back over the limit after routing.
SIZE_MARGIN = 1.25
MAX_ROUNDS = 5
CLOCK_TREE_PREFIX = "fx_cts"          # step_cts's clock buffers
# step_cts's buffers above this slew (estimated) go one size up per round, up to clkbuf_16
CLOCK_SLEW_TARGET_NS = 0.5
BUFFER_PREFIX = "fx_rsz"
# where no usable size of a cell drives its load (xor2_4, a211oi_4 are dont-use), a buffer at
# its output takes the load; sized like the cells, from buf_1 up to buf_12 (buf_16 is dont-use)
REPAIR_BUFFER = ("sky130_fd_sc_hd__buf_1", "A", "X")
_CLOCK_PINS = ("CLK", "CLK_N", "GATE", "GATE_N")

# setup repair after the electrical rounds: cells on the worst paths go one size up per round
# while an estimated endpoint slack is below SETUP_MARGIN_NS (the routed wires add delay the
# star estimate can miss; on the 68k baseline +2.28 estimated became +2.40 routed). A stage
# is worth a bigger cell when its own delay is at
# least SETUP_STAGE_NS (a cell's delay grows with its load; small delays gain nothing).
SETUP_MARGIN_NS = 0.3
SETUP_ROUNDS = 8
SETUP_PATHS = 300                     # worst endpoints examined per round
SETUP_STAGE_NS = 0.3

_FAMILY = re.compile(r"^(.*)_(\d+)$")
_CHECK_LINE = re.compile(r"^(\S+/\S+)\s+[-\d.]+\s+[-\d.]+\s+-[\d.]+", re.M)  # pin limit slew -slack
# a cell output in report_checks -fields {cap slew}: cap slew delay time ^|v inst/pin (cell)
_PATH_STAGE = re.compile(r"^\s+([\d.]+)\s+([\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+[\^v]\s+(\S+)/(\S+)\s+\((\S+)\)\s*$",
                         re.M)
_PATH_SLACK = re.compile(r"^\s*(-?[\d.]+)\s+slack\b", re.M)


@dataclass(frozen=True)
class LibPin:
    max_cap_pf: float
    max_transition_ns: float
    function: str


@dataclass
class ResizeReport:
    setup_wns_before_ns: float
    setup_wns_after_ns: float
    setup_tns_before_ns: float = 0.0
    setup_tns_after_ns: float = 0.0
    slew_violators_before: int = 0   # driver pins over their slew limit
    slew_violators_after: int = 0
    cap_violators_before: int = 0    # driver pins over their liberty max_capacitance
    cap_violators_after: int = 0
    wire_violators_before: int = 0   # load pins over the limit behind a driver within it
    wire_violators_after: int = 0
    worst_slew_before_ns: float = 0.0
    worst_slew_after_ns: float = 0.0
    resized: int = 0                 # instances that changed size (once or more)
    buffers: int = 0                 # buffers added where no size was strong enough
    split_nets: int = 0              # wire-limited nets split among repeaters
    repeaters: int = 0               # buffers added by those splits
    not_placed: int = 0              # violators whose bigger cell / buffer found no room
    no_variant: int = 0              # repair buffers at buf_12, still over (last round)
    clock_skipped: int = 0           # violators driving clock pins (clock gates), left alone
    clock_resized: int = 0           # step_cts buffers sized up for CLOCK_SLEW_TARGET_NS
    clock_slew_before_ns: float = 0.0  # worst slew out of step_cts's buffers
    clock_slew_after_ns: float = 0.0
    area_added_um2: float = 0.0
    rounds: int = 0
    setup_resized: int = 0           # cells sized up on paths below SETUP_MARGIN_NS
    setup_rounds: int = 0
    setup_wns_electrical_ns: float = 0.0  # after the electrical rounds, before the setup ones
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # inst -> (from, to)


@lru_cache(maxsize=4)
def liberty_outputs(corner: str = "tt") -> dict[str, dict[str, LibPin]]:
    """cell -> {output pin: LibPin} from the corner's liberty (units: pF, ns)."""
    cells: dict[str, dict[str, LibPin]] = {}
    cell = pin = None
    depth = cell_depth = pin_depth = 0
    attrs: dict[str, str] = {}
    for line in Path(fixed_liberty(corner)).read_text().splitlines():
        s = line.strip()
        m = re.match(r'(cell|pin)\s*\(\s*"?([^")]+)"?\s*\)\s*\{', s)
        if m and m.group(1) == "cell" and cell is None:
            cell, cell_depth = m.group(2), depth
            cells[cell] = {}
        elif m and m.group(1) == "pin" and cell is not None and pin is None:
            pin, pin_depth, attrs = m.group(2), depth, {}
        elif pin is not None and depth == pin_depth + 1:
            a = re.match(r'(direction|function|max_capacitance|max_transition)\s*:\s*"?([^";]*)"?', s)
            if a:
                attrs[a.group(1)] = a.group(2).strip()
        depth += s.count("{") - s.count("}")
        if pin is not None and depth <= pin_depth:
            if attrs.get("direction") == "output":
                cells[cell][pin] = LibPin(float(attrs.get("max_capacitance", "inf")),
                                          float(attrs.get("max_transition", "inf")),
                                          attrs.get("function", ""))
            pin = None
        if cell is not None and depth <= cell_depth:
            cell = None
    return cells


def bigger_variants(cell: str, macros: dict[str, Macro], lib: dict[str, dict[str, LibPin]]) -> list[str]:
    """Stronger cells that can replace `cell` pin for pin, weakest first: same family
    (`<family>_<drive>`), same LEF pins, same output functions, in both views, not dont-use."""
    m = _FAMILY.match(cell)
    if m is None or cell not in macros or cell not in lib:
        return []
    family, drive = m.group(1), int(m.group(2))
    cfg = load_config()
    pins = set(macros[cell].pins)
    funcs = {p: lp.function for p, lp in lib[cell].items()}
    out = []
    for name in macros:
        v = _FAMILY.match(name)
        if v is None or v.group(1) != family or int(v.group(2)) <= drive:
            continue
        if name not in lib or cfg.is_dont_use(name) or set(macros[name].pins) != pins:
            continue
        if {p: lp.function for p, lp in lib[name].items()} != funcs:
            continue
        out.append((int(v.group(2)), name))
    return [n for _, n in sorted(out)]


@dataclass
class Drive:
    """One OpenSTA run: every cell output pin's worst slew (ns) and load (pF), setup, and the
    pins (loads too) over SLEW_TARGET_NS or their liberty limit by OpenSTA's own check."""
    pins: dict[str, tuple[float, float]]
    setup_wns: float
    setup_tns: float
    slew_pins: set[str] = field(default_factory=set)
    paths: list["TimingPath"] = field(default_factory=list)


@dataclass
class PathStage:
    inst: str
    pin: str
    cell: str
    load_pf: float
    delay_ns: float


@dataclass
class TimingPath:
    """One endpoint's worst setup path: its slack and the cell outputs along its data part."""
    slack_ns: float
    stages: list[PathStage]


def parse_paths(text: str) -> list[TimingPath]:
    """Paths of OpenSTA's `report_checks -fields {cap slew}` (full format, clock not expanded):
    the cell outputs before 'data arrival time' and the slack."""
    out = []
    for block in re.split(r"^Startpoint:", text, flags=re.M)[1:]:
        arrival, _, rest = block.partition("data arrival time")
        m = _PATH_SLACK.search(rest)
        if m is None:
            continue
        stages = [PathStage(g[4], g[5], g[6], float(g[0]), float(g[2]))
                  for g in _PATH_STAGE.findall(arrival)]
        out.append(TimingPath(float(m.group(1)), stages))
    return out


def _is_output(macros: dict[str, Macro], cell: str, pin: str) -> bool:
    return pin in macros[cell].pins and macros[cell].pins[pin].direction == "OUTPUT"


def output_pins(nl: Netlist, macros: dict[str, Macro]) -> list[str]:
    """Every connected cell output pin as inst/PIN."""
    return [f"{i.name}/{p}" for i in nl.instances for p in i.conns if _is_output(macros, i.cell, p)]


def measure(nl: Netlist, fp: Floorplan, placement: Placement, workdir: Path, clock_ns: float,
            clock_port: str | None = None, corner: str = "tt",
            input_min_delay_ns: float = 0.0, paths: int = 0) -> Drive:
    """Slew and load of every driver pin and setup WNS/TNS, OpenSTA on estimated parasitics;
    with `paths`, also the worst setup path of that many endpoints."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    macros = macros_cached(str(pdk_files().lef))
    v = nl.write_verilog(workdir / f"{nl.top}.v")
    # stars, not the hold repair's trees: this OpenSTA degrades a load's slew through a star's
    # per-pin resistor but on a tree gives every load the driver's slew (the wire's delay, no
    # slew), which would hide the wire-limited nets below (the test's 16-load net: 16 load
    # pins over the limit as a star, none as a tree)
    spef = write_star_spef(nl, estimate_rc(nl, fp, placement), workdir / f"{nl.top}.est.spef").path
    pins = output_pins(nl, macros)
    (workdir / "drivers.txt").write_text("\n".join(pins) + "\n")
    T = timing_tcl(v, nl, clock_ns, spef, clock_port, corner, input_min_delay_ns=input_min_delay_ns)
    # worst_slack first: it brings every arrival and slew up to date for the loop below
    T += [f"set_max_transition {SLEW_TARGET_NS} [current_design]",
          'puts "FX_WNS [sta::worst_slack_cmd max]"', "report_tns -digits 4",
          'puts "FX_SLEW_BEGIN"', "report_check_types -max_transition -all_violators -digits 4",
          'puts "FX_SLEW_END"',
          "set fi [open drivers.txt r]", "set fo [open drive.txt w]",
          "set corner [sta::cmd_corner]",
          "foreach name [split [read $fi] \\n] {",
          "  if {$name eq {}} continue",
          "  set p [sta::find_pin $name]",
          "  set s 0.0",
          "  foreach v [$p vertices] { foreach rf {rise fall} {",
          "    foreach x [$v slews $rf] { if {$x > $s} { set s $x } } } }",
          "  set c 0.0",
          "  set n [$p net]",
          "  if {$n ne {NULL}} { foreach rf {rise fall} {",
          "    set x [$n capacitance $rf $corner max]; if {$x > $c} { set c $x } } }",
          '  puts $fo "$name $s $c"',
          "}", "close $fi", "close $fo"]
    if paths:
        T += ['puts "FX_PATHS_BEGIN"',
              f"report_checks -path_delay max -group_count {paths} -endpoint_count 1 "
              "-fields {cap slew} -digits 4",
              'puts "FX_PATHS_END"']
    out = run_tcl(T, workdir)
    wns = float(re.search(r"FX_WNS\s+(\S+)", out).group(1)) * 1e9
    tns = re.search(r"^tns\s+([-\d.eE+]+)", out, re.M)
    drive = {}
    for line in (workdir / "drive.txt").read_text().splitlines():
        name, s, c = line.split()
        drive[name] = (float(s) * 1e9, float(c) * 1e12)
    checks = out.split("FX_SLEW_BEGIN", 1)[-1].split("FX_SLEW_END", 1)[0]
    slew_pins = {m.group(1) for m in _CHECK_LINE.finditer(checks)}
    found = parse_paths(out.split("FX_PATHS_BEGIN", 1)[-1].split("FX_PATHS_END", 1)[0]) if paths else []
    return Drive(drive, wns, float(tns.group(1)) if tns else 0.0, slew_pins, found)


def wire_limited(drive: Drive, nl: Netlist, viol: dict) -> dict[str, tuple[str, int]]:
    """net -> (driver pin, load pins over the slew limit) for nets whose driver is within its
    limits (not in `viol`) while loads are not: the wire itself is too slow."""
    net_driver = {i.conns[p]: f"{i.name}/{p}" for i in nl.instances for p in i.conns
                  if f"{i.name}/{p}" in drive.pins}
    by_name = {i.name: i for i in nl.instances}
    out: dict[str, tuple[str, int]] = {}
    for pin in drive.slew_pins - set(drive.pins):
        inst, p = pin.rsplit("/", 1)
        net = by_name[inst].conns.get(p) if inst in by_name else None
        d = net_driver.get(net)
        if d is not None and d not in viol:
            out[net] = (d, out.get(net, (d, 0))[1] + 1)
    return out


@dataclass
class Violation:
    slew_ns: float
    load_pf: float
    slew_over: bool
    cap_over: bool


def violations(drive: Drive, nl: Netlist, corner: str = "tt") -> dict[str, Violation]:
    """Driver pins over SLEW_TARGET_NS / their liberty max_transition or max_capacitance."""
    lib = liberty_outputs(corner)
    cells = {i.name: i.cell for i in nl.instances}
    out = {}
    for name, (slew, cap) in drive.pins.items():
        inst, pin = name.rsplit("/", 1)
        lp = lib.get(cells[inst], {}).get(pin)
        if lp is None:
            continue
        s_over = slew > min(SLEW_TARGET_NS, lp.max_transition_ns)
        c_over = cap > lp.max_cap_pf
        if s_over or c_over:
            out[name] = Violation(slew, cap, s_over, c_over)
    return out


def clock_drivers(nl: Netlist) -> set[str]:
    """Instances that drive a register clock pin (step_cts's tree, clock gates): not resized."""
    clock_nets = {net for i in nl.instances for p, net in i.conns.items() if p in _CLOCK_PINS}
    out = {i.name for i in nl.instances if i.name.startswith(CLOCK_TREE_PREFIX)}
    macros = macros_cached(str(pdk_files().lef))
    for i in nl.instances:
        for p, net in i.conns.items():
            if net in clock_nets and _is_output(macros, i.cell, p):
                out.add(i.name)
    return out


def choose_size(pin: str, v: Violation, variants: list[str],
                lib: dict[str, dict[str, LibPin]]) -> str | None:
    """The weakest variant whose max_capacitance covers SIZE_MARGIN x the load (the largest if
    none does); for a slew-only violation at least the next size up. None: no variant."""
    if not variants:
        return None
    need = v.load_pf * SIZE_MARGIN
    for name in variants:
        if lib[name][pin].max_cap_pf >= need:
            return name
    return variants[-1]


class RowSlots:
    """The cells and taps of every row sorted by x, for widening a cell in place: it takes the
    free sites beside it and pushes neighbours aside up to the next tap or core edge. Gaps are
    never closed below `pad_sites` (the placer's padding; qrouter's pin access) unless they
    already were narrower, so no pushed cell gets closer to another than the placer put it."""

    def __init__(self, fp: Floorplan, nl: Netlist, placement: Placement, pad_sites: int = 1):
        macros = macros_cached(str(pdk_files().lef))
        self.fp = fp
        self.placement = placement
        self.pad = pad_sites * fp.site_w
        self.rows: dict[int, list[list]] = {y: [] for _, y, _ in fp.rows}   # [x, w, name|None]
        self.row_of: dict[str, int] = {}
        for t in fp.taps:
            self.rows[t.y].append([t.x, round(macros[t.cell].width * fp.dbu), None])
        for inst in nl.instances:
            x, y, _ = placement[inst.name]
            self.rows[y].append([x, round(macros[inst.cell].width * fp.dbu), inst.name])
            self.row_of[inst.name] = y
        for r in self.rows.values():
            r.sort(key=lambda e: e[0])

    def _gaps(self, row: list[list], i: int, step: int) -> list[int]:
        """The gaps on one side of row[i], nearest first: between movable cells, then the one
        before the next tap or the core edge (which do not move)."""
        out = []
        j = i
        while True:
            k = j + step
            if step > 0:
                nxt = row[k][0] if k < len(row) else self.fp.core[2]
                out.append(nxt - row[j][0] - row[j][1])
            else:
                prev = row[k][0] + row[k][1] if k >= 0 else self.fp.core[0]
                out.append(row[j][0] - prev)
            if not (0 <= k < len(row)) or row[k][2] is None:
                return out
            j = k

    def insert(self, name: str, width: int, x: float, y: float) -> tuple[int, int] | None:
        """Place a new cell `width` dbu wide in the free span nearest (x, y), the placer's
        padding kept on both sides; its (x, y), or None if no row has room."""
        best = None
        for ry in sorted(self.rows, key=lambda r: abs(r - y)):
            if best is not None and abs(ry - y) >= best[0]:
                break
            row = self.rows[ry]
            ends = [self.fp.core[0], *(e[0] + e[1] for e in row)]
            starts = [*(e[0] for e in row), self.fp.core[2]]
            for k, (a, b) in enumerate(zip(ends, starts)):
                lo, hi = a + self.pad, b - self.pad - width
                if hi < lo:
                    continue
                cx = min(max(int(x - width / 2), lo), hi)
                cx = lo + (cx - lo) // self.fp.site_w * self.fp.site_w
                cost = abs(ry - y) + abs(cx + width / 2 - x)
                if best is None or cost < best[0]:
                    best = (cost, ry, k, cx)
        if best is None:
            return None
        _, ry, k, cx = best
        self.rows[ry].insert(k, [cx, width, name])
        self.row_of[name] = ry
        return cx, ry

    def widen(self, name: str, new_width: int) -> bool:
        """Widen the placed cell `name` to new_width dbu near its spot, moving it and its row
        neighbours by at most the added width; False (nothing changed) if the row has no room."""
        y = self.row_of[name]
        row = self.rows[y]
        i = next(k for k, e in enumerate(row) if e[2] == name)
        extra = new_width - row[i][1]
        if extra <= 0:
            row[i][1] = new_width
            return True
        gaps_r, gaps_l = self._gaps(row, i, +1), self._gaps(row, i, -1)
        free_r = [g - min(self.pad, g) for g in gaps_r]
        free_l = [g - min(self.pad, g) for g in gaps_l]
        if extra > sum(free_r) + sum(free_l):
            return False
        # own gaps first (no neighbour moves), right before left (the cell keeps its x)
        a = min(extra, free_r[0])
        b = min(extra - a, free_l[0])
        c = min(extra - a - b, sum(free_r[1:]))
        row[i][0] -= extra - a - c
        row[i][1] = new_width
        for step, gaps in ((+1, gaps_r), (-1, gaps_l)):
            j = i
            for g in gaps[:-1]:            # shove each neighbour just enough to keep min(pad, gap)
                k = j + step
                if step > 0:
                    need = row[j][0] + row[j][1] + min(self.pad, g)
                    if row[k][0] >= need:
                        break
                else:
                    need = row[j][0] - min(self.pad, g) - row[k][1]
                    if row[k][0] <= need:
                        break
                row[k][0] = need
                j = k
        for e in row:
            if e[2] is not None:
                self.placement[e[2]] = (e[0], y, self.placement[e[2]][2])
        return True


def _pin_xy(inst: Instance, pin: str, placement: Placement, macros: dict[str, Macro],
            dbu: int) -> tuple[float, float]:
    x, y, o = placement[inst.name]
    m = macros[inst.cell]
    px, py = m.pins[pin].center()
    return x + px * dbu, y + (m.height - py if o == "FS" else py) * dbu


def _tree_slew(d: Drive) -> float:
    return max((s for name, (s, _) in d.pins.items() if name.startswith(CLOCK_TREE_PREFIX)), default=0.0)


def repair_design(nl: Netlist, fp: Floorplan, placement: Placement, workdir: Path, clock_ns: float,
                  clock_port: str | None = None, corner: str = "tt", pad_sites: int = 1,
                  max_rounds: int = MAX_ROUNDS, input_min_delay_ns: float = 0.0,
                  setup_rounds: int = SETUP_ROUNDS) -> ResizeReport:
    """Upsize (or buffer) slew/capacitance violators in place (cells of nl.instances change,
    buffers are added, placement changes) until none is left that can be fixed, or max_rounds
    rounds changed something; then up to `setup_rounds` rounds of upsizing the slow stages of
    the paths below SETUP_MARGIN_NS (repair_setup)."""
    macros = macros_cached(str(pdk_files().lef))
    lib = liberty_outputs(corner)
    by_name = {i.name: i for i in nl.instances}
    clock = clock_drivers(nl)
    slots = RowSlots(fp, nl, placement, pad_sites)
    inst_name, net_name = FreshNames(set(by_name)), FreshNames(set(nl.nets()))
    buf_cell, buf_in, buf_out = REPAIR_BUFFER
    buffers = [buf_cell, *bigger_variants(buf_cell, macros, lib)]
    orient = {y: o for _, y, o in fp.rows}
    workdir = Path(workdir)

    def run(k: int | str, paths: int = 0) -> tuple[Drive, dict[str, Violation]]:
        d = measure(nl, fp, placement, workdir / f"round_{k}", clock_ns, clock_port, corner,
                    input_min_delay_ns, paths)
        return d, violations(d, nl, corner)

    def resize(inst: Instance, new: str) -> bool:
        if not slots.widen(inst.name, round(macros[new].width * fp.dbu)):
            return False
        rep.area_added_um2 += (macros[new].width - macros[inst.cell].width) * macros[new].height
        rep.changes[inst.name] = (rep.changes.get(inst.name, (inst.cell, ""))[0], new)
        inst.cell = new
        return True

    def add_buffer(cell: str, a_net: str, x_net: str, x: float, y: float) -> Instance | None:
        name = inst_name(BUFFER_PREFIX)
        at = slots.insert(name, round(macros[cell].width * fp.dbu), x, y)
        if at is None:
            return None
        buf = Instance(name, cell, {buf_in: a_net, buf_out: x_net})
        nl.instances.append(buf)
        by_name[name] = buf
        placement[name] = (at[0], at[1], orient[at[1]])
        rep.area_added_um2 += macros[cell].width * macros[cell].height
        return buf

    def fresh_net(net: str, tag: str) -> str:
        return net_name(f"{net.replace('[', '_').replace(']', '')}_{tag}")

    def buffer(inst: Instance, pin: str, v: Violation) -> bool:
        """inst/pin -> new net -> buffer next to the pin -> the old net with all its loads."""
        net = fresh_net(inst.conns[pin], "rsz")
        xy = _pin_xy(inst, pin, placement, macros, fp.dbu)
        if add_buffer(choose_size(buf_out, v, buffers, lib), net, inst.conns[pin], *xy) is None:
            return False
        inst.conns[pin] = net
        rep.buffers += 1
        return True

    def split(conns: list[tuple[str, str]], driver: str, load_pf: float) -> int:
        """A net's cell loads in two halves (wider axis, at the median), each behind a repeater
        at its centroid; a single load gets one repeater halfway to it. Repeaters placed."""
        di, dp = driver.rsplit("/", 1)
        loads = [(by_name[i], p) for i, p in conns if i != "PIN" and (i, p) != (di, dp)]
        if not loads:
            return 0
        pts = [(ld, *_pin_xy(*ld, placement, macros, fp.dbu)) for ld in loads]
        if len(pts) == 1:
            dx, dy = _pin_xy(by_name[di], dp, placement, macros, fp.dbu)
            groups = [(pts, ((dx + pts[0][1]) / 2, (dy + pts[0][2]) / 2))]
        else:
            axis = 1 if (max(p[1] for p in pts) - min(p[1] for p in pts)
                         >= max(p[2] for p in pts) - min(p[2] for p in pts)) else 2
            pts.sort(key=lambda p: p[axis])
            half = len(pts) // 2
            groups = [(g, (sum(p[1] for p in g) / len(g), sum(p[2] for p in g) / len(g)))
                      for g in (pts[:half], pts[half:])]
        placed = 0
        for g, (x, y) in groups:
            share = Violation(0.0, load_pf * len(g) / len(pts), False, True)
            net = by_name[di].conns[dp]
            cell = choose_size(buf_out, share, buffers, lib)
            buf = add_buffer(cell, net, fresh_net(net, "rep"), x, y)
            if buf is None:
                break             # loads already moved stay behind their placed repeater
            for (inst, pin), _, _ in g:
                inst.conns[pin] = buf.conns[buf_out]
            placed += 1
        rep.repeaters += placed
        rep.split_nets += placed > 0
        return placed

    d, viol = run(0)
    rep = ResizeReport(d.setup_wns, d.setup_wns, d.setup_tns, d.setup_tns)
    rep.slew_violators_before = sum(v.slew_over for v in viol.values())
    rep.cap_violators_before = sum(v.cap_over for v in viol.values())
    rep.worst_slew_before_ns = max((s for s, _ in d.pins.values()), default=0.0)
    rep.wire_violators_before = sum(k for _, k in wire_limited(d, nl, viol).values())
    rep.clock_slew_before_ns = _tree_slew(d)
    not_placed: set[str] = set()
    clock_sized: set[str] = set()
    for rnd in range(1, max_rounds + 1):
        changed = 0
        rep.no_variant = rep.clock_skipped = 0
        wires = wire_limited(d, nl, viol)
        for name, (slew, _) in sorted(d.pins.items()):
            iname = name.rsplit("/", 1)[0]
            if not iname.startswith(CLOCK_TREE_PREFIX) or slew <= CLOCK_SLEW_TARGET_NS:
                continue
            inst = by_name[iname]
            up = bigger_variants(inst.cell, macros, lib)
            if up and resize(inst, up[0]):
                changed += 1
                clock_sized.add(iname)
        # worst first: they get the free sites when neighbours compete for them
        for name, v in sorted(viol.items(), key=lambda kv: -kv[1].slew_ns):
            iname, pin = name.rsplit("/", 1)
            if iname in clock:
                rep.clock_skipped += not iname.startswith(CLOCK_TREE_PREFIX)
                continue
            inst = by_name[iname]
            variants = bigger_variants(inst.cell, macros, lib)
            strongest = lib[(variants or [inst.cell])[-1]][pin].max_cap_pf
            mine = iname.startswith(BUFFER_PREFIX)
            fits = strongest >= v.load_pf * SIZE_MARGIN
            if fits and variants:
                new = choose_size(pin, v, variants, lib)
                ok = resize(inst, new) or (not mine and buffer(inst, pin, v))
            elif not mine:
                # no usable size drives this load (or the largest one still is too slow): a
                # buffer takes the net, the driver sees one input pin
                ok = buffer(inst, pin, v)
            elif variants:
                ok = resize(inst, variants[-1])       # a repair buffer short of its load
            else:
                rep.no_variant += 1                   # a repair buffer at buf_12, still over
                continue
            if ok:
                changed += 1
                not_placed.discard(iname)
            else:
                not_placed.add(iname)
        nets = nl.nets()
        for net, (driver, _) in sorted(wires.items()):
            if driver.rsplit("/", 1)[0] in clock:
                rep.clock_skipped += not driver.startswith(CLOCK_TREE_PREFIX)
                continue
            placed = split(nets[net], driver, d.pins[driver][1])
            changed += placed
            if not placed:
                not_placed.add(driver.rsplit("/", 1)[0])
        if not changed:
            break
        rep.rounds = rnd
        d, viol = run(rnd)
    rep.setup_wns_electrical_ns = d.setup_wns
    if setup_rounds and d.setup_wns < SETUP_MARGIN_NS:
        d, viol = run("setup_0", SETUP_PATHS)
        sized: set[str] = set()
        for rnd in range(1, setup_rounds + 1):
            picks = setup_candidates(d.paths, clock, lib, macros)
            changed = 0
            for iname, new in picks:
                if resize(by_name[iname], new):
                    changed += 1
                    sized.add(iname)
                else:
                    not_placed.add(iname)
            if not changed:
                break
            rep.setup_rounds = rnd
            before = d.setup_wns
            d, viol = run(f"setup_{rnd}", SETUP_PATHS)
            if d.setup_wns >= SETUP_MARGIN_NS or d.setup_wns < before - 0.05:
                break
        rep.setup_resized = len(sized)
    rep.not_placed = len(not_placed)
    rep.clock_resized = len(clock_sized)
    rep.clock_slew_after_ns = _tree_slew(d)
    rep.resized = len(rep.changes)
    rep.setup_wns_after_ns, rep.setup_tns_after_ns = d.setup_wns, d.setup_tns
    rep.slew_violators_after = sum(v.slew_over for v in viol.values())
    rep.cap_violators_after = sum(v.cap_over for v in viol.values())
    rep.worst_slew_after_ns = max((s for s, _ in d.pins.values()), default=0.0)
    rep.wire_violators_after = sum(k for _, k in wire_limited(d, nl, viol).values())
    return rep


def setup_candidates(paths: list[TimingPath], clock: set[str], lib: dict[str, dict[str, LibPin]],
                     macros: dict[str, Macro]) -> list[tuple[str, str]]:
    """(instance, next size up) for the stages of the paths below SETUP_MARGIN_NS whose own
    delay is at least SETUP_STAGE_NS, slowest stage first; each instance once. Clock-tree and
    clock-gate drivers are left to the electrical rounds."""
    best: dict[str, tuple[float, str]] = {}
    for path in paths:
        if path.slack_ns >= SETUP_MARGIN_NS:
            continue
        for st in path.stages:
            if st.delay_ns < SETUP_STAGE_NS or st.inst in clock or st.inst.startswith(CLOCK_TREE_PREFIX):
                continue
            if st.inst not in best or best[st.inst][0] < st.delay_ns:
                best[st.inst] = (st.delay_ns, st.cell)
    out = []
    for iname, (_, cell) in sorted(best.items(), key=lambda kv: -kv[1][0]):
        up = bigger_variants(cell, macros, lib)
        if up:
            out.append((iname, up[0]))
    return out
