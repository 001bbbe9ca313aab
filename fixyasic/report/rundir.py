"""The run directory layout shared by `fixyasic run`, `fixyasic report` and `fixyasic compare`.

RUN/
  status.json            RunStatus: valid only if every stage is valid
  metrics.json           flat-ish numbers for `fixyasic compare`
  designs/<name>.json    DesignMetrics per design (ffe, baseline)
  accuracy.csv           training side's table (optional)
  per_layer.csv          fixed extractor per-layer area/power (optional)
  layouts/<name>.png     routed layout pictures (optional)
  report/                comparison.csv/.md, report.md/.html, plots
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..runstatus import RunStatus
from .efficiency import DesignMetrics, comparison_table
from .render import ReportInputs, write_report
from .scaling import scale


def save_design(run_dir: str | Path, metrics: DesignMetrics) -> Path:
    path = Path(run_dir) / "designs" / f"{metrics.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(metrics.to_dict(), indent=1, default=float) + "\n")
    os.replace(tmp, path)
    return path


def load_design(run_dir: str | Path, name: str) -> DesignMetrics:
    path = Path(run_dir) / "designs" / f"{name}.json"
    if not path.is_file():
        raise InputError(f"{run_dir}: no metrics for design '{name}' ({path} missing)")
    try:
        return DesignMetrics.from_dict(json.loads(path.read_text()))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: truncated or malformed ({exc})") from None


def write_metrics(run_dir: str | Path, metrics: dict) -> Path:
    path = Path(run_dir) / "metrics.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(metrics, indent=1, sort_keys=True, default=float) + "\n")
    os.replace(tmp, path)
    return path


def build_report(run_dir: str | Path, fixed: str = "ffe", baseline: str = "baseline",
                 model_notes: list[str] | None = None, sweep: pd.DataFrame | None = None) -> dict[str, Path]:
    """(Re)write RUN/report from the stored design metrics. Refuses an invalid run."""
    run_dir = Path(run_dir)
    status = RunStatus.load(run_dir)
    if not status.valid:
        raise InputError(f"{run_dir}: run is invalid ({'; '.join(status.reasons)}); no TOPS/W is reported")
    a, b = load_design(run_dir, fixed), load_design(run_dir, baseline)
    cmp = comparison_table(a, b)
    opt = lambda name: pd.read_csv(run_dir / name) if (run_dir / name).is_file() else None
    per_layer = opt("per_layer.csv")
    if per_layer is not None and "layer" in per_layer.columns:
        per_layer = per_layer.set_index("layer")
    layouts = {p.stem: p for p in sorted((run_dir / "layouts").glob("*.png"))}
    inp = ReportInputs(comparison=cmp, scaling=scale(), per_layer=per_layer, accuracy=opt("accuracy.csv"),
                       layouts=layouts, model_notes=model_notes or [], sweep=sweep,
                       status_lines=[f"run {run_dir.name}: valid; stages: " + ", ".join(status.stages)])
    return write_report(inp, run_dir / "report")
