"""Switching activity for power: gate-level simulation of the placed netlist on a stimulus (e.g.
dataset images streamed through the design's input ports), VCD -> per-net toggles per clock cycle
and static probability, ready for OpenSTA's set_power_activity."""
