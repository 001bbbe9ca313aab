"""Gate-level acceptance benchmark: real Fashion-MNIST test images through the default fixed
extractor's SiliconCompiler-synthesized sky130hd netlist, simulated with the official PDK
Verilog cell models (UDP primitives + sky130_fd_sc_hd.v, unmodified, read from the PDK) in
Icarus; every output value is compared with FixedNetwork.forward.

    nice -n 5 python benchmarks/bench_gate_official.py                 # 100 images (~170 s each)
    ... --images 40 --offset 20 --netlist N.vg --out DIR2              # one slice per core
    python benchmarks/bench_gate_official.py --images 3                # quick look
    python benchmarks/bench_gate_official.py --netlist N.vg            # skip synthesis

--netlist must be a netlist synthesized from this generator's RTL of the default extractor
(the script does not re-check that). Prints figures, asserts nothing about time; results
also go to <out>/bench_gate_official.json."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixyasic.rtl import generate_rtl  # noqa: E402
from fixyasic.rtl.cosim import gate_level_cosim  # noqa: E402
from fixyasic.rtl.workloads import default_extractor, fashion_codes  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100, help="Fashion-MNIST test images (default 100)")
    ap.add_argument("--offset", type=int, default=0, help="first test image")
    ap.add_argument("--stall", type=int, default=2,
                    help="random valid/ready gaps in sixteenths of cycles (0-15, default 2)")
    ap.add_argument("--chunk", type=int, default=10, help="images per vvp run (one compile for all)")
    ap.add_argument("--clock-ns", type=float, default=10.0)
    ap.add_argument("--netlist", help="use this synthesized netlist instead of synthesizing")
    ap.add_argument("--out", default="build/bench_gate_official")
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    net, what = default_extractor()
    print(f"network: {what}; shapes {net.shapes()}; weights sha256 {net.digest()}")
    design = generate_rtl(net, out / "rtl")
    if args.netlist:
        netlist, syn_info = Path(args.netlist).resolve(), {"netlist": str(Path(args.netlist).resolve())}
        print(f"netlist (given): {netlist}")
    else:
        from fixyasic.synth import synthesize

        t0 = time.perf_counter()
        syn = synthesize(design.files, design.top, args.clock_ns, out / "syn")
        netlist = syn.netlist
        syn_info = {"netlist": str(netlist), "cellarea_um2": syn.cellarea, "cells": syn.cells,
                    "seconds": round(time.perf_counter() - t0, 1)}
        print(f"synthesis (SiliconCompiler, sky130hd tt, {args.clock_ns} ns): {syn.cells} cells, "
              f"{syn.cellarea:.0f} um^2, {syn_info['seconds']:.0f} s -> {netlist}")
    syn_info["sha256"] = hashlib.sha256(Path(netlist).read_bytes()).hexdigest()

    codes = fashion_codes(net, args.images, offset=args.offset)
    t0 = time.perf_counter()
    res = gate_level_cosim(netlist, design.top, net, codes, out / "sim", stall_in=args.stall,
                           stall_out=args.stall, chunk_images=args.chunk, progress=True)
    wall = time.perf_counter() - t0
    print(f"\ngate level, official sky130hd Verilog models (Icarus), Fashion-MNIST test images "
          f"{args.offset}..{args.offset + res.images - 1}, stalls {args.stall}/16:")
    print(f"  images {res.images}, values compared {res.values}, mismatches {res.mismatches}")
    print(f"  compile {res.compile_seconds:.1f} s, simulation {res.run_seconds:.1f} s "
          f"({res.run_seconds / max(res.images, 1):.1f} s/image, {res.cycles_per_image:.0f} cycles/image), "
          f"wall {wall:.1f} s")
    for e in res.examples[:10]:
        print("   ", e)
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "network": what,
              "weights_sha256": net.digest(), "synthesis": syn_info, "stall": args.stall,
              "chunk": args.chunk, "offset": args.offset, "wall_seconds": round(wall, 1), **vars(res)}
    tmp = out / "bench_gate_official.json.tmp"
    tmp.write_text(json.dumps(result, indent=1, default=str) + "\n")
    os.replace(tmp, out / "bench_gate_official.json")
    print(f"results: {out / 'bench_gate_official.json'}")
    return 0 if res.mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
