"""Write the comparison as CSV, Markdown and a self-contained HTML page with plots."""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .efficiency import OPS_DEFINITION
from .scaling import ScalingEstimate

PAPER_TOPS_W = {"FFE (FixyNN, 16 nm)": 26.6, "FixyNN system (16 nm)": 11.2}


@dataclass
class ReportInputs:
    comparison: pd.DataFrame  # from efficiency.comparison_table
    scaling: ScalingEstimate
    per_layer: pd.DataFrame | None = None  # fixed extractor: per-layer area/power
    accuracy: pd.DataFrame | None = None  # training side's table
    layouts: dict[str, Path] = field(default_factory=dict)  # design -> PNG
    model_notes: list[str] = field(default_factory=list)  # PPA model fit lines
    sweep: pd.DataFrame | None = None  # K/width sweep: accuracy vs TOPS/W
    status_lines: list[str] = field(default_factory=list)
    title: str = "fixyasic: fixed feature extractor vs iso-area programmable accelerator (sky130hd)"


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def _plots(inp: ReportInputs, out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    designs = [d for d in inp.comparison.index if "/" not in str(d)]
    cmp = inp.comparison.loc[designs]
    plots: dict[str, Path] = {}

    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = list(designs) + [f"{d} (16 nm est.)" for d in designs] + list(PAPER_TOPS_W)
    vals = list(cmp["tops_per_w"]) + list(cmp["tops_per_w_16nm_est"]) + list(PAPER_TOPS_W.values())
    colors = ["tab:blue"] * len(designs) + ["tab:cyan"] * len(designs) + ["tab:gray"] * len(PAPER_TOPS_W)
    ax.barh(names, vals, color=colors)
    ax.set_xscale("log")
    ax.set_xlabel("TOPS/W (log)")
    ax.set_title("Energy efficiency: measured sky130, scaled estimate, paper")
    fig.tight_layout()
    plots["tops_per_w"] = out / "tops_per_w.png"
    fig.savefig(plots["tops_per_w"], dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(7, 3))
    axes[0].bar(designs, cmp["area_mm2"], color="tab:orange")
    axes[0].set_ylabel("area (mm$^2$)")
    axes[1].bar(designs, cmp["power_mw"], color="tab:red", label="activity")
    if cmp["power_vectorless_mw"].notna().all():
        axes[1].scatter(designs, cmp["power_vectorless_mw"], color="k", marker="x", label="vectorless", zorder=3)
        axes[1].legend(fontsize=8)
    axes[1].set_ylabel("power (mW)")
    fig.tight_layout()
    plots["area_power"] = out / "area_power.png"
    fig.savefig(plots["area_power"], dpi=110)
    plt.close(fig)

    if inp.per_layer is not None and len(inp.per_layer):
        pl = inp.per_layer
        cols = [c for c in ("area_um2", "power_mw") if c in pl.columns]
        fig, axes = plt.subplots(1, len(cols), figsize=(3.5 * len(cols), 3))
        axes = [axes] if len(cols) == 1 else axes
        for ax, c in zip(axes, cols):
            ax.bar(pl.index.astype(str), pl[c])
            ax.set_title(c)
            ax.tick_params(axis="x", rotation=45)
        fig.tight_layout()
        plots["per_layer"] = out / "per_layer.png"
        fig.savefig(plots["per_layer"], dpi=110)
        plt.close(fig)

    if inp.sweep is not None and {"tops_per_w", "accuracy"} <= set(inp.sweep.columns):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        sw = inp.sweep
        for label, g in sw.groupby(sw.get("series", pd.Series("sweep", index=sw.index))):
            ax.plot(g["tops_per_w"], g["accuracy"], "o-", label=str(label))
            for _, r in g.iterrows():
                if "k" in r:
                    ax.annotate(f"K={int(r['k'])}", (r["tops_per_w"], r["accuracy"]), fontsize=7)
        ax.set_xlabel("system TOPS/W (model)")
        ax.set_ylabel("accuracy")
        ax.legend(fontsize=8)
        fig.tight_layout()
        plots["tradeoff"] = out / "accuracy_vs_tops_per_w.png"
        fig.savefig(plots["tradeoff"], dpi=110)
        plt.close(fig)
    return plots


def _img_tag(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" style="max-width:100%">'


def write_report(inp: ReportInputs, out_dir: str | Path) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    cmp = inp.comparison
    files["comparison_csv"] = out / "comparison.csv"
    cmp.to_csv(files["comparison_csv"])
    cmp_md = cmp.T.to_markdown(floatfmt=".4g")
    files["comparison_md"] = _write(out / "comparison.md", cmp_md + "\n")
    if inp.per_layer is not None:
        files["per_layer_csv"] = out / "per_layer.csv"
        inp.per_layer.to_csv(files["per_layer_csv"])
    plots = _plots(inp, out)
    files.update({f"plot_{k}": v for k, v in plots.items()})

    sc = inp.scaling
    scaling_note = (f"16 nm figures are an ESTIMATE: energy/op scaled by {sc.energy_ratio:.4g} "
                    f"({sc.from_node} nm @ {sc.from_vdd} V -> {sc.to_node} nm @ {sc.to_vdd} V) after {sc.source}. "
                    f"Paper (16 nm): FFE 26.6 TOPS/W, system 11.2 TOPS/W.")
    md = [f"# {inp.title}", "", *(f"- {s}" for s in inp.status_lines), "",
          f"Ops definition: {OPS_DEFINITION}. Power: activity-annotated from real images; vectorless alongside.",
          "", "## Comparison", "", cmp_md, "", scaling_note, ""]
    if inp.per_layer is not None:
        md += ["## Fixed extractor per layer", "", inp.per_layer.to_markdown(floatfmt=".4g"), ""]
    if inp.accuracy is not None:
        md += ["## Accuracy (training side)", "", inp.accuracy.to_markdown(index=False, floatfmt=".4g"), ""]
    if inp.model_notes:
        md += ["## Calibrated PPA model", "", *(f"- {n}" for n in inp.model_notes), ""]
    if inp.sweep is not None:
        md += ["## Sweep (model)", "", inp.sweep.to_markdown(index=False, floatfmt=".4g"), ""]
    md += ["## Plots", ""] + [f"![{k}]({p.name})" for k, p in plots.items()]
    for name, png in inp.layouts.items():
        if Path(png).is_file():
            md.append(f"![layout {name}]({os.path.relpath(png, out)})")
    files["report_md"] = _write(out / "report.md", "\n".join(md) + "\n")

    parts = [f"<h1>{html.escape(inp.title)}</h1>", "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in inp.status_lines) + "</ul>",
             f"<p>Ops definition: {html.escape(OPS_DEFINITION)}.</p>", "<h2>Comparison</h2>",
             cmp.T.to_html(float_format=lambda v: f"{v:.4g}"), f"<p><em>{html.escape(scaling_note)}</em></p>"]
    if inp.per_layer is not None:
        parts += ["<h2>Fixed extractor per layer</h2>", inp.per_layer.to_html(float_format=lambda v: f"{v:.4g}")]
    if inp.accuracy is not None:
        parts += ["<h2>Accuracy</h2>", inp.accuracy.to_html(index=False, float_format=lambda v: f"{v:.4g}")]
    if inp.model_notes:
        parts += ["<h2>Calibrated PPA model</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in inp.model_notes) + "</ul>"]
    if inp.sweep is not None:
        parts += ["<h2>Sweep (model)</h2>", inp.sweep.to_html(index=False, float_format=lambda v: f"{v:.4g}")]
    parts += ["<h2>Plots</h2>"] + [_img_tag(p, k) for k, p in plots.items()]
    for name, png in inp.layouts.items():
        if Path(png).is_file():
            parts += [f"<h3>Layout: {html.escape(name)}</h3>", _img_tag(Path(png), f"layout {name}")]
    page = "<!doctype html><html><head><meta charset='utf-8'><title>fixyasic report</title>" \
           "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}table{border-collapse:collapse}" \
           "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>" + "".join(parts) + "</body></html>"
    files["report_html"] = _write(out / "report.html", page)
    return files
