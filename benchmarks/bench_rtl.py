"""RTL benchmark: adders (ours vs plain CSD), synthesized sky130hd area (shiftadd vs
multiply, same SiliconCompiler flow), RTL co-simulation on real Fashion-MNIST images
(Verilator and Icarus throughput) and gate-level co-simulation of the synthesized netlist.

    python benchmarks/bench_rtl.py                     # full counts: 1000 RTL, 100 gate-level
    python benchmarks/bench_rtl.py --images 50 --gate-images 5 --random   # quick look

Prints figures; asserts nothing about time.  Results also go to <out>/bench_rtl.json."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixyasic.rtl import generate_rtl  # noqa: E402
from fixyasic.rtl.cosim import compile_cosim, gate_level_cosim, gate_level_cosim_fast, run_cosim  # noqa: E402
from fixyasic.rtl.workloads import default_extractor, default_shaped_network, fashion_codes  # noqa: E402


def table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).rjust(w) for h, w in zip(headers, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def sequential_area(res) -> float | None:
    """Flip-flop area from yosys' stat report in the SiliconCompiler build (None if absent)."""
    for stat in sorted(Path(res.build_dir).glob(f"**/synthesis/0/reports/stat.json")):
        mods = json.loads(stat.read_text()).get("modules", {})
        top = mods.get("\\" + res.top) or mods.get(res.top)
        if top and "sequential_area" in top:
            return float(top["sequential_area"])
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=1000, help="real images through the RTL (Verilator)")
    ap.add_argument("--iverilog-images", type=int, default=50, help="images for the Icarus throughput figure")
    ap.add_argument("--gate-images", type=int, default=100,
                    help="images through the gate-level netlist (liberty cell functions, Verilator)")
    ap.add_argument("--gate-images-udp", type=int, default=10,
                    help="images through the gate-level netlist with the sky130 Verilog cell models "
                         "(Icarus, ~23 s each; the 100-image run is benchmarks/bench_gate_official.py)")
    ap.add_argument("--random", action="store_true",
                    help="random weights with the default preset's shape instead of the trained extractor")
    ap.add_argument("--clock-ns", type=float, default=10.0)
    ap.add_argument("--skip-synth", action="store_true")
    ap.add_argument("--out", default="build/bench_rtl")
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {}

    if args.random:
        net, what = default_shaped_network(), "random weights, default-preset shape"
    else:
        net, what = default_extractor()
    print(f"network: {what}; layers {[l.name for l in net.layers]}; shapes {net.shapes()}")
    print(f"weights sha256 {net.digest()}; nonzero weights {net.nonzero_weights()}")
    results["network"] = {"description": what, "sha256": net.digest(), "shapes": net.shapes()}

    designs = {}
    for style in ("shiftadd", "multiply"):
        t0 = time.perf_counter()
        designs[style] = generate_rtl(net, out / f"rtl_{style}", style=style)
        print(f"generated {style} RTL in {time.perf_counter() - t0:.1f} s -> {out / f'rtl_{style}'}")

    # ---------------------------------------------------------------- adders
    print("\nadders per layer (MCM part and total with adder trees, bias and rounding)")
    rows = []
    for lay in designs["shiftadd"].manifest["layers"]:
        csd_products = lay["csd_adders"] - lay["tree_adders"]
        rows.append([lay["name"], lay["kind"], lay["mcm_adders"], csd_products,
                     f"{lay['mcm_adders'] / max(csd_products, 1):.2f}", lay["adders"], lay["csd_adders"],
                     f"{lay['adders'] / max(lay['csd_adders'], 1):.2f}", lay["max_internal_bits"]])
    tot = designs["shiftadd"].manifest["totals"]
    mcm_t = sum(r[2] for r in rows)
    csdp_t = sum(r[3] for r in rows)
    rows.append(["total", "", mcm_t, csdp_t, f"{mcm_t / max(csdp_t, 1):.2f}", tot["adders"], tot["csd_adders"],
                 f"{tot['adders'] / max(tot['csd_adders'], 1):.2f}", ""])
    table(rows, ["layer", "kind", "mcm", "csd-prod", "ratio", "adders", "csd-total", "ratio", "max-bits"])
    results["adders"] = rows

    # ---------------------------------------------------------------- RTL co-sim
    codes = fashion_codes(net, args.images)
    print(f"\nRTL co-simulation, {args.images} Fashion-MNIST test images (random valid/ready stalls)")
    cos = {}
    for sim_name, n in (("verilator", args.images), ("iverilog", min(args.iverilog_images, args.images))):
        if n <= 0:
            continue
        sim = compile_cosim(designs["shiftadd"].files, designs["shiftadd"].top, net,
                            out / f"cosim_{sim_name}", sim_name, max_images=n)
        res = run_cosim(sim, net, codes[:n], stall_in=2, stall_out=2)
        cos[sim_name] = res
        print(f"  {sim_name:9s}: {res.images} images, {res.values} values, {res.mismatches} mismatches; "
              f"compile {res.compile_seconds:.1f} s, run {res.run_seconds:.1f} s = "
              f"{res.images_per_second:.1f} images/s; {res.cycles_per_image:.0f} cycles/image")
        for e in res.examples[:5]:
            print("     ", e)
    sim = compile_cosim(designs["multiply"].files, designs["multiply"].top, net, out / "cosim_mult",
                        "verilator", max_images=len(codes))
    resm = run_cosim(sim, net, codes, stall_in=0, stall_out=0)
    print(f"  multiply style (verilator, no stalls): {resm.images} images, {resm.mismatches} mismatches, "
          f"{resm.cycles_per_image:.0f} cycles/image, first output after {resm.first_output_cycle} cycles")
    results["cosim"] = {k: vars(v) for k, v in cos.items()}
    results["cosim"]["multiply_verilator"] = vars(resm)

    if args.skip_synth:
        _write(out, results)
        return 0

    # ---------------------------------------------------------------- synthesis
    from fixyasic.synth import synthesize

    print(f"\nsynthesis (SiliconCompiler, sky130hd tt, clock {args.clock_ns} ns), per layer module and full top")
    area: dict = {"shiftadd": {}, "multiply": {}}
    nets = {}
    for style, d in designs.items():
        for f in d.files:
            mod = f.stem
            t0 = time.perf_counter()
            r = synthesize([f] if mod != d.top else d.files, mod, args.clock_ns, out / f"syn_{style}" / mod)
            area[style][mod] = (r.cellarea, r.cells, sequential_area(r))
            if mod == d.top:
                nets[style] = r.netlist
            seq = area[style][mod][2]
            print(f"  {style:8s} {mod:28s} area {r.cellarea:10.1f} um^2  cells {r.cells:6d}  "
                  f"flip-flops {seq if seq is not None else float('nan'):9.1f} um^2  "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    rows = []
    for lay in designs["shiftadd"].manifest["layers"]:
        m = lay["module"]
        a, b = area["shiftadd"][m][0], area["multiply"][m][0]
        rows.append([lay["name"], lay["adders"], lay["csd_adders"], f"{a:.0f}", f"{b:.0f}", f"{a / b:.2f}",
                     lay["line_buffer_bits"]])
    top = designs["shiftadd"].top
    a, b = area["shiftadd"][top][0], area["multiply"][top][0]
    rows.append(["top", tot["adders"], tot["csd_adders"], f"{a:.0f}", f"{b:.0f}", f"{a / b:.2f}",
                 tot["line_buffer_bits"]])
    print()
    table(rows, ["layer", "adders", "csd-adders", "area-shiftadd", "area-multiply", "ratio", "lb-bits"])
    sa, ma = area["shiftadd"][top], area["multiply"][top]
    if sa[2] is not None and ma[2] is not None:
        print(f"\nfull top: flip-flops (line buffers, windows, output registers) {sa[2]:.0f} vs {ma[2]:.0f} um^2; "
              f"logic only {sa[0] - sa[2]:.0f} vs {ma[0] - ma[2]:.0f} um^2 = "
              f"{(sa[0] - sa[2]) / (ma[0] - ma[2]):.2f}x; total {sa[0] / ma[0]:.2f}x (target <= 0.7x)")
    results["area"] = area

    # ---------------------------------------------------------------- gate level
    gl = {}
    for style in ("shiftadd", "multiply"):
        g = min(args.gate_images, len(codes))
        if g > 0:
            res = gate_level_cosim_fast(nets[style], designs[style].top, net, codes[:g], out / f"glf_{style}",
                                        stall_in=2, stall_out=2)
            gl[f"{style}_libfunc_verilator"] = vars(res)
            print(f"  gate level {style:8s} (liberty cell functions, Verilator): {res.images} images, "
                  f"{res.values} values, {res.mismatches} mismatches; compile {res.compile_seconds:.0f} s, "
                  f"run {res.run_seconds:.1f} s")
            for e in res.examples[:5]:
                print("     ", e)
        g = min(args.gate_images_udp, len(codes))
        if g > 0:
            res = gate_level_cosim(nets[style], designs[style].top, net, codes[:g], out / f"gl_{style}",
                                   stall_in=2, stall_out=2)
            gl[f"{style}_udp_iverilog"] = vars(res)
            print(f"  gate level {style:8s} (sky130 Verilog cell models, Icarus): {res.images} images, "
                  f"{res.values} values, {res.mismatches} mismatches; {res.run_seconds:.0f} s "
                  f"({res.images_per_second:.2f} images/s)")
            for e in res.examples[:5]:
                print("     ", e)
    results["gate_level"] = gl
    _write(out, results)
    return 0


def _write(out: Path, results: dict) -> None:
    tmp = out / "bench_rtl.json.tmp"
    tmp.write_text(json.dumps(results, indent=1, default=str) + "\n")
    os.replace(tmp, out / "bench_rtl.json")
    print(f"\nresults: {out / 'bench_rtl.json'}")


if __name__ == "__main__":
    sys.exit(main())
