"""Soak: fuzzed small networks through the generated RTL (Icarus Verilog) vs FixedNetwork.forward.

    python benchmarks/soak_fuzz.py                       # 200 seeds x both styles
    python benchmarks/soak_fuzz.py --count 1000 --start 5000
    python benchmarks/soak_fuzz.py --start 87 --count 1 -v   # replay one seed

Every seed is one random network (fixyasic.fuzz.case_from_seed) run in each style. Prints the
number of cases, value mismatches, errors and the seeds of failures; exits 1 on any failure.
Known, already reported generator bugs (fixyasic.fuzz.KNOWN_RTL_BUGS) are failures too unless
--allow-known-bugs is given, in which case they are counted and listed but do not fail the run.
--inject-fault perturbs the reference model to show that the harness does detect mismatches."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from fixyasic.errors import FixyasicError  # noqa: E402
from fixyasic.fuzz import STYLES, case_from_seed, known_bug  # noqa: E402
from fixyasic.rtl import generate_rtl  # noqa: E402
from fixyasic.rtl.cosim import cosimulate  # noqa: E402


def perturbed(net):
    """Copy of ``net`` whose last layer's first bias is off by 3 output steps (a wrong model)."""
    import copy

    bad = copy.deepcopy(net)
    last = bad.layers[-1]
    last.bias = last.bias.copy()
    last.bias[0] = np.clip(int(last.bias[0]) - (3 << last.shift), -(2**31), 2**31 - 1)
    return bad


def run_one(case, work: Path, simulator: str, inject: bool):
    design = generate_rtl(case.net, work / "rtl", style=case.style, pipeline=case.pipeline)
    ref = perturbed(case.net) if inject else case.net
    return cosimulate(design.files, design.top, ref, case.codes, work / "sim", simulator=simulator,
                      stall_in=case.stall_in, stall_out=case.stall_out, seed=(case.seed or 0) % 997 + 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=200, help="number of seeds (default 200)")
    ap.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--styles", default=",".join(STYLES), help="comma-separated RTL styles per seed")
    ap.add_argument("--max-layers", type=int, default=3, help="layers per network (default 3)")
    ap.add_argument("--max-channels", type=int, default=4, help="output channels per layer (default 4)")
    ap.add_argument("--max-size", type=int, default=10, help="largest input height/width (default 10)")
    ap.add_argument("--simulator", default="iverilog", choices=("iverilog", "verilator"))
    ap.add_argument("--allow-known-bugs", action="store_true",
                    help="report known generator bugs but do not fail on them")
    ap.add_argument("--inject-fault", action="store_true",
                    help="compare against a perturbed model (every case should then mismatch)")
    ap.add_argument("-v", "--verbose", action="store_true", help="describe every failing case")
    args = ap.parse_args(argv)
    styles = [s.strip() for s in args.styles.split(",") if s.strip()]
    if args.count < 1 or not styles or any(s not in STYLES for s in styles):
        ap.error(f"--count must be >= 1 and --styles a list of {', '.join(STYLES)}")
    if args.max_layers < 1 or args.max_channels < 1 or args.max_size < 4:
        ap.error("--max-layers and --max-channels must be >= 1, --max-size >= 4")
    shape = dict(max_layers=args.max_layers, max_channels=args.max_channels, size=(4, args.max_size))

    t0 = time.perf_counter()
    cases = mismatches = errors = values = 0
    failed: dict[str, list[str]] = {"mismatch": [], "error": [], "known": []}
    known: Counter = Counter()
    bar = tqdm(total=args.count * len(styles), unit="case", desc="soak", mininterval=1.0)
    with tempfile.TemporaryDirectory(prefix="fixyasic-soak-") as tmp:
        for seed in range(args.start, args.start + args.count):
            base = case_from_seed(seed, **shape)
            for style in styles:
                case = replace(base, style=style)
                tag = f"{seed}/{style}"
                cases += 1
                try:
                    res = run_one(case, Path(tmp) / f"s{seed}_{style}", args.simulator, args.inject_fault)
                except (FixyasicError, OSError) as exc:
                    bug = known_bug(exc)
                    if bug:
                        known[bug] += 1
                        failed["known"].append(tag)
                    else:
                        errors += 1
                        failed["error"].append(tag)
                    if args.verbose or not bug:
                        tqdm.write(f"ERROR {tag}: {case.describe()}\n  {str(exc)[:400]}")
                else:
                    values += res.values
                    if res.mismatches:
                        mismatches += 1
                        failed["mismatch"].append(tag)
                        if args.verbose or not args.inject_fault:
                            tqdm.write(f"MISMATCH {tag}: {case.describe()}\n  " + "\n  ".join(res.examples[:3]))
                bar.update(1)
                bar.set_postfix(mismatch=mismatches, error=errors, known=sum(known.values()))
    bar.close()
    dt = time.perf_counter() - t0
    print(f"cases: {cases} ({args.count} seeds {args.start}..{args.start + args.count - 1} x "
          f"{'/'.join(styles)}), simulator {args.simulator}, <= {args.max_layers} layers, "
          f"<= {args.max_channels} channels, <= {args.max_size}x{args.max_size} pixels"
          + (", FAULT INJECTED into the reference" if args.inject_fault else ""))
    print(f"values compared: {values}")
    print(f"mismatches: {mismatches}")
    print(f"errors: {errors}")
    print(f"known generator bugs: {sum(known.values())}")
    for name, n in known.items():
        print(f"  {n:4d} x {name}")
    for kind in ("mismatch", "error", "known"):
        if failed[kind]:
            print(f"{kind} seeds/styles: {' '.join(failed[kind])}")
    print(f"runtime: {dt:.1f} s ({dt / cases:.2f} s/case)")
    bad = mismatches + errors + (0 if args.allow_known_bugs else sum(known.values()))
    print("RESULT: " + ("PASS" if bad == 0 else f"FAIL ({bad} failing cases)"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
