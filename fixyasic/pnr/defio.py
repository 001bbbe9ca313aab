"""DEF writing (floorplan / placement for the router) and reading back the routed nets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import load_config
from .floorplan import Floorplan
from .netlist import Netlist

# met3 patch on each strap via stack, half extents (x, y) in dbu: 0.7 x 0.4 um = 0.28 um^2 >=
# met3's 0.24 um^2 minimum area, long along met3's horizontal tracks so it blocks no more of them
STACK_MET3_PATCH = (350, 200)

# placement: instance -> (x, y, orient) in dbu
Placement = dict[str, tuple[int, int, str]]


def _pwr_specialnets(fp: Floorplan, straps: bool = True) -> list[str]:
    cfg = load_config()
    vdd, gnd = cfg["power_net"], cfg["ground_net"]
    x0, y0, x1, y1 = fp.core
    rails = {vdd: set(), gnd: set()}
    for _, ry, o in fp.rows:
        lo, hi = (gnd, vdd) if o == "N" else (vdd, gnd)
        rails[lo].add(ry)
        rails[hi].add(ry + fp.row_h)
    rails = {k: sorted(v) for k, v in rails.items()}
    out = [f"SPECIALNETS 2 ;"]
    for i, net in enumerate((vdd, gnd)):
        use = "POWER" if net == vdd else "GROUND"
        segs = [f"met1 480 ( {x0} {y} ) ( {x1} * )" for y in rails[net]]
        for x in [x for j, x in enumerate(fp.straps_x) if j % 2 == i and straps]:
            segs.append(f"met4 {fp.strap_w} ( {x} {y0} ) ( * {y1} )")
            for y in rails[net]:
                for lay, via in (("met1", "M1M2_PR"), ("met2", "M2M3_PR"), ("met3", "M3M4_PR")):
                    segs.append(f"{lay} 0 ( {x} {y} ) {via}")
                # the stack's met3 is only its two via pads, below met3's minimum area (met3.6)
                hx, hy = STACK_MET3_PATCH
                segs.append(f"met3 {2 * hy} ( {x - hx} {y} ) ( {x + hx} * )")
        body = "\n    NEW ".join(segs)
        out.append(f"- {net} ( * {net} ) + USE {use}\n  + ROUTED {body} ;")
    out.append("END SPECIALNETS")
    return out


def write_def(path: Path, fp: Floorplan, nl: Netlist, placement: Placement | None = None,
              fillers: list[tuple[str, str, int, int, str]] | None = None,
              tracks: dict[str, tuple[float, float, str]] | None = None,
              straps: bool = True, power: bool = True) -> Path:
    """Write a DEF with rows, tracks, pins, power grid, components (placed when `placement` is
    given, plus fixed taps and optional fillers) and the signal nets."""
    path = Path(path)
    L = ["VERSION 5.8 ;", 'DIVIDERCHAR "/" ;', 'BUSBITCHARS "[]" ;', f"DESIGN {fp.design} ;",
         f"UNITS DISTANCE MICRONS {fp.dbu} ;",
         f"DIEAREA ( {fp.die[0]} {fp.die[1]} ) ( {fp.die[2]} {fp.die[3]} ) ;"]
    for r, (x, y, o) in enumerate(fp.rows):
        L.append(f"ROW ROW_{r} {fp.site} {x} {y} {o} DO {fp.sites_per_row} BY 1 STEP {fp.site_w} 0 ;")
    for layer, (pitch, offset, direction) in (tracks or {}).items():
        p, o = round(pitch * fp.dbu), round(offset * fp.dbu)
        # DEF 'TRACKS X' = vertical tracks (for a vertical layer)
        if direction == "VERTICAL":
            n = (fp.die[2] - o) // p + 1
            L.append(f"TRACKS X {o} DO {n} STEP {p} LAYER {layer} ;")
        else:
            n = (fp.die[3] - o) // p + 1
            L.append(f"TRACKS Y {o} DO {n} STEP {p} LAYER {layer} ;")
    comps = []
    for t in fp.taps:
        comps.append(f"- {t.name} {t.cell} + FIXED ( {t.x} {t.y} ) {t.orient} ;")
    for inst in nl.instances:
        if placement is not None:
            x, y, o = placement[inst.name]
            comps.append(f"- {inst.name} {inst.cell} + PLACED ( {x} {y} ) {o} ;")
        else:
            comps.append(f"- {inst.name} {inst.cell} ;")
    for name, cell, x, y, o in fillers or []:
        comps.append(f"- {name} {cell} + PLACED ( {x} {y} ) {o} ;")
    L.append(f"COMPONENTS {len(comps)} ;")
    L.extend(comps)
    L.append("END COMPONENTS")
    cfg = load_config()
    vdd, gnd = cfg["power_net"], cfg["ground_net"]
    L.append(f"PINS {len(fp.pins)} ;")
    for p in fp.pins:
        r = p.rect
        L.append(f"- {p.name} + NET {p.name} + DIRECTION {p.direction} + USE SIGNAL\n"
                 f"  + LAYER {p.layer} ( {r[0]} {r[1]} ) ( {r[2]} {r[3]} ) + PLACED ( {p.x} {p.y} ) N ;")
    L.append("END PINS")
    if power:  # the router gets none: its reading of met1 rails blocks pins next to them
        L.extend(_pwr_specialnets(fp, straps))
    nets = nl.nets()
    L.append(f"NETS {len(nets)} ;")
    for net, conns in nets.items():
        # one connection per line: qrouter's DEF writer mangles long lines
        cs = "\n  ".join(f"( PIN {p} )" if i == "PIN" else f"( {i} {p} )" for i, p in conns)
        L.append(f"- {net}\n  {cs} ;")
    L.append("END NETS")
    L.append("END DESIGN")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(L) + "\n")
    tmp.replace(path)
    return path


@dataclass
class RoutedNet:
    name: str
    conns: list[tuple[str, str]] = field(default_factory=list)
    # wire segments: (layer, x1, y1, x2, y2) dbu; vias: (via name, x, y)
    wires: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    vias: list[tuple[str, int, int]] = field(default_factory=list)


_VIA_PREFIX = {"L1M1": ("li1", "met1"), "M1M2": ("met1", "met2"), "M2M3": ("met2", "met3"),
               "M3M4": ("met3", "met4"), "M4M5": ("met4", "met5")}


def via_layers(via: str) -> tuple[str, str] | None:
    """(bottom, top) routing layers of a sky130 via by its name (L1M1_PR, M2M3_PR_R, ...)."""
    return _VIA_PREFIX.get(via[:4])


def _def_section(text: str, name: str) -> str:
    start = text.find(f"\n{name} ")
    if start < 0:
        return ""
    end = text.find(f"\nEND {name}", start)
    return text[start:end]


def read_routed_nets(path: Path, section: str = "NETS") -> dict[str, RoutedNet]:
    """Signal nets of a routed DEF with their wire segments and vias."""
    text = Path(path).read_text()
    body = _def_section(text, section)
    nets: dict[str, RoutedNet] = {}
    for stmt in body.split(";")[1:]:
        toks = stmt.replace("(", " ( ").replace(")", " ) ").split()
        if not toks or toks[0] != "-":
            continue
        net = RoutedNet(toks[1])
        nets[net.name] = net
        i = 2
        layer = None
        last = None  # last point
        in_route = False
        while i < len(toks):
            t = toks[i]
            if t == "(" and not in_route:
                net.conns.append((toks[i + 1], toks[i + 2]))
                i += 4
                continue
            if t == "+":
                kw = toks[i + 1]
                if kw in ("ROUTED", "FIXED", "COVER"):
                    in_route = True
                    layer = toks[i + 2]
                    last = None
                    i += 3
                    continue
                in_route = in_route and kw in ("SHAPE",)
                i += 2 if kw != "SHAPE" else 3
                continue
            if t == "NEW" and in_route:
                layer = toks[i + 1]
                last = None
                i += 2
                continue
            if in_route and t == "(":
                j = toks.index(")", i)
                vals = toks[i + 1:j]
                x = last[0] if vals[0] == "*" else int(float(vals[0]))
                y = last[1] if vals[1] == "*" else int(float(vals[1]))
                if last is not None and (x, y) != last:
                    net.wires.append((layer, last[0], last[1], x, y))
                last = (x, y)
                i = j + 1
                continue
            if in_route and last is not None and not t.lstrip("-").isdigit():
                net.vias.append((t, last[0], last[1]))
                pair = via_layers(t)
                if pair and layer in pair:  # a route may continue on the via's other layer
                    layer = pair[1] if layer == pair[0] else pair[0]
            i += 1
    return nets
