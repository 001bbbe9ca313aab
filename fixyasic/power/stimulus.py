"""Stimulus for gate-level activity simulation.

A `Stimulus` is either a ready testbench (Verilog file instantiating the design as `dut` inside
module `tb` and dumping `tb.dut` to the VCD path given by the +vcd plusarg) or per-cycle values
for the design's input ports (`vectors`, e.g. dataset pixels one per clock), from which a
testbench is generated. RTL/baseline stages build one from real images."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..pnr.netlist import Netlist


@dataclass
class Stimulus:
    vectors: dict[str, np.ndarray] | None = None   # input port -> value per cycle
    testbench: Path | None = None                   # alternative: a complete testbench
    reset_port: str | None = None                   # held active for reset_cycles first
    reset_active_high: bool = True
    reset_cycles: int = 4
    source: str = "user"                            # e.g. "fashion_mnist test[0:8]"
    extra: dict = field(default_factory=dict)

    def cycles(self) -> int:
        if not self.vectors:
            return 0
        return max(len(v) for v in self.vectors.values())


def random_stimulus(nl: Netlist, cycles: int, seed: int = 0, clock_port: str | None = None,
                    reset_port: str | None = None) -> Stimulus:
    """Uniform random inputs: a fallback when a design brings no real stimulus (marked as such)."""
    rng = np.random.default_rng(seed)
    vec = {}
    for name, d, w in nl.ports:
        if d != "input" or name in (clock_port, reset_port):
            continue
        bits = max(w, 1)
        vec[name] = rng.integers(0, 1 << min(bits, 62), size=cycles, dtype=np.int64)
    return Stimulus(vectors=vec, reset_port=reset_port, source=f"random seed={seed}")


def write_testbench(nl: Netlist, stim: Stimulus, clock_port: str, clock_ns: float,
                    workdir: Path) -> tuple[Path, int]:
    """Testbench driving `stim.vectors` (one value per rising edge, changed on the falling edge)
    into `nl`; returns (tb path, cycles simulated)."""
    if stim.testbench is not None:
        return Path(stim.testbench), stim.extra.get("cycles", 0)
    if not stim.vectors:
        raise InputError("stimulus has neither vectors nor a testbench")
    ports = {n: (d, w) for n, d, w in nl.ports}
    for name in stim.vectors:
        if name not in ports or ports[name][0] != "input":
            raise InputError(f"stimulus drives '{name}', which is not an input of {nl.top}")
    n = stim.cycles()
    workdir = Path(workdir)
    lines = ["`timescale 1ns/1ps", "module tb;", f"  reg {clock_port} = 0;"]
    decls, drives, inits = [], [], []
    for name, (d, w) in ports.items():
        if d != "input" or name == clock_port:
            continue
        rng = f"[{w - 1}:0] " if w else ""
        decls.append(f"  reg {rng}{name} = 0;")
    for name, (d, w) in ports.items():
        if d == "output":
            rng = f"[{w - 1}:0] " if w else ""
            decls.append(f"  wire {rng}{name};")
    lines += decls
    for k, (name, values) in enumerate(stim.vectors.items()):
        w = max(ports[name][1], 1)
        mem = workdir / f"stim_{k}.hex"
        vals = np.asarray(values).astype(np.int64) & ((1 << w) - 1 if w < 63 else -1)
        mem.write_text("\n".join(f"{int(v):x}" for v in vals) + "\n")
        lines.append(f"  reg [{w - 1}:0] mem_{k} [0:{len(vals) - 1}];")
        inits.append(f"    $readmemh(\"{mem.resolve()}\", mem_{k});")
        drives.append(f"      if (cyc < {len(vals)}) {name} = mem_{k}[cyc];")
    conns = ", ".join(f".{n}({n})" for n in ports)
    rst = stim.reset_port
    lines += [f"  {nl.top} dut ({conns});", "  integer cyc;", "  reg [1023:0] vcdfile;",
              f"  always #{clock_ns / 2:.4f} {clock_port} = ~{clock_port};", "  initial begin", *inits]
    if rst:
        lines.append(f"    {rst} = {1 if stim.reset_active_high else 0};")
    lines += ["    if (!$value$plusargs(\"vcd=%s\", vcdfile)) vcdfile = \"activity.vcd\";",
              "    $dumpfile(vcdfile);", "    $dumpvars(1, tb.dut);"]
    if rst:
        lines += [f"    repeat ({stim.reset_cycles}) @(negedge {clock_port});",
                  f"    {rst} = {0 if stim.reset_active_high else 1};"]
    lines += ["    for (cyc = 0; cyc < %d; cyc = cyc + 1) begin" % n, f"      @(negedge {clock_port});",
              *drives, "    end", f"    @(negedge {clock_port});", "    $finish;", "  end", "endmodule"]
    tb = workdir / "tb_activity.v"
    tb.write_text("\n".join(lines) + "\n")
    return tb, n


def save_stimulus(stim: Stimulus, path: Path) -> Path:
    """npz: one array per driven port plus a JSON header (reset, source) - the SC flow's input."""
    import json
    if stim.vectors is None:
        raise InputError("only vector stimuli can be saved")
    meta = {"reset_port": stim.reset_port, "reset_active_high": stim.reset_active_high,
            "reset_cycles": stim.reset_cycles, "source": stim.source}
    path = Path(path)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, __meta__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
             **{f"port_{k}": np.asarray(v) for k, v in stim.vectors.items()})
    tmp.replace(path)
    return path


def load_stimulus(path: Path) -> Stimulus:
    import json
    with np.load(Path(path)) as z:
        meta = json.loads(bytes(z["__meta__"]).decode())
        vec = {k[5:]: z[k] for k in z.files if k.startswith("port_")}
    return Stimulus(vectors=vec, reset_port=meta["reset_port"],
                    reset_active_high=meta["reset_active_high"], reset_cycles=meta["reset_cycles"],
                    source=meta["source"])
