"""Detailed routing with qrouter (Debian package; Tcl build, run headless with -nog -noc).

qrouter mishandles the power grid given as SPECIALNETS: via stacks make nearby nets unroutable and
met1 rails block access to cell pins beside them. So the router gets the placement without any
power nets (the cells' own rail pins are obstructions anyway) plus an obstruction for each met4
strap and strap/rail via stack; the full grid is put back into the routed DEF afterwards."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import ToolError, ToolTimeout
from ..toolcheck import require
from .config import load_config, pdk_files, router_lef
from .defio import STACK_MET3_PATCH, _pwr_specialnets, read_routed_nets
from .floorplan import Floorplan
from .qrouter_frame import frame_script, unframe_def


STAGE2_MASKS = (30, 200)   # tracks of slack around a net for masked stage2 rounds (qrouter: <= 200)
# qrouter abandons a net whose best route crosses more than its rip-up limit of nets (10 by
# default) without trying: the full-size baseline's last failed net crossed 11 and failed five
# whole-die repair rounds (3797 s); with `limit 40` the same run routed it in 22 s. Repair runs
# (`only`) pass this; windows keep the default, their failures go on to those repairs.
REPAIR_RIP_LIMIT = 40


def _masked_rounds(mask: int, budget_s: float | None = None, rip: str = "") -> str:
    """Tcl: stage2 rounds with this mask while they make progress (at most 4) and, with a
    budget, while the run is younger than budget_s (checked before each round)."""
    left = "" if budget_s is None else f" && [clock milliseconds] - $t0 < {int(budget_s * 1000)}"
    return (f"set i 0; while {{$r > 0 && $i < 4{left}}} {{set r2 [stage2 mask {mask} effort 30{rip}]; incr i; "
            f"puts \"FX_STAGE stage2mask{mask} $r2 [expr {{[clock milliseconds] - $t0}}]\"; "
            "if {$r2 >= $r} {set r $r2; break}; set r $r2}")


@dataclass
class RouteResult:
    routed_def: Path
    unrouted: list[str]
    failed_nets: int          # qrouter's own final count
    wirelength_um: float
    vias: int
    seconds: float
    log: Path
    per_layer_um: dict[str, float] = field(default_factory=dict)
    partition: dict | None = None  # windowed routing summary (route_partition), None if monolithic


def qrouter_version() -> str:
    exe = require("qrouter")
    out = subprocess.run([exe, "-nog", "-noc", "-h"], capture_output=True, text=True, timeout=30)
    m = re.search(r"version\s+(\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "unknown"


MET3_SPACING = 300  # dbu (sky130 met3.2)


def obstructions(fp: Floorplan) -> list[str]:
    """qrouter `obstruction` commands (microns) standing in for the met4 straps and via stacks."""
    cfg = load_config()
    u = 1.0 / fp.dbu
    x0, y0, x1, y1 = fp.core
    hw = fp.strap_w / 2
    lines = []
    rails = sorted({y for _, ry, _ in fp.rows for y in (ry, ry + fp.row_h)})
    for x in fp.straps_x:
        lines.append(f"obstruction {(x - hw) * u:.3f} {y0 * u:.3f} {(x + hw) * u:.3f} {y1 * u:.3f} "
                     f"{cfg['power_strap_layer']}")
        for y in rails:
            # met3: the patch plus met3's spacing, which qrouter does not keep from an
            # obstruction (205 met3.2 boxes on pnr_mac, 153 of them at the straps; 0 with it)
            for lay, (hx, hy) in (("met2", (200, 200)),
                                  ("met3", (STACK_MET3_PATCH[0] + MET3_SPACING, STACK_MET3_PATCH[1] + MET3_SPACING))):
                lines.append(f"obstruction {(x - hx) * u:.3f} {(y - hy) * u:.3f} {(x + hx) * u:.3f} "
                             f"{(y + hy) * u:.3f} {lay}")
    return lines


def write_script(path: Path, placed_def: Path, out_def: Path, fp: Floorplan, effort: int = 0,
                 obs: list[str] | None = None, ignore: list[str] | None = None,
                 quick: bool = False, only: list[str] | None = None,
                 masks: tuple[int, ...] = STAGE2_MASKS, budget_s: float | None = None,
                 rip_limit: int | None = None) -> Path:
    """qrouter Tcl script. Windowed runs pass `obs` (replacing the power-grid obstructions),
    `ignore` (nets qrouter reads, so their pins are nodes rather than obstructions, but does not
    route), quick=True (runs whose failures are routed again later: masked stage2 only while it
    makes progress, no unmasked rounds, no stage3) or `only` (the repair run: a DEF whose other
    nets are already routed; stage1 routes just these, stage2 rips up and re-routes whatever
    blocks them). `masks`: the corridors of the masked stage2 rounds, in order. `budget_s`
    (quick runs): no stage2 round starts after that many seconds; the failures left go on.
    `rip_limit`: how many blocking nets one stage2 re-route may rip up (None: qrouter's 10).
    Only whole-die runs that are neither quick nor repairs end with unmasked rounds and stage3."""
    if rip_limit is not None and rip_limit < 1:
        raise ValueError(f"rip_limit must be >= 1, got {rip_limit}")
    rip = "" if rip_limit is None else f" limit {rip_limit}"
    if budget_s is not None and not quick:
        raise ValueError("budget_s is for quick runs, whose failures are routed again later")
    cfg = load_config()

    def tcl_list(names: list[str]) -> list[str]:
        return [" ".join("{" + n + "}" for n in names[k:k + 100]) for k in range(0, len(names), 100)]

    ign = tcl_list(ignore or [])
    stage1 = ["set r [stage1]"] if only is None else \
        ["set r 0", *(f"foreach n {{{names}}} {{incr r [stage1 route $n]}}" for names in tcl_list(only))]
    files = pdk_files()
    lines = ["verbose 1", f"read_lef {files.tech_lef}", f"read_lef {router_lef()}",
             f"layers {len(cfg['route_layers'])}",
             f"vdd {cfg['power_net']}", f"gnd {cfg['ground_net']}",
             *(obstructions(fp) if obs is None else obs),
             # only the tech LEF's plain vias: qrouter also generates rotated and square ones
             # from the VIARULEs and keeps every grid point clear of their largest met1 pad, which
             # leaves no via onto a flip-flop's D pin between its met1 bars
             "via use " + " ".join(cfg["router_vias"]),
             f"read_def {placed_def}",
             *(f"ignore {names}" for names in ign),
             # qrouter::standard_route's many rip-up rounds take minutes when a net is
             # unroutable, and its stage3 re-routes every net once more (most of the runtime on
             # a clean route); this bounded sequence stops as soon as nothing fails
             "set t0 [clock milliseconds]",
             *stage1,
             "puts \"FX_STAGE stage1 $r [expr {[clock milliseconds] - $t0}]\"",
             # stage2 with `mask none` may search the whole grid for every net it re-routes
             # (~1 s a net on a 19k-cell die: a repair run took 625 s for ~600 re-routes);
             # a mask keeps each search to a corridor around the net (`mask 30`: 30 tracks of
             # slack; the same run 39 s, another 35 s instead of 427 s, same failures left;
             # `mask auto`, 4 tracks, made the second one worse). Wider corridors follow for
             # what that leaves, and unmasked rounds only in runs whose failures go nowhere
             # else: a quick run's unmasked round took 102 s for nothing on a strip of the
             # 82k-cell die (its 2 failures, like all, go on to the repairs).
             *(_masked_rounds(m, budget_s, rip) for m in masks),
             *([] if quick or only is not None else
               ["set i 0",
                f"while {{$r > 0 && $i < 4}} {{set r [stage2 mask none effort 30{rip}]; incr i; "
                "puts \"FX_STAGE stage2 $r [expr {[clock milliseconds] - $t0}]\"}",
                f"if {{$r > 0}} {{set r [stage3]; if {{$r > 0}} {{set r [stage2 mask none{rip}]}}; "
                "puts \"FX_STAGE stage3 $r [expr {[clock milliseconds] - $t0}]\"}"]),
             # repair runs have no unmasked rounds (and no stage3, which would re-route every
             # net of the design): in the nine repair runs with unmasked rounds logged on
             # designs of 8k-68k cells they never routed a net the masked rounds had left (6 -> 6
             # failed in 2450 s on a full-size baseline), and on the 94k-cell extractor one
             # round spent over 20 minutes on its first net; what the masked rounds leave goes
             # to the next repair run with its neighbours unhidden
             "cleanup all",
             f"write_def {out_def}",
             "puts \"FX_FAILED $r\"",
             "if {$r > 0} {write_failed fail.out}",
             "quit"]
    path.write_text("\n".join(lines) + "\n")
    return path


def restore_straps(routed_def: Path, fp: Floorplan) -> None:
    """Put the full power grid back and tidy qrouter's output: it appends a second, unterminated
    SPECIALNETS section after NETS (via-widening stubs); those stubs move into the one section."""
    text = routed_def.read_text()
    stubs: list[str] = []
    nets_end = text.find("\nEND NETS")
    extra = text.find("\nSPECIALNETS ", nets_end if nets_end >= 0 else 0)
    if nets_end >= 0 and extra > nets_end:
        tail = text[extra:]
        end_design = tail.find("\nEND DESIGN")
        body = tail[tail.index("\n", 1) + 1:end_design if end_design >= 0 else len(tail)]
        body = body.replace("\nEND SPECIALNETS", "")
        for stmt in re.split(r"(?m)^(?=- )", body):
            if "ROUTED" in stmt:
                stubs.append(stmt.strip())
        text = text[:extra] + "\nEND DESIGN\n"
    full = _pwr_specialnets(fp, straps=True)
    layers = load_config()["route_layers"]
    stubs = narrow_top_layer_stubs(stubs, _via_pads_on(text, layers[-1], layers[-2]))
    statements = full[1:-1] + stubs
    section = f"SPECIALNETS {len(statements)} ;\n" + "\n".join(statements) + "\nEND SPECIALNETS"
    start = text.find("\nSPECIALNETS ")
    if start >= 0 and (nets_end < 0 or start < nets_end):
        end = text.index("\nEND SPECIALNETS", start) + len("\nEND SPECIALNETS")
        text = text[:start + 1] + section + text[end:]
    else:
        text = text.replace("\nNETS ", "\n" + section + "\nNETS ", 1)
    tmp = routed_def.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(routed_def)


def _via_pads_on(def_text: str, layer: str, below: str) -> int:
    """Largest pad (either side) on ``layer`` of the vias the DEF defines between ``below`` and
    ``layer``: the width a stub on the top routing layer needs."""
    from .route_partition import _def_vias, _via_pads

    pads = [max(r[2] - r[0], r[3] - r[1])
            for st in _def_vias(def_text).values()
            if {layer, below} <= {lay for lay, _ in _via_pads(st, {layer, below})}
            for lay, r in _via_pads(st, {layer})]
    return max(pads, default=0)


def narrow_top_layer_stubs(stubs: list[str], pad: int) -> list[str]:
    """qrouter sizes a stub by the larger of the vias below and above its layer; on the top
    routing layer that is the via to a layer nobody routes on (met4 stubs 1.18 um wide, from
    via4), and such stubs overlap neighbouring nets. They get the width of the via they extend."""
    if pad <= 0:
        return stubs
    top = load_config()["route_layers"][-1]

    def fix(m: re.Match) -> str:
        return f"{m.group(1)} {top} {min(int(m.group(2)), pad)} "
    return [re.sub(rf"\b(ROUTED|NEW) {top} (\d+) ", fix, st) for st in stubs]


def fp_power() -> str:
    return re.escape(load_config()["power_net"])


def fp_ground() -> str:
    return re.escape(load_config()["ground_net"])


def run_qrouter(script: Path, workdir: Path, out_def: Path, timeout: float) -> tuple[float, int, Path]:
    """Run a route script in `workdir`: (seconds, qrouter's failed-net count, log). A die reaching
    beyond qrouter_frame.SAFE_UM is routed centred on the origin and `out_def` moved back."""
    exe = require("qrouter")
    log = Path(workdir) / "qrouter.log"
    script, offset = frame_script(Path(script), Path(workdir))
    t0 = time.time()
    with open(log, "w") as fh:
        try:
            proc = subprocess.run([exe, "-nog", "-noc", "-s", str(Path(script).resolve())], cwd=workdir,
                                  stdout=fh, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ToolTimeout(f"qrouter did not finish within {timeout:.0f} s (log: {log})") from None
    secs = time.time() - t0
    text = log.read_text(errors="replace")
    if not out_def.exists():
        raise ToolError(f"qrouter wrote no routed DEF (exit {proc.returncode}); see {log}")
    unframe_def(out_def, offset)
    m = re.findall(r"FX_FAILED (\d+)", text) or re.findall(r"Final: Failed net routes: (\d+)", text)
    return secs, int(m[-1]) if m else 0, log


def route(placed_def_router: Path, fp: Floorplan, workdir: Path, timeout: float = 3600,
          partition: int | str | None = None, order: str = "top-down",
          max_repair: int | None = None, local_repair: bool = True, window_repair: bool = True,
          region_growth: tuple[int, ...] | None = None,
          progress: Callable[[str], None] | None = None) -> RouteResult:
    """Route `placed_def_router` (a DEF written with straps=False) in `workdir`.

    partition: None/0 = one qrouter run on the whole die; N >= 2 = windowed routing on an N x N
    tile grid (fixyasic.pnr.route_partition); "auto" = windowed only for large designs.
    max_repair: windowed routing leaves its failures unrouted, without the whole-die repair, when
    there are more than this many (None: no limit). local_repair/window_repair/region_growth:
    the windowed repairs (route_partition.PartitionedRouter.route). progress: called with a
    line of text after each qrouter run."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    out_def = workdir / f"{fp.design}_routed.def"
    out_def.unlink(missing_ok=True)
    info = None
    from . import route_partition as rp
    tiles = rp.resolve_partition(partition, Path(placed_def_router))
    if tiles:
        pr = rp.route_partitioned(Path(placed_def_router), fp, workdir, out_def, tiles, timeout=timeout,
                                  order=order, max_repair=max_repair, local_repair=local_repair,
                                  window_repair=window_repair,
                                  region_growth=rp.REGION_GROWTH if region_growth is None else tuple(region_growth),
                                  progress=progress)
        secs, failed, log, info = pr.seconds, pr.failed, pr.log, pr.summary()
    else:
        script = write_script(workdir / "route.tcl", Path(placed_def_router).resolve(), out_def.resolve(), fp)
        if progress is not None:
            progress("whole die, one qrouter run")
        secs, failed, log = run_qrouter(script, workdir, out_def, timeout)
    restore_straps(out_def, fp)
    nets = read_routed_nets(out_def)
    unrouted = sorted(n for n, rn in nets.items() if len(rn.conns) >= 2 and not rn.wires and not rn.vias)
    per_layer: dict[str, float] = {}
    nvias = 0
    for rn in nets.values():
        nvias += len(rn.vias)
        for layer, xa, ya, xb, yb in rn.wires:
            per_layer[layer] = per_layer.get(layer, 0.0) + (abs(xb - xa) + abs(yb - ya)) / fp.dbu
    return RouteResult(out_def, unrouted, failed, sum(per_layer.values()), nvias, secs, log, per_layer,
                       info)
