"""Every cell synthesis may use for P&R has every signal pin reachable by qrouter as the flow
runs it (router LEF with the power li1 shapes blocked, plain vias only), without touching a
power shape or another pin."""

from __future__ import annotations

import re

from fixyasic.pnr.config import load_config, pdk_files, plain_liberty
from fixyasic.pnr.lef import macros_cached
from fixyasic.pnr.pinaccess import qrouter_access
from fixyasic.toolcheck import require


def _allowed_cells() -> list[str]:
    cfg = load_config()
    lib = set(re.findall(r'cell\s*\(\s*"?(\w+)"?\s*\)', plain_liberty().read_text()))
    macros = macros_cached(str(pdk_files().lef))
    return sorted(n for n, m in macros.items()
                  if n in lib and not cfg.is_dont_use(n) and m.cls.startswith("CORE")
                  and any(p.use not in ("POWER", "GROUND") for p in m.pins.values()))


def test_every_allowed_cell_pin_is_reachable(tmp_path):
    require("qrouter")
    cells = _allowed_cells()
    assert len(cells) > 150
    access = qrouter_access(cells, tmp_path)
    assert {c for c, _ in access} == set(cells)
    assert [k for k, ok in access.items() if not ok] == []


def test_a_cell_on_the_dont_use_list_for_its_d_pin_is_caught(tmp_path, monkeypatch):
    """The harness can fail: dfxtp_1's narrow D pin (dont-use, let through here) is not reached
    cleanly."""
    from fixyasic.pnr import config
    require("qrouter")
    monkeypatch.setattr(config.PnrConfig, "is_dont_use", lambda self, cell: False)
    access = qrouter_access(["sky130_fd_sc_hd__dfxtp_1", "sky130_fd_sc_hd__buf_2"], tmp_path)
    assert access[("sky130_fd_sc_hd__dfxtp_1", "D")] is False
    assert access[("sky130_fd_sc_hd__buf_2", "A")] and access[("sky130_fd_sc_hd__dfxtp_1", "CLK")]
