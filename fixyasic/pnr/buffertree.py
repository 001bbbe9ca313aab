"""Clock-tree synthesis and high-fanout buffering on a placed design.

There is no OpenROAD here, so nothing else builds a clock tree. qrouter stalls for hours on one net
with thousands of pins (a 3.6k-flop clock), and an unbuffered control net of a few pF gives tens of
ns of slew. So after placement every net with more loads than the limit gets a balanced buffer
tree: the loads are split by recursive bisection of their positions (wider axis, at the median)
into groups of at most `fanout`, each group gets a buffer at its centroid, and the buffers become
the loads of the next level until the driver sees at most `fanout` of them. Every sink therefore
sits behind the same number of buffers (a balanced tree, skew only from wires). New buffers go into
the nearest free row space that keeps the placer's padding site on both sides.

With a span limit, data nets of more than SPAN_MIN_LOADS loads whose pins spread wider than it
are split the same way, groups also bisected until their loads' bounding box (half-perimeter)
is within the limit, the limit doubling per level: every net is then either local or has few
pins. Long nets of many pins are what qrouter fails most on the 82k-cell extractor (13 % of the
nets of >= 5 pins spanning > 600 um, against 1 % of long 2-4-pin nets). A load alone in its
group stays on the upper net: a buffer would only add a repeater."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import FlowError
from .config import pdk_files
from .defio import Placement
from .floorplan import Floorplan
from .lef import macros_cached
from .netlist import Instance, Netlist

CLOCK_BUFFER = ("sky130_fd_sc_hd__clkbuf_4", "A", "X")
DATA_BUFFER = ("sky130_fd_sc_hd__buf_4", "A", "X")
SPAN_MIN_LOADS = 3   # nets of this many loads or fewer are never split for their span


@dataclass
class BufferReport:
    buffers: int = 0
    nets: dict[str, int] = field(default_factory=dict)       # original net -> buffers added
    levels: dict[str, int] = field(default_factory=dict)     # original net -> tree depth
    max_fanout_after: int = 0


class RowSpace:
    """Free x-spans per row, for dropping a buffer near a point."""

    def __init__(self, fp: Floorplan, gaps: dict[int, list[tuple[int, int]]], pad: int):
        self.fp = fp
        self.gaps = {y: sorted(g) for y, g in gaps.items()}
        self.rows = sorted(self.gaps)
        self.pad = pad * fp.site_w

    def take(self, x: float, y: float, width: int) -> tuple[int, int]:
        """Reserve `width` dbu in the free span closest to (x, y); returns the cell's (x, y)."""
        best = None
        order = sorted(self.rows, key=lambda ry: abs(ry - y))
        for ry in order:
            dy = abs(ry - y)
            if best is not None and dy >= best[0]:
                break
            for k, (a, b) in enumerate(self.gaps[ry]):
                lo, hi = a + self.pad, b - self.pad - width
                if hi < lo:
                    continue
                cx = min(max(int(x), lo), hi)
                cx = lo + ((cx - lo) // self.fp.site_w) * self.fp.site_w  # on the site grid
                cost = dy + abs(cx - x)
                if best is None or cost < best[0]:
                    best = (cost, ry, k, cx)
        if best is None:
            raise FlowError("no free row space left for a buffer; lower the utilization")
        _, ry, k, cx = best
        a, b = self.gaps[ry][k]
        self.gaps[ry][k:k + 1] = [s for s in ((a, cx), (cx + width, b)) if s[1] > s[0]]
        return cx, ry


def _span(items: list) -> float:
    """Half-perimeter of the (obj, x, y) items' bounding box."""
    xs = [it[1] for it in items]
    ys = [it[2] for it in items]
    return (max(xs) - min(xs)) + (max(ys) - min(ys))


def _bisect(items: list, fanout: int, span: float | None = None) -> list[list]:
    """Split (obj, x, y) items into spatially compact groups of at most `fanout` and, with
    `span`, a bounding-box half-perimeter of at most `span` (or a single item)."""
    if len(items) <= fanout and (span is None or len(items) == 1 or _span(items) <= span):
        return [items]
    xs = [it[1] for it in items]
    ys = [it[2] for it in items]
    axis = 1 if (max(xs) - min(xs)) >= (max(ys) - min(ys)) else 2
    items = sorted(items, key=lambda it: (it[axis], it[3 - axis]))
    # split so both halves stay multiples of `fanout` where possible: full groups, fewer buffers
    ngroups = -(-len(items) // fanout)
    cut = (ngroups // 2) * fanout if ngroups > 1 else len(items) // 2
    return _bisect(items[:cut], fanout, span) + _bisect(items[cut:], fanout, span)


def pin_position(inst: Instance, pin: str, placement: Placement, macros: dict,
                 dbu: int) -> tuple[float, float]:
    """A placed cell pin's centre (dbu); the cell's centre for a pin its LEF does not have."""
    x, y, o = placement[inst.name]
    m = macros[inst.cell]
    px, py = m.pins[pin].center() if pin in m.pins else (m.width / 2, m.height / 2)
    if o == "FS":
        py = m.height - py
    return x + px * dbu, y + py * dbu


class FreshNames:
    """`base_k` names not yet in `taken` (each is added to it). Remembers where each base left
    off: counting from 0 on every call is quadratic (10k names took 16 s; the default
    configuration's baseline asks its hold repair for 58k buffers). Names are only ever added,
    so the smallest free k is never below the last one handed out."""

    def __init__(self, taken: set[str]):
        self.taken = taken
        self._next: dict[str, int] = {}

    def __call__(self, base: str) -> str:
        k = self._next.get(base, 0)
        while f"{base}_{k}" in self.taken:
            k += 1
        name = f"{base}_{k}"
        self.taken.add(name)
        self._next[base] = k + 1
        return name


def buffer_trees(nl: Netlist, fp: Floorplan, placement: Placement, clock_net: str | None,
                 clock_fanout: int = 16, data_fanout: int = 24, pad_sites: int = 1,
                 gaps: dict[int, list[tuple[int, int]]] | None = None,
                 max_span_um: float | None = None) -> BufferReport:
    """Insert buffer trees in place (nl.instances and placement grow). `gaps` are the free row
    spans (fixyasic.pnr.place_coloquinte.row_gaps); `max_span_um` the data nets' span limit
    (None: split by fanout only)."""
    from .place_coloquinte import row_gaps
    macros = macros_cached(str(pdk_files().lef))
    dbu = fp.dbu
    space = RowSpace(fp, gaps if gaps is not None else row_gaps(fp, nl, placement), pad_sites)
    pins = {p.name: (p.x, p.y) for p in fp.pins}
    by_name = {i.name: i for i in nl.instances}
    report = BufferReport()
    inst_name, net_name = FreshNames(set(by_name)), FreshNames(set(nl.nets()))

    def pin_xy(inst: Instance, pin: str) -> tuple[float, float]:
        return pin_position(inst, pin, placement, macros, dbu)

    def is_output(inst: Instance, pin: str) -> bool:
        m = macros[inst.cell]
        return pin in m.pins and m.pins[pin].direction == "OUTPUT"

    span_dbu = None if max_span_um is None else max_span_um * dbu
    for net, conns in list(nl.nets().items()):
        loads = [(by_name[i], p) for i, p in conns if i != "PIN" and not is_output(by_name[i], p)]
        is_clock = net == clock_net
        limit = clock_fanout if is_clock else data_fanout
        by_span = span_dbu is not None and not is_clock and len(loads) > SPAN_MIN_LOADS
        if len(loads) <= limit and not by_span:
            continue
        level = [(ld, *pin_xy(*ld)) for ld in loads]
        span, others = None, []   # others: the net's driver and IO pins, also in its span
        if by_span:
            others = [(None, *(pins[p] if i == "PIN" else pin_xy(by_name[i], p))) for i, p in conns
                       if (i == "PIN" and p in pins) or (i != "PIN" and is_output(by_name[i], p))]
            if _span(level + others) > span_dbu:
                span = span_dbu
        if len(loads) <= limit and span is None:
            continue
        cell, a_pin, x_pin = CLOCK_BUFFER if is_clock else DATA_BUFFER
        width = round(macros[cell].width * dbu)
        added = depth = 0
        while len(level) > limit or (span is not None and len(level) > SPAN_MIN_LOADS
                                     and _span(level + others) > span):
            groups = _bisect(level, limit, span)
            if span is not None and len(groups) == len(level):
                # every load alone in its group: the span cannot be cut further
                if len(level) <= limit:
                    break
                span, groups = None, _bisect(level, limit)
            depth += 1
            nxt = []
            for group in groups:
                if len(group) == 1 and span is not None:
                    nxt.append(group[0])  # stays on the upper net
                    continue
                cx = sum(g[1] for g in group) / len(group)
                cy = sum(g[2] for g in group) / len(group)
                bname = inst_name(f"fx_{'cts' if is_clock else 'hfb'}")
                bnet = net_name(f"{net.replace('[', '_').replace(']', '')}_b{depth}")
                for (inst, pin), _, _ in group:
                    inst.conns[pin] = bnet
                buf = Instance(bname, cell, {a_pin: net, x_pin: bnet})
                nl.instances.append(buf)
                by_name[bname] = buf
                bx, by = space.take(cx - width / 2, cy, width)
                orient = next(o for _, ry, o in fp.rows if ry == by)
                placement[bname] = (bx, by, orient)
                added += 1
                nxt.append(((buf, a_pin), bx + width / 2, by + fp.row_h / 2))
            level = nxt
            if span is not None:
                span *= 2  # the next level joins groups twice as far apart
        if not added:
            continue
        report.buffers += added
        report.nets[net] = added
        report.levels[net] = depth
    fan = [sum(1 for i, p in c if i != "PIN" and not is_output(by_name[i], p)) for c in nl.nets().values()]
    report.max_fanout_after = max(fan, default=0)
    return report
