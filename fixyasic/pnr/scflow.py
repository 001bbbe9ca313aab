"""Run the whole SiliconCompiler flow (synthesis + fixyasic P&R tasks, or SC's stock OpenROAD
flow) and hand back metrics and run status like run_pnr()."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from ..errors import FlowError, ToolError
from .config import load_config
from .steps import PnrOptions, PnrResult, judge, write_json

JOB = "job0"


def _schema_metrics(run) -> dict:
    """Last recorded value of every SC metric along the flow (stock OpenROAD flow; untested here
    for want of OpenROAD)."""
    out: dict = {}
    flow = run.get("option", "flow")
    from ..synth import collect_metrics
    for step in run.getkeys("flowgraph", flow):
        for index in run.getkeys("flowgraph", flow, step):
            out.update(collect_metrics(run, step, index))
    # the names run status looks for
    if "drvs" in out:
        out.setdefault("unrouted_nets", 0)
        out.setdefault("router_failed_nets", out["drvs"])
    return out


def run_sc_flow(sources: list[Path], top: str, out_dir: Path, opt: PnrOptions | None = None,
                stimulus=None, stock_openroad: bool = False, quiet: bool = True) -> PnrResult:
    from flows import fixyasic_flow
    from .. import sc_project
    from ..power.stimulus import save_stimulus
    from .tasks import pnr_tasks

    opt = opt or PnrOptions()
    tasks = pnr_tasks(opt.drc and not stock_openroad)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    build = out / "sc"
    project = sc_project.make_project(sources, top, clock_ns=opt.clock_ns, build_dir=build,
                                      clock_port=opt.clock_port, jobname=JOB)
    sc_project.add_pnr_dont_use(project)
    if stock_openroad:
        sc_project.set_flow(project, fixyasic_flow.stock_openroad_flow())
    else:
        sc_project.set_flow(project, fixyasic_flow.pnr_flow(drc=opt.drc))
        stim_file = save_stimulus(stimulus, out / "stimulus.npz") if stimulus is not None else None
        for step, cls in tasks:
            for t in (lambda r: r if isinstance(r, set) else {r})(cls.find_task(project)):
                t.set("var", "clock_ns", opt.clock_ns)
                t.set("var", "utilization", opt.utilization or load_config()["default_utilization"])
                t.set("var", "placer", opt.placer)
                t.set("var", "input_min_delay_ns", opt.input_min_delay_ns)
                if opt.clock_port:
                    t.set("var", "clock_port", opt.clock_port)
                if stim_file is not None:
                    t.set("var", "stimulus", str(stim_file))
                if step == "place" and opt.spread_density:
                    t.set("var", "spread_density", opt.spread_density)
                if step == "place" and opt.max_wire_demand:
                    t.set("var", "max_wire_demand", opt.max_wire_demand)
                if step == "place" and opt.congestion_rounds:
                    t.set("var", "congestion_rounds", opt.congestion_rounds)
                if step == "cts" and opt.max_net_span_um:
                    t.set("var", "max_net_span_um", opt.max_net_span_um)
                if step == "resize":
                    t.set("var", "resize", opt.resize)
                if step == "holdfix":
                    t.set("var", "hold_fix", opt.hold_fix)
                    t.set("var", "hold_margin_ns", opt.hold_margin_ns)
                if step == "route":
                    t.set("var", "partition", "0" if opt.route_partition is None else str(opt.route_partition))
                    t.set("var", "order", opt.route_order)
                    t.set("var", "max_repair", -1 if opt.route_max_repair is None else opt.route_max_repair)
                    t.set("var", "local_repair", opt.route_local_repair)
                    t.set("var", "window_repair", opt.route_window_repair)
    project.option.set_quiet(quiet)
    t0 = time.time()
    try:
        run = project.run()
    except Exception as exc:
        if "TaskExecutableNotFound" in type(exc).__name__:
            raise ToolError(f"SiliconCompiler could not find a tool: {exc}") from None
        raise FlowError(f"SiliconCompiler flow failed: {exc} (logs under {build})") from None
    total = time.time() - t0
    jobdir = build / top / JOB
    metrics: dict = {}
    secs: dict = {}
    if stock_openroad:
        metrics.update(_schema_metrics(run or project))
    for step, _ in tasks:
        rep = jobdir / step / "0" / "reports" / f"{step}.json"
        if rep.exists() and not stock_openroad:
            metrics.update(json.loads(rep.read_text()))
    status = judge(metrics, opt)
    # the final node's files become the run directory's deliverables
    for step, ext in (("power", "def"), ("power", "spef"), ("power", "vg"), ("gds", "gds"), ("gds", "png"),
                      ("drc", "drc.txt")):
        src = jobdir / step / "0" / "outputs" / f"{top}.{ext}"
        if src.exists():
            shutil.copyfile(src, out / src.name)
            if ext == "drc.txt":
                metrics["drc_report"] = str(out / src.name)
    secs["total"] = round(total, 1)
    write_json(out / "metrics.json", {"top": top, "metrics": metrics, "seconds": secs})
    status.save(out)
    files = {p.suffix.lstrip("."): str(p) for p in out.glob(f"{top}.*")}
    return PnrResult(out, top, metrics, secs, status, files)
