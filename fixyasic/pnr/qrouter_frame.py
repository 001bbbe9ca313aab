"""Keep qrouter's coordinates small: the DEF and script of a run move so that the die's centre
is at the origin, and the routed DEF moves back.

qrouter 1.4 (Debian) loses pins above 2048 um from the origin: there its coordinate arithmetic
is too coarse (float-like) for the tap and spacing checks, and a pin whose only access points
sit on a spacing limit becomes unreachable at some absolute positions. Measured on sky130hd:
a net from a32oi_1 A1 to a neighbour fails in 16 of the 710 rows of a 2.9 mm die, all above
y = 2048 um, and routes in every row once the die is centred on the origin; on the 94k-cell
extractor the 28 nets that five whole-die repair runs left failed all had a pin above 2048 um,
and each failed again with every other net removed from the die. Dies within the limit run
unchanged."""

from __future__ import annotations

import re
from pathlib import Path

SAFE_UM = 2048.0   # coordinates beyond this (um, either sign) put pins at risk

_NUM = r"-?\d+"
_POINT = re.compile(rf"\(\s*({_NUM}|\*)\s+({_NUM}|\*)((?:\s+{_NUM})?)\s*\)")
_PLACED = re.compile(rf"\+\s*(PLACED|FIXED|COVER)\s*\(\s*({_NUM})\s+({_NUM})\s*\)")
_DIEAREA = re.compile(r"^DIEAREA\b.*?;", re.M)
_ROW = re.compile(rf"^(ROW\s+\S+\s+\S+\s+)({_NUM})\s+({_NUM})", re.M)
_GRID = re.compile(rf"^((?:TRACKS|GCELLGRID)\s+)([XY])(\s+)({_NUM})", re.M)


def die_offset(def_text: str, dbu: int) -> tuple[int, int]:
    """(dx, dy) in DEF units that centre the DEF's DIEAREA on the origin, or (0, 0) when every
    DIEAREA corner is already within SAFE_UM."""
    m = _DIEAREA.search(def_text)
    if m is None:
        raise ValueError("DEF has no DIEAREA")
    pts = [(int(a), int(b)) for a, b, _ in _POINT.findall(m.group(0))]
    if not pts:
        raise ValueError(f"unreadable DIEAREA: {m.group(0)}")
    if max(abs(v) for p in pts for v in p) <= SAFE_UM * dbu:
        return 0, 0
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return -((min(xs) + max(xs)) // 2), -((min(ys) + max(ys)) // 2)


def _shift_points(body: str, dx: int, dy: int) -> str:
    def f(m: re.Match) -> str:
        x, y, ext = m.group(1), m.group(2), m.group(3)
        x = x if x == "*" else str(int(x) + dx)
        y = y if y == "*" else str(int(y) + dy)
        return f"( {x} {y}{ext} )"
    return _POINT.sub(f, body)


def _sections(text: str, name: str):
    """(start, end) of every `name` section (its header line to its END line)."""
    for m in re.finditer(rf"^{name}\s+\d+\s*;", text, re.M):
        end = text.find(f"\nEND {name}", m.end())
        yield m.start(), (len(text) if end < 0 else end)


def shift_def(text: str, dx: int, dy: int) -> str:
    """The DEF with every absolute coordinate moved by (dx, dy) DEF units: DIEAREA, rows,
    track and gcell grids, component and pin placements, and the wiring and rectangles of
    NETS, SPECIALNETS and BLOCKAGES. Shapes given relative to something (VIAS, pin ports) stay."""
    if dx == 0 and dy == 0:
        return text
    text = _DIEAREA.sub(lambda m: _shift_points(m.group(0), dx, dy), text, count=1)
    text = _ROW.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + dx} {int(m.group(3)) + dy}", text)
    text = _GRID.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}"
                               f"{int(m.group(4)) + (dx if m.group(2) == 'X' else dy)}", text)
    spans = sorted([(s, e, "place") for name in ("COMPONENTS", "PINS") for s, e in _sections(text, name)] +
                   [(s, e, "wire") for name in ("NETS", "SPECIALNETS", "BLOCKAGES") for s, e in _sections(text, name)])
    out, at = [], 0
    for s, e, kind in spans:
        if s < at:
            continue
        out.append(text[at:s])
        body = text[s:e]
        if kind == "place":
            body = _PLACED.sub(lambda m: f"+ {m.group(1)} ( {int(m.group(2)) + dx} {int(m.group(3)) + dy} )", body)
        else:
            body = _shift_points(body, dx, dy)
        out.append(body)
        at = e
    out.append(text[at:])
    return "".join(out)


def _shift_obstruction(line: str, dx_um: float, dy_um: float) -> str:
    parts = line.split()
    x0, y0, x1, y1 = (float(v) for v in parts[1:5])
    return (f"obstruction {x0 + dx_um:.3f} {y0 + dy_um:.3f} {x1 + dx_um:.3f} {y1 + dy_um:.3f} "
            + " ".join(parts[5:]))


def frame_script(script: Path, workdir: Path) -> tuple[Path, tuple[int, int]]:
    """The script to run instead of `script`, and the offset it applies: when the DEF it reads
    reaches beyond SAFE_UM, a centred copy of that DEF in `workdir` and a script reading it with
    its obstructions moved alike; otherwise `script` itself and (0, 0). The run's write_def
    output is in the moved frame: unframe_def() brings it back."""
    lines = Path(script).read_text().splitlines()
    reads = [k for k, ln in enumerate(lines) if ln.startswith("read_def ")]
    if not reads:
        return Path(script), (0, 0)
    src = Path(lines[reads[0]].split(None, 1)[1])
    text = src.read_text()
    m = re.search(r"UNITS\s+DISTANCE\s+MICRONS\s+(\d+)", text)
    dbu = int(m.group(1)) if m else 1000
    dx, dy = die_offset(text, dbu)
    if (dx, dy) == (0, 0):
        return Path(script), (0, 0)
    workdir = Path(workdir)
    framed_def = workdir / f"{src.stem}.framed.def"
    framed_def.write_text(shift_def(text, dx, dy))
    lines[reads[0]] = f"read_def {framed_def.resolve()}"
    lines = [_shift_obstruction(ln, dx / dbu, dy / dbu) if ln.startswith("obstruction ") else ln
             for ln in lines]
    framed = workdir / f"{Path(script).stem}.framed.tcl"
    framed.write_text("\n".join(lines) + "\n")
    return framed, (dx, dy)


def unframe_def(path: Path, offset: tuple[int, int]) -> None:
    """Move a DEF written in a frame_script() frame back to the design's coordinates."""
    dx, dy = offset
    if (dx, dy) == (0, 0) or not Path(path).exists():
        return
    tmp = Path(path).with_suffix(".unframe.tmp")
    tmp.write_text(shift_def(Path(path).read_text(), -dx, -dy))
    tmp.replace(path)
