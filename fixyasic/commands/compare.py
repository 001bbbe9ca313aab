"""`fixyasic compare RUN_A RUN_B`: diff two runs' metrics for CI.

Exit codes: 0 no regression; 1 run B is invalid or a metric regressed beyond the threshold;
2 bad input (missing/corrupt run files)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="diff two runs' metrics; non-zero exit on regression",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_a", help="reference run directory")
    p.add_argument("run_b", help="candidate run directory")
    p.add_argument("--threshold", type=float, default=0.05,
                   help="relative change counted as a regression (default 0.05 = 5%%)")
    p.add_argument("--all", action="store_true", help="show unchanged metrics too")
    p.add_argument("--csv", help="also write the full comparison table to this CSV")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report.compare import compare_runs

    cmp = compare_runs(args.run_a, args.run_b, threshold=args.threshold, only_changed=not args.all)
    table = cmp.table.copy()
    if args.csv:
        table.to_csv(args.csv, index=False)
    if len(table):
        table["rel_change"] = table["rel_change"].map(lambda v: "" if v is None or v != v else f"{v:+.1%}")
        table["regressed"] = table["regressed"].map(lambda r: "REGRESSED" if r else "")
        print(table.drop(columns=["direction"]).to_markdown(index=False, floatfmt=".4g"))
    for line in cmp.summary_lines():
        print(line)
    return 1 if cmp.failed else 0
