import numpy as np
import pandas as pd
import pytest

from fixyasic.errors import InputError
from fixyasic.report.ppa_model import PPAModel, fit


def synthetic_designs(n=12, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"adder_bits": rng.integers(100, 5000, n), "register_bits": rng.integers(50, 3000, n)})
    df["area"] = 9.0 * df["adder_bits"] + 20.0 * df["register_bits"] + 500.0
    df["area"] *= 1 + noise * rng.standard_normal(n)
    return df


def test_recovers_known_costs_and_reports_heldout_error(tmp_path):
    df = synthetic_designs()
    held = pd.Series([i % 4 == 0 for i in range(len(df))])
    m = fit(df, "area", ["adder_bits", "register_bits"], heldout=held)
    assert m.costs["adder_bits"] == pytest.approx(9.0, rel=1e-6)
    assert m.costs["register_bits"] == pytest.approx(20.0, rel=1e-6)
    assert m.heldout_error["n"] == 3 and m.heldout_error["mape"] < 1e-6
    back = PPAModel.load(m.save(tmp_path / "m.json"))
    assert np.allclose(back.predict(df), m.predict(df))
    assert "held-out error" in m.describe()


def test_noisy_fit_error_is_visible():
    df = synthetic_designs(n=20, noise=0.1, seed=1)
    m = fit(df, "area", ["adder_bits", "register_bits"], heldout=pd.Series([i < 5 for i in range(20)]))
    assert 0.01 < m.heldout_error["mape"] < 0.5
    assert all(c >= 0 for c in m.costs.values())


def test_too_few_designs():
    with pytest.raises(InputError, match="at least"):
        fit(synthetic_designs(n=2), "area", ["adder_bits", "register_bits"])
