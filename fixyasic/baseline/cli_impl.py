"""Handler of `fixyasic baseline` (kept out of commands/ so the CLI module stays light)."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path

from ..errors import FlowError, InputError
from ..qnet import FixedNetwork
from .compiler import compile_network
from .config import BaselineConfig
from .cosim import cosimulate, write_program_image
from .report import BaselineReport
from .rtl import write_rtl
from .sizing import config_for, size_to_area


def config_for_pes(net: FixedNetwork, pes: int) -> BaselineConfig:
    """Among rows x cols = pes (cols a power of two), the array with the fewest cycles."""
    if pes < 1:
        raise InputError(f"--pes must be >= 1, got {pes}")
    best = None
    c = 1
    while c <= min(pes, 32):
        if pes % c == 0 and pes // c <= 64:
            cfg = config_for(net, pes // c, c, band=1, weights="layer")
            cyc = compile_network(net, cfg).cycles()
            if best is None or cyc < best[0]:
                best = (cyc, cfg)
        c *= 2
    if best is None:
        raise InputError(f"--pes {pes}: no rows x cols split with cols a power of two <= 32 and rows <= 64")
    return best[1]


def _explicit_config(net: FixedNetwork, args: argparse.Namespace) -> BaselineConfig:
    if args.pes is not None:
        cfg = config_for_pes(net, args.pes)
    else:
        cfg = config_for(net, args.rows or 2, args.cols or 4, band=1, weights="layer")
    over = {k: v for k, v in (("abuf_depth", args.abuf_depth), ("wbuf_depth", args.wbuf_depth),
                              ("bbuf_depth", args.bbuf_depth), ("obuf_depth", args.obuf_depth))
            if v is not None}
    if args.pes is None and (args.rows or args.cols):
        over.update({k: v for k, v in (("rows", args.rows), ("cols", args.cols)) if v})
    return replace(cfg, **over).validate()


def _cosim_images(net: FixedNetwork, n: int):
    from ..datasets import load_dataset

    if net.input_shape[0] != 1 or net.input_shape[1:] != (28, 28):
        raise InputError(f"--cosim feeds 1x28x28 Fashion-MNIST images; this network takes {net.input_shape}")
    x, _ = load_dataset("fashion_mnist", "test", limit=n)
    return net.quantize_input(x)


def main(args: argparse.Namespace) -> int:
    net = FixedNetwork.load(args.weights)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output directory {out}: {exc.strerror or exc}") from None
    if args.target_area is not None and any(v is not None for v in (args.rows, args.cols, args.abuf_depth,
                                                                       args.wbuf_depth, args.bbuf_depth,
                                                                       args.obuf_depth)):
        raise InputError("--target-area chooses the array and buffers itself; drop --rows/--cols/--*-depth")

    synth_area = None
    if args.target_area is not None:
        res = size_to_area(net, args.target_area, out / "sizing", clock_ns=args.clock_ns, progress=True)
        cfg, synth_area = res.config, res.synth_area
    else:
        cfg = _explicit_config(net, args)
    prog = compile_network(net, cfg)
    rtl = write_rtl(cfg, out / "rtl")
    write_program_image(prog, out / "program")
    if args.synth and args.target_area is None:
        from .area import synth_area as run_synth
        synth_area = run_synth(cfg, out / "synth", clock_ns=args.clock_ns).cellarea

    report = BaselineReport.build(net, prog, synth_area, args.target_area, args.clock_ns)
    extra = {}
    if args.cosim:
        codes = _cosim_images(net, args.cosim)
        sim = cosimulate(prog, codes)
        ref = net.forward(codes)
        bad = int((sim.outputs != ref).reshape(len(codes), -1).any(axis=1).sum())
        extra = {"cosim_images": len(codes), "cosim_mismatching_images": bad,
                 "cosim_cycles": sorted(set(sim.cycles))}
        if bad or set(sim.cycles) != {prog.cycles()}:
            raise FlowError(f"baseline co-simulation: {bad} of {len(codes)} images mismatch the integer "
                            f"model; simulated cycles {sorted(set(sim.cycles))} vs model {prog.cycles()}")
    data = report.to_dict() | extra | {"config": cfg.as_dict(), "rtl": [p.name for p in rtl],
                                       "layer_cycles": dict(zip(prog.layer_names, prog.layer_cycles())),
                                       "ops_note": "ops = 2 x dense MACs of the fixed layers (zeros counted)"}
    tmp = out / "report.json.tmp"
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, out / "report.json")
    tmp = out / "report.csv.tmp"
    report.to_row().to_csv(tmp, index=False)
    os.replace(tmp, out / "report.csv")
    area = f"{synth_area:.0f} um^2" if synth_area else "not synthesized"
    ratio = f" ({report.area_ratio:.3f} x target {args.target_area:.0f})" if report.area_ratio else ""
    print(f"baseline {cfg.label()}: {report.cycles_per_inference} cycles/inference, "
          f"{report.buffer_bits} buffer bits, area {area}{ratio}"
          + (f", co-sim {extra['cosim_images']} images, {extra['cosim_mismatching_images']} mismatches"
             if extra else "") + f" -> {out}")
    return 0
