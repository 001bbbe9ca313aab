"""Switching activity from a simulation trace: per-net toggles per clock cycle and the
fraction of time each net is high (static probability), as OpenSTA's power analysis wants.

The VCD is read line by line with a small parser of our own: pyvcd's tokenizer handles\n~60k value changes/s, too slow for gate-level traces of tens of thousands of nets.
Only one scope is kept (the design under test's own nets); vectors are expanded to bits
named ``name[i]`` as gate-level netlists and OpenSTA name them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError


@dataclass
class NetActivity:
    """toggles per clock cycle and duty (fraction of time at 1) per net bit."""

    activity: dict[str, float]
    duty: dict[str, float]
    cycles: float
    window_ns: float
    scope: str
    unknown_fraction: float = 0.0  # time-weighted share of x/z values seen
    info: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.activity)


@dataclass
class _Bit:
    value: str = "x"
    since: int = 0
    toggles: int = 0
    high_time: int = 0
    known_time: int = 0


def _scale_to_ns(magnitude: int, unit: str) -> float:
    return magnitude * {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0, "ps": 1e-3, "fs": 1e-6}[unit]


def read_vcd_activity(vcd_path: str | os.PathLike, scope: str, clock_period_ns: float,
                      start_ns: float = 0.0) -> NetActivity:
    """Per-bit activity of the variables declared directly in ``scope`` (dotted path, e.g.
    ``tb.dut``), counted from ``start_ns`` (skip reset) to the end of the trace."""
    path = Path(vcd_path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError(f"activity trace {path} is missing or empty")
    if clock_period_ns <= 0:
        raise InputError("clock period must be positive")
    with open(path, "rb") as fh:
        ids, ns_per_tick, found = _read_header(fh, scope.split("."), path)
        if not found:
            raise InputError(f"activity trace {path} has no variables in scope '{scope}'")
        start_tick = int(round(start_ns / ns_per_tick))
        first, end = _read_changes(fh, ids, start_tick, path)
    # a trace may start dumping late (e.g. after a weight preload): count from its first time
    start_tick = max(start_tick, first)
    window = max(end - start_tick, 0)
    if window == 0:
        raise InputError(f"activity trace {path} covers no time after {start_ns} ns")
    cycles = window * ns_per_tick / clock_period_ns
    activity, duty = {}, {}
    unknown = total = 0
    for bits in ids.values():
        for name, b in bits:
            if name in activity:
                continue  # the same net dumped under two id codes
            _close(b, end, start_tick)
            activity[name] = b.toggles / cycles
            duty[name] = b.high_time / b.known_time if b.known_time else 0.5
            unknown += window - b.known_time
            total += window
    return NetActivity(activity, duty, cycles, window * ns_per_tick, scope,
                       unknown_fraction=unknown / total if total else 1.0)


def _read_header(fh, want: list[str], path: Path):
    """Declarations up to $enddefinitions: id code -> [(bit name, counters)] for ``want``."""
    ids: dict[str, list[tuple[str, _Bit]]] = {}
    stack: list[str] = []
    ns_per_tick = 1.0
    found = False
    pending_timescale = False
    for raw in fh:
        words = raw.decode(errors="replace").split()
        if not words:
            continue
        if pending_timescale:
            ns_per_tick = _timescale(" ".join(w for w in words if w != "$end"), path)
            pending_timescale = False
            continue
        head = words[0]
        if head == "$scope":
            stack.append(words[2])
        elif head == "$upscope":
            stack.pop()
        elif head == "$var" and stack == want:
            # $var wire 128 " x [127:0] $end   |   $var wire 1 $ \\xr[9] $end
            found = True
            size, code, ref = int(words[2]), words[3], words[4].lstrip("\\")
            rng = words[5] if len(words) > 6 and words[5].startswith("[") else None
            if rng is None:
                names = [ref] if size == 1 else [f"{ref}[{i}]" for i in range(size)]
            else:
                hi_lo = rng.strip("[]").split(":")
                lo = min(int(v) for v in hi_lo)
                names = [f"{ref}[{lo + i}]" for i in range(size)]
            ids.setdefault(code, []).extend((n, _Bit()) for n in names)
        elif head == "$timescale":
            rest = " ".join(w for w in words[1:] if w != "$end")
            if rest:
                ns_per_tick = _timescale(rest, path)
            else:
                pending_timescale = True
        elif head == "$enddefinitions":
            return ids, ns_per_tick, found
    raise InputError(f"activity trace {path} is truncated (no $enddefinitions)")


def _timescale(text: str, path: Path) -> float:
    t = text.replace(" ", "")
    num = "".join(ch for ch in t if ch.isdigit())
    unit = t[len(num):]
    try:
        return _scale_to_ns(int(num or 1), unit)
    except (KeyError, ValueError):
        raise InputError(f"activity trace {path}: unknown timescale '{text}'") from None


def _read_changes(fh, ids: dict[str, list[tuple[str, _Bit]]], start: int, path: Path) -> tuple[int, int]:
    """Count changes; returns (first, last) time stamp of the trace."""
    t = 0
    first = None
    for raw in fh:
        c = raw[:1]
        if c == b"#":
            try:
                t = int(raw[1:])
                if first is None:
                    first = t
            except ValueError:
                raise InputError(f"activity trace {path} is truncated or malformed (bad time '{raw[:40]!r}')") from None
        elif c in (b"0", b"1", b"x", b"z", b"X", b"Z"):
            bits = ids.get(raw[1:].strip().decode())
            if bits:
                _set(bits[0][1], chr(c[0]).lower(), t, start)
        elif c in (b"b", b"B"):
            val, _, code = raw[1:].decode().strip().partition(" ")
            bits = ids.get(code)
            if bits:
                val = val.lower()
                n = len(bits)
                if len(val) < n:
                    val = val.rjust(n, val[0] if val[0] in "xz" else "0")
                for (_, b), ch in zip(bits, reversed(val[-n:])):
                    _set(b, ch, t, start)
    return (first or 0), t


def _set(b: _Bit, v: str, t: int, start: int) -> None:
    _close(b, t, start)
    if v != b.value and t >= start and b.value in "01" and v in "01":
        b.toggles += 1
    b.value = v
    b.since = t


def _close(b: _Bit, t: int, start: int) -> None:
    """Account the time since the last change (only the part after ``start``)."""
    lo = max(b.since, start)
    if t > lo and b.value in "01":
        b.known_time += t - lo
        if b.value == "1":
            b.high_time += t - lo
    b.since = max(b.since, t)
