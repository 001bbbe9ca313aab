"""The accuracy table: dataset x K -> fixed vs fully trainable, plus hardware size of the fixed part."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .export import fixed_network
from .trainer import Run

COLUMNS = ["dataset", "k", "acc_fixed", "acc_full", "diff", "nonzero_fixed_weights", "macs_per_inference"]


def table(run: Run) -> pd.DataFrame:
    """Run every missing stage of `run`, then tabulate (accuracies in %, diff = full - fixed)."""
    pre = run.pretrain()
    rows = []
    for k in run.cfg.k_values:
        net = fixed_network(pre, k)
        for target in run.cfg.targets:
            fixed = run.transfer(target, k, "fixed")["accuracy"] * 100
            full = run.transfer(target, k, "full")["accuracy"] * 100
            rows.append({"dataset": target, "k": k, "acc_fixed": round(fixed, 2), "acc_full": round(full, 2),
                         "diff": round(full - fixed, 2), "nonzero_fixed_weights": net.nonzero_weights(),
                         "macs_per_inference": net.macs_per_inference()})
    return pd.DataFrame(rows, columns=COLUMNS)


def write(df: pd.DataFrame, out_dir: str | os.PathLike, stem: str = "accuracy") -> tuple[Path, Path]:
    """CSV and Markdown, each written to a temp file and renamed."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv, md = out / f"{stem}.csv", out / f"{stem}.md"
    for path, text in ((csv, df.to_csv(index=False)), (md, df.to_markdown(index=False) + "\n")):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return csv, md
