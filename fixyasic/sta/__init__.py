"""Timing and activity-annotated power with OpenSTA (Debian's 2019 build)."""

from .activity import NetActivity, read_vcd_activity
from .opensta import PowerResult, StaResult, run_sta, sta_liberty, sta_netlist

__all__ = ["NetActivity", "read_vcd_activity", "PowerResult", "StaResult", "run_sta", "sta_liberty", "sta_netlist"]
