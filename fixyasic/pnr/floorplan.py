"""Floorplan: die and core from a target utilization, standard-cell rows, routing tracks, IO pins on
the die edge, tap cells and the power grid (met1 row rails, met4 straps with via stacks)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InputError
from .config import load_config, pdk_files
from .lef import layers_cached, macros_cached
from .netlist import Netlist


@dataclass
class IoPin:
    name: str           # port bit == net name
    direction: str      # INPUT / OUTPUT
    layer: str
    x: int              # dbu, pin anchor
    y: int
    rect: tuple[int, int, int, int]  # relative to anchor


@dataclass
class FixedCell:
    name: str
    cell: str
    x: int
    y: int
    orient: str


@dataclass
class Floorplan:
    design: str
    dbu: int
    die: tuple[int, int, int, int]
    core: tuple[int, int, int, int]
    site: str
    site_w: int
    row_h: int
    rows: list[tuple[int, int, str]]  # (x0, y0, orient) each spanning the core width
    sites_per_row: int
    pins: list[IoPin] = field(default_factory=list)
    taps: list[FixedCell] = field(default_factory=list)
    straps_x: list[int] = field(default_factory=list)   # met4 strap centre x
    strap_w: int = 1600
    cell_area_um2: float = 0.0
    utilization: float = 0.0

    def save(self, path: Path) -> Path:
        path = Path(path)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1))
        tmp.replace(path)
        return path

    @staticmethod
    def load(path: Path) -> "Floorplan":
        d = json.loads(Path(path).read_text())
        d["pins"] = [IoPin(**p) for p in d["pins"]]
        d["taps"] = [FixedCell(**t) for t in d["taps"]]
        d["die"], d["core"] = tuple(d["die"]), tuple(d["core"])
        d["rows"] = [tuple(r) for r in d["rows"]]
        for p in d["pins"]:
            p.rect = tuple(p.rect)
        return Floorplan(**d)

    @property
    def core_area_um2(self) -> float:
        x0, y0, x1, y1 = self.core
        return (x1 - x0) * (y1 - y0) / self.dbu ** 2


def route_tracks() -> dict[str, tuple[float, float, str]]:
    """layer -> (pitch, offset, direction) in um. qrouter routes on one grid per direction (the
    finest pitch, here met1 0.34 / li1 0.46), so every layer's tracks share that grid's offset;
    the tech LEF offsets of met3/met4 (0.34, 0.46) would put their tracks between grid points."""
    cfg = load_config()
    layers = layers_cached(str(pdk_files().tech_lef))
    names = [n for n in cfg["route_layers"]] + [cfg["power_strap_layer"]]
    base: dict[str, tuple[float, float]] = {}
    for n in names:
        L = layers[n]
        if L.direction not in base or L.pitch < base[L.direction][0]:
            base[L.direction] = (L.pitch, L.offset)
    return {n: (layers[n].pitch, base[layers[n].direction][1], layers[n].direction) for n in names}


def cell_area_um2(nl: Netlist) -> float:
    macros = macros_cached(str(pdk_files().lef))
    missing = sorted({i.cell for i in nl.instances if i.cell not in macros})
    if missing:
        raise InputError(f"cells not in the sky130hd LEF: {', '.join(missing[:5])}")
    return sum(macros[i.cell].width * macros[i.cell].height for i in nl.instances)


def make_floorplan(nl: Netlist, utilization: float | None = None, aspect: float = 1.0,
                   power_straps: bool = True, row_gap_tracks: int | None = None) -> Floorplan:
    """Die/core for `nl` at `utilization` (cell area / row area). With row_gap_tracks > 0 rows are
    not abutted: each row (all N, own rails) is followed by that many met1 tracks of routing
    channel, which gives qrouter room to reach pins (as qflow's graywolf row separation does)."""
    cfg = load_config()
    util = float(utilization or cfg["default_utilization"])
    if not 0.05 <= util <= 0.9:
        raise InputError(f"utilization {util} outside 0.05..0.9")
    dbu, sw, rh = cfg.dbu, cfg.site_w, cfg.row_h
    macros = macros_cached(str(pdk_files().lef))
    tap = macros[cfg["tap_cell"]]
    tap_pitch = round(cfg["tap_pitch_um"] * dbu)
    area = cell_area_um2(nl)
    core_area = area / util * 1e6  # dbu^2
    # taps take a site every tap_pitch/2 on average
    core_area *= 1 + (tap.width * dbu) / (tap_pitch / 2)
    gap_tracks = cfg.raw.get("row_gap_tracks", 0) if row_gap_tracks is None else row_gap_tracks
    gap = int(gap_tracks) * 340  # met1 pitch in dbu keeps every row on the met1 grid
    # rows * (row height + gap) / row width = aspect, with rows * row height * width = core area
    nrows = max(2, round(math.sqrt(aspect * core_area / (rh * (rh + gap)))))
    nsites = max(20, math.ceil(core_area / nrows / rh / sw))
    # room on the edges for the IO pins: one met3 track per pin on the sides, one met2 per pin on top
    nbits = len(nl.port_bits())
    margin = round(cfg["core_margin_um"] * dbu)
    mx = math.ceil(margin / sw) * sw
    my = math.ceil(margin / rh) * rh
    pitch = rh + gap
    core = (mx, my, mx + nsites * sw, my + nrows * pitch - gap)
    die = (0, 0, core[2] + mx, core[3] + my)
    rows = [(core[0], core[1] + r * pitch, "N" if (r % 2 == 0 or gap) else "FS") for r in range(nrows)]
    fp = Floorplan(nl.top, dbu, die, core, cfg["site"], sw, rh, rows, nsites,
                   cell_area_um2=area, utilization=util)
    fp.pins = _place_pins(nl, fp, nbits)
    # tap cells: staggered columns every tap_pitch (rows alternate the start by half a pitch)
    tw = round(tap.width * dbu)
    for r, (x0, y0, orient) in enumerate(rows):
        x = x0 + (0 if r % 2 == 0 else (tap_pitch // 2) // sw * sw)
        k = 0
        while x + tw <= core[2]:
            fp.taps.append(FixedCell(f"fx_tap_{r}_{k}", cfg["tap_cell"], x, y0, orient))
            x += tap_pitch // sw * sw
            k += 1
        # a row end more than half a pitch past the last tap breaks the latch-up distance
        # (magic LU.3: diffusion < 15 um from a tap): every other row's last tap stood ~20 um
        # from the core edge
        end = core[0] + (core[2] - core[0] - tw) // sw * sw
        last = x - tap_pitch // sw * sw
        if end - (last + tw) > tap_pitch // 2 - tw:
            fp.taps.append(FixedCell(f"fx_tap_{r}_{k}", cfg["tap_cell"], end, y0, orient))
    if power_straps:
        pitch = round(cfg["power_strap_pitch_um"] * dbu)
        fp.strap_w = round(cfg["power_strap_width_um"] * dbu)
        pitch4, off4, _ = route_tracks()[cfg["power_strap_layer"]]
        p4, o4 = round(pitch4 * dbu), round(off4 * dbu)
        n = max(1, round((core[2] - core[0]) / pitch))
        step = (core[2] - core[0]) / n
        for i in range(n):
            x = core[0] + step * (i + 0.5)
            fp.straps_x.append(o4 + round((x - o4) / p4) * p4)
    return fp


def _place_pins(nl: Netlist, fp: Floorplan, nbits: int) -> list[IoPin]:
    """Inputs on the left edge, outputs on the right edge (met3, horizontal); overflow goes to the
    bottom/top edges (met2, vertical). Pins sit on routing tracks."""
    cfg = load_config()
    dbu = fp.dbu
    layers = layers_cached(str(pdk_files().tech_lef))
    lh, lv = cfg["pin_layer_vertical_edges"], cfg["pin_layer_horizontal_edges"]
    tr = route_tracks()
    ph, oh = round(tr[lh][0] * dbu), round(tr[lh][1] * dbu)
    pv, ov = round(tr[lv][0] * dbu), round(tr[lv][1] * dbu)
    wh, wv = round(layers[lh].width * dbu), round(layers[lv].width * dbu)
    x0, y0, x1, y1 = fp.die
    ln = 4 * ph
    bits = nl.port_bits()
    ins = [b for b, d in bits if d == "input"]
    outs = [b for b, d in bits if d != "input"]

    def spread(lo: int, hi: int, n: int, pitch: int, off: int, every: int = 2) -> list[int]:
        """n track positions spread over [lo, hi], at least `every` tracks apart."""
        first = math.ceil((lo - off) / pitch)
        last = math.floor((hi - off) / pitch)
        avail = last - first + 1
        if n == 0:
            return []
        if avail < n:
            return None
        stepk = max(1, min(avail // n, avail))
        start = first + (avail - stepk * (n - 1) - 1) // 2
        return [off + (start + i * stepk) * pitch for i in range(n)]

    pins: list[IoPin] = []
    margin_y = (fp.core[1] - y0)
    side_lo, side_hi = y0 + margin_y // 2, y1 - margin_y // 2
    cap_side = (side_hi - side_lo) // (2 * ph) if cfg.raw.get("pins_on_sides", True) else 0
    left, bottom = ins[:cap_side], ins[cap_side:]
    right, top = outs[:cap_side], outs[cap_side:]
    for names, xedge, rect, dirn in ((left, x0, (0, -wh // 2, ln, wh - wh // 2), "INPUT"),
                                     (right, x1, (-ln, -wh // 2, 0, wh - wh // 2), "OUTPUT")):
        ys = spread(side_lo, side_hi, len(names), ph, oh)
        for n, y in zip(names, ys or []):
            pins.append(IoPin(n, dirn, lh, xedge, y, rect))
    lnv = 4 * pv
    mx = fp.core[0] - x0
    for names, yedge, rect, dirn in ((bottom, y0, (-wv // 2, 0, wv - wv // 2, lnv), "INPUT"),
                                     (top, y1, (-wv // 2, -lnv, wv - wv // 2, 0), "OUTPUT")):
        xs = spread(x0 + mx, x1 - mx, len(names), pv, ov)
        if xs is None:
            raise InputError(f"{len(bits)} IO pins do not fit around a "
                             f"{(x1 - x0) / dbu:.0f} um die; lower the utilization")
        for n, x in zip(names, xs):
            pins.append(IoPin(n, dirn, lv, x, yedge, rect))
    return pins


def track_supply_um(fp: Floorplan) -> float:
    """Routing track length the die offers above li1 (um): die area / pitch per routing layer.
    li1 is left out: qrouter uses it only to reach pins."""
    cfg = load_config()
    layers = layers_cached(str(pdk_files().tech_lef))
    area = (fp.die[2] - fp.die[0]) * (fp.die[3] - fp.die[1]) / fp.dbu ** 2
    return sum(area / layers[n].pitch for n in cfg["route_layers"][1:] if layers[n].pitch > 0)

