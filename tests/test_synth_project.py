"""The SiliconCompiler project fixyasic builds: offline dataroots, techmaps, yosys console."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixyasic import pdk, sc_project
from fixyasic.errors import InputError
from fixyasic.tools import yosys_exe

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture()
def project(tmp_path):
    p = sc_project.make_project([FIXTURES / "mac16x8.v"], "mac16x8", clock_ns=4.0,
                                build_dir=tmp_path)
    sc_project.set_flow(p, sc_project.synthesis_flow())
    return p


def test_lambdapdk_dataroot_points_at_local_data(project):
    root = str(pdk.require_pdk_root())
    seen = []
    for name in project.getkeys("library"):
        obj = project.get_library(name)
        if "lambdapdk" in obj.getkeys("dataroot"):
            assert obj.get("dataroot", "lambdapdk", "path") == root
            assert not obj.get("dataroot", "lambdapdk", "tag")  # no git tag -> no download
            seen.append(name)
    assert {"sky130hd", "skywater130"} <= set(seen)


def test_library_uses_fixyasic_techmaps(project):
    lib = project.get_library("sky130hd")
    maps = sc_project.techmap_dir("sky130hd")
    found = [Path(p) for p in lib.find_files("tool", "yosys", "techmap")]
    assert found == [maps / "cells_latch.v"]
    assert Path(lib.find_files("tool", "yosys", "tristatebuffermap")) == \
        maps / "cells_tristatebuf.v"
    assert Path(lib.find_files("tool", "yosys", "addermap")) == maps / "cells_adders.v"
    dont_use = lib.get("asic", "cells", "dontuse")
    assert set(pdk.pdk_config()["dont_use"]) <= set(dont_use)


def test_yosys_tasks_get_the_console(project):
    bindir = yosys_exe.yosys_bin_dir()
    path = project.get("tool", "yosys", "task", "syn_asic", "path")
    if bindir is None:  # a real yosys >= 0.48 is installed: SC uses it
        assert not path
    else:
        assert path == str(bindir) and (bindir / "yosys").is_file()


def test_clock_constraint_from_clock_ns(project, tmp_path):
    sdc = (tmp_path / "mac16x8.sdc").read_text()
    assert "create_clock -name clk -period 4 [get_ports {clk}]" in sdc


def test_bad_inputs_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        sc_project.make_project([tmp_path / "nope.v"], "x", build_dir=tmp_path)
    with pytest.raises(InputError, match="top module"):
        sc_project.make_project([FIXTURES / "mac16x8.v"], "bad name", build_dir=tmp_path)
    with pytest.raises(InputError, match="clock period"):
        sc_project.make_project([FIXTURES / "mac16x8.v"], "mac16x8", clock_ns=0,
                                build_dir=tmp_path)
