"""SiliconCompiler 0.38 tasks around the P&R steps (tool 'fixyasic'), so synthesis and P&R run
as one SC flow. Each task reads the previous node's files from inputs/, calls the matching
fixyasic.pnr.steps function in its own node directory, writes outputs/ and records metrics in
SC's schema (cellarea, totalarea, utilization, wirelength, drvs, setupwns, fmax, averagepower,
leakagepower, ...). qrouter / OpenSTA / iverilog tasks check their executable in setup()."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Callable

from siliconcompiler import Task

from ..errors import ToolError
from ..toolcheck import require
from . import steps

_FILES = ("vg", "fp.json", "placed.def", "router.def", "placement.json", "def", "spef", "gds")


# tested versions: qrouter 1.4 (Tcl build), OpenSTA 2.0 (2019), Icarus 11/12
_VERSION_ARGS = {"qrouter": (["-nog", "-noc", "-h"], r"version\s+(\d+)\.(\d+)", (1, 4)),
                 "sta": (["-version"], r"(\d+)\.(\d+)", (2, 0)),
                 "iverilog": (["-V"], r"version\s+(\d+)\.(\d+)", (10, 3))}


def check_version(exe: str) -> str:
    """The tool's version; RuntimeError if older than the one these tasks were built against."""
    import re
    import subprocess
    if exe not in _VERSION_ARGS:
        return ""
    args, pattern, minimum = _VERSION_ARGS[exe]
    proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)
    m = re.search(pattern, proc.stdout + proc.stderr)
    if m is None:
        raise RuntimeError(f"cannot tell the version of {exe}")
    ver = tuple(int(g) for g in m.groups())
    if ver < minimum:
        raise RuntimeError(f"{exe} {'.'.join(map(str, ver))} is older than "
                           f"{'.'.join(map(str, minimum))}")
    return ".".join(map(str, ver))


class _PnrTask(Task):
    STEP = ""
    NEEDS: tuple[str, ...] = ()     # executables checked at setup
    PRODUCES: tuple[str, ...] = ()  # extensions added to outputs/
    CONSUMES: tuple[str, ...] = ()  # extensions taken from the previous node

    def __init__(self):
        super().__init__()
        self.add_parameter("clock_ns", "float", "clock period in ns", defvalue=10.0)
        self.add_parameter("utilization", "float", "target core utilization (0..1)", defvalue=0.5)
        self.add_parameter("placer", "<coloquinte,graywolf>", "placement engine", defvalue="coloquinte")
        self.add_parameter("stimulus", "file", "npz of per-cycle input port values (power)")
        self.add_parameter("clock_port", "str", "clock input name (default clk/clock)")
        self.add_parameter("input_min_delay_ns", "float",
                           "hold checks: inputs change no earlier than this after the clock edge", defvalue=0.0)

    def tool(self):
        return "fixyasic"

    def task(self):
        return self.STEP

    def setup(self):
        super().setup()
        for exe in self.NEEDS:
            try:
                require(exe)
            except ToolError as exc:
                raise RuntimeError(str(exc)) from None
            check_version(exe)
        top = self.design_topmodule
        for ext in self.CONSUMES:
            self.add_input_file(file=f"{top}.{ext}")
        for ext in self.PRODUCES:
            self.add_output_file(file=f"{top}.{ext}")

    def _opts(self) -> steps.PnrOptions:
        return steps.PnrOptions(clock_ns=float(self.get("var", "clock_ns")),
                                utilization=float(self.get("var", "utilization")),
                                placer=self.get("var", "placer"),
                                clock_port=self.get("var", "clock_port") or None,
                                input_min_delay_ns=float(self.get("var", "input_min_delay_ns")))

    def _stage_inputs(self) -> Path:
        """Copy the inputs of this node into a work area named like a run directory."""
        top = self.design_topmodule
        work = Path("work")
        work.mkdir(exist_ok=True)
        for ext in _FILES:
            src = Path("inputs") / f"{top}.{ext}"
            if src.exists():
                shutil.copyfile(src, work / f"{top}.{ext}")
        return work

    def _publish(self, work: Path, metrics: dict) -> None:
        top = self.design_topmodule
        Path("outputs").mkdir(exist_ok=True)
        for ext in self.PRODUCES:
            src = work / f"{top}.{ext}"
            if src.exists():
                shutil.copyfile(src, Path("outputs") / f"{top}.{ext}")
        Path("reports").mkdir(exist_ok=True)
        (Path("reports") / f"{self.STEP}.json").write_text(json.dumps(metrics, indent=1, default=str))
        for key, val in self._sc_metrics(metrics).items():
            if val is not None:
                self.record_metric(key, val, source_file=f"reports/{self.STEP}.json", quiet=True)

    @staticmethod
    def _sc_metrics(m: dict) -> dict:
        return {"cellarea": m.get("cellarea"), "totalarea": m.get("totalarea"),
                "utilization": m.get("utilization"), "wirelength": m.get("wirelength"),
                "drvs": m.get("drvs"), "setupwns": m.get("setupwns"), "setuptns": m.get("setuptns"),
                "holdwns": m.get("holdwns"), "fmax": m.get("fmax"),
                "averagepower": m.get("averagepower"), "leakagepower": m.get("leakagepower"),
                "peakpower": m.get("averagepower"), "cells": m.get("cells")}


class FloorplanTask(_PnrTask):
    STEP = "floorplan"
    CONSUMES = ("vg",)
    PRODUCES = ("vg", "fp.json")

    def run(self):
        top = self.design_topmodule
        work = Path("work")
        work.mkdir(exist_ok=True)
        src = Path("inputs") / f"{top}.vg"
        m = steps.step_floorplan(src, top, work, self._opts())
        self._publish(work, m)
        return 0


class PlaceTask(_PnrTask):
    STEP = "place"
    CONSUMES = ("vg", "fp.json")
    PRODUCES = ("vg", "fp.json", "placed.def", "router.def", "placement.json")

    def __init__(self):
        super().__init__()
        self.add_parameter("spread_density", "float",
                           "spread the cells over the rows: global placement at this density (0 = off)",
                           defvalue=0.0)
        self.add_parameter("max_wire_demand", "float",
                           "wirelength / track supply above which the die is floorplanned again at a "
                           "lower utilization and placed again (0 = off)", defvalue=0.0)
        self.add_parameter("congestion_rounds", "int",
                           "global placements again with cell widths scaled by wiring density",
                           defvalue=0)

    def _opts(self) -> steps.PnrOptions:
        opt = super()._opts()
        opt.spread_density = float(self.get("var", "spread_density")) or None
        opt.max_wire_demand = float(self.get("var", "max_wire_demand")) or None
        opt.congestion_rounds = int(self.get("var", "congestion_rounds"))
        return opt

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_place(self.design_topmodule, work, self._opts()))
        return 0


class CtsTask(_PnrTask):
    """Clock tree and high-fanout buffer trees (fixyasic.pnr.buffertree); no external tool."""
    STEP = "cts"
    CONSUMES = ("vg", "fp.json", "placed.def", "router.def", "placement.json")
    PRODUCES = ("vg", "fp.json", "placed.def", "router.def", "placement.json")

    def __init__(self):
        super().__init__()
        self.add_parameter("max_net_span_um", "float",
                           "data nets of many loads spread wider than this (um, bounding-box "
                           "half-perimeter) get buffer trees of groups within it (0 = off)",
                           defvalue=0.0)

    def _opts(self) -> steps.PnrOptions:
        opt = super()._opts()
        opt.max_net_span_um = float(self.get("var", "max_net_span_um")) or None
        return opt

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_cts(self.design_topmodule, work, self._opts()))
        return 0


class ResizeTask(_PnrTask):
    """Gate sizing: drivers over their slew/capacitance limits become stronger variants of
    their cell (fixyasic.pnr.resize), OpenSTA on estimated parasitics."""
    STEP = "resize"
    CONSUMES = ("vg", "fp.json", "placed.def", "router.def", "placement.json")
    NEEDS = ("sta",)
    PRODUCES = ("vg", "fp.json", "placed.def", "router.def", "placement.json")

    def __init__(self):
        super().__init__()
        self.add_parameter("resize", "bool", "upsize drivers over their slew/capacitance limits",
                           defvalue=True)

    def _opts(self) -> steps.PnrOptions:
        opt = super()._opts()
        opt.resize = bool(self.get("var", "resize"))
        return opt

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_resize(self.design_topmodule, work, self._opts()))
        return 0


class HoldFixTask(_PnrTask):
    """Hold repair: delay buffers in front of register pins with negative hold slack
    (fixyasic.pnr.holdfix), OpenSTA on estimated parasitics."""
    STEP = "holdfix"
    CONSUMES = ("vg", "fp.json", "placed.def", "router.def", "placement.json")
    NEEDS = ("sta",)
    PRODUCES = ("vg", "fp.json", "placed.def", "router.def", "placement.json")

    def __init__(self):
        super().__init__()
        self.add_parameter("hold_fix", "bool", "insert hold buffers", defvalue=True)
        self.add_parameter("hold_margin_ns", "float", "hold slack to reach, ns", defvalue=0.05)

    def _opts(self) -> steps.PnrOptions:
        opt = super()._opts()
        opt.hold_fix = bool(self.get("var", "hold_fix"))
        opt.hold_margin_ns = float(self.get("var", "hold_margin_ns"))
        return opt

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_holdfix(self.design_topmodule, work, self._opts()))
        return 0


class RouteTask(_PnrTask):
    STEP = "route"
    CONSUMES = ("vg", "fp.json", "placed.def", "router.def")
    NEEDS = ("qrouter",)
    PRODUCES = ("vg", "fp.json", "placed.def", "def")

    def __init__(self):
        super().__init__()
        d = steps.PnrOptions()
        self.add_parameter("partition", "str", "windowed routing: auto, 0 (one whole-die run) or N (N x N tiles)",
                           defvalue=str(d.route_partition))
        self.add_parameter("order", "<top-down,bottom-up>", "windowed routing order", defvalue=d.route_order)
        self.add_parameter("max_repair", "int", "failed nets above which the whole-die repair is skipped "
                           "(the run is invalid); negative = no limit", defvalue=d.route_max_repair)
        self.add_parameter("local_repair", "bool", "windowed repairs (per window, then regions)",
                           defvalue=d.route_local_repair)
        self.add_parameter("window_repair", "bool", "the per-window repair pass", defvalue=d.route_window_repair)

    def _opts(self) -> steps.PnrOptions:
        opt = super()._opts()
        opt.route_partition = self.get("var", "partition")  # route_partition.resolve_partition reads it
        opt.route_order = self.get("var", "order")
        mr = int(self.get("var", "max_repair"))
        opt.route_max_repair = None if mr < 0 else mr
        opt.route_local_repair = bool(self.get("var", "local_repair"))
        opt.route_window_repair = bool(self.get("var", "window_repair"))
        return opt

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_route(self.design_topmodule, work, self._opts(),
                                             _every(60.0, self.logger.info)))
        return 0


def _every(seconds: float, log: Callable[[str], None]) -> Callable[[str], None]:
    """`log` for the first line of each stage and at most one line per `seconds` within it: a
    windowed route makes hundreds of qrouter runs."""
    last = {"t": 0.0, "stage": None}

    def tell(msg: str) -> None:
        stage = msg.split(" ")[0]
        now = time.monotonic()
        if stage != last["stage"] or now - last["t"] >= seconds:
            last["t"], last["stage"] = now, stage
            log(f"route: {msg}")
    return tell


class ParasiticsTask(_PnrTask):
    STEP = "parasitics"
    CONSUMES = ("vg", "fp.json", "placed.def", "def")
    PRODUCES = ("vg", "fp.json", "placed.def", "def", "spef")

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_parasitics(self.design_topmodule, work, self._opts()))
        return 0


class TimingTask(_PnrTask):
    STEP = "timing"
    CONSUMES = ("vg", "fp.json", "placed.def", "def", "spef")
    NEEDS = ("sta",)
    PRODUCES = ("vg", "fp.json", "placed.def", "def", "spef")

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_timing(self.design_topmodule, work, self._opts()))
        return 0


class PowerTask(_PnrTask):
    STEP = "power"
    CONSUMES = ("vg", "fp.json", "placed.def", "def", "spef")
    NEEDS = ("sta", "iverilog", "vvp")
    PRODUCES = ("vg", "fp.json", "placed.def", "def", "spef")

    def run(self):
        from ..power.stimulus import load_stimulus
        work = self._stage_inputs()
        stim_file = self.get("var", "stimulus")
        stim = load_stimulus(Path(self.find_files("var", "stimulus"))) if stim_file else None
        self._publish(work, steps.step_power(self.design_topmodule, work, self._opts(), stim))
        return 0


class GdsTask(_PnrTask):
    STEP = "gds"
    CONSUMES = ("vg", "fp.json", "placed.def", "def", "spef")
    PRODUCES = ("vg", "fp.json", "placed.def", "def", "spef", "gds", "png")

    def run(self):
        work = self._stage_inputs()
        self._publish(work, steps.step_gds(self.design_topmodule, work, self._opts()))
        return 0


class DrcTask(_PnrTask):
    """Design-rule check of the GDS with magic (fixyasic.pnr.drc); metrics only, an optional
    last node (PnrOptions.drc)."""
    STEP = "drc"
    CONSUMES = ("gds",)
    NEEDS = ("magic",)
    PRODUCES = ("drc.txt",)

    def run(self):
        work = self._stage_inputs()
        m = steps.step_drc(self.design_topmodule, work, self._opts())
        shutil.copyfile(m["drc_report"], work / f"{self.design_topmodule}.drc.txt")
        self._publish(work, m)
        return 0


PNR_TASKS = [("floorplan", FloorplanTask), ("place", PlaceTask), ("cts", CtsTask),
             ("resize", ResizeTask), ("holdfix", HoldFixTask), ("route", RouteTask), ("parasitics", ParasiticsTask), ("timing", TimingTask), ("power", PowerTask),
             ("gds", GdsTask)]


def pnr_tasks(drc: bool = False) -> list:
    """The P&R nodes in flow order; with drc, magic's DRC after the GDS."""
    return PNR_TASKS + ([("drc", DrcTask)] if drc else [])
