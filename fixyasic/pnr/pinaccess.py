"""Which sky130hd cell pins qrouter can reach: a pin is reachable when some routing-grid point
(li1 x pitch 0.46 offset 0.23, met1 y pitch 0.34 offset 0.17, relative to the cell origin) lies in
the pin's li1 shapes with room for a minimum-width li1 square (the mcon landing) and that square
keeps the li1 spacing to every other pin and obstruction. Used to derive the P&R dont-use list.
qrouter_access asks qrouter itself, on small harness designs routed the way the flow routes."""

from __future__ import annotations

from pathlib import Path

from .config import pdk_files
from .lef import macros_cached

LI_W, LI_S = 0.17, 0.17


def _inside(sq, rects) -> bool:
    x0, y0, x1, y1 = sq
    # the square must be covered by one rect (li1 pin shapes are unions of rectangles;
    # one-rect coverage is the conservative check)
    return any(r[0] <= x0 + 1e-6 and r[1] <= y0 + 1e-6 and r[2] >= x1 - 1e-6 and r[3] >= y1 - 1e-6
               for r in rects)


def _dist(a, b) -> float:
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return (dx * dx + dy * dy) ** 0.5


def unreachable_pins(cell_prefix: str = "sky130_fd_sc_hd__") -> dict[str, list[str]]:
    macros = macros_cached(str(pdk_files().lef))
    out: dict[str, list[str]] = {}
    for name, m in macros.items():
        if not name.startswith(cell_prefix):
            continue
        li = {p: [r for lay, r in pin.shapes if lay == "li1"] for p, pin in m.pins.items()}
        bad = []
        for p, pin in m.pins.items():
            if pin.use in ("POWER", "GROUND") or not li[p]:
                continue
            others = [r for q, rs in li.items() if q != p for r in rs]
            others += [r for lay, r in m.obs if lay == "li1"]
            ok = False
            nx = int(m.width / 0.46) + 1
            for i in range(nx):
                x = 0.23 + 0.46 * i
                for j in range(8):
                    y = 0.17 + 0.34 * j
                    sq = (x - LI_W / 2, y - LI_W / 2, x + LI_W / 2, y + LI_W / 2)
                    if _inside(sq, li[p]) and all(_dist(sq, o) >= LI_S - 1e-6 for o in others):
                        ok = True
                        break
                if ok:
                    break
            if not ok:
                bad.append(p)
        if bad:
            out[name] = bad
    return out


def _signal_pins(cell: str) -> list[str]:
    """The cell's pins with shapes that are not power or ground, by name."""
    m = macros_cached(str(pdk_files().lef))[cell]
    return sorted(p for p, pin in m.pins.items() if pin.use not in ("POWER", "GROUND") and pin.shapes)


def harness_verilog(cells: list[str], top: str, copies: int = 1) -> str:
    """A gate netlist holding `copies` instances of each cell, every signal pin on its own net to
    a top-level port: a net that fails to route names one (cell, pin)."""
    macros = macros_cached(str(pdk_files().lef))
    ports, decls, insts = [], [], []
    for k, cell in enumerate(c for c in cells for _ in range(copies)):
        conns = []
        for p in _signal_pins(cell):
            pin = macros[cell].pins[p]
            net = f"n{k}_{p}"
            ports.append(net)
            decls.append(f"  {'output' if pin.direction.startswith('OUTPUT') else 'input'} {net};")
            conns.append(f".{p}({net})")
        insts.append(f"  {cell} u{k} ({', '.join(conns)});")
    return f"module {top}({', '.join(ports)});\n" + "\n".join(decls + insts) + "\nendmodule\n"


def qrouter_access(cells: list[str], workdir: Path, max_ports: int = 240,
                   copies: int = 2) -> dict[tuple[str, str], bool]:
    """(cell, pin) -> whether qrouter, as the flow runs it, reached that pin without the routed
    metal touching a power shape or another pin: `cells` in small harness designs
    (harness_verilog) of up to `max_ports` ports each (they must fit around a sparse die), each
    routed on the whole die."""
    chunks: list[list[str]] = [[]]
    for c in cells:
        if chunks[-1] and sum(len(_signal_pins(x)) for x in chunks[-1] + [c]) * copies > max_ports:
            chunks.append([])
        chunks[-1].append(c)
    from .route import route
    from .route_partition import check_routed, read_router_def
    from .defio import read_routed_nets
    from .steps import PnrOptions, step_floorplan, step_place
    from .floorplan import Floorplan
    out: dict[tuple[str, str], bool] = {}
    opt = PnrOptions(utilization=0.08)  # room for a port per pin around the die
    for k, chunk in enumerate(chunks):
        top = f"pin_harness{k}"
        d = Path(workdir) / top
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{top}.v").write_text(harness_verilog(chunk, top, copies))
        step_floorplan(d / f"{top}.v", top, d, opt)
        step_place(top, d, opt)
        rr = route(d / f"{top}.router.def", Floorplan.load(d / f"{top}.fp.json"), d / "qrouter", partition=None)
        rd = read_router_def(d / f"{top}.router.def")
        touched = {n for a, b, _, _ in check_routed(rr.routed_def, cells=True).cell_shorts for n in (a, b)}
        for net, rn in read_routed_nets(rr.routed_def).items():
            ok = bool(rn.wires or rn.vias) and net not in touched
            for inst, pin in rn.conns:
                if inst != "PIN":
                    key = (rd.comps[inst][0], pin)
                    out[key] = out.get(key, True) and ok
    return out
