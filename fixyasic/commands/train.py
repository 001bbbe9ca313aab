"""`fixyasic train`: pretrain on the source dataset, then fixed-K vs fully-trainable transfer per target."""

from __future__ import annotations

import argparse


def _int_list(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got '{text}'") from None


def _str_list(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _scale(text: str) -> float:
    try:
        if "**" in text:  # allow 2**-7
            base, exp = text.split("**")
            return float(base) ** float(exp)
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="pretrain on the source, then fixed-K vs fully-trainable transfer per target",
                       description="Pretrain a MobileNet-style backbone on the source dataset with int8 "
                                   "quantization-aware training; for every target and K train (a) with the "
                                   "first K layers fixed and (b) everything trainable; write the accuracy "
                                   "table. Re-running with the same --run-dir resumes.")
    p.add_argument("--run-dir", default="runs/train", help="checkpoints and results (default: %(default)s)")
    p.add_argument("--preset", default="default", help="tiny, default, large, xlarge (default: %(default)s)")
    p.add_argument("--k", type=_int_list, default=[], help="K values, e.g. 3,5,7 (default: the preset's K)")
    p.add_argument("--source", default=None, help="source dataset (default: fashion_mnist)")
    p.add_argument("--targets", type=_str_list, default=None,
                   help="comma-separated target datasets, or folder:<path> (default: all built-in targets)")
    p.add_argument("--source-limit", type=int, default=None, help="use a random subset of the source")
    p.add_argument("--target-limit", type=int, default=None, help="use a random subset of each target")
    p.add_argument("--test-limit", type=int, default=None, help="evaluate on a random subset of each test set")
    p.add_argument("--float-epochs", type=int, default=None)
    p.add_argument("--qat-epochs", type=int, default=None)
    p.add_argument("--target-epochs", type=int, default=None)
    p.add_argument("--min-target-steps", type=int, default=None,
                   help="small targets get extra epochs up to this many optimizer steps (default 600)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--input-scale", type=_scale, default=None, help="pixel scale, a power of two (2**-7)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default 1: the machine is shared)")
    p.add_argument("--pretrain-only", action="store_true", help="stop after pretraining")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from ..train import results
    from ..train.trainer import Run, TrainConfig

    overrides = {"preset": args.preset, "ks": args.k, "source": args.source, "targets": args.targets,
                 "source_limit": args.source_limit, "target_limit": args.target_limit,
                 "test_limit": args.test_limit, "float_epochs": args.float_epochs,
                 "qat_epochs": args.qat_epochs, "target_epochs": args.target_epochs,
                 "input_scale": args.input_scale, "min_target_steps": args.min_target_steps,
                 "batch_size": args.batch_size, "seed": args.seed, "threads": args.threads}
    cfg = TrainConfig(**{k: v for k, v in overrides.items() if v is not None})
    t0 = time.time()
    run_ = Run(args.run_dir, cfg)
    model = run_.pretrain()
    print(f"pretrained: {run_.pretrain_path} ({len(model.layers)} conv layers)")
    if args.pretrain_only:
        return 0
    df = results.table(run_)
    csv, md = results.write(df, run_.dir)
    print(df.to_markdown(index=False))
    print(f"table: {csv} and {md} ({time.time() - t0:.0f} s)")
    return 0
