"""Runtime per P&R step and results for generated designs of about 2k and 20k cells.

    python benchmarks/bench_flow.py            # ~2k cells
    python benchmarks/bench_flow.py --copies 54 --utilization 0.35 --spread-density 0.9 \
        --input-min-delay 1.0     # ~19k cells, fixyasic run's P&R settings (long; background)
    python benchmarks/bench_flow.py --netlist N.vg --top TOP ...   # P&R of an existing netlist

The design is `copies` instances of tests/data/pnr_mac.v, each fed a differently scrambled pixel
(so synthesis cannot merge them), with their outputs XOR-reduced; or, with --netlist, a gate
netlist synthesized for P&R (`fixyasic synth --pnr-ready`, or a run's synth_ffe/) with random
input activity. Prints one table row per step
and the run status; writes <out>/metrics.json and status.json."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_design(copies: int, path: Path) -> Path:
    src = (ROOT / "tests" / "data" / "pnr_mac.v").read_text()
    inst = []
    for k in range(copies):
        inst.append(f"  wire [15:0] f{k}; wire [19:0] a{k}; wire v{k};\n"
                    f"  pnr_mac u{k} (.clk(clk), .rst(rst), .valid_in(valid_in), "
                    f".pixel(pixel ^ 8'd{(37 * k + 11) % 256}), .fir_out(f{k}), .acc_out(a{k}), "
                    f".valid_out(v{k}));")
    xf = " ^ ".join(f"f{k}" for k in range(copies))
    xa = " ^ ".join(f"a{k}" for k in range(copies))
    top = (f"module bench_top (input wire clk, input wire rst, input wire valid_in, "
           f"input wire [7:0] pixel, output wire [15:0] fir_x, output wire [19:0] acc_x);\n"
           + "\n".join(inst) + f"\n  assign fir_x = {xf};\n  assign acc_x = {xa};\nendmodule\n")
    path.write_text(src + "\n" + top)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=4, help="pnr_mac copies (4 ~ 2k cells, 54 ~ 19k)")
    ap.add_argument("--clock-ns", type=float, default=10.0)
    ap.add_argument("--utilization", type=float, default=None)
    ap.add_argument("--spread-density", type=float, default=None,
                    help="coloquinte: spread cells to this row density (fixyasic run uses 0.9 at "
                         "utilization 0.35)")
    ap.add_argument("--max-wire-demand", type=float, default=None,
                    help="placed wirelength / track supply above which the die is floorplanned "
                         "again at a lower utilization (PnrOptions.max_wire_demand)")
    ap.add_argument("--congestion-rounds", type=int, default=0,
                    help="coloquinte: global placements again with cells scaled by wiring density")
    ap.add_argument("--max-net-span", type=float, default=None,
                    help="buffer data nets of > 3 loads spread wider than this (um) into groups "
                         "within it (PnrOptions.max_net_span_um)")
    ap.add_argument("--input-min-delay", type=float, default=0.0,
                    help="hold: inputs change this many ns after the clock edge (fixyasic run: 1.0)")
    ap.add_argument("--hold-margin", type=float, default=0.05)
    ap.add_argument("--no-window-repair", action="store_true",
                    help="leave every window failure to the region repair passes")
    ap.add_argument("--max-repair", type=int, default=300,
                    help="failed nets above which the whole-die repair is skipped (-1: no limit)")
    ap.add_argument("--netlist", type=Path, default=None,
                    help="place and route this gate netlist instead of the generated design")
    ap.add_argument("--top", default=None, help="top module of --netlist")
    ap.add_argument("--out", default=None)
    ap.add_argument("--placer", choices=["coloquinte", "graywolf"], default="coloquinte")
    ap.add_argument("--route-order", choices=["top-down", "bottom-up"], default="top-down",
                    help="windowed routing: long nets first (default) or the smallest windows first")
    args = ap.parse_args()
    from fixyasic.pnr import prep, steps
    from fixyasic.pnr.quiet import captured_stdout
    from fixyasic.power.images import image_stream_stimulus

    if args.netlist and not args.top:
        ap.error("--netlist needs --top")
    name = args.netlist.stem if args.netlist else f"{args.copies}_{args.placer}"
    out = Path(args.out or f"build/bench_flow_{name}")
    out.mkdir(parents=True, exist_ok=True)
    if args.netlist:
        netlist, top, t_syn, stim = args.netlist, args.top, 0.0, None   # run_pnr: random inputs
        design = f"{args.netlist} ({top})"
    else:
        src = make_design(args.copies, out / "bench_top.v")
        t0 = time.time()
        with captured_stdout(out / "synth.log"):
            syn = prep.synthesize_gates([src], "bench_top", out / "bench_top.syn.v")
        netlist, top, t_syn = syn.netlist, "bench_top", time.time() - t0
        stim = image_stream_stimulus("pixel", 8, count=1, valid_port="valid_in", reset_port="rst")
        design = f"{args.copies} x pnr_mac"
    res = steps.run_pnr(netlist, top, out,
                        steps.PnrOptions(clock_ns=args.clock_ns, utilization=args.utilization,
                                         placer=args.placer, spread_density=args.spread_density,
                                         max_wire_demand=args.max_wire_demand,
                                         congestion_rounds=args.congestion_rounds,
                                         max_net_span_um=args.max_net_span,
                                         input_min_delay_ns=args.input_min_delay,
                                         hold_margin_ns=args.hold_margin,
                                         route_window_repair=not args.no_window_repair,
                                         route_order=args.route_order,
                                         route_max_repair=None if args.max_repair < 0 else args.max_repair),
                        stimulus=stim)
    m = res.metrics
    print(f"design: {design} = {m['cells']} cells, {m['cellarea']:.0f} um^2 cells, "
          f"die {m['totalarea']:.0f} um^2")
    print(f"{'step':<12}{'seconds':>10}")
    print(f"{'synthesis':<12}{t_syn:>10.1f}")
    for k, v in res.seconds.items():
        print(f"{k:<12}{v:>10.1f}")
    for k in ("hpwl_um", "wire_demand", "wire_demand_peak", "wire_demand_p90", "wirelength", "vias", "unrouted_nets", "router_failed_nets", "shorts",
              "power_shorts", "pin_shorts", "setupwns", "fmax_mhz", "averagepower", "vectorless_power",
              "activity_coverage"):
        print(f"{k:<22}{m.get(k)}")
    print("status:", "VALID" if res.valid else "INVALID: " + "; ".join(res.status.reasons))
    (out / "bench.json").write_text(json.dumps({"design": design, "copies": args.copies, "synth_s": t_syn,
                                                "seconds": res.seconds, "metrics": m}, default=str))
    part = m.get("route_partition")
    if part:
        print("windowed routing:", json.dumps({k: part.get(k) for k in (
            "tiles", "escalated", "after_local_repair", "region_passes", "after_region_repair",
            "phase_seconds")}))
        # where the route's runs, failures and qrouter time went (the docs' phase tables)
        print(f"{'route stage':<18}{'runs':>6}{'nets':>8}{'failed':>8}{'qrouter s':>11}")
        for k, st in part.get("stages", {}).items():
            print(f"{k:<18}{st['runs']:>6}{st['nets']:>8}{st['failed']:>8}{st['qrouter_s']:>11.0f}")


if __name__ == "__main__":
    main()
