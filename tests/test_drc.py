"""magic's design-rule check (fixyasic.pnr.drc) with the PDK's sky130A tech file: the patched
copy of the tech file, the output parser, the routed pnr_mac of the session flow (`mac_run`,
tests/conftest.py, whose last SiliconCompiler node is the DRC), and GDS files magic cannot read.
Real magic throughout; without it every test here fails naming `apt-get install magic`."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from fixyasic.errors import InputError, ToolError
from fixyasic.pnr import drc
from fixyasic.toolcheck import require

TOP = "pnr_mac"

# FX_ lines as the script prints them (distinct boxes, all boxes, rule text), from a routed MAC
SAMPLE = """Loading DRC CIF style.
FX_DRC_COUNT 1337
FX_WHY 1763 1871 Metal1 spacing < 0.14um (met1.2)
FX_WHY 1117 1417 Metal3 spacing < 0.3um (met3.2)
FX_WHY 125 133 Local interconnect spacing < 0.17um (li.3)
FX_WHY 248 248 Metal3 minimum area < 0.24um^2 (met3.6)
FX_WHY 85 85 P-diff distance to N-tap must be < 15.0um (LU.3)
FX_WHY 9 24 This layer can't abut or partially overlap between subcells
FX_DRC_DONE
"""


@pytest.fixture(scope="module")
def magic() -> str:
    return require("magic")


def test_parse_output_known_rules(tmp_path):
    total, rules = drc.parse_output(SAMPLE, tmp_path / "log")
    assert total == 1337
    assert rules["Metal1 spacing < 0.14um (met1.2)"] == 1763          # distinct boxes
    assert rules["P-diff distance to N-tap must be < 15.0um (LU.3)"] == 85
    assert rules["This layer can't abut or partially overlap between subcells"] == 9
    assert len(rules) == 6


@pytest.mark.parametrize("text, why", [
    (SAMPLE.replace("FX_DRC_COUNT 1337\n", ""), "stopped before its end"),
    (SAMPLE.replace("FX_DRC_DONE\n", ""), "stopped before its end"),
    ("", "stopped before its end"),
    ("FX_ERROR no cell pnr_mac in the GDS\n" + SAMPLE, "no cell pnr_mac"),
    ('Error while reading cell "x" (byte position 4): Unexpected record type in input: \n'
     "    Expected HEADER record but got 114.\n" + SAMPLE, "Expected HEADER record"),
])
def test_parse_output_never_reads_a_failed_run_as_clean(tmp_path, text, why):
    with pytest.raises(ToolError, match=why):
        drc.parse_output(text, tmp_path / "log")


def test_tech_file_patched_into_the_cache_pdk_untouched(magic, tmp_path):
    from fixyasic import pdk
    src = pdk.sky130hd().magic_tech
    digest, mtime = hashlib.sha256(src.read_bytes()).hexdigest(), src.stat().st_mtime_ns
    required = tuple(int(x) for x in re.search(r"requires magic-([\d.]+)", src.read_text())
                     .group(1).split("."))
    installed = drc.magic_version()
    tech = drc.magic_tech(cache_dir=tmp_path)
    if installed < required:   # Debian's 8.3.105 against the PDK's 8.3.111
        assert tech.parent.parent == tmp_path and tech != src
        new, old = tech.read_text().splitlines(), src.read_text().splitlines()
        changed = [(a, b) for a, b in zip(old, new) if a != b]
        assert len(new) == len(old)
        assert changed == [(f" requires magic-{'.'.join(map(str, required))}",
                            f" requires magic-{'.'.join(map(str, installed))}")]
        assert drc.magic_tech(cache_dir=tmp_path) == tech               # cached
    else:
        assert tech == src
    assert drc.magic_tech(cache_dir=tmp_path, version=required) == src  # new enough: the PDK's
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    assert src.stat().st_mtime_ns == mtime


@pytest.fixture(scope="module")
def mac_drc(magic, mac_run, tmp_path_factory):
    return drc.run_drc(mac_run.run_dir / f"{TOP}.gds", TOP, tmp_path_factory.mktemp("drc"))


def test_mac_drc_counts(mac_drc):
    r = mac_drc
    assert r.total > 0 and r.per_rule          # every routed layout has violations so far
    assert all(n > 0 for n in r.per_rule.values())
    assert r.seconds > 0 and "FX_DRC_COUNT" in r.log.read_text()
    # rule texts as the tech file words them, most with the rule's id, e.g. "(met1.2)"
    ids = [m.group(1) for k in r.per_rule if (m := re.search(r"\(([\w.]+)\)$", k))]
    assert len(ids) >= len(r.per_rule) - 1 and all(re.fullmatch(r"[a-zA-Z0-9]+\.\w+", i) for i in ids)
    assert any(k.startswith("Metal") and "spacing" in k for k in r.per_rule)
    # the box report holds exactly the counted boxes, in um inside the die
    report: dict[str, int] = {}
    rule = None
    for line in r.report.read_text().splitlines():
        if line.startswith("  "):
            x0, y0, x1, y1 = map(float, line.split())
            assert 0 <= x0 <= x1 < 1000 and y0 <= y1 < 1000
            report[rule] += 1
        else:
            rule = line
            report[rule] = 0
    assert report == r.per_rule


def test_power_grid_and_taps_are_drc_clean(mac_drc, mac_run):
    """What the floorplan itself fixes: a tap at every row end (no LU.2/LU.3 latch-up distance
    box), and the straps' via stacks carry a met3 patch of minimum area that qrouter keeps its
    met3 spacing from (no met3.2/met3.6 box within 1.5 um of a strap)."""
    from fixyasic.pnr.floorplan import Floorplan
    fp = Floorplan.load(next(Path(mac_run.run_dir).rglob(f"{TOP}.fp.json")))
    straps = [x / fp.dbu for x in fp.straps_x]
    assert straps
    assert not [k for k in mac_drc.per_rule if "(LU." in k]
    near: dict[str, int] = {}
    rule = None
    for line in mac_drc.report.read_text().splitlines():
        if not line.startswith("  "):
            rule = line
            continue
        x0, _, x1, _ = map(float, line.split())
        if "(met3." in rule and min(abs((x0 + x1) / 2 - s) for s in straps) < 1.5:
            near[rule] = near.get(rule, 0) + 1
    assert near == {}


def test_flow_records_drc_without_judging_it(mac_drc, mac_run):
    """The flow's drc node ran the same check on the same GDS; its counts are metrics only."""
    from fixyasic.pnr.steps import PnrOptions, judge
    m = mac_run.metrics
    assert m["drc_violations"] == mac_drc.total and m["drc_rules"] == mac_drc.per_rule
    assert Path(m["drc_report"]).is_file()
    assert mac_run.valid                          # with > 0 DRC errors
    assert judge({**m, "drc_violations": 10 ** 6}, PnrOptions()).valid


def test_missing_gds_is_an_input_error(magic, tmp_path):
    with pytest.raises(InputError, match="GDS not found"):
        drc.run_drc(tmp_path / "nope.gds", TOP, tmp_path / "drc")


def test_unreadable_gds_raises(magic, tmp_path):
    bad = tmp_path / "bad.gds"
    bad.write_bytes(b"not a GDS stream\n" * 10)
    with pytest.raises(ToolError, match="GDS not read cleanly"):
        drc.run_drc(bad, TOP, tmp_path / "drc")


def test_truncated_gds_raises(magic, mac_run, tmp_path):
    data = (mac_run.run_dir / f"{TOP}.gds").read_bytes()
    cut = tmp_path / "cut.gds"
    cut.write_bytes(data[:len(data) // 3])
    with pytest.raises(ToolError, match="GDS not read cleanly"):
        drc.run_drc(cut, TOP, tmp_path / "drc")


def test_top_cell_not_in_gds_raises(magic, mac_run, tmp_path):
    gds = tmp_path / "mac.gds"
    shutil.copyfile(mac_run.run_dir / f"{TOP}.gds", gds)
    with pytest.raises(ToolError, match="no cell no_such_top in the GDS"):
        drc.run_drc(gds, "no_such_top", tmp_path / "drc")
