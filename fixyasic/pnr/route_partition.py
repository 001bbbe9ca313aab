"""Windowed (partitioned) detailed routing with the same qrouter.

qrouter copies its whole routing grid when it sets up every net and rescans it when the net is
done, so one run costs ~ nets x die area: quadratic in the design size. Here most nets are routed
on small windows of the die instead:

1. Each net's pin bounding box comes from the placement (cell LEF pin shapes, IO pins).
2. The routing grid is cut into tiles; a window is a tile plus a halo, on the same global track
   grid. A net whose box (plus a margin) fits the window of the tile holding its centre is
   routed there; a larger net tries tiles twice as large (next level), then strips of the die
   (its full width or height, a quarter of the other side, then 40 %: long nets are mostly
   long one way); the rest is "global".
3. The global nets are routed first on the whole die (qrouter itself routes the nets with most
   pins first), then the windows, large to small. A window run gets every cell overlapping it,
   the power-grid obstructions, the metal of every net routed before it as `obstruction`
   rectangles, and the pins of nets routed later as pins of `ignore`d nets (so they stay
   reachable: qrouter keeps routes off a net's pins, while a pin of no net only blocks its own
   layer). Overlapping windows never run at the same time: each level runs in 4 phases (2x2
   colouring of the tiles), the windows of a phase in parallel.
4. A window's failed nets are routed again on that window, then on a region one tile larger
   all round, with the nets lying wholly inside loaded as routes qrouter may rip up. What is
   left (and the smaller net of any short) goes to repair runs on the whole die in which every
   other net is loaded with its wiring as an existing route: qrouter routes only those nets
   and rips up and re-routes whatever blocks them. Runs follow (bounded) while the merged
   wiring still has shorts or failed nets.
5. All runs' routed nets are merged into one DEF (VIAS, NETS and qrouter's stub SPECIALNETS) and
   check_routed() verifies that no two nets' metal touches and every multi-pin net has wiring.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..errors import ToolError, ToolTimeout
from ..toolcheck import require
from .config import load_config, pdk_files
from .defio import read_routed_nets, via_layers
from .floorplan import Floorplan
from .lef import layers_cached, macros_cached, read_vias
from .qrouter_frame import frame_script

Rect = tuple[int, int, int, int]  # dbu: x0 y0 x1 y1
Shape = tuple[str, Rect]          # (layer, rect)

AUTO_MIN_CELLS = 3000         # "auto" below this: one whole-die run is quick enough
AUTO_CELLS_PER_TILE = 500     # "auto" level-0 tile size
HALO = 0.25                   # window = tile grown by this fraction of the tile on each side
MAX_WINDOW_FRACTION = 0.4     # windows larger than this share of the die save little: next run is the die
NET_MARGIN_UM = 2.0           # room around a net's pins that its window must also hold
CELL_MARGIN_UM = 2.0          # cells this close to a window still block its routing
JOBS = 2                      # qrouter processes of one phase running at once
REPAIR_UNHIDE_UM = 5.0        # repair: unreadable nets this close to a still-failing net go again
REPAIR_ROUNDS = 3             # repair runs driven by the shorts of the nets each run routed
REPAIR_SWEEPS = 2             # then runs for whatever the whole merged DEF still has shorted
REGION_GROWTH = (1, 2)        # region repair passes: level-0 tiles added around the failures
# strip windows for nets no tile window holds: the whole width (or height) of the die and this
# share of the other side, at half-strip steps. Of the 82k-cell extractor's 2050 such nets 78 %
# fit a horizontal quarter strip and 99 % one of 40 %; every whole-die net costs ~0.5 s there.
STRIP_FRACTIONS = (0.25, 0.4)
STRIP_MIN_TILES = 6           # below this the die is small enough that strips only add runs
# quick runs start no stage2 round after this: an 82k extractor tile window spent > 45 min in
# rounds of 7-15 min each (447 -> 104 failed), and the qrouter timeout fails the whole route
QUICK_BUDGET_S = 600.0


def _grow(r: Rect, d: int) -> Rect:
    return (r[0] - d, r[1] - d, r[2] + d, r[3] + d)


def _touch(a: Rect, b: Rect) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _inside(a: Rect, b: Rect) -> bool:
    return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]


def _union(rects: list[Rect]) -> Rect:
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def _section(text: str, name: str, start: int = 0) -> tuple[int, int, str]:
    """(start, end, body without the header line) of DEF section `name`; body '' if absent."""
    s = text.find(f"\n{name} ", start)
    if s < 0:
        return -1, -1, ""
    e = text.index(f"\nEND {name}", s)
    return s, e, text[text.index("\n", s + 1) + 1:e]


def _statements(body: str) -> list[str]:
    return [st.strip() for st in body.split(";") if st.strip().startswith("-")]


def _net_statements(body: str) -> dict[str, str]:
    """NETS statements of a qrouter-written DEF by net, split at line-start '- ' (qrouter
    drops the ';' of ignored nets it copies)."""
    return {st.split()[1]: st.strip().rstrip(";").rstrip()
            for st in re.split(r"(?m)^(?=- )", body) if st.strip().startswith("-")}


_COMP = re.compile(r"-\s+(\S+)\s+(\S+)\s+\+\s+(?:PLACED|FIXED)\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)\s+(\S+)")
_PIN = re.compile(r"-\s+(\S+)\s+\+\s+NET\s+(\S+).*?\+\s+LAYER\s+(\S+)\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)\s+"
                  r"\(\s*(-?\d+)\s+(-?\d+)\s*\).*?\+\s+(?:PLACED|FIXED)\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)",
                  re.S)


@dataclass
class RouterDef:
    """The router's input DEF (defio.write_def(..., straps=False, power=False)) with geometry."""
    text: str
    dbu: int
    tracks: list[tuple[str, int, int, int, str]]       # axis, start, count, step, layer
    comps: dict[str, tuple[str, int, int, str, str]]   # name -> cell, x, y, orient, statement
    comp_box: dict[str, Rect]
    pins: dict[str, tuple[str, str, Rect, str]]        # IO pin -> net, layer, rect, statement
    nets: dict[str, str]                               # name -> statement (no ';')
    conns: dict[str, list[tuple[str, str]]]
    inst_nets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # inst -> (pin, net)

    def pin_shapes(self, inst: str, pin: str) -> list[Shape]:
        if inst == "PIN":
            _, layer, rect, _ = self.pins[pin]
            return [(layer, rect)]
        cell, x, y, orient, _ = self.comps[inst]
        mac = _macros()[cell]
        return [(lay, _place(r, x, y, orient, mac.width, mac.height, self.dbu))
                for lay, r in mac.pins[pin].shapes]


@lru_cache(maxsize=1)
def _macros() -> dict:
    return macros_cached(str(pdk_files().lef))


def _place(r: tuple[float, float, float, float], x: int, y: int, orient: str, w: float, h: float,
           dbu: int) -> Rect:
    """A macro-relative rect (um) in die coordinates (dbu) for the row orientations N/FS/S/FN."""
    x0, y0, x1, y1 = r
    if orient in ("FS", "S"):
        y0, y1 = h - y1, h - y0
    if orient in ("FN", "S"):
        x0, x1 = w - x1, w - x0
    return (x + round(x0 * dbu), y + round(y0 * dbu), x + round(x1 * dbu), y + round(y1 * dbu))


def read_router_def(path: Path) -> RouterDef:
    text = Path(path).read_text()
    dbu = int(re.search(r"UNITS DISTANCE MICRONS (\d+)", text).group(1))
    tracks = [(a, int(s), int(n), int(st), lay) for a, s, n, st, lay in
              re.findall(r"TRACKS ([XY]) (-?\d+) DO (\d+) STEP (\d+) LAYER (\S+) ;", text)]
    macros = macros_cached(str(pdk_files().lef))
    comps, boxes = {}, {}
    for st in _statements(_section(text, "COMPONENTS")[2]):
        m = _COMP.match(st)
        if not m:
            raise ToolError(f"cannot read component '{st[:80]}' (placed components only)")
        name, cell, x, y, orient = m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), m.group(5)
        mac = macros[cell]
        comps[name] = (cell, x, y, orient, st)
        boxes[name] = (x, y, x + round(mac.width * dbu), y + round(mac.height * dbu))
    pins = {}
    for st in _statements(_section(text, "PINS")[2]):
        m = _PIN.match(st)
        if not m:
            raise ToolError(f"cannot read pin '{st[:80]}'")
        r = [int(v) for v in m.groups()[3:]]
        px, py = r[4], r[5]  # our IO pins are placed N: the rect is relative to the anchor
        pins[m.group(1)] = (m.group(2), m.group(3), (px + r[0], py + r[1], px + r[2], py + r[3]), st)
    nets, conns = {}, {}
    for st in _statements(_section(text, "NETS")[2]):
        name = st.split()[1]
        nets[name] = st
        conns[name] = re.findall(r"\(\s*(\S+)\s+(\S+)\s*\)", st.split("+", 1)[0])
    inst_nets: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, cs in conns.items():
        for i, p in cs:
            inst_nets[i].append((p, name))
    return RouterDef(text, dbu, tracks, comps, boxes, pins, nets, conns, inst_nets)


@dataclass(frozen=True)
class Grid:
    """qrouter's routing grid of the whole design: one pitch per direction (the finest track
    pitch), origin at the first track. Windows start on multiples of (ax, ay) grid steps so that
    qrouter's 1-of-N blocking of coarse-pitch layers (counted from the window's first track)
    falls on the same tracks as in a whole-die run."""
    ox: int
    oy: int
    px: int
    py: int
    nx: int
    ny: int
    ax: int
    ay: int

    def box(self, i0: int, j0: int, i1: int, j1: int) -> Rect:
        return (self.ox + i0 * self.px, self.oy + j0 * self.py, self.ox + i1 * self.px, self.oy + j1 * self.py)

    def centre(self, b: Rect) -> tuple[int, int]:
        """Grid index of the centre of `b` (clamped to the grid)."""
        return (min(int(((b[0] + b[2]) / 2 - self.ox) // self.px), self.nx - 1),
                min(int(((b[1] + b[3]) / 2 - self.oy) // self.py), self.ny - 1))

    def tile(self, tiles: int) -> tuple[int, int]:
        """Level-0 tile size in grid steps for `tiles` per side: even multiples of the alignment,
        so every tile starts on the coarse-layer track pattern."""
        return _up(self.nx / tiles, 2 * self.ax), _up(self.ny / tiles, 2 * self.ay)


def routing_grid(rd: RouterDef) -> Grid:
    out = []
    for axis in "XY":
        tr = [t for t in rd.tracks if t[0] == axis]
        if not tr:
            raise ToolError(f"router DEF has no TRACKS {axis}")
        o, p = min(t[1] for t in tr), min(t[3] for t in tr)
        if any((t[1] - o) % p or t[3] % p for t in tr):
            raise ToolError("windowed routing needs all TRACKS on one grid per direction")
        n = max((t[1] + (t[2] - 1) * t[3] - o) // p for t in tr) + 1
        a = math.lcm(2, 3, *(t[3] // p for t in tr))
        out.append((o, p, n, a))
    (ox, px, nx, ax), (oy, py, ny, ay) = out
    return Grid(ox, oy, px, py, nx, ny, ax, ay)


@dataclass
class Window:
    name: str
    level: int                       # 0.. = tile levels, then strip sizes; -1 = whole die
    colour: int                      # runs of one level and colour never overlap
    cells: tuple[int, int, int, int]  # grid index bounds i0 j0 i1 j1 (inclusive)
    nets: list[str] = field(default_factory=list)


def _up(v: float, a: int) -> int:
    return max(a, math.ceil(v / a) * a)


def net_boxes(rd: RouterDef, grid: Grid) -> dict[str, Rect]:
    """Nets with >= 2 pins (qrouter leaves the others alone): pin bounding box grown by the
    net margin, clipped to the routing grid."""
    die = grid.box(0, 0, grid.nx - 1, grid.ny - 1)
    margin = round(NET_MARGIN_UM * rd.dbu)
    out = {}
    for net, conns in rd.conns.items():
        if len(conns) >= 2:
            b = _grow(_union([r for i, p in conns for _, r in rd.pin_shapes(i, p)]), margin)
            out[net] = (max(b[0], die[0]), max(b[1], die[1]), min(b[2], die[2]), min(b[3], die[3]))
    return out


def _strips(g: Grid, fractions: tuple[float, ...]) -> list[list[tuple[int, int, int, int]]]:
    """Strip windows as grid cells, one list per kind: per fraction, horizontal (full width)
    then vertical ones, each 2 steps long, one step apart (steps aligned). Strips k and k+3 are
    a step apart, so colour k % 3 runs together."""
    out = []
    for f in fractions:
        for horizontal in (True, False):
            n, a = (g.ny, g.ay) if horizontal else (g.nx, g.ax)
            step = _up(f * n / 2, a)
            if 2 * step >= n - 1:
                continue
            spans = [(k * step, min(n - 1, (k + 2) * step)) for k in range(-(-(n - 1 - 2 * step) // step) + 1)]
            out.append([(0, lo, g.nx - 1, hi) if horizontal else (lo, 0, hi, g.ny - 1) for lo, hi in spans])
    return out


def plan(rd: RouterDef, grid: Grid, tiles: int,
         strips: tuple[float, ...] | None = None) -> tuple[list[list[Window]], Window]:
    """Phases of window runs (bottom-up: small windows first, strips last) and the whole-die
    window; every net with >= 2 pins is in exactly one window. strips: the strip fractions
    (None: STRIP_FRACTIONS from STRIP_MIN_TILES tiles on, none below)."""
    if strips is None:
        strips = STRIP_FRACTIONS if tiles >= STRIP_MIN_TILES else ()
    g = grid
    levels = []
    tx0, ty0 = g.tile(tiles)
    while True:
        tx, ty = tx0 << len(levels), ty0 << len(levels)
        # same-colour windows (tiles i and i+2) stay >= 2 alignment steps apart
        hx = min(_up(tx * HALO, g.ax), max(0, (tx - 2 * g.ax) // 2 // g.ax * g.ax))
        hy = min(_up(ty * HALO, g.ay), max(0, (ty - 2 * g.ay) // 2 // g.ay * g.ay))
        share = min(g.nx, tx + 2 * hx) * min(g.ny, ty + 2 * hy) / (g.nx * g.ny)
        if levels and share > MAX_WINDOW_FRACTION:  # level 0 is what was asked for
            break
        levels.append((tx, ty, hx, hy))
    full = Window("full", -1, 0, (0, 0, g.nx - 1, g.ny - 1))
    strip_cells = _strips(g, strips)
    windows: dict[tuple[int, int, int], Window] = {}
    for net, b in net_boxes(rd, grid).items():
        ci, cj = g.centre(b)
        for k, (tx, ty, hx, hy) in enumerate(levels):
            ti, tj = ci // tx, cj // ty
            cells = (max(0, ti * tx - hx), max(0, tj * ty - hy),
                     min(g.nx - 1, (ti + 1) * tx + hx), min(g.ny - 1, (tj + 1) * ty + hy))
            if _inside(b, g.box(*cells)):
                w = windows.setdefault((k, ti, tj), Window(f"L{k}_{ti}_{tj}", k, (ti % 2) * 2 + tj % 2,
                                                            cells))
                w.nets.append(net)
                break
        else:
            for s, cells_of in enumerate(strip_cells):
                k = next((k for k, cells in enumerate(cells_of) if _inside(b, g.box(*cells))), None)
                if k is not None:
                    key = (len(levels) + s, k, 0)
                    windows.setdefault(key, Window(f"S{s}_{k}", key[0], k % 3, cells_of[k])).nets.append(net)
                    break
            else:
                full.nets.append(net)
    phases = []
    for k in range(len(levels) + len(strip_cells)):
        for c in range(4):
            ph = [w for (lk, _, _), w in sorted(windows.items()) if lk == k and w.colour == c]
            if ph:
                phases.append(ph)
    return phases, full


class ShapeIndex:
    """Rectangles by layer (and owning net) in square buckets, for 'what lies here' queries."""

    def __init__(self, bucket: int = 10000):
        self.b = bucket
        self.shapes: list[tuple[str, Rect, str]] = []
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.of_owner: dict[str, list[int]] = defaultdict(list)
        self.gone: set[int] = set()

    def remove(self, owners: set[str]) -> None:
        """Forget the shapes of `owners` (a re-routed net's old metal)."""
        for o in owners:
            self.gone.update(self.of_owner.pop(o, ()))

    def add(self, layer: str, r: Rect, owner: str = "") -> None:
        k = len(self.shapes)
        self.shapes.append((layer, r, owner))
        self.of_owner[owner].append(k)
        for bx in range(r[0] // self.b, r[2] // self.b + 1):
            for by in range(r[1] // self.b, r[3] // self.b + 1):
                self.cells[(bx, by)].append(k)

    def query(self, area: Rect) -> list[tuple[str, Rect, str]]:
        ids: set[int] = set()
        for bx in range(area[0] // self.b, area[2] // self.b + 1):
            for by in range(area[1] // self.b, area[3] // self.b + 1):
                ids.update(self.cells.get((bx, by), ()))
        return [self.shapes[k] for k in sorted(ids - self.gone) if _touch(self.shapes[k][1], area)]


@dataclass
class Tech:
    width: dict[str, int]     # routing layer -> default wire width (dbu)
    spacing: dict[str, int]
    vias: dict[str, list[Shape]]  # via name -> metal pads relative to its centre (dbu)


def tech(dbu: int) -> Tech:
    layers = layers_cached(str(pdk_files().tech_lef))
    route = set(load_config()["route_layers"]) | {load_config()["power_strap_layer"]}
    width = {n: round(layers[n].width * dbu) for n in route}
    spacing = {n: round(layers[n].spacing * dbu) for n in route}
    vias = {name: [(lay, tuple(round(v * dbu) for v in r)) for lay, r in rects if lay in route]
            for name, rects in read_vias(pdk_files().tech_lef).items()}
    return Tech(width, spacing, vias)


def _def_vias(text: str) -> dict[str, str]:
    """VIAS statements of a DEF by name (qrouter writes the vias it generates)."""
    return {st.split()[1]: st for st in _statements(_section(text, "VIAS")[2])}


def _via_pads(stmt: str, route: set[str]) -> list[Shape]:
    return [(lay, (int(a), int(b), int(c), int(d))) for lay, a, b, c, d in
            re.findall(r"RECT\s+(\S+)\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)", stmt)
            if lay in route]


def route_shapes(stmt: str, t: Tech, special: bool = False) -> list[Shape]:
    """Metal of one routed NETS (or SPECIALNETS, with explicit widths) statement: wire
    segments grown by half their width, via pads. Regular wires extend half their width past
    each end; special wires end flush, as magic and klayout read them (and as the GDS has it)."""
    toks = stmt.replace("(", " ( ").replace(")", " ) ").split()
    out: list[Shape] = []
    i = toks.index("+") if "+" in toks else len(toks)
    layer, hw, last = "", 0, None
    while i < len(toks):
        tk = toks[i]
        if tk in ("+", "NEW"):
            if tk == "+" and toks[i + 1] not in ("ROUTED", "FIXED", "COVER"):
                layer = ""
                i += 2
                continue
            i += 2 if tk == "NEW" else 3
            layer, last = toks[i - 1], None
            hw = t.width.get(layer, 0) // 2
            if special and i < len(toks) and toks[i].lstrip("-").isdigit():
                hw = int(toks[i]) // 2 or hw
                i += 1
            continue
        if not layer:
            i += 1
            continue
        if tk == "(":
            j = toks.index(")", i)
            vx, vy = toks[i + 1:i + 3]
            x = last[0] if vx == "*" else int(float(vx))
            y = last[1] if vy == "*" else int(float(vy))
            if last is not None and (x, y) != last:
                ex = 0 if special and y == last[1] else hw   # flush ends along a special wire
                ey = 0 if special and x == last[0] else hw
                out.append((layer, (min(x, last[0]) - ex, min(y, last[1]) - ey,
                                    max(x, last[0]) + ex, max(y, last[1]) + ey)))
            elif last is None and not special:
                out.append((layer, (x - hw, y - hw, x + hw, y + hw)))  # a lone point is metal too
            last = (x, y)
            i = j + 1
            continue
        if last is not None and not tk.lstrip("-").isdigit() and tk != ";":
            for lay, r in t.vias.get(tk, ()):
                out.append((lay, (last[0] + r[0], last[1] + r[1], last[0] + r[2], last[1] + r[3])))
            pair = via_layers(tk)
            if pair and layer in pair:  # a route may go on on the via's other layer
                layer = pair[1] if layer == pair[0] else pair[0]
                hw = t.width.get(layer, 0) // 2
        i += 1
    return out


@dataclass
class RunResult:
    window: Window
    seconds: float
    failed: list[str]
    nets: dict[str, str]           # routed NETS statements of the nets that routed
    stubs: list[str]               # qrouter's stub SPECIALNETS statements of those nets
    vias: dict[str, str]
    final: bool = False            # failed nets stay failed (no later run retries them)


def _failed_nets(d: Path, nfail: int, who: str) -> list[str]:
    """The nets of qrouter's fail.out in `d` ("<n> nets failed..." then names), each once
    (qrouter can list a net twice), checked against the count it reported."""
    f = d / "fail.out"
    failed = f.read_text().split("\n", 1)[1].split() if f.exists() else []
    if len(failed) != nfail:
        raise ToolError(f"{who}: qrouter reported {nfail} failed nets, fail.out lists {len(failed)}")
    return list(dict.fromkeys(failed))


def _ripped_up(log: Path) -> set[str]:
    """Routed nets qrouter's stage2 ripped up (to re-route them) in the run logged in `log`."""
    return set(re.findall(r"Ripping up blocking net (\S+)", log.read_text(errors="replace")))


def _stub_statements(text: str, nets) -> list[str]:
    """qrouter's stub SPECIALNETS statements (the section after NETS) of `nets`."""
    end = text.index("\nEND NETS")
    return [x for x in _statements(_section(text, "SPECIALNETS", end)[2])
            if "ROUTED" in x and x.split()[1] in nets]


def _drop_wiring(results: list[RunResult], nets: set[str]) -> None:
    """Forget the runs' wiring (NETS statements and stubs) of `nets`."""
    for r in results:
        r.nets = {n: st for n, st in r.nets.items() if n not in nets}
        r.stubs = [x for x in r.stubs if x.split()[1] not in nets]


@dataclass
class _RepairState:
    """What the repair runs (PartitionedRouter._repair) share: every net's current wiring."""
    st_of: dict[str, str]                  # net -> routed NETS statement
    stubs_of: dict[str, list[str]]         # net -> its stub SPECIALNETS statements
    hidden: set[str]                       # nets given to qrouter as obstructions, not as routes
    merged: Path                           # DEF of all current wiring (for check_routed)
    changed: set[str] = field(default_factory=set)       # nets the repair routed
    round_of: dict[str, int] = field(default_factory=dict)  # changed net -> run of its wiring
    failed: set[str] = field(default_factory=set)        # nets the last run touching them failed
    dirs: list[Path] = field(default_factory=list)       # per run
    secs: list[float] = field(default_factory=list)
    vias: list[dict[str, str]] = field(default_factory=list)


def _strap_obs(fp: Floorplan) -> list[tuple[Rect, str]]:
    from .route import obstructions
    out = []
    for line in obstructions(fp):
        v = line.split()
        out.append(((round(float(v[1]) * fp.dbu), round(float(v[2]) * fp.dbu), round(float(v[3]) * fp.dbu),
                     round(float(v[4]) * fp.dbu)), line))
    return out


def _obs_line(layer: str, r: Rect, dbu: int) -> str:
    return f"obstruction {r[0] / dbu:.3f} {r[1] / dbu:.3f} {r[2] / dbu:.3f} {r[3] / dbu:.3f} {layer}"


class PartitionedRouter:
    def __init__(self, rd: RouterDef, fp: Floorplan, workdir: Path, timeout: float,
                 progress: Callable[[str], None] | None = None):
        self.rd, self.fp, self.workdir, self.timeout = rd, fp, workdir, timeout
        self.progress = progress            # told a line after every qrouter run (hours at 80k cells)
        self.stages: dict[str, dict] = {}   # per stage, in run order: runs, nets asked, failed, qrouter s
        self.timed_out: Path | None = None     # a whole-die repair run stopped at the timeout
        self.grid = routing_grid(rd)
        self.tech = tech(rd.dbu)
        self.route_layers = set(self.tech.width)
        self.straps = _strap_obs(fp)
        self.routed = ShapeIndex()          # metal of every net routed so far, grown by spacing
        self.done: set[str] = set()         # nets routed so far
        self.vias: dict[str, str] = {}      # VIAS statements of all runs
        self.boxes = net_boxes(rd, self.grid)
        self.comps = ShapeIndex()
        self.comp_names = list(rd.comp_box)
        for k, name in enumerate(self.comp_names):
            self.comps.add(str(k), rd.comp_box[name])

    def _window_def(self, w: Window, path: Path,
                    wired: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
        """Write the window's DEF; return its obstruction commands and the nets to ignore.
        Nets of the window in `wired` go in with that (routed) statement: a local repair loads
        them as existing routes, which qrouter may rip up, instead of as obstructions."""
        rd, dbu = self.rd, self.rd.dbu
        area = self.grid.box(*w.cells)
        head = rd.text[:rd.text.index("\nDIEAREA")].splitlines()
        L = head + [f"DIEAREA ( {area[0]} {area[1]} ) ( {area[2]} {area[3]} ) ;"]
        for axis, s, n, st, lay in rd.tracks:
            lo, hi = (area[0], area[2]) if axis == "X" else (area[1], area[3])
            first = s + max(0, -(-(lo - s) // st)) * st
            last = min(s + (n - 1) * st, hi)
            if last >= first:
                L.append(f"TRACKS {axis} {first} DO {(last - first) // st + 1} STEP {st} LAYER {lay} ;")
        near = _grow(area, round(CELL_MARGIN_UM * dbu))
        comps = sorted(int(lay) for lay, _, _ in self.comps.query(near))
        L.append(f"COMPONENTS {len(comps)} ;")
        L += [rd.comps[self.comp_names[k]][4] + " ;" for k in comps]
        L.append("END COMPONENTS")
        nets = set(w.nets)
        # Nets still to be routed later get their pins here as nodes of an ignored net: a pin
        # of no net would only block its own layer, and this run could then cover it with met1
        # and leave it no via; as a node qrouter keeps routes off it as in a whole-die run.
        # Only pins wholly inside the grid: qrouter 1.4.71 crashes at random (read_def) on a
        # net pin reaching outside it.
        inner = _grow(area, -max(self.grid.px, self.grid.py))
        pending: dict[str, list[str]] = defaultdict(list)
        for k in comps:
            inst = self.comp_names[k]
            for pin, net in rd.inst_nets.get(inst, ()):
                if net not in nets and net not in self.done and \
                        all(_inside(r, inner) for _, r in rd.pin_shapes(inst, pin)):
                    pending[net].append(f"( {inst} {pin} )")
        obs = [line for r, line in self.straps if _touch(r, near)]
        pins = []
        for name, (net, lay, r, st) in rd.pins.items():
            if net in nets:
                pins.append(st + " ;")
            elif _inside(r, inner) and net not in self.done and len(rd.conns.get(net, ())) >= 2:
                pins.append(st + " ;")
                pending[net].append(f"( PIN {name} )")
            elif _touch(r, near):  # qrouter ignores a DEF pin whose net it does not read
                obs.append(_obs_line(lay, _grow(r, self.tech.spacing[lay]), dbu))
        if wired:
            L += [f"VIAS {len(self.vias)} ;", *(st + " ;" for st in self.vias.values()), "END VIAS"]
        L += [f"PINS {len(pins)} ;", *pins, "END PINS", f"NETS {len(w.nets) + len(pending)} ;"]
        L += [(wired or {}).get(n, rd.nets[n]) + " ;" for n in w.nets]
        L += [f"- {n}\n  " + "\n  ".join(cs) + " ;" for n, cs in pending.items()]
        L += ["END NETS", "END DESIGN"]
        path.write_text("\n".join(L) + "\n")
        obs += [_obs_line(lay, r, dbu) for lay, r, o in self.routed.query(near) if o not in nets]
        return obs, sorted(pending)

    def _prepare(self, w: Window, wired: dict[str, str] | None = None,
                 only: list[str] | None = None) -> tuple[Path, Path, Path]:
        # quick: stage2 stops at the first round without progress, as every window-sized run's
        # failures go on to a larger run (local/region repair runs spent 2 more rounds for nothing).
        # Window runs (tiles, strips, the global nets) search the 30-track corridor only: in four
        # full-size runs (82k extractor and 68-80k baselines) their 244 `mask 200` rounds gained
        # 1 net for 3400 s of qrouter time. Repairs on windows keep them: after a `mask 30` round
        # that ripped up more than it routed, a strip's local repair gained 276 nets in them.
        from .route import REPAIR_RIP_LIMIT, STAGE2_MASKS, write_script
        d = self.workdir / w.name
        d.mkdir(parents=True, exist_ok=True)
        for f in ("fail.out", "routed.def"):
            (d / f).unlink(missing_ok=True)
        obs, ignore = self._window_def(w, d / "window.def", wired)
        script = write_script(d / "route.tcl", (d / "window.def").resolve(), (d / "routed.def").resolve(),
                              self.fp, obs=obs, ignore=ignore, quick=True, only=only, budget_s=QUICK_BUDGET_S,
                              rip_limit=REPAIR_RIP_LIMIT if only is not None else None,
                              masks=STAGE2_MASKS if wired is not None else STAGE2_MASKS[:1])
        return d, script, d / "routed.def"

    def _run(self, w: Window, d: Path, script: Path, out: Path) -> RunResult:
        """One qrouter run; a failed net's partial wiring is dropped (_repair routes it)."""
        from .route import run_qrouter
        secs, nfail, _ = run_qrouter(script, d, out, self.timeout)
        text = out.read_text()
        failed = _failed_nets(d, nfail, w.name)
        nets = _net_statements(_section(text, "NETS")[2])
        if not set(w.nets) <= set(nets):
            raise ToolError(f"{w.name}: qrouter's DEF lacks nets of the window")
        nets = {n: nets[n] for n in w.nets}  # the ignored nets come back unrouted
        nets = {n: st for n, st in nets.items() if n not in set(failed)}
        return RunResult(w, secs, failed, nets, _stub_statements(text, nets), _def_vias(text))

    def _record(self, r: RunResult) -> None:
        """Keep the run's vias and its nets' metal as obstructions for later runs."""
        for name, st in r.vias.items():
            if self.vias.setdefault(name, st) != st:
                raise ToolError(f"via {name} defined differently by two qrouter runs")
        t = self._tech_now()
        # metal grown by spacing - 1: qrouter adds half a wire width, so a grid point at exactly
        # the legal distance stays free
        shapes = [(n, route_shapes(st, t)) for n, st in r.nets.items()]
        shapes += [(st.split()[1], route_shapes(st, t, special=True)) for st in r.stubs]
        for net, sh in shapes:
            for lay, rect in sh:
                self.routed.add(lay, _grow(rect, t.spacing.get(lay, 1) - 1), net)
        self.done.update(r.nets)

    def _unreadable_routes(self, d: Path, def_path: Path) -> set[str]:
        """Nets whose wiring in `def_path` qrouter cannot read back as a route (its own off-grid
        taps): a read-only qrouter pass logs 'Failure to find route ...' for them."""
        from .route import write_script
        head = [ln for ln in write_script(d / "probe.tcl", def_path.resolve(), d / "x.def", self.fp,
                                          obs=[]).read_text().splitlines()
                if ln.startswith(("verbose", "read_", "layers", "vdd", "gnd"))]
        (d / "probe.tcl").write_text("\n".join(head + ["quit"]) + "\n")
        script, _ = frame_script(d / "probe.tcl", d)  # as the runs will read it (run_qrouter)
        probe = subprocess.run([require("qrouter"), "-nog", "-noc", "-s", str(script.resolve())],
                               cwd=d, capture_output=True, text=True, timeout=self.timeout)
        return set(re.findall(r"Failure to find route (?:start|end) node/route on net (\S+?)!",
                              probe.stdout + probe.stderr))

    def _local_window(self, w: Window, failed: list[str], st_of: dict[str, str]) -> tuple[Window, dict[str, str]]:
        """The repair window of run `w`: its area, its failed nets to route and every routed net
        lying wholly inside (pins and wiring) loaded as an existing route that qrouter may rip
        up. Nets qrouter cannot read back as a route (its own off-grid taps) stay obstructions:
        a read-only pass on the window finds them."""
        area = self.grid.box(*w.cells)
        inner = _grow(area, -max(self.grid.px, self.grid.py))
        t = self._tech_now()
        wired = {}
        for n, b in self.boxes.items():
            if n in st_of and _inside(b, inner) and \
                    all(_inside(r, inner) for _, r in route_shapes(st_of[n], t)):
                wired[n] = st_of[n]
        failed = sorted(set(failed) - wired.keys())
        rw = Window(f"local_{w.name}", -2, w.colour, w.cells, failed + sorted(wired))
        d = self.workdir / rw.name
        d.mkdir(parents=True, exist_ok=True)
        self._window_def(rw, d / "probe.def", wired)
        hidden = self._unreadable_routes(d, d / "probe.def")
        if hidden & wired.keys():
            wired = {n: st for n, st in wired.items() if n not in hidden}
            rw.nets = failed + sorted(wired)
        return rw, wired

    def _count(self, stage: str, nets: int, failed: int, secs: float) -> None:
        st = self.stages.setdefault(stage, {"runs": 0, "nets": 0, "failed": 0, "qrouter_s": 0.0})
        st["runs"] += 1
        st["nets"] += nets
        st["failed"] += failed
        st["qrouter_s"] = round(st["qrouter_s"] + secs, 2)

    def _tell(self, msg: str) -> None:
        if self.progress is not None:
            self.progress(msg)

    def _tech_now(self) -> Tech:
        """Layer widths/spacing and the pads of every via the runs so far defined."""
        return Tech(self.tech.width, self.tech.spacing,
                    {**self.tech.vias, **{n: _via_pads(st, self.route_layers) for n, st in self.vias.items()}})

    def _local_repair(self, results: list[RunResult]) -> list[RunResult]:
        """Before the whole-die repair: each window's failed nets again on that window, with the
        nets routed inside it loaded as routes, so qrouter's stage2 can rip up and re-route the
        ones in the way. A window costs a small fraction of the die per net (qrouter copies its
        whole grid for every net), so this takes seconds where the whole-die repair takes
        minutes; it clears the failures that nets inside the window cause (about a quarter on the
        lite designs), not those boxed in by longer nets. Overlapping windows never run at once (same
        level/colour phases as the routing). Returns the runs that (re)routed nets; their
        nets' earlier wiring is dropped from `results`."""
        phases: dict[tuple[int, int], list[tuple[Window, list[str]]]] = defaultdict(list)
        for r in results:
            if r.failed and r.window.level >= 0:
                phases[(r.window.level, r.window.colour)].append((r.window, list(r.failed)))
        return self._repair_in_windows(results, [phases[k] for k in sorted(phases, reverse=True)],
                                       "local repair")

    def regions(self, failed: list[str], tiles: int, grow: int = 1,
                tag: str = "") -> list[list[tuple[Window, list[str]]]]:
        """Repair regions for the failures the local repair left, in phases: the failed nets of
        one level-0 tile (by box centre) share a region, the union of their pin boxes grown by
        `grow` tiles on every side (room to detour, and the nets in the way to rip up). Regions of
        one phase stay two alignment steps apart, so they run at once; a later phase sees what
        earlier ones routed. A region over MAX_WINDOW_FRACTION of the die saves little over the
        whole-die repair: its nets are left to that."""
        g = self.grid
        tx, ty = g.tile(tiles)
        by_tile: dict[tuple[int, int], list[str]] = defaultdict(list)
        for n in sorted(set(failed)):
            ci, cj = g.centre(self.boxes[n])
            by_tile[(ci // tx, cj // ty)].append(n)
        regions = []
        for nets in by_tile.values():
            b = _union([self.boxes[n] for n in nets])
            c = (max(0, int((b[0] - g.ox) // g.px) - grow * tx) // g.ax * g.ax,
                 max(0, int((b[1] - g.oy) // g.py) - grow * ty) // g.ay * g.ay,
                 min(g.nx - 1, -(-(b[2] - g.ox) // g.px) + grow * tx),
                 min(g.ny - 1, -(-(b[3] - g.oy) // g.py) + grow * ty))
            if (c[2] - c[0] + 1) * (c[3] - c[1] + 1) <= MAX_WINDOW_FRACTION * g.nx * g.ny:
                regions.append((c, nets))
        phases: list[list[tuple[tuple[int, int, int, int], list[str]]]] = []
        for c, nets in sorted(regions, key=lambda r: -len(r[1])):
            for ph in phases:
                if all(c[0] > o[2] + 2 * g.ax or o[0] > c[2] + 2 * g.ax or
                       c[1] > o[3] + 2 * g.ay or o[1] > c[3] + 2 * g.ay for o, _ in ph):
                    ph.append((c, nets))
                    break
            else:
                phases.append([(c, nets)])
        k = iter(range(len(regions)))
        return [[(Window(f"region{tag}{next(k)}", -2, p, c), nets) for c, nets in ph]
                for p, ph in enumerate(phases)]

    def _repair_in_windows(self, results: list[RunResult],
                           phases: list[list[tuple[Window, list[str]]]], label: str) -> list[RunResult]:
        """Route each (window, failed nets) again on that window (see _local_window); the windows
        of one phase must not overlap: they run at the same time. Returns the new runs; the
        nets they (re)routed lose their earlier wiring and failure entries in `results`."""
        from .route import run_qrouter
        out: list[RunResult] = []
        total = sum(len(ph) for ph in phases)
        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            for phase in phases:
                st_of = {n: st for r in results + out for n, st in r.nets.items()}
                prepared = []
                for w, failed in phase:
                    rw, wired = self._local_window(w, failed, st_of)
                    d, script, dout = self._prepare(rw, wired, only=[n for n in rw.nets if n not in wired])
                    prepared.append((failed, rw, d, script, dout))

                def run(a):
                    failed, rw, d, script, dout = a
                    secs, nfail, log = run_qrouter(script, d, dout, self.timeout)
                    return a, secs, nfail, log
                for (failed, rw, d, script, dout), secs, nfail, log in pool.map(run, prepared):
                    text = dout.read_text()
                    bad = _failed_nets(d, nfail, rw.name)
                    now = (set(failed) | _ripped_up(log)) & set(rw.nets)
                    allst = _net_statements(_section(text, "NETS")[2])
                    # a net qrouter neither routed nor listed as failed is failed all the same
                    bad = sorted(set(bad) | {n for n in now if "ROUTED" not in allst.get(n, "")})
                    nets = {n: allst[n] for n in sorted(now - set(bad))}
                    stubs = _stub_statements(text, nets)
                    _drop_wiring(results + out, now)
                    for r in results + out:
                        if r.failed:
                            r.failed = [n for n in r.failed if n not in now]
                    self.routed.remove(now)
                    self.done -= now
                    rr = RunResult(rw, secs, bad, nets, stubs, _def_vias(text))
                    self._record(rr)
                    out.append(rr)
                    self._count(label, len(set(failed)), len(bad), secs)
                    left = len({n for r in results + out for n in r.failed})
                    self._tell(f"{label} {len(out)}/{total} runs, {left} nets failed")
        return out

    def _repair_def(self, path: Path, routed: dict[str, str]) -> None:
        """The whole design, nets in `routed` with their wiring."""
        vias = f"VIAS {len(self.vias)} ;\n" + "\n".join(st + " ;" for st in self.vias.values()) + "\nEND VIAS\n"
        text = self.rd.text
        s, e, _ = _section(text, "NETS")
        body = "\n".join(routed.get(n, st) + " ;" for n, st in self.rd.nets.items())
        text = text[:s] + f"\nNETS {len(self.rd.nets)} ;\n{body}" + text[e:]
        path.write_text(text.replace("\nPINS ", "\n" + vias + "PINS ", 1))

    def _repair_start(self, results: list[RunResult], keep: set[str]) -> "_RepairState":
        """Every routed net's wiring so far, and the nets qrouter cannot read back as a route:
        a read-only qrouter pass on the whole design logs 'Failure to find route ...' for them."""
        d = self.workdir / "repair"
        d.mkdir(parents=True, exist_ok=True)
        st_of = {n: st for r in results for n, st in r.nets.items()}
        stubs_of: dict[str, list[str]] = defaultdict(list)
        for r in results:
            for st in r.stubs:
                stubs_of[st.split()[1]].append(st)
        self._repair_def(d / "window.def", st_of)
        hidden = self._unreadable_routes(d, d / "window.def") & set(st_of)
        s = _RepairState(st_of, stubs_of, hidden | set(keep), merged=d / "merged.def")
        self._repair_merge(s)
        return s

    def _repair_metal(self, s: "_RepairState", nets: set[str]) -> list[str]:
        """Obstruction commands for the metal of `nets` (their wiring and stubs)."""
        t = self._tech_now()
        return [_obs_line(lay, _grow(rect, t.spacing.get(lay, 1) - 1), self.rd.dbu)
                for n in sorted(nets) for st, sp in [(s.st_of[n], False)] + [(x, True) for x in s.stubs_of[n]]
                for lay, rect in route_shapes(st, t, sp)]

    def _repair_merge(self, s: "_RepairState") -> None:
        cur = RunResult(Window("repair", -1, 0, (0, 0, 0, 0), []), 0, [], dict(s.st_of),
                        [x for n in s.st_of for x in s.stubs_of[n]], {})
        merge(self.rd, [cur], self.vias, s.merged)

    def _repair_round(self, s: "_RepairState", todo: set[str]) -> set[str]:
        """One whole-die qrouter run routing `todo` (from scratch) with every other readable net
        loaded as its existing route and the hidden nets as obstructions; qrouter may rip up
        and re-route loaded nets in the way. Returns the nets whose wiring changed. Each round
        has its own directory, so a net's statement in the merged DEF is in that round's
        routed.def."""
        from .route import REPAIR_RIP_LIMIT, run_qrouter, write_script
        k = len(s.dirs)
        d = self.workdir / ("repair" if k == 0 else f"repair_{k + 1}")
        d.mkdir(parents=True, exist_ok=True)
        s.hidden -= todo
        self._tell(f"whole-die repair run {k + 1}: {len(todo)} nets")
        for f in ("fail.out", "routed.def"):
            (d / f).unlink(missing_ok=True)
        self._repair_def(d / "window.def", {n: st for n, st in s.st_of.items() if n not in s.hidden | todo})
        script = write_script(d / "route.tcl", (d / "window.def").resolve(), (d / "routed.def").resolve(),
                              self.fp, obs=[line for _, line in self.straps] + self._repair_metal(s, s.hidden),
                              only=sorted(todo), rip_limit=REPAIR_RIP_LIMIT)
        try:
            secs, nfail, log = run_qrouter(script, d, d / "routed.def", self.timeout)
        except ToolTimeout:
            # the run's work is lost (qrouter writes its DEF at the end): the nets it was to
            # route keep their earlier wiring, shorts and all, or stay failed; the route is
            # reported with them instead of the whole flow dying here
            self.timed_out = d / "qrouter.log"   # no more repair runs
            self._count("whole-die repair", len(todo), len(todo), self.timeout)
            s.failed |= {n for n in todo if n not in s.st_of}
            s.dirs.append(d)  # the last run carries the failed nets (_repair_results)
            s.secs.append(self.timeout)
            s.vias.append({})
            return set()
        out = (d / "routed.def").read_text()
        bad = _failed_nets(d, nfail, "repair")
        self._count("whole-die repair", len(todo), len(bad), secs)
        now = todo | _ripped_up(log)
        allst = _net_statements(_section(out, "NETS")[2])
        for n in now:
            s.st_of[n], s.stubs_of[n], s.round_of[n] = allst[n], [], k
        for x in _stub_statements(out, now):
            s.stubs_of[x.split()[1]].append(x)
        s.changed |= now
        s.failed = (s.failed - now) | set(bad)
        s.vias.append(_def_vias(out))
        for name, st in s.vias[-1].items():
            self.vias.setdefault(name, st)
        s.dirs.append(d)
        s.secs.append(secs)
        self._repair_merge(s)
        return now

    def _near_failed(self, s: "_RepairState") -> set[str]:
        """Hidden nets near the pins of a still-failing net: it may be boxed in by them (qrouter
        cannot rip up an obstruction), so they are routed again with it."""
        m = round(REPAIR_UNHIDE_UM * self.rd.dbu)
        near = {o for n in s.failed for i, p in self.rd.conns[n] for _, r in self.rd.pin_shapes(i, p)
                for _, _, o in self.routed.query(_grow(r, m))}
        return near & s.hidden

    def _repair(self, failed: list[str], results: list[RunResult], keep: set[str] = frozenset(),
                rounds: int = REPAIR_ROUNDS, sweeps: int = REPAIR_SWEEPS) -> list[RunResult]:
        """Whole-die runs on a DEF where every routed net comes with its wiring, which qrouter
        takes as that net's route: stage1 routes only the failed nets and stage2 rips up and
        re-routes whatever blocks them, as in a whole-die route, without routing the other nets
        again. Nets whose wiring qrouter cannot read back as a route (it logs 'Failure to find
        route ...' while reading it; e.g. its own off-grid offset taps) would be invisible to
        it: they go in bare, their metal as obstructions. A re-routed net still touching another
        net is routed again with that one as obstruction (as are `failed` nets shorted to the
        nets in `keep`), for up to `rounds` runs.

        Those rounds only look at the shorts of the nets they just routed, and a net can land on
        the same obstruction every round (qrouter lets a route through an obstruction to reach
        its pin), so up to `sweeps` more runs follow while the whole merged DEF still has shorts
        (stub shorts too, and wiring on a cell's rail, obstruction or another net's pin: qrouter
        keeps no spacing from those, so a via pad can end exactly on a rail's edge) or failed
        nets: both nets of each short are routed again, together, so that qrouter sees each as a
        net rather than as an obstruction. Shorts left after that stay in the result;
        check_routed on the final DEF counts them and the route step's status marks the run
        invalid.

        One RunResult per run, each with the nets whose final wiring it made; only the last
        carries the nets still failed."""
        s = self._repair_start(results, keep)
        todo = set(failed)
        for _ in range(rounds):
            if not todo:
                break
            now = self._repair_round(s, todo)
            if self.timed_out:
                return self._repair_results(s, results)
            shorts = [sh for sh in check_routed(s.merged).shorts if sh[0] in now or sh[1] in now]
            if not shorts and not s.failed:
                break
            s.hidden |= {b if a in now else a for a, b, _, _ in shorts} - now
            todo = {a if a in now else b for a, b, _, _ in shorts} | s.failed | self._near_failed(s)
        for _ in range(sweeps):
            rep = check_routed(s.merged, cells=True)
            todo = {n for a, b, _, _ in rep.shorts + rep.stub_shorts + rep.cell_shorts
                    for n in (a, b)} & set(self.rd.nets)
            if not todo and not s.failed:
                break
            self._repair_round(s, todo | s.failed | self._near_failed(s))
            if self.timed_out:
                break
        return self._repair_results(s, results)

    def _repair_results(self, s: "_RepairState", results: list[RunResult]) -> list[RunResult]:
        _drop_wiring(results, s.changed)  # the re-routed nets' earlier wiring is gone
        out = []
        for k, d in enumerate(s.dirs):
            nets = sorted(n for n in s.changed if s.round_of[n] == k)
            last = k == len(s.dirs) - 1
            w = Window(d.name, -1, 0, (0, 0, self.grid.nx - 1, self.grid.ny - 1), nets)
            out.append(RunResult(w, s.secs[k], sorted(s.failed) if last else [], {n: s.st_of[n] for n in nets},
                                 [x for n in nets for x in s.stubs_of[n]], s.vias[k], True))
        return out

    def route(self, tiles: int, out_def: Path, jobs: int = JOBS, order: str = "top-down",
              max_repair: int | None = None, local_repair: bool = True, window_repair: bool = True,
              region_growth: tuple[int, ...] = REGION_GROWTH,
              strips: tuple[float, ...] | None = None) -> "PartitionResult":
        """top-down: the nets too large for any window first, on the whole die (qrouter itself
        routes the nets with most pins first), then the windows from large to small; bottom-up:
        the windows from small to large, then the whole die (the global nets' pins stay nodes
        until then, so the windows route around them). Nets a run fails, in either order, are
        routed again at the end: on their window (local repair), on a region around them, then
        on the whole die (_repair). local_repair switches both windowed repairs; window_repair
        only the per-window one. Region passes follow `region_growth` (tiles added around the
        failures, one pass each) while they clear nets. strips: see plan()."""
        t0 = time.time()
        phases, full = plan(self.rd, self.grid, tiles, strips)
        if order == "top-down":
            phases = ([[full]] if full.nets else []) + phases[::-1]
        elif order == "bottom-up":
            phases = phases + ([[full]] if full.nets else [])
        else:
            raise ValueError(f"order must be top-down or bottom-up, not {order!r}")
        results: list[RunResult] = []
        failed: list[str] = []      # nets a run failed (its partial wiring dropped): for _repair
        ripped_all: list[str] = []
        phase_secs = []
        total = sum(len(ph) for ph in phases)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for ph in phases:
                t1 = time.time()
                prepared = [(w, *self._prepare(w)) for w in ph]  # obstructions fixed before any run
                for r in pool.map(lambda a: self._run(*a), prepared):
                    results.append(r)
                    failed.extend(r.failed)
                    self._record(r)
                    self._count(r.window.name.split("_")[0], len(r.window.nets), len(r.failed), r.seconds)
                    self._tell(f"windows {len(results)}/{total} runs, {len(failed)} nets failed")
                phase_secs.append(round(time.time() - t1, 2))
        escalated = list(failed)
        if failed and local_repair and window_repair:
            t1 = time.time()
            results += self._local_repair(results)
            failed = sorted({n for r in results for n in r.failed})
            phase_secs.append(round(time.time() - t1, 2))
        local_left = len(failed)
        region_passes: list[int] = []
        for k, grow in enumerate(region_growth if local_repair else ()):
            # failures boxed in beyond their window: again on a region `grow` tiles larger all
            # round; a later pass regroups what is left (fewer nets, smaller unions)
            if not failed:
                break
            regions = self.regions(failed, tiles, grow, tag=f"{k}_" if k else "")
            if not regions:
                break
            t1 = time.time()
            results += self._repair_in_windows(results, regions, f"region pass {k + 1}")
            before, failed = len(failed), sorted({n for r in results for n in r.failed})
            phase_secs.append(round(time.time() - t1, 2))
            region_passes.append(len(failed))
            if len(failed) >= before:
                break
        region_left = len(failed)
        # qrouter's offset taps can put an off-grid segment over a neighbouring pin's via even
        # when that via was an obstruction: the smaller net of each such short is routed again
        # (and wiring on a cell's rail or obstruction: that net alone)
        merge(self.rd, results, self.vias, self.workdir / "phases.def")
        keep: set[str] = set()
        rep = check_routed(self.workdir / "phases.def", cells=True)
        for a, b, _, _ in rep.shorts + rep.cell_shorts:
            pair = [n for n in (a, b) if n in self.rd.conns]
            if not pair:
                continue
            small, *big = sorted(pair, key=lambda n: (len(self.rd.conns[n]), n))
            if small not in keep:
                failed.append(small)
                keep.update(big)
        keep -= set(failed)
        unrepaired: list[str] = []
        if failed and max_repair is not None and len(set(failed)) > max_repair:
            # the whole-die repair clears a few nets a minute: past the budget the run ends now,
            # the failed nets unrouted (the route step reports them, the run is invalid)
            unrepaired, failed = sorted(set(failed)), []
            _drop_wiring(results, set(unrepaired))
        if failed:  # qrouter's own rip-up on the whole die, the rest of the wiring in place
            t1 = time.time()
            reps = self._repair(failed, results, keep)
            ripped_all += [n for r in reps for n in r.window.nets if n not in failed]
            results += reps
            phase_secs.append(round(time.time() - t1, 2))
        merge(self.rd, results, self.vias, out_def)
        return PartitionResult(results, escalated, phase_secs, time.time() - t0, tiles,
                               self.workdir / results[-1].window.name / "qrouter.log", order,
                               ripped=len(ripped_all), unrepaired=unrepaired, local_left=local_left,
                               region_left=region_left, region_passes=region_passes,
                               repair_timed_out=self.timed_out, stages=self.stages)


@dataclass
class PartitionResult:
    runs: list[RunResult]
    escalated: list[str]
    phase_seconds: list[float]
    seconds: float
    tiles: int
    log: Path
    order: str = "top-down"
    ripped: int = 0                               # routed nets ripped up for the retries
    check: dict = field(default_factory=dict)   # check_routed() counts on the merged DEF
    unrepaired: list[str] = field(default_factory=list)  # failed nets left out: over the repair budget
    local_left: int = 0                           # failed nets left after the local (window) repairs
    region_left: int = 0                          # ... and after the region repairs
    region_passes: list[int] = field(default_factory=list)  # failed nets left after each region pass
    repair_timed_out: Path | None = None          # log of the whole-die repair run stopped at the timeout
    stages: dict = field(default_factory=dict)    # PartitionedRouter.stages: where the runs and failures were

    @property
    def failed(self) -> int:
        """Nets left failed: those of the final run (earlier failures were routed again), or all
        the windows' failures when they were over the repair budget."""
        return sum(len(r.failed) for r in self.runs if r.final) + len(self.unrepaired)

    def summary(self) -> dict:
        lv: dict[str, int] = defaultdict(int)
        for r in self.runs:
            lv[r.window.name.split("_")[0]] += len(r.window.nets)
        return {"tiles": self.tiles, "order": self.order, "windows": sum(r.window.level >= 0 for r in self.runs),
                "nets_per_level": dict(lv), "escalated": len(self.escalated), "ripped_up": self.ripped,
                "phase_seconds": self.phase_seconds,
                "qrouter_seconds": round(sum(r.seconds for r in self.runs), 2),
                "seconds": round(self.seconds, 2), "check": self.check, "unrepaired": len(self.unrepaired),
                "after_local_repair": self.local_left, "after_region_repair": self.region_left,
                "region_passes": self.region_passes, "stages": self.stages,
                "repair_timed_out": str(self.repair_timed_out) if self.repair_timed_out else None}


def merge(rd: RouterDef, results: list[RunResult], vias: dict[str, str], out_def: Path) -> None:
    """The router DEF with every net's routed statement, the union of the runs' VIAS and their
    stub SPECIALNETS appended after NETS (where qrouter puts them; route.restore_straps moves
    them into the one SPECIALNETS section)."""
    routed: dict[str, str] = {}
    stubs: list[str] = []
    for r in results:
        for n, st in r.nets.items():
            if n in routed:
                raise ToolError(f"net {n} routed by two windows")
            routed[n] = st
        stubs += r.stubs
    text = rd.text
    s, e, _ = _section(text, "NETS")
    body = "\n".join(routed.get(n, st) + " ;" for n, st in rd.nets.items())
    text = text[:s] + f"\nNETS {len(rd.nets)} ;\n{body}" + text[e:]
    vsec = f"VIAS {len(vias)} ;\n" + "\n".join(st + " ;" for st in vias.values()) + "\nEND VIAS\n"
    text = text.replace("\nPINS ", "\n" + vsec + "PINS ", 1)
    tail = f"SPECIALNETS {len(stubs)} ;\n" + "".join(st + " ;\n" for st in stubs) + "END SPECIALNETS\n"
    text = text.replace("\nEND NETS\n", "\nEND NETS\n" + tail, 1)
    tmp = out_def.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(out_def)


def resolve_partition(partition: int | str | None, router_def: Path) -> int:
    """Tiles per side of the level-0 windows, 0 for one whole-die run."""
    if partition in (None, 0, "off", "none", "0"):
        return 0
    if partition == "auto":
        text = Path(router_def).read_text()
        m = re.search(r"\nCOMPONENTS (\d+) ;", text)
        cells = int(m.group(1)) if m else 0
        return max(3, round(math.sqrt(cells / AUTO_CELLS_PER_TILE))) if cells >= AUTO_MIN_CELLS else 0
    n = int(partition)
    if n < 2:
        return 0
    return n


def route_partitioned(router_def: Path, fp: Floorplan, workdir: Path, out_def: Path, tiles: int,
                      timeout: float = 3600, jobs: int = JOBS, order: str = "top-down",
                      max_repair: int | None = None, local_repair: bool = True, window_repair: bool = True,
                      region_growth: tuple[int, ...] = REGION_GROWTH,
                      progress: Callable[[str], None] | None = None) -> PartitionResult:
    rd = read_router_def(router_def)
    res = PartitionedRouter(rd, fp, Path(workdir), timeout, progress).route(tiles, out_def, jobs, order, max_repair,
                                                                  local_repair, window_repair, region_growth)
    t0 = time.time()
    rep = check_routed(out_def)
    # qrouter itself leaves the odd short (off-grid offset taps, very wide stubs) in whole-die
    # runs too, so the counts are recorded rather than raised
    res.check = {"shorts": len(rep.shorts), "stub_shorts": len(rep.stub_shorts),
                 "unrouted": len(rep.unrouted), "seconds": round(time.time() - t0, 2),
                 "first_short": list(rep.shorts[0][:3]) if rep.shorts else None}
    (Path(workdir) / "partition.json").write_text(json.dumps(
        {**res.summary(), "routed_by": {n: r.window.name for r in res.runs for n in r.nets},
         "failed": {r.window.name: r.failed for r in res.runs if r.failed}}, indent=1))
    return res


@dataclass
class CheckReport:
    unrouted: list[str]
    shorts: list[tuple[str, str, str, Rect]]        # NETS wiring of two nets touching: net a, net b, layer, overlap
    stub_shorts: list[tuple[str, str, str, Rect]]   # involving a qrouter stub SPECIALNET
    cell_shorts: list[tuple[str, str, str, Rect]]   # wiring on another net's cell pin / a cell obstruction


def check_routed(def_path: Path, cells: bool = False, bucket: int = 1000) -> CheckReport:
    """Independent check of a routed DEF: every net with >= 2 pins has wiring, and no metal of
    two different nets touches on one layer. Wires are the centreline segments of
    defio.read_routed_nets grown by half the layer width, vias their pads (the DEF's VIAS or the
    tech LEF); qrouter's stub SPECIALNETS (with their own widths) are checked separately, and with
    cells=True so are the cells' pins (power pins as VPWR/VGND) and obstructions on li1..met4."""
    text = Path(def_path).read_text()
    rd = read_router_def(def_path)
    t = tech(rd.dbu)
    route = set(t.width)
    t.vias.update({n: _via_pads(st, route) for n, st in _def_vias(text).items()})
    nets = read_routed_nets(def_path)
    WIRE, STUB, CELL = 0, 1, 2
    shapes: list[tuple[str, Rect, str, int]] = []  # layer, rect, owner, kind
    unrouted = []
    for name, rn in nets.items():
        if len(rn.conns) >= 2 and not rn.wires and not rn.vias:
            unrouted.append(name)
        for lay, xa, ya, xb, yb in rn.wires:
            hw = t.width[lay] // 2
            shapes.append((lay, (min(xa, xb) - hw, min(ya, yb) - hw, max(xa, xb) + hw, max(ya, yb) + hw),
                           name, WIRE))
        for via, x, y in rn.vias:
            for lay, r in t.vias.get(via, ()):
                shapes.append((lay, (x + r[0], y + r[1], x + r[2], y + r[3]), name, WIRE))
    cfg = load_config()
    power = {cfg["power_net"], cfg["ground_net"]}
    start = 0
    while True:  # stub statements: any SPECIALNETS section, power nets excluded
        s, e, body = _section(text, "SPECIALNETS", start)
        if s < 0:
            break
        for st in _statements(body):
            name = st.split()[1]
            if name not in power and "ROUTED" in st:
                shapes += [(lay, r, name, STUB) for lay, r in route_shapes(st, t, special=True)]
        start = e + 1
    if cells:
        macros = macros_cached(str(pdk_files().lef))
        owner = {(i, p): n for n, cs in rd.conns.items() for i, p in cs}
        for inst, (cell, x, y, o, _) in rd.comps.items():
            mac = macros[cell]
            for pname, pin in mac.pins.items():
                own = pname if pname in power else owner.get((inst, pname), f"{inst}/{pname}")
                for lay, r in pin.shapes:
                    if lay in route:
                        shapes.append((lay, _place(r, x, y, o, mac.width, mac.height, rd.dbu), own, CELL))
            for lay, r in mac.obs:
                if lay in route:
                    shapes.append((lay, _place(r, x, y, o, mac.width, mac.height, rd.dbu), f"{inst}/OBS", CELL))
    grid: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for k, (lay, r, _, _) in enumerate(shapes):
        for bx in range(r[0] // bucket, r[2] // bucket + 1):
            for by in range(r[1] // bucket, r[3] // bucket + 1):
                grid[(lay, bx, by)].append(k)
    found: list[dict[tuple[str, str, str], Rect]] = [{}, {}, {}]
    for (lay, _, _), ks in grid.items():
        if len({shapes[k][2] for k in ks}) < 2:
            continue
        for a in range(len(ks)):
            la, ra, oa, ka = shapes[ks[a]]
            for b in range(a + 1, len(ks)):
                lb, rb, ob, kb = shapes[ks[b]]
                if oa != ob and min(ka, kb) != CELL and _touch(ra, rb):
                    key = (min(oa, ob), max(oa, ob), lay)
                    found[max(ka, kb)].setdefault(key, (max(ra[0], rb[0]), max(ra[1], rb[1]),
                                                        min(ra[2], rb[2]), min(ra[3], rb[3])))
    lists = [[(a, b, lay, r) for (a, b, lay), r in sorted(f.items())] for f in found]
    return CheckReport(sorted(unrouted), *lists)
