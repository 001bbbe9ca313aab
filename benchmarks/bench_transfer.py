"""Transfer-learning benchmark: the default configuration on every built-in target.

Pretrains the 'default' backbone on Fashion-MNIST (int8 QAT), then for each target trains
(a) with the first K layers fixed and (b) everything trainable, and writes the accuracy table
(CSV + Markdown) into the run directory.  Resumable: re-run with the same --run-dir.

    python benchmarks/bench_transfer.py [--run-dir runs/bench_transfer] [--k 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixyasic import datasets  # noqa: E402
from fixyasic.train import results  # noqa: E402
from fixyasic.train.export import fixed_network  # noqa: E402
from fixyasic.train.trainer import Run, TrainConfig  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", default="runs/bench_transfer")
    ap.add_argument("--preset", default="default")
    ap.add_argument("--k", default="", help="comma-separated K values (default: the preset's K)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    t0 = time.time()
    cfg = TrainConfig(preset=args.preset, ks=[int(v) for v in args.k.split(",") if v],
                      targets=list(datasets.TARGETS), threads=args.threads)
    run = Run(args.run_dir, cfg)
    pre = run.pretrain()
    df = results.table(run)
    csv, md = results.write(df, run.dir)
    elapsed = time.time() - t0

    print(df.to_markdown(index=False))
    info = {"preset": cfg.preset, "threads": cfg.threads, "seconds": round(elapsed, 1),
            "source_test_acc": None}
    from fixyasic.train import checkpoint
    info["source_test_acc"] = checkpoint.load(run.pretrain_path)["info"].get("source_test_acc")
    for k in cfg.k_values:
        sub = df[df.k == k]
        ok = int((sub["diff"] < 1.0).sum())
        net = fixed_network(pre, k)
        print(f"K={k}: accuracy loss < 1 % on {ok}/{len(sub)} targets; mean loss {sub['diff'].mean():.2f} %; "
              f"fixed part {net.nonzero_weights()} nonzero weights, {net.macs_per_inference()} MACs/inference")
        info[f"k{k}_targets_under_1pct"] = ok
    print(f"source ({cfg.source}) int8 test accuracy: {info['source_test_acc']:.4f}")
    print(f"wall time {elapsed:.0f} s with {cfg.threads} thread(s) (finished stages are reused on re-runs)")
    print(f"table: {csv}, {md}")
    tmp = run.dir / "bench_summary.json.tmp"
    tmp.write_text(json.dumps(info, indent=1))
    tmp.replace(run.dir / "bench_summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
