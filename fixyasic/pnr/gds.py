"""Routed DEF -> GDS (klayout Python package: DEF + LEF with the standard cells' GDS substituted
for the LEF abstracts, layer map from the PDK's klayout technology) and a PNG of the layout."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from .config import pdk_files


@dataclass
class GdsResult:
    gds: Path
    png: Path | None
    seconds: float
    cells_missing_gds: int


def def_to_gds(routed_def: Path, out_gds: Path, top: str) -> tuple[Path, int]:
    try:
        import klayout.db as db
    except ImportError as exc:  # pragma: no cover
        raise ToolError("klayout is missing: pip install klayout") from exc
    files = pdk_files()
    tech = db.Technology()
    tech.load(str(files.klayout_lyt))
    opts = tech.load_layout_options
    cfg = opts.lefdef_config
    cfg.lef_files = [str(files.tech_lef), str(files.lef)]
    cfg.read_lef_with_def = False
    opts.lefdef_config = cfg
    layout = db.Layout()
    layout.read(str(routed_def), opts)
    top_cells = layout.top_cells()
    if not top_cells:
        raise ToolError(f"klayout read no top cell from {routed_def}")
    top_name = top_cells[0].name
    used = {inst.cell.name for inst in top_cells[0].each_inst()}
    # the cell library GDS replaces the LEF abstracts (same cell names); unused library cells go
    gopt = db.LoadLayoutOptions()
    gopt.cell_conflict_resolution = db.LoadLayoutOptions.CellConflictResolution.OverwriteCell
    layout.read(str(files.gds), gopt)
    top_cell = layout.cell(top_name)
    keep = set(top_cell.called_cells()) | {top_cell.cell_index()}
    for c in list(layout.each_cell()):
        if c.cell_index() not in keep and c.name != top_name:
            layout.delete_cell(c.cell_index())
    gds_names = {c.name for c in layout.each_cell() if not c.is_empty()}
    missing = sum(1 for n in used if n not in gds_names)
    tmp = Path(out_gds).with_suffix(".tmp.gds")
    layout.write(str(tmp))
    tmp.replace(out_gds)
    return Path(out_gds), missing


def render_png(gds: Path, out_png: Path, width: int = 1400) -> Path:
    """Draw the routing layers (li1..met5) and die outline with matplotlib from the GDS."""
    import klayout.db as db
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    layout = db.Layout()
    layout.read(str(gds))
    top = layout.top_cells()[0]
    colors = {(67, 20): ("#4fa3ff", 0.35), (68, 20): ("#2b5fd9", 0.45), (69, 20): ("#d94c2b", 0.5),
              (70, 20): ("#2bb34c", 0.5), (71, 20): ("#c29b1f", 0.5), (72, 20): ("#9b30c2", 0.5)}
    bbox = top.dbbox()
    fig_w = 10.0
    fig_h = max(3.0, fig_w * bbox.height() / max(bbox.width(), 1e-9))
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), dpi=width / fig_w)
    for (ln, dt), (color, alpha) in colors.items():
        li = layout.find_layer(ln, dt)
        if li is None:
            continue
        polys = []
        it = top.begin_shapes_rec(li)
        while not it.at_end():
            sh = it.shape()
            if sh.is_box() or sh.is_polygon() or sh.is_path():
                p = sh.polygon.transformed(it.trans())
                polys.append([(pt.x * layout.dbu, pt.y * layout.dbu) for pt in p.each_point_hull()])
            it.next()
        if polys:
            ax.add_collection(PolyCollection(polys, facecolors=color, edgecolors="none", alpha=alpha,
                                             label=f"{ln}/{dt}"))
    ax.add_patch(plt.Rectangle((bbox.left, bbox.bottom), bbox.width(), bbox.height(), fill=False, lw=0.8))
    ax.set_xlim(bbox.left, bbox.right)
    ax.set_ylim(bbox.bottom, bbox.top)
    ax.set_aspect("equal")
    ax.set_title(f"{top.name}  {bbox.width():.0f} x {bbox.height():.0f} um")
    ax.set_xlabel("um")
    tmp = Path(out_png).with_suffix(".tmp.png")
    fig.savefig(tmp, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(out_png)
    return Path(out_png)


def write_gds_and_png(routed_def: Path, out_dir: Path, top: str, png: bool = True) -> GdsResult:
    t0 = time.time()
    out_dir = Path(out_dir)
    gds, missing = def_to_gds(routed_def, out_dir / f"{top}.gds", top)
    p = render_png(gds, out_dir / f"{top}.png") if png else None
    return GdsResult(gds, p, time.time() - t0, missing)
