import pytest

from fixyasic.errors import InputError
from fixyasic.report.efficiency import DesignMetrics, comparison_table
from fixyasic.report.scaling import energy_factor, scale


def dm(name, **kw):
    base = dict(name=name, area_um2=1e6, cellarea_um2=8e5, clock_mhz=100.0, fmax_mhz=120.0, power_mw=10.0,
                power_vectorless_mw=12.0, leakage_mw=0.01, cycles_per_inference=1000, ops_per_inference=2_000_000)
    base.update(kw)
    return DesignMetrics(**base)


def test_figures_follow_definitions():
    d = dm("ffe")
    # 100 MHz / 1000 cycles = 1e5 inf/s; 2e6 ops -> 2e11 ops/s = 0.2 TOPS; 10 mW -> 20 TOPS/W
    assert d.inferences_per_s == pytest.approx(1e5)
    assert d.tops == pytest.approx(0.2)
    assert d.tops_per_w == pytest.approx(20.0)
    assert d.energy_per_inference_uj == pytest.approx(0.1)


def test_comparison_ratio_row_and_scaling():
    t = comparison_table(dm("ffe"), dm("baseline", power_mw=40.0, cycles_per_inference=4000))
    assert t.loc["ffe/baseline", "tops_per_w"] == pytest.approx(16.0)
    s = scale(130, 1.8, 16, 0.8)
    assert t.loc["ffe", "tops_per_w_16nm_est"] == pytest.approx(20.0 / s.energy_ratio)
    assert s.energy_ratio == pytest.approx(energy_factor(16, 0.8) / energy_factor(130, 1.8))
    assert 50 < 1 / s.energy_ratio < 300  # 130nm@1.8V -> 16nm@0.8V: two orders of magnitude


def test_invalid_or_mismatched_designs_refused():
    with pytest.raises(InputError, match="invalid run"):
        comparison_table(dm("ffe", valid=False, reasons=["timing missed"]), dm("baseline"))
    with pytest.raises(InputError, match="same workload"):
        comparison_table(dm("ffe"), dm("baseline", ops_per_inference=5))
    with pytest.raises(InputError, match="power_mw"):
        comparison_table(dm("ffe", power_mw=0.0), dm("baseline"))
