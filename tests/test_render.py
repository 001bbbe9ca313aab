import pandas as pd

from fixyasic.report.efficiency import DesignMetrics, comparison_table
from fixyasic.report.render import ReportInputs, write_report
from fixyasic.report.scaling import scale


def test_report_files_written_with_numbers(tmp_path):
    mk = lambda n, p, c: DesignMetrics(name=n, area_um2=1e6, cellarea_um2=9e5, clock_mhz=50, fmax_mhz=60, power_mw=p,
                                       power_vectorless_mw=p * 1.3, leakage_mw=0.001, cycles_per_inference=c,
                                       ops_per_inference=10**6)
    cmp = comparison_table(mk("ffe", 5.0, 800), mk("baseline", 9.0, 9000))
    per_layer = pd.DataFrame({"area_um2": [1e5, 2e5], "power_mw": [1.0, 2.0]}, index=["conv0", "dw1"])
    files = write_report(ReportInputs(comparison=cmp, scaling=scale(), per_layer=per_layer,
                                      status_lines=["run valid"]), tmp_path)
    for key in ("comparison_csv", "comparison_md", "report_md", "report_html", "plot_tops_per_w", "plot_area_power",
                "plot_per_layer"):
        assert files[key].is_file() and files[key].stat().st_size > 0, key
    back = pd.read_csv(files["comparison_csv"], index_col=0)
    assert back.loc["ffe", "tops_per_w"] == cmp.loc["ffe", "tops_per_w"]
    html = files["report_html"].read_text()
    assert "data:image/png;base64" in html and "ESTIMATE" in html
    assert files["plot_tops_per_w"].read_bytes()[:4] == b"\x89PNG"


def test_report_command_refuses_invalid_run_and_writes_valid_one(tmp_path):
    import subprocess
    import sys

    from fixyasic.report.rundir import save_design
    from fixyasic.runstatus import RunStatus

    for name, p in (("ffe", 2.0), ("baseline", 6.0)):
        save_design(tmp_path, DesignMetrics(name=name, area_um2=5e5, cellarea_um2=4e5, clock_mhz=40, fmax_mhz=45,
                                            power_mw=p, power_vectorless_mw=None, leakage_mw=None,
                                            cycles_per_inference=784, ops_per_inference=300_000))
    st = RunStatus()
    st.record("route", False, ["2 unrouted nets"])
    st.save(tmp_path)
    cmd = [sys.executable, "-m", "fixyasic.cli", "report", str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2 and "2 unrouted nets" in r.stderr
    assert not (tmp_path / "report" / "report.html").exists()
    st.record("route", True)
    st.save(tmp_path)
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "report" / "report.html").is_file()
    assert "tops_per_w" in r.stdout
