"""`fixyasic report RUN_DIR`: (re)write the comparison report of a finished run."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the TOPS/W comparison report of a run directory")
    p.add_argument("run_dir")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report.rundir import build_report

    files = build_report(args.run_dir)
    cmp = __import__("pandas").read_csv(files["comparison_csv"], index_col=0)
    print(cmp[["area_mm2", "clock_mhz", "power_mw", "tops", "tops_per_w", "energy_per_inference_uj",
               "tops_per_w_16nm_est"]].to_markdown(floatfmt=".4g"))
    print(f"report: {files['report_html']}")
    return 0
