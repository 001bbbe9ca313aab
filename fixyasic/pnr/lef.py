"""Just enough LEF reading for placement, parasitics and pin checks: macro sizes and pin shapes
from the cell LEF, routing-layer pitch/width/R/C and via resistance from the technology LEF."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

Rect = tuple[float, float, float, float]  # microns, x1 y1 x2 y2


@dataclass
class Pin:
    name: str
    direction: str = "INPUT"
    use: str = "SIGNAL"
    shapes: list[tuple[str, Rect]] = field(default_factory=list)  # (layer, rect)

    def center(self) -> tuple[float, float]:
        """Centre of the largest shape: a representative access point for placement."""
        if not self.shapes:
            return (0.0, 0.0)
        _, r = max(self.shapes, key=lambda s: (s[1][2] - s[1][0]) * (s[1][3] - s[1][1]))
        return ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2)


@dataclass
class Macro:
    name: str
    width: float = 0.0
    height: float = 0.0
    cls: str = "CORE"
    pins: dict[str, Pin] = field(default_factory=dict)
    obs: list[tuple[str, Rect]] = field(default_factory=list)


@dataclass
class Layer:
    name: str
    type: str
    direction: str = ""
    pitch: float = 0.0
    offset: float = 0.0
    width: float = 0.0
    spacing: float = 0.0         # minimum spacing (narrow wires)
    rpersq: float = 0.0          # ohm / square
    cpersqdist: float = 0.0      # pF / um^2
    edgecap: float = 0.0         # pF / um
    via_resistance: float = 0.0  # ohm per cut (cut layers)


def _statements(path: Path):
    """LEF as statements: each ';'-ended piece of a line, or a bare line (PORT, OBS, END x)."""
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0]
        for piece in line.split(";"):
            toks = piece.split()
            if toks:
                yield toks


def read_macros(path: Path) -> dict[str, Macro]:
    macros: dict[str, Macro] = {}
    macro: Macro | None = None
    pin: Pin | None = None
    layer = ""
    in_port = False
    in_obs = False
    for st in _statements(path):
        head = st[0]
        if head == "MACRO":
            macro = Macro(st[1])
            macros[macro.name] = macro
        elif macro is None:
            continue
        elif head == "END" and len(st) == 2 and st[1] == macro.name:
            macro = None
        elif head == "PIN":
            pin = Pin(st[1])
            macro.pins[pin.name] = pin
        elif head == "END" and pin is not None and len(st) == 2 and st[1] == pin.name:
            pin = None
        elif head in ("PORT", "OBS"):
            in_port = True
            in_obs = head == "OBS"
        elif head == "END" and len(st) == 1 and in_port:
            in_port = False
            in_obs = False
        elif head == "SIZE":
            macro.width, macro.height = float(st[1]), float(st[3])
        elif head == "CLASS" and pin is None:
            macro.cls = " ".join(st[1:])
        elif head == "DIRECTION" and pin is not None:
            pin.direction = st[1]
        elif head == "USE" and pin is not None:
            pin.use = st[1]
        elif head == "LAYER" and in_port:
            layer = st[1]
        elif head == "RECT" and in_obs:
            vals = [float(v) for v in st[1:] if v not in ("MASK",)][-4:]
            macro.obs.append((layer, (min(vals[0], vals[2]), min(vals[1], vals[3]),
                                      max(vals[0], vals[2]), max(vals[1], vals[3]))))
        elif head == "RECT" and in_port and pin is not None and not in_obs:
            vals = [float(v) for v in st[1:] if v not in ("MASK",)][-4:]
            pin.shapes.append((layer, (min(vals[0], vals[2]), min(vals[1], vals[3]),
                                       max(vals[0], vals[2]), max(vals[1], vals[3]))))
    return macros


def read_layers(path: Path) -> dict[str, Layer]:
    layers: dict[str, Layer] = {}
    cur: Layer | None = None
    in_table = False  # SPACINGTABLE: its first 'WIDTH 0 s' row is the minimum spacing
    for st in _statements(path):
        head = st[0]
        if head == "LAYER" and len(st) == 2 and cur is None and st[1] not in layers:
            cur = Layer(st[1], type="")
            layers[cur.name] = cur
            continue
        if cur is None:
            continue
        if head == "END" and len(st) == 2 and st[1] == cur.name:
            cur = None
            in_table = False
        elif head == "TYPE":
            cur.type = st[1]
        elif head == "DIRECTION":
            cur.direction = st[1]
        elif head == "PITCH":
            cur.pitch = float(st[1])
        elif head == "OFFSET":
            cur.offset = float(st[1])
        elif head == "WIDTH" and len(st) == 2:
            cur.width = float(st[1])
        elif head == "SPACING" and len(st) == 2 and not cur.spacing:
            cur.spacing = float(st[1])
        elif head == "SPACINGTABLE":
            in_table = True
        elif head == "WIDTH" and in_table and len(st) >= 3:
            cur.spacing = cur.spacing or float(st[-1])
            in_table = False
        elif head == "RESISTANCE" and len(st) >= 3 and st[1] == "RPERSQ":
            cur.rpersq = float(st[2])
        elif head == "RESISTANCE" and len(st) == 2:
            cur.via_resistance = float(st[1])
        elif head == "CAPACITANCE" and st[1:2] == ["CPERSQDIST"]:
            cur.cpersqdist = float(st[2])
        elif head == "EDGECAPACITANCE":
            cur.edgecap = float(st[1])
    return {k: v for k, v in layers.items() if v.type in ("ROUTING", "CUT")}


def read_vias(path: Path) -> dict[str, list[tuple[str, Rect]]]:
    """Fixed vias of a technology LEF: name -> [(layer, rect)] (microns, centred on the via)."""
    vias: dict[str, list[tuple[str, Rect]]] = {}
    cur: list[tuple[str, Rect]] | None = None
    name = layer = ""
    for st in _statements(path):
        if st[0] == "VIA" and len(st) >= 2 and cur is None:
            name, cur = st[1], []
            vias[name] = cur
        elif cur is None:
            continue
        elif st[0] == "END" and st[1:] == [name]:
            cur = None
        elif st[0] == "LAYER":
            layer = st[1]
        elif st[0] == "RECT":
            v = [float(t) for t in st[1:5]]
            cur.append((layer, (min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3]))))
    return vias


@lru_cache(maxsize=4)
def macros_cached(path: str) -> dict[str, Macro]:
    return read_macros(Path(path))


@lru_cache(maxsize=4)
def layers_cached(path: str) -> dict[str, Layer]:
    return read_layers(Path(path))


def power_shapes_as_obstructions(text: str, pins: tuple[str, ...], layer: str) -> str:
    """The cell LEF with the `layer` shapes of the power `pins` moved into each macro's OBS.

    qrouter gets no power nets and ignores unconnected pins' shapes on its own grid edges, so
    li1 wires crossed the cells' VPWR/VGND rails and fingers (shorts). As obstructions they are
    kept clear like any cell obstruction."""
    out: list[str] = []
    macro = pin = cur = None
    moved: list[str] = []
    obs_at: int | None = None
    port_at: int | None = None
    for ln in text.split("\n"):
        t = ln.split()
        key = t[0] if t else ""
        if key == "MACRO" and len(t) > 1:
            macro, moved, obs_at = t[1], [], None
        elif key == "PIN" and len(t) > 1:
            pin, cur = t[1], None
        elif key == "END" and len(t) > 1 and t[1] == pin:
            pin = None
        elif key == "OBS" and macro:
            out.append(ln)
            obs_at = len(out)
            continue
        elif key == "END" and len(t) > 1 and t[1] == macro:
            if moved:
                block = [f"      LAYER {layer} ;"] + moved
                if obs_at is None:
                    out += ["  OBS"] + block + ["  END"]
                else:
                    out[obs_at:obs_at] = block
            macro = None
        if pin in pins:
            if key == "PORT":
                port_at = len(out)
            elif key == "END" and len(t) == 1 and port_at is not None:
                port_at, empty = None, len(out) == port_at + 1
                if empty:  # the port held only `layer` shapes
                    out.pop()
                    continue
            elif key == "LAYER":
                cur = t[1]
            if cur == layer and key in ("LAYER", "RECT", "POLYGON"):
                if key != "LAYER":
                    moved.append(ln)
                continue
        out.append(ln)
    return "\n".join(out)
