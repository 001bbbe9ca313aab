"""OpenSTA timing and activity-annotated power on a real synthesized netlist."""

import subprocess

import pytest

from fixyasic.errors import InputError
from fixyasic.gatesim import DEFINES, gate_models
from fixyasic.pdk import sky130hd
from fixyasic.sta import read_vcd_activity, run_sta
from fixyasic.toolcheck import require

TB = """`timescale 1ns/1ps
module tb;
  reg clk = 0; reg [127:0] x = 0; wire [19:0] y;
  mac16x8 dut(.clk(clk), .x(x), .y(y));
  always #5 clk = ~clk;
  integer i;
  initial begin
    $dumpfile("act.vcd"); $dumpvars(1, tb.dut);
    for (i = 0; i < 120; i = i + 1) begin
      @(negedge clk); x = HOLD ? 128'd0 : {$random, $random, $random, $random};
    end
    $finish;
  end
endmodule
"""


def simulate(netlist, work, hold):
    require("iverilog")
    work.mkdir(parents=True, exist_ok=True)
    (work / "tb.v").write_text(TB.replace("HOLD", "1" if hold else "0"))
    defs = [f"-D{k}" + (f"={v}" if v is not None else "") for k, v in DEFINES.items()]
    subprocess.run(["iverilog", "-g2012", "-o", "sim.vvp", *defs, "tb.v", str(netlist), *map(str, gate_models())],
                   cwd=work, check=True, capture_output=True)
    subprocess.run(["vvp", "-n", "sim.vvp"], cwd=work, check=True, capture_output=True)
    return work / "act.vcd"


@pytest.fixture(scope="module")
def random_activity(mac_synth, tmp_path_factory):
    vcd = simulate(mac_synth.netlist, tmp_path_factory.mktemp("sim_rand"), hold=False)
    return read_vcd_activity(vcd, "tb.dut", clock_period_ns=10.0, start_ns=10.0)


def test_activity_from_trace(random_activity):
    a = random_activity
    assert a.activity["clk"] == pytest.approx(2.0, rel=0.02)  # two edges per cycle
    assert a.duty["clk"] == pytest.approx(0.5, abs=0.02)
    # random input bits toggle about half the cycles
    xs = [a.activity[f"x[{i}]"] for i in range(128)]
    assert 0.4 < sum(xs) / len(xs) < 0.6
    assert a.unknown_fraction < 0.01


def test_timing_and_power_annotated_on_all_nets(mac_synth, random_activity, tmp_path):
    r = run_sta(mac_synth.netlist, "mac16x8", sky130hd().liberty("tt"), tmp_path, period_ns=10.0,
                activity=random_activity)
    assert r.total_nets > 1000
    assert r.annotated_fraction > 0.95
    assert r.timing_met and 0 < r.worst_slack_ns < 10
    assert r.fmax_mhz == pytest.approx(1000 / (10 - r.worst_slack_ns))
    assert r.power_activity.total_w > 0 and r.power_vectorless.total_w > 0
    assert r.power_activity.internal_w > 0  # liberty fix: internal power is not silently zero
    assert r.power_activity.total_w != pytest.approx(r.power_vectorless.total_w, rel=0.05)


def test_quiet_inputs_cost_less_than_random_ones(mac_synth, random_activity, tmp_path):
    quiet = read_vcd_activity(simulate(mac_synth.netlist, tmp_path / "sim", hold=True), "tb.dut", 10.0, 10.0)
    lib = sky130hd().liberty("tt")
    p_quiet = run_sta(mac_synth.netlist, "mac16x8", lib, tmp_path / "q", activity=quiet).power_activity
    p_rand = run_sta(mac_synth.netlist, "mac16x8", lib, tmp_path / "r", activity=random_activity).power_activity
    assert p_quiet.switching_w < 0.2 * p_rand.switching_w
    assert p_quiet.total_w < p_rand.total_w


def test_tight_clock_reports_negative_slack(mac_synth, tmp_path):
    r = run_sta(mac_synth.netlist, "mac16x8", sky130hd().liberty("tt"), tmp_path, period_ns=2.0)
    assert not r.timing_met and r.worst_slack_ns < 0 and r.fmax_mhz < 500


def test_bad_traces(tmp_path):
    with pytest.raises(InputError, match="missing or empty"):
        read_vcd_activity(tmp_path / "none.vcd", "tb.dut", 10.0)
    (tmp_path / "t.vcd").write_text("$timescale 1ps $end\n$scope module tb $end\n")
    with pytest.raises(InputError, match="truncated"):
        read_vcd_activity(tmp_path / "t.vcd", "tb.dut", 10.0)
