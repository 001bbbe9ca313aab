"""Placement with graywolf (Debian; qflow's TimberWolf), for comparison with coloquinte.

The netlist goes to BLIF, qflow's blif2cel.tcl makes the .cel from the LEF, graywolf places with
a sky130hd .par (row separation 0.5 as in the hand-run qflow set-up; graywolf's own global
routing is off: it crashed with heap corruption on ~2k cells and its feedthroughs are unused).
graywolf builds its own rows, so its result is mapped onto the floorplan's rows: cells are dealt
to rows in graywolf's y order
(filling each row to the same share of its free width), then legalized left to right in
graywolf's x order around the fixed tap cells."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from ..errors import FlowError, ToolError
from ..toolcheck import require
from .config import pdk_files
from .defio import Placement
from .floorplan import Floorplan
from .lef import macros_cached
from .netlist import Netlist
from .place_coloquinte import PlaceResult, _hpwl_um

BLIF2CEL = Path("/usr/lib/qflow/scripts/blif2cel.tcl")

PAR = """RULES
    layer met1 0.125 0.026 horizontal
    layer met2 0.125 0.017 vertical
    layer met3 0.047 0.012 horizontal
    layer met4 0.047 0.008 vertical
    via via met1 met2
    via via2 met2 met3
    via via3 met3 met4
    width met1 28
    width met2 28
    width met3 60
    width met4 60
    width via 30
    width via2 40
    width via3 40
    spacing met1 met1 40
    spacing met2 met2 64
    spacing met3 met3 76
    spacing met4 met4 124
    spacing via via2 0
    spacing via2 via3 0
    overhang via met1 11
    overhang via met2 11
    overhang via2 met2 8
    overhang via2 met3 13
    overhang via3 met3 13
    overhang via3 met4 13
ENDRULES

*vertical_wire_weight : 1.0
*vertical_path_weight : 1.0
*padspacing           : variable
*rowSep               : 0.5   0
*track.pitch          : 92
*minimum_pad_space    : 92
*gridX                : 92
*gridY                : 68
*gridOffsetX          : 0
*gridOffsetY          : 0
*graphics.wait        : off
*last_chance.wait     : off
*random.seed          : 12345

TWMC*chip.aspect.ratio : 1.0

TWSC*feedThruWidth    : 92 layer 1
TWSC*do.global.route  : off
TWSC*ignore_feeds     : true
TWSC*call_row_evener  : true
TWSC*even_rows_maximally : true

GENR*row_to_tile_spacing: 1
GENR*flip_alternate_rows : 1
"""


def _write_blif(nl: Netlist, path: Path) -> None:
    ins = [b for b, d in nl.port_bits() if d == "input"]
    outs = [b for b, d in nl.port_bits() if d != "input"]
    lines = [f".model {nl.top}", ".inputs " + " ".join(ins), ".outputs " + " ".join(outs)]
    for inst in nl.instances:
        lines.append(f".gate {inst.cell} " + " ".join(f"{p}={n}" for p, n in inst.conns.items()))
    lines.append(".end")
    path.write_text("\n".join(lines) + "\n")


def place_graywolf(nl: Netlist, fp: Floorplan, workdir: Path, pad_sites: int = 1,
                   timeout: float = 7200) -> PlaceResult:
    gw = require("graywolf")
    tclsh = shutil.which("tclsh")
    if tclsh is None or not BLIF2CEL.exists():
        raise ToolError("graywolf placement needs qflow's blif2cel.tcl and tclsh: apt-get install qflow")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    root = nl.top
    _write_blif(nl, workdir / f"{root}.blif")
    files = pdk_files()
    subprocess.run([tclsh, str(BLIF2CEL), "--blif", f"{root}.blif", "--lef", str(files.tech_lef),
                    "--lef", str(files.lef), "--cel", f"{root}.cel"], cwd=workdir,
                   capture_output=True, text=True, timeout=600, check=False)
    if not (workdir / f"{root}.cel").exists():
        raise ToolError(f"blif2cel made no .cel in {workdir}")
    (workdir / f"{root}.par").write_text(PAR)
    with open(workdir / "graywolf.log", "w") as fh:
        subprocess.run([gw, "-n", root], cwd=workdir, stdout=fh, stderr=subprocess.STDOUT,
                       timeout=timeout, check=False)
    pl1 = workdir / f"{root}.pl1"
    if not pl1.exists():
        raise ToolError(f"graywolf wrote no {pl1.name} (log: {workdir / 'graywolf.log'})")
    # blif2cel names cells <type>_<k>: the k-th gate of that type in BLIF order
    counter: dict[str, int] = {}
    byname: dict[str, str] = {}
    for inst in nl.instances:
        counter[inst.cell] = counter.get(inst.cell, 0) + 1
        byname[f"{inst.cell}_{counter[inst.cell]}"] = inst.name
    gpos: dict[str, tuple[float, float]] = {}
    for line in pl1.read_text().splitlines():
        f = line.split()
        if len(f) >= 5 and f[0] in byname:
            gpos[byname[f[0]]] = ((float(f[1]) + float(f[3])) / 2, (float(f[2]) + float(f[4])) / 2)
    if len(gpos) != len(nl.instances):
        raise FlowError(f"graywolf placed {len(gpos)} of {len(nl.instances)} cells")
    placement = _map_to_rows(nl, fp, gpos, pad_sites)
    macros = macros_cached(str(files.lef))
    return PlaceResult(placement, _hpwl_um(nl, fp, placement, macros), time.time() - t0, "graywolf")


def _map_to_rows(nl: Netlist, fp: Floorplan, gpos: dict[str, tuple[float, float]],
                 pad_sites: int) -> Placement:
    macros = macros_cached(str(pdk_files().lef))
    sw = fp.site_w
    width = {i.name: round(macros[i.cell].width * fp.dbu) // sw + pad_sites for i in nl.instances}
    # free site spans per row (taps are fixed)
    tw = {t.cell: round(macros[t.cell].width * fp.dbu) // sw for t in fp.taps}
    blocked: dict[int, list[tuple[int, int]]] = {}
    for t in fp.taps:
        s = (t.x - fp.core[0]) // sw
        blocked.setdefault(t.y, []).append((s, s + tw[t.cell]))
    rows = [(y, o) for _, y, o in fp.rows]
    free = {y: fp.sites_per_row - sum(b - a for a, b in blocked.get(y, [])) for y, _ in rows}
    total = sum(width.values())
    if total > sum(free.values()):
        raise FlowError("cells do not fit the rows")
    share = min(1.0, total / sum(free.values()) * 1.03)  # a little slack against fragmentation
    order = sorted(gpos, key=lambda n: (gpos[n][1], gpos[n][0]))
    assign: dict[int, list[str]] = {y: [] for y, _ in rows}
    k = used = 0
    for n in order:
        y = rows[k][0]
        if used + width[n] > free[y] * share + 1e-9 and k < len(rows) - 1:
            k, used = k + 1, 0
            y = rows[k][0]
        assign[y].append(n)
        used += width[n]
    xs = [p[0] for p in gpos.values()]
    xmin, xmax = min(xs), max(xs)
    placement: Placement = {}
    orient = dict(rows)
    for y, names in assign.items():
        names.sort(key=lambda n: gpos[n][0])
        segs, pos = [], 0
        for a, b in sorted(blocked.get(y, [])) + [(fp.sites_per_row, fp.sites_per_row)]:
            if a > pos:
                segs.append((pos, a))
            pos = max(pos, b)
        later = [sum(b - a for a, b in segs[i + 1:]) for i in range(len(segs))]
        remaining = sum(width[n] for n in names)
        maxw = max((width[n] for n in names), default=0)
        si, cur = 0, segs[0][0]
        for n in names:
            w = width[n]
            while si < len(segs) and cur + w > segs[si][1]:
                si += 1
                cur = segs[si][0] if si < len(segs) else cur
            if si == len(segs):
                raise FlowError(f"graywolf row mapping overflowed row y={y} "
                                f"(need {sum(width[m] for m in names)} of {free[y]} sites, {segs})")
            target = round((gpos[n][0] - xmin) / max(xmax - xmin, 1) * (fp.sites_per_row - 1))
            end = segs[si][1]
            # jump to graywolf's x only if what follows still fits, allowing for the sites a
            # cell too wide for a segment's end leaves unused
            slack = (len(segs) - si) * maxw
            if cur < target and target + w <= end and (end - target) + later[si] >= remaining + slack:
                cur = target
            placement[n] = (fp.core[0] + (cur + pad_sites // 2) * sw, y, orient[y])
            cur += w
            remaining -= w
    return placement
