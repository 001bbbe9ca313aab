"""Placement with coloquinte (PyPI): analytic global placement, legalization into the rows, detailed
placement. Taps are fixed obstacles and IO pins fixed terminals, so the result is legal,
row-aligned and overlap-free by construction; check_legal() verifies it independently."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import FlowError, ToolError
from .config import pdk_files
from .congestion import inflation, rudy
from .defio import Placement
from .floorplan import Floorplan
from .lef import macros_cached
from .netlist import Netlist


@dataclass
class PlaceResult:
    placement: Placement
    hpwl_um: float
    seconds: float
    placer: str


def place_coloquinte(nl: Netlist, fp: Floorplan, effort: int = 3, pad_sites: int = 1,
                     spread_density: float | None = None, congestion_rounds: int = 0) -> PlaceResult:
    """Place `nl` in `fp`'s rows. Each cell is widened by `pad_sites` empty sites (half on each side)
    so that qrouter finds a free on-grid tap on every li1 pin: with abutted neighbours the li1
    spacing rule hides the taps of pins near the cell edge. congestion_rounds (with
    spread_density): global placements again with each cell's spread width scaled by the wiring
    density (RUDY) around it in the previous one (fixyasic.pnr.congestion)."""
    try:
        import coloquinte as cq
    except ImportError as exc:  # pragma: no cover
        raise ToolError("coloquinte is missing: pip install coloquinte") from exc
    t0 = time.time()
    dbu = fp.dbu
    # Coordinates in site widths relative to the core corner: x on whole sites is legal for free,
    # and a row is RH sites tall (2.72/0.46 = 5.91 -> 6), so wirelength stays nearly isotropic.
    sw, x0, y0c = fp.site_w, fp.core[0], fp.core[1]
    RH = max(1, round(fp.row_h / sw))
    nrows = len(fp.rows)
    row_pitch = (fp.rows[1][1] - fp.rows[0][1]) if nrows > 1 else fp.row_h
    P = RH + round((row_pitch - fp.row_h) / sw)  # row pitch in site units (rows may have gaps)

    def sx(x_dbu: float) -> int:
        return round((x_dbu - x0) / sw)

    def sy(y_dbu: float) -> int:
        return round((y_dbu - y0c) / row_pitch * P)

    macros = macros_cached(str(pdk_files().lef))
    insts = nl.instances
    n_mov = len(insts)
    n = n_mov + len(fp.taps) + len(fp.pins)
    circ = cq.Circuit(n)
    widths, heights, fixed, obst, xs, ys = [], [], [], [], [], []
    cx, cy = fp.sites_per_row // 2, nrows * P // 2
    for inst in insts:
        m = macros[inst.cell]
        widths.append(round(m.width * dbu / sw) + pad_sites); heights.append(RH)
        fixed.append(False); obst.append(True); xs.append(cx); ys.append(cy)
    tm = macros[fp.taps[0].cell] if fp.taps else None
    for t in fp.taps:
        widths.append(round(tm.width * dbu / sw)); heights.append(RH)
        fixed.append(True); obst.append(True); xs.append(sx(t.x)); ys.append(sy(t.y))
    pin_index = {}
    for p in fp.pins:
        pin_index[p.name] = len(widths)
        widths.append(0); heights.append(0)
        # terminals clamped onto the row area's edge (outside it coloquinte's runtime explodes)
        px = min(max(sx(p.x), 0), fp.sites_per_row - 1)
        py = min(max(sy(p.y), 0), (nrows - 1) * P + RH - 1)
        fixed.append(True); obst.append(False); xs.append(px); ys.append(py)
    circ.cell_width = widths
    circ.cell_height = heights
    circ.cell_is_fixed = fixed
    circ.cell_is_obstruction = obst
    circ.cell_x = xs
    circ.cell_y = ys
    circ.cell_orientation = [cq.CellOrientation.N] * n
    idx = {inst.name: k for k, inst in enumerate(insts)}
    pin_cell: list[int] = []
    pin_ox: list[int] = []
    pin_oy: list[int] = []
    pin_net: list[int] = []
    for net, conns in nl.nets().items():
        cells, ox, oy = [], [], []
        for iname, pin in conns:
            if iname == "PIN":
                if pin in pin_index:
                    cells.append(pin_index[pin]); ox.append(0); oy.append(0)
                continue
            k = idx[iname]
            m = macros[insts[k].cell]
            px, py = m.pins[pin].center() if pin in m.pins else (m.width / 2, m.height / 2)
            cells.append(k); ox.append(round(px * dbu / sw) + pad_sites // 2)
            oy.append(round(py * dbu / sw))
        if len(cells) >= 2:
            pin_net.extend([circ.nb_nets] * len(cells))
            circ.add_net(cells, ox, oy)
            pin_cell.extend(cells)
            pin_ox.extend(ox)
            pin_oy.extend(oy)
    rows = []
    for r, (_, _, o) in enumerate(fp.rows):
        rect = cq.Rectangle(0, fp.sites_per_row, r * P, r * P + RH)
        rows.append(cq.Row(rect, cq.CellOrientation.N if o == "N" else cq.CellOrientation.FS))
    circ.rows = rows
    circ.cell_row_polarity = [cq.CellRowPolarity.SAME] * n
    circ.check()
    params = cq.ColoquinteParameters(effort)
    if spread_density:
        # global placement packs cells where the nets pull them (the baseline's register files
        # filled 60 % of the core at twice the mean density); widened cells spread over the rows,
        # and legalization at the true widths keeps that spread without having to fit the padding
        true_widths = list(circ.cell_width)
        circ.expand_cells_to_density(spread_density)
        circ.place_global(params)
        spread = np.asarray(circ.cell_width, dtype=float)
        pins = (np.asarray(pin_cell), np.asarray(pin_ox), np.asarray(pin_oy), np.asarray(pin_net))
        extent = (0.0, 0.0, float(fp.sites_per_row), float((nrows - 1) * P + RH))
        for _ in range(congestion_rounds):
            # the same spread area, handed out by wiring density: coloquinte's global placement
            # spreads cells by area only, so a wide cell is room for the nets around it
            xs, ys = np.asarray(circ.cell_x, dtype=float), np.asarray(circ.cell_y, dtype=float)
            dens = rudy(_net_boxes(xs, ys, *pins), extent, _bins(extent, 100.0 / (sw / dbu)))
            f = inflation(dens, extent, xs[:n_mov] + spread[:n_mov] / 2, ys[:n_mov] + RH / 2)
            w = spread[:n_mov] * f
            w *= spread[:n_mov].sum() / w.sum()
            circ.cell_width = [max(tw, int(round(v))) for tw, v in zip(true_widths[:n_mov], w)] + \
                [int(v) for v in spread[n_mov:]]
            circ.place_global(params)
        circ.cell_width = true_widths
    else:
        circ.place_global(params)
    circ.legalize(params)
    circ.place_detailed(params)
    placement: Placement = {}
    row_orient = {y0: o for _, y0, o in fp.rows}
    cxs, cys = circ.cell_x, circ.cell_y
    for k, inst in enumerate(insts):
        x = x0 + (int(cxs[k]) + pad_sites // 2) * sw
        r, rem = divmod(int(cys[k]), P)
        y = y0c + r * row_pitch
        if rem or y not in row_orient:
            raise FlowError(f"coloquinte left {inst.name} off the rows (y={y})")
        placement[inst.name] = (x, y, row_orient[y])
    hpwl = _hpwl_um(nl, fp, placement, macros)
    return PlaceResult(placement, hpwl, time.time() - t0, "coloquinte")


def _net_boxes(xs: np.ndarray, ys: np.ndarray, cell: np.ndarray, ox: np.ndarray, oy: np.ndarray,
               net: np.ndarray) -> np.ndarray:
    """(nets, 4) pin bounding boxes from coloquinte's cell positions and the pins' offsets
    (`net` numbers each pin's net, nets in order, pins of a net together)."""
    px, py = xs[cell] + ox, ys[cell] + oy
    start = np.flatnonzero(np.r_[True, net[1:] != net[:-1]])
    return np.stack([np.minimum.reduceat(px, start), np.minimum.reduceat(py, start),
                     np.maximum.reduceat(px, start), np.maximum.reduceat(py, start)], axis=1)


def _bins(extent: tuple[float, float, float, float], size: float) -> tuple[int, int]:
    return (max(4, min(64, round((extent[2] - extent[0]) / size))),
            max(4, min(64, round((extent[3] - extent[1]) / size))))


def net_pins(nl: Netlist, fp: Floorplan, placement: Placement, macros):
    """(net, [((instance, pin) or ("PIN", port), (x, y) dbu of the placed pin centre or IO
    pin)]) for every net of `nl`; ports without a placed IO pin are left out."""
    pins = {p.name: (p.x, p.y) for p in fp.pins}
    cells = {i.name: i.cell for i in nl.instances}
    for net, conns in nl.nets().items():
        out = []
        for iname, pin in conns:
            if iname == "PIN":
                if pin in pins:
                    out.append(((iname, pin), pins[pin]))
                continue
            x, y, o = placement[iname]
            m = macros[cells[iname]]
            px, py = m.pins[pin].center() if pin in m.pins else (m.width / 2, m.height / 2)
            if o == "FS":
                py = m.height - py
            out.append(((iname, pin), (x + px * fp.dbu, y + py * fp.dbu)))
        yield net, out


def net_pin_points(nl: Netlist, fp: Floorplan, placement: Placement, macros):
    """(net, [(x, y) dbu of each placed pin centre and IO pin]) for every net of `nl`."""
    for net, pins in net_pins(nl, fp, placement, macros):
        yield net, [pt for _, pt in pins]


def half_perimeter(pts) -> float:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (max(xs) - min(xs)) + (max(ys) - min(ys))


def _hpwl_um(nl: Netlist, fp: Floorplan, placement: Placement, macros) -> float:
    return sum(half_perimeter(pts) for _, pts in net_pin_points(nl, fp, placement, macros)
               if len(pts) > 1) / fp.dbu


def check_legal(nl: Netlist, fp: Floorplan, placement: Placement) -> list[str]:
    """Problems with a placement: off-site, off-row, outside the core, overlaps (incl. taps)."""
    macros = macros_cached(str(pdk_files().lef))
    dbu = fp.dbu
    rows = {y0 for _, y0, _ in fp.rows}
    probs: list[str] = []
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for t in fp.taps:
        spans.setdefault(t.y, []).append((t.x, t.x + round(macros[t.cell].width * dbu), t.name))
    for inst in nl.instances:
        x, y, _ = placement[inst.name]
        w = round(macros[inst.cell].width * dbu)
        if y not in rows:
            probs.append(f"{inst.name} not on a row (y={y})")
        if (x - fp.core[0]) % fp.site_w:
            probs.append(f"{inst.name} not on the site grid (x={x})")
        if x < fp.core[0] or x + w > fp.core[2]:
            probs.append(f"{inst.name} outside the core")
        spans.setdefault(y, []).append((x, x + w, inst.name))
    for y, sp in spans.items():
        sp.sort()
        for a, b in zip(sp, sp[1:]):
            if b[0] < a[1]:
                probs.append(f"overlap {a[2]} / {b[2]} at y={y}")
    return probs


def row_gaps(fp: Floorplan, nl: Netlist, placement: Placement) -> dict[int, list[tuple[int, int]]]:
    """Free [x0, x1) spans per row y, for filler insertion."""
    macros = macros_cached(str(pdk_files().lef))
    dbu = fp.dbu
    occ: dict[int, list[tuple[int, int]]] = {y: [] for _, y, _ in fp.rows}
    for t in fp.taps:
        occ[t.y].append((t.x, t.x + round(macros[t.cell].width * dbu)))
    for inst in nl.instances:
        x, y, _ = placement[inst.name]
        occ[y].append((x, x + round(macros[inst.cell].width * dbu)))
    gaps: dict[int, list[tuple[int, int]]] = {}
    for y, sp in occ.items():
        sp.sort()
        cur = fp.core[0]
        g = []
        for a, b in sp:
            if a > cur:
                g.append((cur, a))
            cur = max(cur, b)
        if cur < fp.core[2]:
            g.append((cur, fp.core[2]))
        gaps[y] = g
    return gaps


def fillers(fp: Floorplan, nl: Netlist, placement: Placement, fill_cells: list[str]):
    """Filler components closing every row gap (largest cells first)."""
    macros = macros_cached(str(pdk_files().lef))
    sizes = sorted(((round(macros[c].width * fp.dbu), c) for c in fill_cells), reverse=True)
    orient = {y0: o for _, y0, o in fp.rows}
    out = []
    for y, gaps in row_gaps(fp, nl, placement).items():
        for a, b in gaps:
            x = a
            for w, c in sizes:
                while x + w <= b:
                    out.append((f"fx_fill_{len(out)}", c, x, y, orient[y]))
                    x += w
    return out
