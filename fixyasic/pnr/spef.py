"""Parasitics: routed DEF -> SPEF with per-layer sheet resistance, area and fringe capacitance and
per-cut via resistance from the technology LEF.

A routed net becomes its RC network (fixyasic.pnr.rcnet: a resistor per wire piece and via, the
capacitance on the nodes, each pin tied where the wiring touches it). Before routing (the gate
sizing's and hold repair's STA) a net becomes a tree over its placed pins (`estimate_parasitics`:
totals from the pins' half-perimeter, `estimate_rc`, spread over their minimum spanning tree). A
routed net whose wiring does not join its pins, and a net with too many pins for the tree,
becomes a star: all capacitance on one internal node, the driver connected to it by half the
net's resistance and every load by the other half. Coupling capacitance is not modelled
(qrouter's wire spacing is not extracted)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .config import pdk_files
from .defio import RoutedNet, read_routed_nets, via_layers
from .lef import layers_cached, macros_cached
from .netlist import Netlist
from .rcnet import TIE_OHM, RCNetwork, build

_CUT_OF = {("li1", "met1"): "mcon", ("met1", "met2"): "via", ("met2", "met3"): "via2",
           ("met3", "met4"): "via3", ("met4", "met5"): "via4"}


@dataclass
class SpefResult:
    path: Path
    nets: int
    total_cap_pf: float
    total_res_ohm: float
    tree_nets: int = 0          # nets written as their RC network (the rest as stars)


def _esc(name: str) -> str:
    # SPEF escapes non-identifier characters except the bus delimiters kept as [ ]
    out = []
    for ch in name:
        if ch.isalnum() or ch in "_[]":
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "".join(out)


def _pin_shapes(rd, inst: str, pin: str) -> list:
    """A pin's shapes in die coordinates; [] when the DEF or the LEF does not place it."""
    try:
        return rd.pin_shapes(inst, pin)
    except KeyError:
        return []


def write_spef(routed_def: Path, nl: Netlist, out: Path, dbu: int = 1000, tree: bool = True) -> SpefResult:
    """SPEF of the routed DEF's wires and vias; tree=False: every net as a star."""
    layers = layers_cached(str(pdk_files().tech_lef))
    rc: dict[str, tuple[float, float]] = {}
    routed = read_routed_nets(routed_def)
    networks: dict[str, RCNetwork] = {}
    if tree:
        from .route_partition import read_router_def
        rd = read_router_def(routed_def)
        dbu = rd.dbu
        # qrouter's stubs to off-grid pin points are in SPECIALNETS, under the net's name
        stubs = read_routed_nets(routed_def, section="SPECIALNETS")
        for net, rn in routed.items():
            if net in stubs:
                rn = RoutedNet(net, rn.conns, rn.wires + stubs[net].wires, rn.vias + stubs[net].vias)
            shapes = {(i, p): _pin_shapes(rd, i, p) for i, p in rn.conns}
            n = build(rn, shapes, layers, dbu) if all(shapes.values()) else None
            if n is not None:
                networks[net] = n
    for net, rn in routed.items():
        c = r = 0.0
        for layer, xa, ya, xb, yb in rn.wires:
            lay = layers.get(layer)
            if lay is None:
                raise InputError(f"routed DEF uses unknown layer {layer}")
            length = (abs(xb - xa) + abs(yb - ya)) / dbu
            w = lay.width
            r += lay.rpersq * length / w
            c += lay.cpersqdist * length * w + 2 * lay.edgecap * length
        for via, _, _ in rn.vias:
            pair = via_layers(via)
            if pair and _CUT_OF.get(pair) in layers:
                r += layers[_CUT_OF[pair]].via_resistance
        rc[net] = (c, r)
    return write_star_spef(nl, rc, out, networks)


# Pre-route estimate, fitted on the routed lite extractor (8.2k nets, qrouter, this SPEF writer):
# wire C grows with the half-perimeter and a little with the pin count (Steiner branches); R is
# mostly vias (a stack per pin) plus the wire. Total C within 3 %, clock nets' C ~10 % low.
EST_C_PF_PER_UM = 0.082e-3
EST_C_PF_PER_UM_PER_PIN = 0.004e-3
EST_R_OHM_PER_PIN = 48.0
EST_R_OHM_PER_UM = 1.3


def _net_totals(pts: list[tuple[float, float]], dbu: int) -> tuple[float, float]:
    """(C pF, R ohm) of a net from its placed pin points (dbu), by the fit above."""
    from .place_coloquinte import half_perimeter
    hpwl = half_perimeter(pts) / dbu
    n = len(pts)
    return (hpwl * (EST_C_PF_PER_UM + EST_C_PF_PER_UM_PER_PIN * (n - 2)),
            EST_R_OHM_PER_PIN * n + EST_R_OHM_PER_UM * hpwl)


def estimate_rc(nl: Netlist, fp, placement) -> dict[str, tuple[float, float]]:
    """net -> (C pF, R ohm) from a placement (half-perimeter of the pin centres)."""
    from .place_coloquinte import net_pin_points
    macros = macros_cached(str(pdk_files().lef))
    return {net: _net_totals(pts, fp.dbu) for net, pts in net_pin_points(nl, fp, placement, macros)
            if len(pts) >= 2}


# nets with more placed pins than this stay stars (Prim's tree is quadratic in the pins)
EST_TREE_MAX_PINS = 400


def _mst(pts: list[tuple[float, float]]) -> list[tuple[int, int, float]]:
    """Rectilinear minimum spanning tree (Prim): edges (a, b, length in the points' unit)."""
    n = len(pts)
    best = [(abs(pts[0][0] - x) + abs(pts[0][1] - y), 0) for x, y in pts]
    done = [False] * n
    done[0] = True
    edges = []
    for _ in range(n - 1):
        k = min((i for i in range(n) if not done[i]), key=lambda i: best[i][0])
        done[k] = True
        edges.append((best[k][1], k, best[k][0]))
        kx, ky = pts[k]
        for i in range(n):
            if not done[i]:
                d = abs(kx - pts[i][0]) + abs(ky - pts[i][1])
                if d < best[i][0]:
                    best[i] = (d, k)
    return edges


def estimate_parasitics(nl: Netlist, fp, placement) -> tuple[dict[str, tuple[float, float]],
                                                              dict[str, RCNetwork]]:
    """Before routing: each net's total (C pF, R ohm) as in estimate_rc, and its RC tree: the
    rectilinear minimum spanning tree of its placed pins, that total wire C spread over the
    tree's edges by length, EST_R_OHM_PER_UM along them and EST_R_OHM_PER_PIN (the via stack)
    between each pin and the tree. A star gives every load of a net the resistance of all its
    pins and its whole length; on the routed designs each load sees the wiring on its own path
    (rcnet), which the tree approximates."""
    from .place_coloquinte import net_pins
    macros = macros_cached(str(pdk_files().lef))
    rc: dict[str, tuple[float, float]] = {}
    networks: dict[str, RCNetwork] = {}
    for net, pins in net_pins(nl, fp, placement, macros):
        n = len(pins)
        if n < 2:
            continue
        pts = [pt for _, pt in pins]
        rc[net] = _net_totals(pts, fp.dbu)
        c = rc[net][0]
        if n > EST_TREE_MAX_PINS:
            continue
        edges = _mst(pts)
        total = sum(length for _, _, length in edges)
        tree = RCNetwork(caps=[0.0] * (2 * n))
        for a, b, length in edges:
            share = c * (length / total if total > 0 else 1.0 / (n - 1))
            tree.caps[a] += share / 2
            tree.caps[b] += share / 2
            tree.res.append((a, b, EST_R_OHM_PER_UM * length / fp.dbu))
        for i, (key, _) in enumerate(pins):
            tree.res.append((i, n + i, EST_R_OHM_PER_PIN))
            tree.pins[key] = n + i
        networks[net] = tree
    return rc, networks


def write_estimated_spef(nl: Netlist, fp, placement, out: Path) -> SpefResult:
    """SPEF before routing: estimate_parasitics' trees (stars where a net has none)."""
    rc, networks = estimate_parasitics(nl, fp, placement)
    return write_star_spef(nl, rc, out, networks)


def write_star_spef(nl: Netlist, rc: dict[str, tuple[float, float]], out: Path,
                    networks: dict[str, RCNetwork] | None = None) -> SpefResult:
    """SPEF with one star per net from its total (C pF, R ohm), nets missing from `rc` get 0;
    a net in `networks` that ties every netlist pin of the net is written as that network."""
    macros = macros_cached(str(pdk_files().lef))
    cells = {i.name: i.cell for i in nl.instances}
    port_dir = dict(nl.port_bits())
    nets = nl.nets()
    L = ["*SPEF \"IEEE 1481-1998\"", f"*DESIGN \"{nl.top}\"",
         f"*DATE \"{datetime.datetime.now(datetime.timezone.utc):%a %b %d %H:%M:%S %Y}\"",
         "*VENDOR \"fixyasic\"", "*PROGRAM \"fixyasic.pnr.spef\"", "*VERSION \"1.0\"",
         "*DESIGN_FLOW \"PIN_CAP NONE\"", "*DIVIDER /", "*DELIMITER :", "*BUS_DELIMITER [ ]",
         "*T_UNIT 1 NS", "*C_UNIT 1 PF", "*R_UNIT 1 OHM", "*L_UNIT 1 HENRY", ""]
    tot_c = tot_r = 0.0
    count = trees = 0
    networks = networks or {}
    for net, conns in nets.items():
        c, r = rc.get(net, (0.0, 0.0))
        drivers, loads = [], []
        for inst, pin in conns:
            if inst == "PIN":
                entry = (f"{_esc(pin)}", "I" if port_dir.get(pin) == "input" else "O", True, (inst, pin))
                (drivers if port_dir.get(pin) == "input" else loads).append(entry)
                continue
            m = macros[cells[inst]]
            d = m.pins[pin].direction if pin in m.pins else "INPUT"
            entry = (f"{_esc(inst)}:{pin}", "O" if d == "OUTPUT" else "I", False, (inst, pin))
            (drivers if d == "OUTPUT" else loads).append(entry)
        if not drivers and not loads:
            continue
        count += 1
        tot_c += c
        tot_r += r
        mid = f"{_esc(net)}:1"
        L.append(f"*D_NET {_esc(net)} {c:.6g}")
        L.append("*CONN")
        for name, d, is_port, _ in drivers + loads:
            L.append(f"*P {name} {d}" if is_port else f"*I {name} {d}")
        tree = networks.get(net)
        if tree is not None and all(key in tree.pins for *_, key in drivers + loads):
            trees += 1
            L.append("*CAP")
            L.extend(f"{k + 1} {_esc(net)}:{k + 1} {cap:.6g}" for k, cap in enumerate(tree.caps))
            L.append("*RES")
            k = 0
            for a, b, ohm in tree.res:
                k += 1
                L.append(f"{k} {_esc(net)}:{a + 1} {_esc(net)}:{b + 1} {max(ohm, 1e-3):.6g}")
            for name, _, _, key in drivers + loads:
                k += 1
                L.append(f"{k} {name} {_esc(net)}:{tree.pins[key] + 1} {TIE_OHM:.6g}")
            L.append("*END")
            L.append("")
            continue
        L.append("*CAP")
        L.append(f"1 {mid} {c:.6g}")
        L.append("*RES")
        half = max(r / 2, 1e-3)
        k = 1
        for name, _, _, _ in drivers + loads:
            L.append(f"{k} {name} {mid} {half:.6g}")
            k += 1
        L.append("*END")
        L.append("")
    out = Path(out)
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(L) + "\n")
    tmp.replace(out)
    return SpefResult(out, count, tot_c, tot_r, trees)
