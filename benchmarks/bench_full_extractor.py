"""The default configuration's extractor alone through `fixyasic run --config full`'s own stages.

    python benchmarks/bench_full_extractor.py --out runs/full_ffe [--weights F.npz]

Without --weights the default preset is pretrained once (Fashion-MNIST only, no transfer
targets, ~4 min, cached by `pretrained_fixed_network`). Then: RTL with a short co-simulation,
pnr-ready synthesis, and P&R with ChainConfig.full()'s extractor options and its power
stimulus (docs/flow.md, "Run G": ~105 min of P&R on 2 cores). The baseline is left out: its P&R
alone takes about 2 h. Prints the status, the main metrics and the seconds per step."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from fixyasic.pipeline import Chain, ChainConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="run directory")
    ap.add_argument("--weights", default=None, help="an exported fixed-layer file (default: pretrain 'default')")
    ap.add_argument("--cosim-images", type=int, default=5, help="RTL co-simulation images (default 5)")
    args = ap.parse_args()

    weights = args.weights
    if weights is None:
        from fixyasic.train import pretrained_fixed_network
        weights = Path(args.out) / "pretrained_ffe.npz"
        weights.parent.mkdir(parents=True, exist_ok=True)
        pretrained_fixed_network("default").save(weights)
    ch = Chain(args.out, replace(ChainConfig.full(), cosim_images=args.cosim_images))
    t0 = time.time()
    net = ch._stage("train", lambda: ch.load_weights(Path(weights)))
    design, _ = ch._stage("rtl", lambda: ch.rtl(net))
    synth = ch._stage("ffe_synth", lambda: ch.synth_ffe(design))
    ch._save()
    print(f"synthesis: {synth.cells} cells, {synth.cellarea:.0f} um^2", flush=True)
    res = ch._stage("pnr", lambda: ch.implement("ffe", synth.netlist, synth.top, ch.ffe_stimulus(net)))
    ch._save()
    m = res.metrics
    keys = ("cells_after_cts", "unrouted_nets", "router_failed_nets", "shorts", "power_shorts", "pin_shorts",
            "setupwns", "holdwns", "fmax_mhz", "averagepower", "vectorless_power", "annotated_fraction")
    print("status:", "VALID" if res.valid else "INVALID " + "; ".join(res.status.reasons))
    print(json.dumps({k: m.get(k) for k in keys}, indent=1))
    print("seconds per step:", json.dumps(res.seconds), f"total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
