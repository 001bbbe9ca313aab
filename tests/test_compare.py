import json
import subprocess
import sys

import pytest

from fixyasic.errors import InputError
from fixyasic.report.compare import compare_runs, direction
from fixyasic.runstatus import RunStatus


def make_run(path, metrics, valid=True, reasons=()):
    path.mkdir(parents=True)
    (path / "metrics.json").write_text(json.dumps(metrics))
    st = RunStatus()
    st.record("flow", valid, list(reasons))
    st.save(path)
    return path


BASE = {"ffe": {"tops_per_w": 2.0, "power_mw": 10.0, "area_mm2": 0.5, "clock_mhz": 50.0},
        "baseline": {"tops_per_w": 0.5, "power_mw": 20.0}}


def cli(*args):
    return subprocess.run([sys.executable, "-m", "fixyasic.cli", "compare", *map(str, args)],
                          capture_output=True, text=True)


def test_identical_runs_pass(tmp_path):
    a = make_run(tmp_path / "a", BASE)
    b = make_run(tmp_path / "b", BASE)
    r = cli(a, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 regressed" in r.stdout


def test_regression_beyond_threshold_fails_and_is_shown(tmp_path):
    worse = json.loads(json.dumps(BASE))
    worse["ffe"]["tops_per_w"] = 1.5  # -25 %
    worse["ffe"]["area_mm2"] = 0.51  # +2 %, within 5 %
    a = make_run(tmp_path / "a", BASE)
    b = make_run(tmp_path / "b", worse)
    cmp = compare_runs(a, b)
    assert list(cmp.regressions["metric"]) == ["ffe.tops_per_w"]
    r = cli(a, b)
    assert r.returncode == 1
    assert "ffe.tops_per_w" in r.stdout and "REGRESSED" in r.stdout and "-25.0%" in r.stdout
    assert cli(a, b, "--threshold", "0.3").returncode == 0


def test_improvement_is_not_a_regression(tmp_path):
    better = json.loads(json.dumps(BASE))
    better["ffe"]["power_mw"] = 5.0
    r = cli(make_run(tmp_path / "a", BASE), make_run(tmp_path / "b", better))
    assert r.returncode == 0 and "ffe.power_mw" in r.stdout


def test_invalid_candidate_run_fails(tmp_path):
    a = make_run(tmp_path / "a", BASE)
    b = make_run(tmp_path / "b", BASE, valid=False, reasons=["3 unrouted nets"])
    r = cli(a, b)
    assert r.returncode == 1
    assert "INVALID" in r.stdout and "3 unrouted nets" in r.stdout


@pytest.mark.parametrize("content", ["", "{\"ffe\": {\"tops", "[1, 2]"])
def test_empty_or_truncated_metrics_file_is_an_input_error(tmp_path, content):
    a = make_run(tmp_path / "a", BASE)
    b = make_run(tmp_path / "b", BASE)
    (b / "metrics.json").write_text(content)
    with pytest.raises(InputError):
        compare_runs(a, b)
    r = cli(a, b)
    assert r.returncode == 2
    assert r.stderr.startswith("fixyasic: error:") and len(r.stderr.strip().splitlines()) == 1


def test_missing_run_dir(tmp_path):
    r = cli(tmp_path / "nope", tmp_path / "nope2")
    assert r.returncode == 2 and "no metrics.json" in r.stderr


def test_directions():
    assert direction("ffe.tops_per_w") == 1
    assert direction("baseline.power_mw") == -1
    assert direction("ffe.clock_mhz") == 0


def test_unwritable_csv_path_is_one_line_error(tmp_path):
    a = make_run(tmp_path / "a", BASE)
    (tmp_path / "afile").write_text("x")
    r = cli(a, a, "--csv", tmp_path / "afile" / "out.csv")
    assert r.returncode == 2
    assert r.stderr.startswith("fixyasic: error: cannot access") and len(r.stderr.strip().splitlines()) == 1
