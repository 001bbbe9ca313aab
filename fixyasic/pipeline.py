"""The whole chain on one run directory: train -> export -> RTL -> baseline -> P&R -> power -> report.

Each stage reads the previous stage's plain output and records a StageStatus; any failed check
(co-simulation mismatch, unrouted net, missed timing, thin activity coverage, iso-area miss)
marks the run invalid, and an invalid run never gets TOPS/W figures. Re-running on the same
directory reuses the training checkpoints (the trainer resumes).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .errors import FixyasicError, FlowError, InputError
from .qnet import FixedNetwork
from .report.efficiency import OPS_DEFINITION, DesignMetrics
from .report.rundir import build_report, save_design, write_metrics
from .runstatus import RunStatus

FFE_TOP = "fixyasic_top"


@dataclass
class ChainConfig:
    """Everything `fixyasic run` needs; the 'lite' values keep CI within minutes."""

    preset: str = "lite"
    k: int | None = None
    source_limit: int | None = 10000
    targets: list[str] = field(default_factory=lambda: ["mnist", "sklearn_digits"])
    target_limit: int | None = 3000
    test_limit: int | None = 1000
    float_epochs: int | None = 4
    qat_epochs: int | None = 1
    target_epochs: int | None = 4
    clock_ns: float = 20.0
    style: str = "shiftadd"
    cosim_images: int = 10
    power_images: int = 2
    placer: str = "coloquinte"
    # both designs: cells spread evenly over a core at this row utilization; the baseline's
    # register files and read-mux trees leave hundreds of nets failed at 0.5 packed (docs/flow.md)
    utilization: float | None = 0.35
    spread_density: float | None = 0.9
    # hold: the designs' inputs come from registers of the same clock domain (the host, the
    # upstream layer), launched >= insertion delay (~0.65 ns on the lite trees) + clock-to-Q
    # after the edge. At 0 ns the lite run got -0.15/-0.20 ns routed hold on input-fed registers
    # and 2199 hold buffers in the baseline's register files; the margin covers routed clock wire
    input_min_delay_ns: float = 1.0
    hold_margin_ns: float = 0.1
    # windowed routing order, and the placed wirelength / track supply above which a design is
    # floorplanned again at a lower utilization (PnrOptions.max_wire_demand; docs/flow.md)
    route_order: str = "top-down"
    max_wire_demand: float | None = None
    # PnrOptions fields for one design over the shared ones above, e.g. {"ffe": {"utilization": 0.12}}
    pnr_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    area_tolerance: float = 0.10
    seed: int = 0
    pnr_jobs: int = 2               # designs placed and routed at the same time

    @classmethod
    def lite(cls) -> "ChainConfig":
        return cls()

    @classmethod
    def full(cls) -> "ChainConfig":
        """The default configuration: default preset, all targets, full data, more images."""
        return cls(preset="default", source_limit=None, targets=[], target_limit=None, test_limit=None,
                   float_epochs=None, qat_epochs=None, target_epochs=None, cosim_images=100, power_images=4,
                   # measured at full size: the baseline routes bottom-up (register-file nets
                   # first) at wire demand 0.117; the extractor, at 0.201, left hundreds failed
                   route_order="bottom-up", max_wire_demand=0.15,
                   # the extractor's long many-pin nets (each activation bit feeds every output
                   # channel) route on a sparser die, spread once more by its wiring-density map,
                   # with nets of many loads split into local buffered groups (docs/flow.md, run G)
                   pnr_overrides={"ffe": {"utilization": 0.1173, "congestion_rounds": 1,
                                          "max_net_span_um": 300.0}})


def _log(msg: str) -> None:
    print(f"[fixyasic run] {msg}", flush=True)


class Chain:
    """One run of the chain; stages are methods so each can be re-run and tested alone."""

    def __init__(self, run_dir: str | Path, cfg: ChainConfig | None = None):
        self.dir = Path(run_dir)
        self.cfg = cfg or ChainConfig()
        self.status = RunStatus()
        self.metrics: dict[str, Any] = {"config": {k: v for k, v in asdict(self.cfg).items()
                                                   if isinstance(v, (int, float, str))}}
        self.seconds: dict[str, float] = {}
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            probe = self.dir / ".write_test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise InputError(f"run directory {self.dir} is not writable: {exc.strerror or exc}") from None

    # ------------------------------------------------------------------ helpers
    def _stage(self, name: str, fn: Callable[[], Any]) -> Any:
        _log(f"{name} ...")
        t0 = time.time()
        try:
            return fn()
        except FixyasicError as exc:
            self.status.record(name, False, [str(exc)])
            self._save()
            raise
        finally:
            self.seconds[name] = round(time.time() - t0, 1)
            _log(f"{name} done in {self.seconds[name]:.0f} s")

    def _save(self) -> None:
        self.metrics["seconds"] = self.seconds
        write_metrics(self.dir, self.metrics)
        self.status.save(self.dir)

    def _images(self, n: int, offset: int = 0) -> np.ndarray:
        from .datasets import load_dataset

        images, _ = load_dataset("fashion_mnist", split="test", limit=offset + n)
        return images[offset:offset + n]

    # ------------------------------------------------------------------- stages
    def train(self) -> FixedNetwork:
        """Pretrain on Fashion-MNIST, accuracy table fixed-K vs full on the targets, export."""
        from .train import results
        from .train.export import export_checkpoint
        from .train.trainer import Run, TrainConfig

        c = self.cfg
        over = {"preset": c.preset, "ks": [c.k] if c.k else [], "source_limit": c.source_limit,
                "target_limit": c.target_limit, "test_limit": c.test_limit, "float_epochs": c.float_epochs,
                "qat_epochs": c.qat_epochs, "target_epochs": c.target_epochs, "seed": c.seed}
        if c.targets:
            over["targets"] = list(c.targets)
        run = Run(self.dir / "train", TrainConfig(**{k: v for k, v in over.items() if v is not None}))
        run.pretrain()
        if run.cfg.targets:
            df = results.table(run)
            results.write(df, self.dir)
            self.metrics["accuracy"] = {f"{r.dataset}.k{r.k}": {"acc_fixed": r.acc_fixed, "acc_full": r.acc_full,
                                                                 "diff": r.diff} for r in df.itertuples()}
        net = export_checkpoint(run.pretrain_path, c.k, self.dir / "ffe.npz")
        self._record_network(net)
        self.status.record("train", True, k=len(net.layers))
        return net

    def _record_network(self, net: FixedNetwork, **extra: Any) -> None:
        self.metrics["network"] = {"layers": len(net.layers), "nonzero_weights": net.nonzero_weights(),
                                   "macs_per_inference": net.macs_per_inference(), "digest": net.digest()[:16],
                                   **extra}

    def load_weights(self, path: Path) -> FixedNetwork:
        """An already exported extractor instead of training (no accuracy table in this run)."""
        net = FixedNetwork.load(path)
        net.save(self.dir / "ffe.npz")
        self._record_network(net, weights_file=str(path))
        self.status.record("train", True, k=len(net.layers), source=f"given weights {path}")
        return net

    def rtl(self, net: FixedNetwork):
        """Fixed-weight RTL, co-simulated on real images against the integer model."""
        from .rtl import generate_rtl
        from .rtl.cosim import cosimulate

        design = generate_rtl(net, self.dir / "rtl", style=self.cfg.style, top=FFE_TOP)
        codes = net.quantize_input(self._images(self.cfg.cosim_images))
        res = cosimulate(design.files, design.top, net, codes, self.dir / "rtl_cosim")
        self.metrics["ffe_rtl"] = {"mismatches": res.mismatches, "images": res.images,
                                   "cycles_per_image": res.cycles_per_image,
                                   "adders": design.manifest.get("total_adders", None)}
        reasons = [f"{res.mismatches} of {res.values} output values differ from the integer model "
                   f"({'; '.join(res.examples[:2])})"] if res.mismatches else []
        self.status.record("ffe_cosim", not reasons, reasons, images=res.images)
        return design, res

    def synth_ffe(self, design):
        from .synth import synthesize

        # with the P&R dont-use list: this netlist goes on to fixyasic's own place and route
        res = synthesize(design.files, design.top, clock_ns=self.cfg.clock_ns, out_dir=self.dir / "synth_ffe",
                         pnr_ready=True)
        self.metrics["ffe_synth"] = {"cellarea_um2": res.cellarea, "cells": res.cells}
        self.status.record("ffe_synth", True)
        return res

    def ffe_gate_cosim(self, net: FixedNetwork, synth) -> None:
        from .rtl.cosim import gate_level_cosim

        n = max(2, min(self.cfg.cosim_images, 4))
        codes = net.quantize_input(self._images(n))
        res = gate_level_cosim(synth.netlist, synth.top, net, codes, self.dir / "ffe_gate_cosim")
        self.metrics["ffe_gate"] = {"mismatches": res.mismatches, "images": res.images}
        reasons = [f"gate-level netlist: {res.mismatches} mismatching values"] if res.mismatches else []
        self.status.record("ffe_gate_cosim", not reasons, reasons)

    def baseline(self, net: FixedNetwork, target_area: float):
        """Iso-area programmable accelerator: sized by synthesis, co-simulated on real images."""
        from .baseline import compile_network
        from .baseline.cosim import cosimulate
        from .baseline.rtl import write_rtl
        from .baseline.sizing import size_to_area

        size = size_to_area(net, target_area, self.dir / "baseline_sizing", clock_ns=self.cfg.clock_ns,
                            tol=self.cfg.area_tolerance, progress=True, pnr_ready=True)
        prog = compile_network(net, size.config)
        files = write_rtl(size.config, self.dir / "baseline_rtl")
        codes = net.quantize_input(self._images(self.cfg.cosim_images))
        res = cosimulate(prog, codes, self.dir / "baseline_cosim")
        want = net.forward(codes)
        bad = int(np.count_nonzero(res.outputs != want))
        cyc_ok = all(c == prog.cycles() for c in res.cycles)
        # not "baseline": that key holds the comparison row of the design (report stage)
        self.metrics["baseline_build"] = {"rows": size.config.rows, "cols": size.config.cols,
                                          "pes": size.config.rows * size.config.cols,
                                          "cellarea_um2": size.synth_area, "target_um2": target_area,
                                          "area_ratio": size.ratio, "cycles_per_inference": prog.cycles(),
                                          "mismatches": bad, "images": len(codes)}
        reasons = []
        if bad:
            reasons.append(f"{bad} output values differ from the integer model")
        if not cyc_ok:
            reasons.append(f"simulated cycles {sorted(set(res.cycles))} != cycle model {prog.cycles()}")
        self.status.record("baseline_cosim", not reasons, reasons)
        ratio_ok = abs(size.ratio - 1) <= self.cfg.area_tolerance
        self.status.record("iso_area", ratio_ok, [] if ratio_ok else
                           [f"baseline area ratio {size.ratio:.3f} outside 1 +- {self.cfg.area_tolerance}"])
        return size, prog, files

    def _pnr_options(self, design: str | None = None):
        """The P&R options of one design ("ffe", "baseline"): the shared ones, then its overrides."""
        from dataclasses import fields, replace

        from .pnr.steps import PnrOptions

        opt = PnrOptions(clock_ns=self.cfg.clock_ns, placer=self.cfg.placer,
                         utilization=self.cfg.utilization, spread_density=self.cfg.spread_density,
                         hold_margin_ns=self.cfg.hold_margin_ns, input_min_delay_ns=self.cfg.input_min_delay_ns,
                         route_order=self.cfg.route_order, max_wire_demand=self.cfg.max_wire_demand,
                         reset_port="rst")
        known = {f.name for f in fields(PnrOptions)}
        for name, over in self.cfg.pnr_overrides.items():
            if name not in ("ffe", "baseline"):
                raise InputError(f"pnr_overrides: unknown design '{name}' (designs: ffe, baseline)")
            bad = sorted(set(over) - known)
            if bad:
                raise InputError(f"pnr_overrides['{name}']: {', '.join(bad)} not a P&R option "
                                 f"(see fixyasic.pnr.steps.PnrOptions)")
        return replace(opt, **self.cfg.pnr_overrides.get(design, {})) if design else opt

    def implement(self, name: str, netlist: Path, top: str, stimulus) -> Any:
        """Place, route, extract, time and power one design; its status joins the run's."""
        from .pnr.steps import run_pnr

        res = run_pnr(Path(netlist), top, self.dir / f"pnr_{name}", self._pnr_options(name), stimulus=stimulus)
        return self._absorb_pnr(name, res, top)

    def implement_all(self, jobs: dict[str, tuple[Path, str, Any]]) -> dict[str, Any]:
        """implement() for several designs at once, one process each (cfg.pnr_jobs at a time):
        routing is single-threaded, so two designs on two cores take the time of the longer one."""
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        from .pnr.steps import run_pnr

        workers = max(1, min(self.cfg.pnr_jobs, len(jobs)))
        if workers == 1:
            return {n: self.implement(n, nl, top, stim) for n, (nl, top, stim) in jobs.items()}
        results: dict[str, Any] = {}
        errors: list[str] = []
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            futs = {n: pool.submit(run_pnr, Path(nl), top, self.dir / f"pnr_{n}", self._pnr_options(n),
                                   stim, False)
                    for n, (nl, top, stim) in jobs.items()}
            for n, fut in futs.items():
                try:
                    res = fut.result()
                except FixyasicError as exc:
                    self.status.record(f"pnr_{n}", False, [str(exc)])
                    errors.append(f"{n}: {exc}")
                    continue
                results[n] = self._absorb_pnr(n, res, jobs[n][1])
                _log(f"pnr {n}: {'valid' if res.valid else 'INVALID'} "
                     f"({', '.join(f'{k} {v:.0f} s' for k, v in res.seconds.items())})")
        if errors:
            self._save()
            raise FlowError("place and route failed: " + "; ".join(errors))
        return results

    def _absorb_pnr(self, name: str, res, top: str) -> Any:
        for stage, st in res.status.stages.items():
            self.status.record(f"{name}_{stage}", st.valid, st.reasons, **st.info)
        self.metrics[f"{name}_pnr"] = {k: v for k, v in res.metrics.items() if isinstance(v, (int, float))}
        png = res.files.get("png") or (Path(res.run_dir) / f"{top}.png")
        if Path(png).is_file():
            (self.dir / "layouts").mkdir(exist_ok=True)
            (self.dir / "layouts" / f"{name}.png").write_bytes(Path(png).read_bytes())
        return res

    def ffe_stimulus(self, net: FixedNetwork):
        from .power.stimulus import Stimulus
        from .rtl.cosim import pack_pixels

        codes = net.quantize_input(self._images(self.cfg.power_images, offset=100))
        n, c, h, w = codes.shape
        data = np.array([int(word, 16) for word in pack_pixels(codes)], dtype=np.int64)
        flush = h * w  # keep ready high while the last outputs drain
        data = np.concatenate([data, np.zeros(flush, dtype=np.int64)])
        valid = np.concatenate([np.ones(n * h * w, dtype=np.int64), np.zeros(flush, dtype=np.int64)])
        return Stimulus(vectors={"in_data": data, "in_valid": valid, "out_ready": np.ones_like(valid)},
                        reset_port="rst", source=f"fashion_mnist test[100:{100 + n}] streamed")

    def baseline_stimulus(self, net: FixedNetwork, prog, work: Path):
        """The baseline's own program-driven testbench, dumping the design once weights are loaded."""
        import re

        from .baseline.cosim import write_bench
        from .power.stimulus import Stimulus

        work = Path(work).resolve()
        work.mkdir(parents=True, exist_ok=True)
        codes = net.quantize_input(self._images(self.cfg.power_images, offset=100))
        tb = write_bench(prog, codes, work)[-1]
        text = tb.read_text()
        text = re.sub(r"\bmodule fxb_tb;", "module tb;", text)
        text = re.sub(r'\$readmemh\("(\w+\.hex)"', lambda m: f'$readmemh("{work / m.group(1)}"', text)
        text = text.replace('$fopen("out.txt"', f'$fopen("{work / "out.txt"}"')
        # start the trace after the one-time weight preload: steady-state inference only
        hook = "        pc_inf = pc;\n"
        if hook not in text or "module tb;" not in text:
            raise FlowError("baseline testbench layout changed; cannot add the activity dump")
        text = text.replace(hook, hook + "        begin : fx_vcd\n            reg [8*1024-1:0] vcdf;\n"
                            "            if ($value$plusargs(\"vcd=%s\", vcdf)) begin $dumpfile(vcdf); "
                            "$dumpvars(1, tb.dut); end\n        end\n", 1)
        out = work / "tb_activity.v"
        out.write_text(text)
        return Stimulus(testbench=out, reset_port="rst", source=f"fashion_mnist test[100:{100 + len(codes)}] "
                        "through the baseline program", extra={"cycles": prog.cycles() * len(codes)})

    def design_metrics(self, name: str, pnr, cycles: float, ops: int, synth_area: float) -> DesignMetrics:
        m = pnr.metrics
        return DesignMetrics(
            name=name, area_um2=float(m.get("totalarea") or m.get("corearea") or synth_area),
            cellarea_um2=float(m.get("cellarea") or synth_area), clock_mhz=1000.0 / self.cfg.clock_ns,
            fmax_mhz=float(m.get("fmax_mhz") or 0.0), power_mw=float(m.get("averagepower") or 0.0) * 1e3,
            power_vectorless_mw=(float(m["vectorless_power"]) * 1e3 if m.get("vectorless_power") else None),
            leakage_mw=(float(m["leakagepower"]) * 1e3 if m.get("leakagepower") else None),
            cycles_per_inference=float(cycles), ops_per_inference=int(ops),
            valid=pnr.status.valid, reasons=list(pnr.status.reasons) if not pnr.status.valid else [])

    # --------------------------------------------------------------------- all
    def run(self, weights: str | Path | None = None) -> RunStatus:
        """The whole chain; with `weights` (a fixed-layer file) training is skipped."""
        t0 = time.time()
        try:
            if weights is not None:
                net = self._stage("train", lambda: self.load_weights(Path(weights)))
            else:
                net = self._stage("train", self.train)
            design, cos = self._stage("rtl", lambda: self.rtl(net))
            synth = self._stage("ffe_synth", lambda: self.synth_ffe(design))
            self._stage("ffe_gate_cosim", lambda: self.ffe_gate_cosim(net, synth))
            size, prog, _ = self._stage("baseline", lambda: self.baseline(net, synth.cellarea))
            self._save()
            bsyn = size.synth
            jobs = {"ffe": (synth.netlist, synth.top, self.ffe_stimulus(net)),
                    "baseline": (bsyn.netlist, bsyn.top,
                                 self.baseline_stimulus(net, prog, self.dir / "baseline_activity"))}
            impl = self._stage("pnr", lambda: self.implement_all(jobs))
            ffe, base = impl["ffe"], impl["baseline"]
            ops = 2 * net.macs_per_inference()
            h, w = net.input_shape[1:]
            # streaming: one input pixel per clock; measured cycles/image include frame gaps
            ffe_cycles = max(cos.cycles_per_image, h * w)
            designs = [self.design_metrics("ffe", ffe, ffe_cycles, ops, synth.cellarea),
                       self.design_metrics("baseline", base, prog.cycles(), ops, size.synth_area)]
            for d in designs:
                save_design(self.dir, d)
                self.metrics[d.name] = d.row() if d.valid else {"valid": False}
            self.metrics["ops_definition"] = OPS_DEFINITION
            self._save()
            if self.status.valid:
                files = self._stage("report", lambda: build_report(self.dir))
                cmp = pd.read_csv(files["comparison_csv"], index_col=0)
                self.metrics["comparison"] = {"tops_per_w_ratio": float(cmp.loc["ffe/baseline", "tops_per_w"]),
                                              "ffe_tops_per_w_16nm_est": float(cmp.loc["ffe", "tops_per_w_16nm_est"])}
                self.status.record("report", True)
            else:
                _log("run INVALID: " + "; ".join(self.status.reasons))
        finally:
            self.seconds["total"] = round(time.time() - t0, 1)
            self._save()
        return self.status
