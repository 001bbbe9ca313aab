"""Tapeout-lite: the whole chain on the 'lite' configuration, with real tools end to end
(PyTorch training, pyverilog RTL, iverilog co-simulation, SiliconCompiler/yosys synthesis,
coloquinte + clock tree + hold repair + windowed qrouter P&R, OpenSTA timing and
activity-annotated power, report).

Issue 7's acceptance, part of the default run: ~15 min on 2 cores (train ~1 min, RTL/synthesis/
co-simulation/baseline sizing ~1 min, P&R of both designs in parallel ~13 min, the baseline's
route the longest at ~10 min; docs/flow.md).
"""

import json
import subprocess
import sys

import pandas as pd
import pytest

COLUMNS = ["area_mm2", "clock_mhz", "fmax_mhz", "power_mw", "power_vectorless_mw", "ops_per_inference",
           "inferences_per_s", "tops", "tops_per_w", "energy_per_inference_uj", "tops_per_w_16nm_est"]


@pytest.fixture(scope="module")
def lite_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lite") / "run"
    proc = subprocess.run([sys.executable, "-m", "fixyasic.cli", "run", "--config", "lite", "--out", str(out)],
                          capture_output=True, text=True, timeout=3000)
    return out, proc


def test_lite_run_is_valid_and_complete(lite_run):
    out, proc = lite_run
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    status = json.loads((out / "status.json").read_text())
    assert status["valid"], status["reasons"]
    for stage in ("train", "ffe_cosim", "ffe_gate_cosim", "baseline_cosim", "iso_area", "ffe_route", "ffe_timing",
                  "ffe_power", "baseline_route", "baseline_timing", "baseline_power", "report"):
        assert status["stages"][stage]["valid"], stage


def test_comparison_table_filled_from_this_run(lite_run):
    out, _ = lite_run
    cmp = pd.read_csv(out / "report" / "comparison.csv", index_col=0)
    assert list(cmp.index) == ["ffe", "baseline", "ffe/baseline"]
    for col in COLUMNS:
        assert cmp.loc[["ffe", "baseline"], col].notna().all() and (cmp.loc[["ffe", "baseline"], col] > 0).all(), col
    # the numbers are this run's own: they match the per-design metrics the flow recorded
    m = json.loads((out / "metrics.json").read_text())
    assert cmp.loc["ffe", "power_mw"] == pytest.approx(m["ffe_pnr"]["averagepower"] * 1e3)
    assert cmp.loc["baseline", "power_mw"] == pytest.approx(m["baseline_pnr"]["averagepower"] * 1e3)
    assert 0.9 <= m["baseline_build"]["area_ratio"] <= 1.1
    assert m["ffe_rtl"]["mismatches"] == 0 and m["baseline_build"]["mismatches"] == 0
    # a hard-wired extractor must beat the programmable array on energy per inference
    assert cmp.loc["ffe/baseline", "tops_per_w"] > 1
    for f in ("report.html", "report.md", "tops_per_w.png", "area_power.png"):
        assert (out / "report" / f).stat().st_size > 0
    assert (out / "layouts" / "ffe.png").is_file() and (out / "layouts" / "baseline.png").is_file()


def test_compare_two_runs_flags_regression(lite_run, tmp_path):
    out, _ = lite_run
    import shutil

    other = tmp_path / "other"
    shutil.copytree(out / "report", other / "report")
    for f in ("status.json", "metrics.json"):
        shutil.copy(out / f, other / f)
    m = json.loads((other / "metrics.json").read_text())
    m["ffe"]["tops_per_w"] *= 0.5
    (other / "metrics.json").write_text(json.dumps(m))
    same = subprocess.run([sys.executable, "-m", "fixyasic.cli", "compare", str(out), str(out)],
                          capture_output=True, text=True)
    worse = subprocess.run([sys.executable, "-m", "fixyasic.cli", "compare", str(out), str(other)],
                           capture_output=True, text=True)
    assert same.returncode == 0, same.stdout
    assert worse.returncode == 1 and "ffe.tops_per_w" in worse.stdout
