"""Model sweep over K: sane trends, accuracy join, clear errors, CLI."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fixyasic.errors import InputError
from fixyasic.report.sweep import load_accuracy, sweep, write_sweep


@pytest.fixture(scope="module")
def table():
    return sweep(presets=("tiny",))


def test_ffe_cost_grows_with_k(table):
    t, info = table
    assert list(t["k"]) == list(range(1, 8))
    for col in ("ffe_area_um2", "ffe_power_mw", "ops_per_inference", "adder_bits"):
        assert np.all(np.diff(t[col].to_numpy()) >= 0), col
    assert (t["ffe_tops_per_w"] > 0).all() and (t["ffe_cycles"] == 28 * 28).all()
    sized = t.dropna(subset=["baseline_area_um2"])
    assert len(sized) and (abs(sized["baseline_area_um2"] / sized["ffe_area_um2"] - 1) <= 0.10).all()
    assert (sized["baseline_cycles"] > sized["ffe_cycles"]).all()
    assert (sized["baseline_power_mw"] > 0).all() and (sized["baseline_tops_per_w"] > 0).all()
    assert t["accuracy"].isna().all() and "NaN" in info["accuracy"]


def test_accuracy_join_and_outputs(tmp_path, table):
    acc = tmp_path / "accuracy.csv"
    pd.DataFrame({"dataset": ["mnist", "mnist", "letters"], "k": [1, 2, 1],
                  "acc_fixed": [90.0, 88.0, 80.0], "acc_full": [91.0, 91.0, 85.0]}).to_csv(acc, index=False)
    t, info = sweep(accuracy=acc, max_k=3)
    assert t.loc[t["k"] == 1, "accuracy"].item() == pytest.approx(85.0)
    assert np.isnan(t.loc[t["k"] == 3, "accuracy"].item())
    files = write_sweep(t, tmp_path / "out")
    assert files["csv"].is_file() and files["plot"].stat().st_size > 1000


def test_bad_accuracy_table(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("dataset,k,acc\nmnist,1,90\n")
    with pytest.raises(InputError, match="lacks columns"):
        load_accuracy(p)


def test_cli_sweep(tmp_path):
    r = subprocess.run([sys.executable, "-c", "import sys; from fixyasic.cli import main; sys.exit(main())", "sweep", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "held-out error" in r.stdout and (tmp_path / "sweep.csv").is_file()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    r = subprocess.run([sys.executable, "-c", "import sys; from fixyasic.cli import main; sys.exit(main())", "sweep", "--points", str(bad), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "not a PPA points file" in r.stderr and len(r.stderr.strip().splitlines()) == 1
