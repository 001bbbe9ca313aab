"""`fixyasic export CHECKPOINT --k K --out FILE.npz`: the fixed layers as a fixyasic.qnet file."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write the first K layers of a training checkpoint as a fixed-layer file",
                       description="Export the first K conv layers of a checkpoint (e.g. RUN_DIR/pretrain.pt) "
                                   "as int8 weights, int32 biases and shifts (fixyasic.qnet format, .npz).")
    p.add_argument("checkpoint")
    p.add_argument("--k", type=int, default=None, help="number of fixed conv layers (default: the run's K)")
    p.add_argument("--out", required=True, help="output .npz")
    p.add_argument("--input-scale", type=float, default=None,
                   help="expected pixel scale (power of two); checked against training")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..train.export import export_checkpoint

    net = export_checkpoint(args.checkpoint, args.k, args.out, args.input_scale)
    shapes = " -> ".join("x".join(map(str, s)) for s in net.shapes())
    print(f"{args.out}: {len(net.layers)} layers, {shapes}, {net.nonzero_weights()} nonzero weights, "
          f"{net.macs_per_inference()} MACs/inference, sha256 {net.digest()[:16]}")
    return 0
