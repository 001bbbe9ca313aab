"""A SiliconCompiler 0.38 project for sky130hd that runs offline.

What this adds on top of SiliconCompiler + lambdapdk:

* lambdapdk's ``lambdapdk`` dataroot (normally a GitHub archive download) is re-pointed at the
  local PDK data from fixyasic.pdk (``$FIXYASIC_PDK_ROOT`` or ``../shared/pdk/lambdapdk``) on
  every library/PDK object of the project, after checking the files synthesis needs exist;
* the sky130hd yosys techmaps (latch, tristate buffer, full adder) come from fixyasic/techmaps/,
  since the offline data has none;
* every yosys task gets fixyasic's pyosys console on its PATH unless a real yosys >= 0.48 is
  installed (fixyasic.tools.yosys_exe);
* settings (corner, utilization, dont-use cells) come from pdk_configs/sky130hd.json.

Typical use (the flow helper adds place/route nodes after "synthesis")::

    project = sc_project.make_project(["mac.v"], top="mac", clock_ns=10.0, build_dir=out)
    flow = sc_project.synthesis_flow()          # elaborate -> synthesis
    flow.node("place", MyPlaceTask()); flow.edge("synthesis", "place")
    sc_project.set_flow(project, flow)          # also wires the yosys console into new nodes
    project.run()
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from . import pdk as pdkmod
from .errors import InputError

LAMBDAPDK_DATAROOT = "lambdapdk"
TECHMAP_DATAROOT = "fixyasic-techmaps"
SYN_FLOW_NAME = "fixyasic-syn"
FILESET = "rtl"


def techmap_dir(libname: str = "sky130hd") -> Path:
    return Path(__file__).resolve().parent / "techmaps" / libname


def sky130hd_library():
    """lambdapdk's Sky130_SCHDLibrary with fixyasic's techmaps and dont-use list applied.

    The lambdapdk dataroot is re-pointed later, in point_lambdapdk_offline(), because the PDK
    object the library pulls in only becomes reachable once it is part of a project.
    """
    from lambdapdk.sky130.libs.sky130sc import Sky130_SCHDLibrary

    cfg = pdkmod.pdk_config("sky130hd")
    lib = Sky130_SCHDLibrary()
    maps = techmap_dir("sky130hd")
    lib.set_dataroot(TECHMAP_DATAROOT, path=str(maps), clobber=True)
    lib.set_yosys_tristatebuffer_map("cells_tristatebuf.v", dataroot=TECHMAP_DATAROOT)
    lib.set_yosys_adder_map("cells_adders.v", dataroot=TECHMAP_DATAROOT)
    lib.add_yosys_tech_map("cells_latch.v", dataroot=TECHMAP_DATAROOT, clobber=True)
    # Not the P&R dont-use list: that one is only for netlists headed for fixyasic's own P&R
    # (make_project(pnr_ready=True)); area models and the 'multiply' comparison stay on the
    # foundation's cell set.
    extra = [c for c in cfg.get("dont_use", []) if c not in (lib.get("asic", "cells", "dontuse") or [])]
    if extra:
        lib.add_asic_celllist("dontuse", extra)
    return lib


def point_lambdapdk_offline(project, warn: bool = True) -> Path | None:
    """Re-point the 'lambdapdk' dataroot of every library in ``project`` at the local data.

    Returns the local root, or None when there is none (lambdapdk then downloads as usual).
    Raises PdkError naming the first missing file.
    """
    root = pdkmod.pdk_root()
    if root is None:
        if warn:
            project.logger.warning(f"no local PDK data ({pdkmod.ENV_VAR} unset, "
                                   f"../shared/pdk/lambdapdk absent): lambdapdk will try "
                                   f"to download it")
        return None
    pdkmod.sky130hd(root).check()
    for name in project.getkeys("library"):
        obj = project.get_library(name)
        if obj.valid("dataroot", LAMBDAPDK_DATAROOT) and \
                LAMBDAPDK_DATAROOT in obj.getkeys("dataroot"):
            obj.set_dataroot(LAMBDAPDK_DATAROOT, path=str(root), clobber=True)
    return root


def use_yosys_console(project) -> Path | None:
    """Put fixyasic's yosys console first on the PATH of every yosys task in the project.

    Does nothing when a real yosys >= 0.48 is on PATH. Call after the flow is set (and again
    after adding yosys nodes); set_flow() does it for you.
    """
    from .tools.yosys_exe import yosys_bin_dir

    bindir = yosys_bin_dir()
    if bindir is None or "yosys" not in project.getkeys("tool"):
        return bindir
    for task in project.getkeys("tool", "yosys", "task"):
        project.set("tool", "yosys", "task", task, "path", str(bindir), clobber=True)
    return bindir


def find_clock_port(sources: Iterable[Path], top: str) -> str | None:
    """Best guess at the clock input of ``top``: a port named clk/clock/clk_i (case-insensitive)."""
    text = "\n".join(Path(s).read_text(errors="replace") for s in sources)
    m = re.search(rf"\bmodule\s+{re.escape(top)}\b(.*?)\bendmodule", text, re.S)
    body = m.group(1) if m else text
    hit = re.search(r"\binput\b[^;]*?\b(clk|clock|clk_i|i_clk)\b", body, re.I)
    return hit.group(1) if hit else None


def write_sdc(path: Path, clock_ns: float, clock_port: str | None) -> Path:
    """A minimal SDC: one clock of ``clock_ns`` on ``clock_port`` (virtual if None)."""
    if clock_ns <= 0:
        raise InputError(f"clock period must be positive, got {clock_ns} ns")
    target = f" [get_ports {{{clock_port}}}]" if clock_port else ""
    text = (f"# generated by fixyasic.sc_project\n"
            f"create_clock -name clk -period {clock_ns:g}{target}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".sdc.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def make_project(sources: Iterable[str | Path], top: str, clock_ns: float = 10.0,
                 build_dir: str | Path | None = None, clock_port: str | None = None,
                 jobname: str = "job0", sdc: str | Path | None = None, pnr_ready: bool = False):
    """A configured ``siliconcompiler.ASIC`` project for sky130hd (tt corner), without a flow.

    ``sources`` are Verilog files (their order is kept); ``clock_port`` defaults to a port
    called clk/clock; ``sdc`` replaces the generated single-clock SDC. ``pnr_ready`` also keeps
    out the cells fixyasic's P&R cannot use (add_pnr_dont_use).
    """
    from siliconcompiler import ASIC, Design

    srcs = [Path(s).resolve() for s in sources]
    if not srcs:
        raise InputError("no Verilog sources given")
    for s in srcs:
        if not s.is_file():
            raise InputError(f"Verilog source not found: {s}")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", top or ""):
        raise InputError(f"invalid top module name: {top!r}")

    build = Path(build_dir).resolve() if build_dir else Path.cwd() / "build"
    build.mkdir(parents=True, exist_ok=True)
    if sdc is None:
        port = clock_port if clock_port is not None else find_clock_port(srcs, top)
        sdc = write_sdc(build / f"{top}.sdc", clock_ns, port)

    design = Design(top)
    with design.active_fileset(FILESET):
        design.set_topmodule(top)
        for s in srcs:
            design.add_file(str(s), filetype="systemverilog" if s.suffix == ".sv" else "verilog")
        design.add_file(str(Path(sdc).resolve()), filetype="sdc")

    project = ASIC(design)
    project.add_fileset(FILESET)
    project.option.set_builddir(str(build))
    project.option.set_jobname(jobname)
    project.option.set_nodisplay(True)
    configure_sky130hd(project)
    if pnr_ready:
        add_pnr_dont_use(project)
    return project


def add_pnr_dont_use(project) -> None:
    """The router's dont-use list on top of the foundation's (cells qrouter cannot reach,
    probe/low-power/scan cells), so the synthesized netlist can go through fixyasic's P&R."""
    from .pnr.config import load_config, pdk_files
    from .pnr.lef import macros_cached

    cfg = load_config()
    lib = project.get_library("sky130hd")
    names = [m for m in macros_cached(str(pdk_files().lef)) if cfg.is_dont_use(m)]
    have = set(lib.get("asic", "cells", "dontuse") or [])
    extra = sorted(set(names) - have)
    if extra:
        lib.add_asic_celllist("dontuse", extra)


def configure_sky130hd(project) -> None:
    """Main library, PDK, tt timing scenario, delay model, density from pdk_configs/sky130hd.json."""
    cfg = pdkmod.pdk_config("sky130hd")
    lib = sky130hd_library()
    project.set_mainlib(lib)
    project.add_asiclib(lib.name)  # SC would add it itself, with a warning
    project.set_pdk(cfg["pdk"])
    point_lambdapdk_offline(project)

    corner = pdkmod.SC_CORNER[cfg["corner"]]
    scenario = project.constraint.timing.make_scenario(corner)
    scenario.add_libcorner([corner, "generic"])
    scenario.set_pexcorner("typical")
    for check in ("setup", "hold", "power"):
        scenario.add_check(check)
    project.set_asic_delaymodel("nldm")
    area = project.constraint.area
    area.set_density(round(100 * float(cfg["utilization"])))
    area.set_coremargin(float(cfg.get("core_margin_um", 1.0)))


def synthesis_flow(name: str = SYN_FLOW_NAME):
    """Flowgraph: elaborate (slang) -> synthesis (yosys syn_asic). Extend it, then set_flow()."""
    from siliconcompiler import Flowgraph
    from siliconcompiler.tools.slang.elaborate import Elaborate
    from siliconcompiler.tools.yosys.syn_asic import ASICSynthesis

    flow = Flowgraph(name)
    flow.node("elaborate", Elaborate())
    flow.node("synthesis", ASICSynthesis())
    flow.edge("elaborate", "synthesis")
    flow.get_graph_node("synthesis", "0").add_goal("errors", 0)
    return flow


def set_flow(project, flow) -> None:
    """project.set_flow(flow), the yosys console for its yosys nodes, and the offline PDK
    dataroot for any lambdapdk library added since make_project()."""
    project.set_flow(flow)
    use_yosys_console(project)
    point_lambdapdk_offline(project, warn=False)
