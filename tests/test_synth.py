"""Acceptance for issue 2: offline sky130hd synthesis through SiliconCompiler, checked by
gate-level simulation with the sky130 cell models. Real tools throughout (no mocks)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from fixyasic import gatesim
from fixyasic.synth import synthesize
from fixyasic.toolcheck import require

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
MAC_RTL = FIXTURES / "mac16x8.v"
MAC_TB = FIXTURES / "mac16x8_tb.v"
MAC_COEFFS = [3, -7, 12, 0, 25, -128, 1, 64, -1, 17, -33, 5, 0, 99, -64, 127]  # as in the RTL
N_VECTORS = 256


@pytest.fixture(scope="module")
def mac(mac_synth):
    return mac_synth


def _cell_instances(res) -> dict[str, int]:
    """Cell type -> instance count, from the JSON netlist SC writes next to the Verilog one."""
    path = res.build_dir / res.top / "job0" / "synthesis" / "0" / "outputs" / \
        f"{res.top}.netlist.json"
    cells = json.loads(path.read_text())["modules"][res.top]["cells"].values()
    return dict(Counter(c["type"] for c in cells))


def test_mac_synthesis_records_plausible_area(mac):
    # ~14,700 um^2 / ~1,600 cells measured with SC's default strategy, tt corner
    assert 5_000 < mac.cellarea < 60_000
    assert 300 < mac.cells < 10_000
    assert mac.metrics["cellarea"] == pytest.approx(mac.cellarea)
    assert mac.metrics["cells"] == mac.cells
    # 128 input + 20 output flops, minus the inputs of the zero coefficients (2 x 8) and the
    # few bits yosys proves constant or unused
    assert 100 <= mac.metrics["registers"] <= 148
    cells = _cell_instances(mac)
    assert cells and all(c.startswith("sky130_fd_sc_hd__") for c in cells), cells
    assert sum(cells.values()) == mac.cells
    assert cells.get("sky130_fd_sc_hd__dfxtp_1", 0) == mac.metrics["registers"]


def _reference(words: list[int]) -> list[int]:
    out = []
    for w in words:
        acc = 0
        for i, c in enumerate(MAC_COEFFS):
            v = (w >> (8 * i)) & 0xFF
            acc += c * (v - 256 if v & 0x80 else v)
        out.append(acc)
    return out


def _parse(stdout: str) -> list[int]:
    assert "ERROR" not in stdout, stdout[:500]
    rows = [line.split() for line in stdout.splitlines() if re.fullmatch(r"\d+ -?\d+", line)]
    assert [int(i) for i, _ in rows] == list(range(N_VECTORS)), stdout[:500]
    return [int(v) for _, v in rows]


def test_mac_gate_level_matches_rtl(mac, tmp_path):
    rng = random.Random(2)
    words = [rng.getrandbits(128) for _ in range(N_VECTORS - 2)]
    words += [int("80" * 16, 16), int("7f" * 16, 16)]  # extremes: all -128, all +127
    (tmp_path / "vectors.hex").write_text("".join(f"{w:032x}\n" for w in words))

    gate = _parse(gatesim.simulate([MAC_TB, mac.netlist], "mac16x8_tb", tmp_path))
    rtl = _parse(gatesim.simulate([MAC_TB, MAC_RTL], "mac16x8_tb", tmp_path, gate_level=False))
    ref = _reference(words)
    assert rtl == ref  # the testbench and the Python model agree on the RTL
    mismatches = [i for i, (g, r) in enumerate(zip(gate, rtl)) if g != r]
    assert len(gate) >= 200 and mismatches == [], f"{len(mismatches)} mismatches, first {mismatches[:5]}"


def test_techmaps_latch_and_tristate_are_used(tmp_path):
    res = synthesize([FIXTURES / "latch_tbuf.v"], "latch_tbuf", out_dir=tmp_path)
    cells = _cell_instances(res)
    assert cells.get("sky130_fd_sc_hd__dlxtp_1") == 4, cells
    assert cells.get("sky130_fd_sc_hd__ebufn_2") == 4, cells
    assert cells.get("sky130_fd_sc_hd__dfxtp_1") == 5, cells
    assert not any(c.startswith("$") for c in cells), cells
    assert res.cellarea > 0 and res.cells == sum(cells.values())
    # and the mapped latches / tristate buffers behave like the RTL
    tb = FIXTURES / "latch_tbuf_tb.v"
    gate = gatesim.simulate([tb, res.netlist], "latch_tbuf_tb", tmp_path / "gate")
    rtl = gatesim.simulate([tb, FIXTURES / "latch_tbuf.v"], "latch_tbuf_tb", tmp_path / "rtl",
                           gate_level=False)
    rows = [ln for ln in rtl.splitlines() if " q=" in ln]
    assert len(rows) == 400 and any("z=zzzz" in r for r in rows) and not any("x" in r for r in rows)
    assert gate.splitlines() == rtl.splitlines()


# --- CLI: results and one-line errors ---------------------------------------------------------

def _cli(args: list[str], env_extra: dict[str, str] | None = None, cwd: Path | None = None,
         drop_path: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("FIXYASIC_DEBUG", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    if drop_path:
        env["PATH"] = str(cwd)  # an empty directory: no tools at all
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "fixyasic.cli", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=600)


def _assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert len(err.splitlines()) == 1, proc.stderr
    assert err.startswith("fixyasic: error:"), err
    for n in needles:
        assert n in err, err
    return err


def test_cli_synth_prints_area_cells_netlist(tmp_path):
    proc = _cli(["synth", str(FIXTURES / "latch_tbuf.v"), "--top", "latch_tbuf",
                 "--clock-ns", "5", "--out", str(tmp_path / "o")], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    area = re.search(r"cell area:\s+([\d.]+) um\^2", proc.stdout)
    cells = re.search(r"cells:\s+(\d+)", proc.stdout)
    netlist = re.search(r"netlist:\s+(\S+)", proc.stdout)
    assert area and cells and netlist, proc.stdout
    assert float(area.group(1)) > 0 and int(cells.group(1)) > 0
    assert Path(netlist.group(1)) == tmp_path / "o" / "latch_tbuf.vg"
    assert "module latch_tbuf" in Path(netlist.group(1)).read_text()
    assert "create_clock -name clk -period 5 [get_ports {clk}]" in \
        (tmp_path / "o" / "sc" / "latch_tbuf.sdc").read_text()


def test_cli_verilog_syntax_error(tmp_path):
    bad = tmp_path / "bad.v"
    bad.write_text("module bad(input clk, output y)\n  assign y = clk;\nendmodule\n")
    proc = _cli(["synth", str(bad), "--top", "bad", "--out", str(tmp_path / "o")], cwd=tmp_path)
    _assert_one_line_error(proc, "Verilog error", f"{bad}:1:", "expected ';'")
    assert not (tmp_path / "o" / "bad.vg").exists()


def test_cli_missing_pdk_directory(tmp_path):
    missing = tmp_path / "no_pdk_here"
    proc = _cli(["synth", str(MAC_RTL), "--top", "mac16x8", "--out", str(tmp_path / "o")],
                env_extra={"FIXYASIC_PDK_ROOT": str(missing)}, cwd=tmp_path)
    _assert_one_line_error(proc, str(missing), "FIXYASIC_PDK_ROOT")


def test_cli_missing_pdk_file(tmp_path):
    root = tmp_path / "pdk"
    (root / "lambdapdk" / "sky130" / "libs" / "sky130hd").mkdir(parents=True)
    proc = _cli(["synth", str(MAC_RTL), "--top", "mac16x8", "--out", str(tmp_path / "o")],
                env_extra={"FIXYASIC_PDK_ROOT": str(root)}, cwd=tmp_path)
    _assert_one_line_error(proc, "PDK file missing", ".lib.gz", "FIXYASIC_PDK_ROOT")


def test_cli_missing_tool(tmp_path):
    # Ask for a system yosys on a PATH that has none: the error names the tool and the fix.
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    proc = _cli(["synth", str(MAC_RTL), "--top", "mac16x8", "--out", str(tmp_path / "o")],
                env_extra={"FIXYASIC_YOSYS": "system"}, cwd=empty, drop_path=True)
    _assert_one_line_error(proc, "'yosys' not found", "FIXYASIC_YOSYS")


def test_cli_missing_source_file(tmp_path):
    proc = _cli(["synth", str(tmp_path / "nope.v"), "--top", "x"], cwd=tmp_path)
    _assert_one_line_error(proc, "nope.v")


def test_cli_unknown_top_module(tmp_path):
    proc = _cli(["synth", str(FIXTURES / "latch_tbuf.v"), "--top", "no_such_top",
                 "--out", str(tmp_path / "o")], cwd=tmp_path)
    _assert_one_line_error(proc, "Verilog error", "no_such_top")
