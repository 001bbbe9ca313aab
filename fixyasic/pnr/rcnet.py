"""A routed net as a resistor-capacitor network, for the SPEF of the routed design.

Why not one star per net: a star gives every load half the net's whole resistance behind all of
its capacitance, so its delay grows with the square of the net's length whatever the load's
place on it. On the full-size baseline the top clock nets (4.7 mm of wire, 0.4 pF, ~10 kOhm of
wire and vias) got ~2.5 ns per load that way, and the hold and setup slacks of the routed design
were mostly that error. Here each wire piece between two junctions is a resistor with half its
capacitance on either end, each via a resistor between its two layers, and each pin is tied to
the wiring wherever it touches the pin's own shapes (qrouter's paths of one net meet on pins); OpenSTA then computes the delay to each load
along its own path.

A net whose wiring does not join all its pins (qrouter's off-grid taps it could not read back,
an unrouted net) is left to the star model: `build` returns None."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from .defio import RoutedNet, via_layers
from .lef import Layer

Node = tuple[str, int, int]               # layer, x, y (dbu)
Shape = tuple[str, tuple[int, int, int, int]]
PinKey = tuple[str, str]                  # (instance, pin) or ("PIN", port)

# a pin whose shapes no node of its own layer touches is tied to the nearest node of any layer
# if that is at most this far (um) from a shape; further than that the net is left to the star
PIN_REACH_UM = 2.0
TIE_OHM = 0.001                           # pin to its node: OpenSTA wants a resistor there
# qrouter puts a via on a grid point whose pad covers the pin, not always with its centre inside
# the pin's shape: a node this close (um) to a shape is on the pin
PIN_TOUCH_UM = 0.1

_CUT_OF = {("li1", "met1"): "mcon", ("met1", "met2"): "via", ("met2", "met3"): "via2",
           ("met3", "met4"): "via3", ("met4", "met5"): "via4"}


@dataclass
class RCNetwork:
    """Nodes 0..n-1 with their capacitance (pF) and resistors between nodes (ohm); each pin
    ((instance, pin) or ("PIN", port)) is tied to one node."""
    caps: list[float] = field(default_factory=list)
    res: list[tuple[int, int, float]] = field(default_factory=list)
    pins: dict[PinKey, int] = field(default_factory=dict)

    @property
    def total_cap(self) -> float:
        return sum(self.caps)

    @property
    def total_res(self) -> float:
        return sum(r for _, _, r in self.res)


class _Sets:
    def __init__(self) -> None:
        self.up: list[int] = []

    def add(self) -> None:
        self.up.append(len(self.up))

    def find(self, a: int) -> int:
        while self.up[a] != a:
            self.up[a] = self.up[self.up[a]]
            a = self.up[a]
        return a

    def join(self, a: int, b: int) -> bool:
        a, b = self.find(a), self.find(b)
        if a == b:
            return False
        self.up[a] = b
        return True


def _split(wires: list[tuple[str, int, int, int, int]], points: dict[str, set[tuple[int, int]]]):
    """Wire pieces between consecutive junctions: a route may branch off in the middle of
    another wire (DEF `NEW` paths start anywhere on the existing route)."""
    rows: dict[tuple[str, int], list[int]] = defaultdict(list)   # (layer, y) -> xs
    cols: dict[tuple[str, int], list[int]] = defaultdict(list)   # (layer, x) -> ys
    for layer, pts in points.items():
        for x, y in pts:
            rows[(layer, y)].append(x)
            cols[(layer, x)].append(y)
    for v in rows.values():
        v.sort()
    for v in cols.values():
        v.sort()
    for layer, xa, ya, xb, yb in wires:
        if ya == yb:
            lo, hi = sorted((xa, xb))
            xs = rows[(layer, ya)]
            cuts = [lo, *xs[bisect_right(xs, lo):bisect_left(xs, hi)], hi]
            for a, b in zip(cuts, cuts[1:]):
                if b > a:
                    yield layer, (a, ya), (b, ya), b - a
        elif xa == xb:
            lo, hi = sorted((ya, yb))
            ys = cols[(layer, xa)]
            cuts = [lo, *ys[bisect_right(ys, lo):bisect_left(ys, hi)], hi]
            for a, b in zip(cuts, cuts[1:]):
                if b > a:
                    yield layer, (xa, a), (xa, b), b - a
        else:  # not in qrouter's output; a diagonal is taken at its Manhattan length
            yield layer, (xa, ya), (xb, yb), abs(xb - xa) + abs(yb - ya)


def _gap(x: int, y: int, r: tuple[int, int, int, int]) -> int:
    return max(r[0] - x, 0, x - r[2]) + max(r[1] - y, 0, y - r[3])


def build(rn: RoutedNet, pin_shapes: dict[PinKey, list[Shape]], layers: dict[str, Layer],
          dbu: int = 1000) -> RCNetwork | None:
    """The RC network of one routed net; `pin_shapes`: each pin's shapes in die
    coordinates (dbu). None when the wiring does not join every pin."""
    if not rn.wires and not rn.vias:
        return None
    points: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for layer, xa, ya, xb, yb in rn.wires:
        points[layer].update(((xa, ya), (xb, yb)))
    for via, x, y in rn.vias:
        pair = via_layers(via)
        if pair:
            points[pair[0]].add((x, y))
            points[pair[1]].add((x, y))
    net = RCNetwork()
    ids: dict[Node, int] = {}
    sets = _Sets()

    def node(n: Node) -> int:
        k = ids.get(n)
        if k is None:
            k = ids[n] = len(net.caps)
            net.caps.append(0.0)
            sets.add()
        return k

    for layer, a, b, length in _split(rn.wires, points):
        lay = layers[layer]
        um = length / dbu
        ka, kb = node((layer, *a)), node((layer, *b))
        c = lay.cpersqdist * um * lay.width + 2 * lay.edgecap * um
        net.caps[ka] += c / 2
        net.caps[kb] += c / 2
        if sets.join(ka, kb):        # a loop's closing resistor is dropped: a tree for OpenSTA
            net.res.append((ka, kb, lay.rpersq * um / lay.width))
    for via, x, y in rn.vias:
        pair = via_layers(via)
        if not pair:
            continue
        ka, kb = node((pair[0], x, y)), node((pair[1], x, y))
        cut = layers.get(_CUT_OF.get(pair, ""))
        if sets.join(ka, kb):
            net.res.append((ka, kb, cut.via_resistance if cut else 0.0))
    by_layer: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for (layer, x, y), k in ids.items():
        by_layer[layer].append((x, y, k))
    reach, touch = round(PIN_REACH_UM * dbu), round(PIN_TOUCH_UM * dbu)
    # a via moved off the grid onto a pin (qrouter's offset L1M1_PR) leaves its met1 pad a few
    # nm beside the next via's on the grid: nodes that close on one layer are one piece of metal
    for layer, pts in by_layer.items():
        cell: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        for x, y, k in pts:
            cell[(x // max(touch, 1), y // max(touch, 1))].append((x, y, k))
        for (cx, cy), here in cell.items():
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for x, y, k in here:
                        for x2, y2, k2 in cell.get((cx + dx, cy + dy), ()):
                            if k2 > k and abs(x2 - x) + abs(y2 - y) <= touch and sets.join(k, k2):
                                net.res.append((k, k2, TIE_OHM))
    for pin, shapes in pin_shapes.items():
        # qrouter joins a net's paths at its pins: one path ends on a pin's metal and the next
        # leaves it elsewhere, so every node on the pin's shapes is tied to the pin
        on = [k for layer, r in shapes for x, y, k in by_layer.get(layer, ()) if _gap(x, y, r) <= touch]
        if not on:
            best = min(((_gap(x, y, r), k) for _, r in shapes for pts in by_layer.values()
                        for x, y, k in pts), default=None)
            if best is None or best[0] > reach:
                return None
            on = [best[1]]
        net.pins[pin] = on[0]
        for k in on[1:]:
            if sets.join(on[0], k):
                net.res.append((on[0], k, TIE_OHM))
    roots = {sets.find(k) for k in net.pins.values()}
    if len(roots) != 1:
        return None
    # wiring not joined to the pins (a dangling piece) keeps its capacitance, on the first pin
    root = roots.pop()
    keep = [k for k in range(len(net.caps)) if sets.find(k) == root]
    new = {k: i for i, k in enumerate(keep)}
    lost = sum(net.caps) - sum(net.caps[k] for k in keep)
    out = RCNetwork([net.caps[k] for k in keep],
                    [(new[a], new[b], r) for a, b, r in net.res if a in new],
                    {p: new[k] for p, k in net.pins.items()})
    out.caps[next(iter(out.pins.values()))] += lost
    return out
