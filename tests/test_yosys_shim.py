"""The pyosys-based yosys console: what SiliconCompiler needs from a `yosys` executable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixyasic import gatesim
from fixyasic.sc_project import techmap_dir
from fixyasic.toolcheck import version_of
from fixyasic.tools import yosys_exe

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shim() -> str:
    return str(yosys_exe.shim_bin_dir() / "yosys")


def _run(shim: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # plain-checkout case
    return subprocess.run([shim, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_version_satisfies_siliconcompiler(shim, tmp_path):
    from siliconcompiler.tools.yosys import YosysTask

    proc = _run(shim, ["--version"], tmp_path)
    assert proc.returncode == 0
    reported = YosysTask().parse_version(proc.stdout)
    assert version_of(shim)[:2] >= yosys_exe.MIN_VERSION
    assert reported.startswith("0.") and int(reported.split(".")[1]) >= 48


def test_sc_uses_shim_unless_real_yosys_is_new_enough(monkeypatch):
    monkeypatch.delenv(yosys_exe.ENV_VAR, raising=False)
    real = yosys_exe.real_yosys()
    chosen = yosys_exe.yosys_bin_dir()
    if real is None:  # e.g. only Debian's yosys 0.23 on PATH
        assert chosen == yosys_exe.shim_bin_dir()
    else:
        assert chosen is None and version_of(real)[:2] >= yosys_exe.MIN_VERSION
    monkeypatch.setenv(yosys_exe.ENV_VAR, "shim")
    assert yosys_exe.yosys_bin_dir() == yosys_exe.shim_bin_dir()


def test_tcl_script_commands(shim, tmp_path):
    (tmp_path / "m.v").write_text(
        "module m(input [3:0] a, b, output [4:0] y); assign y = a + b; endmodule\n")
    (tmp_path / "t.tcl").write_text(r"""
yosys read_verilog -sv m.v
yosys echo off
set mods [yosys tee -q -s result.string ls]
puts "MODS=[string trim $mods]"
yosys -import
synth -top m
tee -q -o stat.json stat -json
rtlil::set_attr -mod -uint m gate_cost_equivalent 7
puts "GCE=[rtlil::get_attr -mod -uint m gate_cost_equivalent]"
puts "HAS=[rtlil::has_attr -mod m gate_cost_equivalent]/[rtlil::has_attr -mod m nope]"
rtlil::set_attr -mod -string m note "two words"
puts "NOTE=[rtlil::get_attr -mod -string m note]"
rtlil::set_attr -mod -sint m neg -5
rtlil::set_attr -mod -true m flag
puts "NEG=[rtlil::get_attr -mod -sint m neg] FLAG=[rtlil::get_attr -mod -bool m flag]"
puts "ARGV=$argc"
""")
    proc = _run(shim, ["-c", "t.tcl"], tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    out = proc.stdout
    assert "MODS=1 modules:\n  m" in out
    assert "GCE=7" in out and "HAS=1/0" in out and "NOTE=two words" in out
    assert "NEG=-5 FLAG=1" in out and "ARGV=0" in out
    assert '"num_cells"' in (tmp_path / "stat.json").read_text()


def test_yosys_error_exits_nonzero(shim, tmp_path):
    (tmp_path / "t.tcl").write_text("yosys read_verilog no_such_file.v\nputs AFTER\n")
    proc = _run(shim, ["-c", "t.tcl"], tmp_path)
    assert proc.returncode != 0
    assert "ERROR" in proc.stdout + proc.stderr and "AFTER" not in proc.stdout


def test_tcl_error_exits_nonzero(shim, tmp_path):
    (tmp_path / "t.tcl").write_text("set x [no_such_command]\n")
    proc = _run(shim, ["-c", "t.tcl"], tmp_path)
    assert proc.returncode == 1
    assert "ERROR: TCL interpreter returned an error" in proc.stdout
    assert "no_such_command" in proc.stdout


def test_missing_script_and_bad_option(shim, tmp_path):
    assert _run(shim, ["-c", "missing.tcl"], tmp_path).returncode != 0
    assert _run(shim, ["--frobnicate"], tmp_path).returncode != 0


def test_adder_techmap_maps_full_adders_correctly(shim, tmp_path):
    """extract_fa + fixyasic's cells_adders.v gives sky130 fa cells that add correctly."""
    (tmp_path / "add.v").write_text(
        "module add(input [3:0] a, b, input ci, output [4:0] s); assign s = a + b + ci; "
        "endmodule\n")
    maps = techmap_dir("sky130hd")
    (tmp_path / "t.tcl").write_text(f"""
yosys read_verilog add.v
yosys synth -top add -flatten
yosys extract_fa
yosys techmap -map {maps / 'cells_adders.v'}
yosys opt -purge
yosys tee -q -o cells.txt select -list t:sky130_fd_sc_hd__fa_1
yosys write_verilog -noattr add.vg
""")
    proc = _run(shim, ["-c", "t.tcl"], tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert len((tmp_path / "cells.txt").read_text().split()) >= 3  # one fa per bit, roughly
    (tmp_path / "tb.v").write_text("""
`timescale 1ns / 1ps
module tb;
    reg [3:0] a, b; reg ci; wire [4:0] s; integer i, bad = 0;
    add dut(.a(a), .b(b), .ci(ci), .s(s));
    initial begin
        for (i = 0; i < 512; i = i + 1) begin
            {ci, a, b} = i; #1;
            if (s !== a + b + ci) bad = bad + 1;
        end
        $display("BAD=%0d", bad);
        $finish;
    end
endmodule
""")
    out = gatesim.simulate([tmp_path / "tb.v", tmp_path / "add.vg"], "tb", tmp_path)
    assert "BAD=0" in out, out


def test_console_script_entry_point_runs_as_module(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "fixyasic.tools.yosys_shim", "--version"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("Yosys 0.")
