"""`fixyasic flow` command-line errors: one line, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixyasic.cli import main

DATA = Path(__file__).parent / "data"


def test_flow_missing_source(tmp_path, capsys):
    rc = main(["flow", str(tmp_path / "nope.v"), "--top", "x", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "not found" in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("openroad") is not None, reason="OpenROAD present: stock flow runs")
def test_stock_openroad_needs_openroad(tmp_path, capsys):
    rc = main(["flow", str(DATA / "pnr_tiny.v"), "--top", "pnr_tiny", "--stock-openroad",
               "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "openroad" in err


def test_flow_command_prints_metrics(tmp_path, capsys):
    rc = main(["flow", str(DATA / "pnr_tiny.v"), "--top", "pnr_tiny", "--clock-ns", "10",
               "--out", str(tmp_path / "run")])
    out = capsys.readouterr().out
    assert "setup WNS (ns)" in out and "power, activity (W)" in out and "unrouted nets" in out
    assert rc == 0 and "status                   VALID" in out
    assert (tmp_path / "run" / "status.json").is_file()
    assert (tmp_path / "run" / "pnr_tiny.png").is_file()
