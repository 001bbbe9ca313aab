"""Gate-level netlist model shared by the P&R steps.

The netlist is read through pyosys (yosys' own Verilog parser, cells known from the liberty) and
rewritten in one canonical form: flat, one net per bit, simple net names, no constants (tie cells),
no assigns (buffers). DEF, SPEF, STA and the gate-level simulation all use that file, so their net
names agree."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, ToolError
from .config import load_config, plain_liberty

_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Instance:
    name: str
    cell: str
    conns: dict[str, str]  # pin -> net


@dataclass
class Netlist:
    top: str
    ports: list[tuple[str, str, int]]  # (name, direction input|output, width); width 0 = scalar
    instances: list[Instance] = field(default_factory=list)

    def port_bits(self) -> list[tuple[str, str]]:
        """(bit name, direction) for every port bit; bit name is the net name."""
        out = []
        for name, direction, width in self.ports:
            if width == 0:
                out.append((name, direction))
            else:
                out.extend((f"{name}[{i}]", direction) for i in range(width))
        return out

    def nets(self) -> dict[str, list[tuple[str, str]]]:
        """net -> [(instance or 'PIN', pin or port bit)]."""
        nets: dict[str, list[tuple[str, str]]] = {}
        for bit, _ in self.port_bits():
            nets.setdefault(bit, []).append(("PIN", bit))
        for inst in self.instances:
            for pin, net in inst.conns.items():
                nets.setdefault(net, []).append((inst.name, pin))
        return nets

    def write_verilog(self, path: Path) -> Path:
        path = Path(path)
        lines = [f"// canonical netlist written by fixyasic.pnr", f"module {self.top} ("]
        lines.append(",\n".join(f"    {n}" for n, _, _ in self.ports))
        lines.append(");")
        port_nets = set()
        for name, direction, width in self.ports:
            rng = f"[{width - 1}:0] " if width else ""
            lines.append(f"  {direction} {rng}{name};")
            port_nets.update(b for b, _ in self.port_bits())
        wires = sorted({n for i in self.instances for n in i.conns.values()} - port_nets)
        for w in wires:
            lines.append(f"  wire {w};")
        for inst in self.instances:
            conns = ", ".join(f".{p}({_vname(n)})" for p, n in inst.conns.items())
            lines.append(f"  {inst.cell} {inst.name} ({conns});")
        lines.append("endmodule")
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(path)
        return path


def _vname(net: str) -> str:
    return net  # canonical names are simple identifiers or port bits name[i]


def _yosys_json(netlist_v: Path, top: str, liberty: Path) -> dict:
    try:
        from pyosys import libyosys as ys
    except ImportError as exc:  # pragma: no cover
        raise ToolError("pyosys is missing: pip install pyosys") from exc
    d = ys.Design()
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "n.json"
        for cmd in (f"read_liberty -lib {liberty}", f"read_verilog {netlist_v}",
                    f"hierarchy -check -top {top}", "flatten", "opt_clean",
                    f"write_json {out}"):
            try:
                ys.run_pass(cmd, d)
            except Exception as exc:  # yosys raises RuntimeError-like errors
                raise InputError(f"yosys could not read netlist {netlist_v}: {exc}") from exc
        return json.loads(out.read_text())


def load_netlist(netlist_v: Path, top: str, corner: str = "tt") -> Netlist:
    """Read a sky130hd gate netlist and return it in canonical form (see module doc)."""
    netlist_v = Path(netlist_v)
    if not netlist_v.exists():
        raise InputError(f"netlist not found: {netlist_v}")
    cfg = load_config()
    data = _yosys_json(netlist_v, top, plain_liberty(corner))
    if top not in data["modules"]:
        raise InputError(f"top module '{top}' not in {netlist_v}")
    mod = data["modules"][top]
    bitname: dict[int, str] = {}
    ports: list[tuple[str, str, int]] = []
    port_bit_of: dict[int, list[str]] = {}
    for pname, p in mod["ports"].items():
        if not _SIMPLE.match(pname):
            raise InputError(f"port name '{pname}' is not a plain identifier")
        bits = p["bits"]
        width = len(bits) if (len(bits) > 1 or p.get("upto") or "offset" in p and p["offset"]) else 0
        ports.append((pname, p["direction"], width))
        for i, b in enumerate(bits):
            name = f"{pname}[{i}]" if width else pname
            port_bit_of.setdefault(b, []).append(name)
    # net names: port bit names first, then readable simple wire names, else n<bit>
    for b, names in port_bit_of.items():
        if isinstance(b, int):
            bitname[b] = names[0]
    for wname, w in mod["netnames"].items():
        for i, b in enumerate(w["bits"]):
            if not isinstance(b, int) or b in bitname:
                continue
            base = wname.lstrip("\\")
            cand = base if len(w["bits"]) == 1 else f"{base}_{i}"
            if _SIMPLE.match(cand) and not w.get("hide_name"):
                bitname[b] = cand
    used = set(bitname.values())
    nl = Netlist(top, ports)
    tie = cfg["tie_cell"]
    buf = cfg["buffer_cell"]
    tie_nets: dict[str, str] = {}

    def net_of(b) -> str:
        if isinstance(b, int):
            if b not in bitname:
                name = f"n{b}"
                while name in used:
                    name += "_"
                used.add(name)
                bitname[b] = name
            return bitname[b]
        if b in ("0", "1"):
            if b not in tie_nets:
                tie_nets[b] = f"tie_{'hi' if b == '1' else 'lo'}"
                nl.instances.append(Instance(f"fx_tie_{b}", tie["cell"],
                                             {tie["hi" if b == "1" else "lo"]: tie_nets[b]}))
            return tie_nets[b]
        raise InputError(f"netlist {netlist_v} has an undefined (x/z) connection; synthesize with setundef")

    for cname, c in mod["cells"].items():
        ctype = c["type"]
        if ctype.startswith("$"):
            raise InputError(f"netlist {netlist_v} still has generic cell {ctype} ({cname}); "
                             f"it must be mapped to sky130hd cells")
        name = cname.lstrip("\\")
        if not _SIMPLE.match(name):
            name = "u_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
        conns = {}
        for pin, bits in c["connections"].items():
            if len(bits) != 1:
                raise InputError(f"cell {cname} pin {pin} has {len(bits)} bits")
            conns[pin] = net_of(bits[0])
        nl.instances.append(Instance(name, ctype, conns))
    # make instance names unique
    seen: set[str] = set()
    for inst in nl.instances:
        while inst.name in seen:
            inst.name += "_"
        seen.add(inst.name)
    # output port bits that are not the net's own name (aliases of another port or a constant)
    # get a buffer so each port bit is its own net and no assign is needed
    for pname, direction, width in ports:
        mbits = mod["ports"][pname]["bits"]
        for i, b in enumerate(mbits):
            bit = f"{pname}[{i}]" if width else pname
            src = net_of(b)
            if direction == "output" and src != bit:
                nl.instances.append(Instance(f"fx_obuf_{len(nl.instances)}", buf["cell"],
                                             {buf["in"]: src, buf["out"]: bit}))
            elif direction == "input" and src != bit:
                raise InputError(f"input {bit} aliased to {src}")
    bad = sorted({i.cell for i in nl.instances if cfg.is_dont_use(i.cell)})
    if bad:
        raise InputError(f"netlist uses cells on the P&R dont-use list: {', '.join(bad)} "
                         f"(synthesize with `fixyasic synth --pnr-ready`, i.e. pnr_ready=True)")
    return nl


_SYNTH_BUFFER = re.compile(r"^sky130_fd_sc_hd__buf_\d+$")


def remove_buffers(nl: Netlist) -> int:
    """Remove synthesis' signal buffers in place (each one's output net joins its input net);
    returns how many. ABC buffers high-fanout nets as a chain of buf_1, each driving ~10 loads
    and the next buffer: fine by its wire-less delay model, not across a placed die (a 35-buffer
    chain made -23.8 ns setup slack on the full-size baseline). step_cts then builds
    placement-aware trees for every net above the fanout limit. A buffer is kept where removing
    it would join two ports' nets, or feed an output port from an input port directly."""
    ports = {b for b, _ in nl.port_bits()}
    parent: dict[str, str] = {}

    def root(n: str) -> str:
        while parent.get(n, n) != n:
            parent[n] = parent.get(parent[n], parent[n])
            n = parent[n]
        return n

    keep: list[Instance] = []
    removed = 0
    for inst in nl.instances:
        a, x = inst.conns.get("A"), inst.conns.get("X")
        if not _SYNTH_BUFFER.match(inst.cell) or a is None or x is None or len(inst.conns) != 2:
            keep.append(inst)
            continue
        ra, rx = root(a), root(x)
        if ra in ports and rx in ports or ra == rx:
            keep.append(inst)
            continue
        # a port's net keeps its name: the port bit is the net
        if rx in ports:
            parent[ra] = rx
        else:
            parent[rx] = ra
        removed += 1
    if removed:
        for inst in keep:
            inst.conns = {p: root(n) for p, n in inst.conns.items()}
        nl.instances[:] = keep
    return removed
