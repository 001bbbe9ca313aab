"""`fixyasic baseline`: the programmable iso-area baseline for a fixed-layer file."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("baseline", help="programmable int8 accelerator baseline: RTL, program, iso-area sizing",
                       description="Build the programmable baseline accelerator for a fixed-layer file: "
                                   "Verilog, compiled program + weight image, cycles per inference and "
                                   "(with --target-area) a configuration whose synthesized area matches.")
    p.add_argument("weights", help="fixed-layer file (.npz from `fixyasic export`)")
    p.add_argument("--out", required=True, help="output directory")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--target-area", type=float, metavar="UM2",
                      help="size the baseline to this synthesized area (um^2, e.g. the fixed extractor's)")
    size.add_argument("--pes", type=int, metavar="N", help="use N PEs (rows x cols chosen for fewest cycles)")
    p.add_argument("--rows", type=int, help="pixel lanes R (with --cols: an explicit array)")
    p.add_argument("--cols", type=int, help="channel lanes C (power of two)")
    p.add_argument("--abuf-depth", type=int, help="activation buffer words (default: what the layers need)")
    p.add_argument("--wbuf-depth", type=int, help="weight buffer words")
    p.add_argument("--bbuf-depth", type=int, help="bias buffer entries (channel groups)")
    p.add_argument("--obuf-depth", type=int, help="output buffer words")
    p.add_argument("--clock-ns", type=float, default=10.0, help="synthesis clock period (default 10)")
    p.add_argument("--synth", action="store_true",
                   help="also synthesize an explicitly sized design (always done with --target-area)")
    p.add_argument("--cosim", type=int, default=0, metavar="N",
                   help="co-simulate N Fashion-MNIST test images against the integer model")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..baseline.cli_impl import main

    return main(args)
