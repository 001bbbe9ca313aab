"""Design-rule check of a GDS with magic and the PDK's sky130A tech file (a metric for now).

Counts, both from magic's full DRC style (`drc(full)`, euclidean distances):

- ``total``: the error tiles in the top cell's DRC error plane (`drc list count total`).
  magic stores errors as corner-stitched tiles, so one error area may be several tiles, and
  overlapping errors of different rules share tiles. It covers the top cell's own paint (routing,
  power grid) and every interaction between cells and with the routing. Each cell definition
  checked alone (a standard cell or via cell outside the layout: 1-24 tiles each on sky130hd) is
  not counted; `drc listall count` would add those.
- ``per_rule``: rule text -> distinct error boxes `drc listall why` reports for it. A box is one
  piece of an offending edge, so a violation between two shapes may give several boxes;
  identical boxes (magic lists some more than once) count once.
  The sum over rules is not ``total``.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, PdkError, ToolError
from ..toolcheck import require, version_of

# the tech file's minimum-version line, e.g. " requires magic-8.3.111"
_REQUIRES = re.compile(r"^(\s*requires\s+magic-)(\d+(?:\.\d+)*)\s*$", re.M)


@dataclass
class DrcResult:
    total: int                 # error tiles in the top cell (see the module docstring)
    per_rule: dict[str, int]   # rule text -> distinct error boxes
    seconds: float
    log: Path                  # magic's output
    report: Path               # every rule and its boxes in um (llx lly urx ury)


def magic_version() -> tuple[int, ...]:
    """The installed magic's version, e.g. (8, 3, 105); ToolError if magic is missing or mute."""
    exe = require("magic")
    ver = version_of(exe, "--version")
    if ver is None:
        raise ToolError(f"cannot tell the version of {exe} ('magic --version' printed no version)")
    return ver


def _vstr(ver: tuple[int, ...]) -> str:
    return ".".join(map(str, ver))


def magic_tech(cache_dir: Path | None = None, version: tuple[int, ...] | None = None) -> Path:
    """The PDK's sky130A.tech as the installed magic accepts it.

    The PDK's file asks for a newer magic (`requires magic-8.3.111`) than Debian ships (8.3.105),
    and magic refuses it. With the line lowered to the installed version the file loads and
    checks; the copy (only that line changed) goes into the cache, the PDK stays untouched.
    A magic at least as new as the requirement gets the PDK's own file."""
    from .. import pdk
    from .config import _cache_dir
    src = pdk.sky130hd().magic_tech
    text = src.read_text()
    m = _REQUIRES.search(text)
    if m is None:
        raise PdkError(f"{src}: no 'requires magic-X.Y.Z' line in its version section")
    required = tuple(int(x) for x in m.group(2).split("."))
    have = version or magic_version()
    if have >= required:
        return src
    dst = _cache_dir(cache_dir) / "magic" / f"{src.stem}.magic-{_vstr(have)}.tech"
    if not dst.exists() or dst.stat().st_mtime < src.stat().st_mtime:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".tmp")
        tmp.write_text(text[:m.start(2)] + _vstr(have) + text[m.end(2):])
        tmp.replace(dst)
    return dst


def _tcl_word(s: str | Path) -> str:
    s = str(s)
    if any(c in s for c in "{}\\\n"):
        raise InputError(f"path or name not usable in a magic script: {s!r}")
    return "{" + s + "}"


def drc_script(gds: Path, top: str, report: Path) -> str:
    """The magic Tcl script: tagged FX_ lines on stdout, the error boxes into ``report``."""
    # magic carries on after a GDS it cannot read (or without the top cell in it) and checks an
    # empty new cell: 0 errors. FX_ERROR and the final FX_DRC_DONE tell those runs apart.
    return "\n".join([
        "crashbackups stop",
        f"if {{[catch {{gds read {_tcl_word(gds)}}} msg]}} {{",
        "    puts \"FX_ERROR gds read: $msg\"; quit -noprompt }",
        f"if {{[lsearch -exact [cellname list allcells] {_tcl_word(top)}] < 0}} {{",
        f"    puts \"FX_ERROR no cell {top} in the GDS\"; quit -noprompt }}",
        f"load {_tcl_word(top)}",
        "select top cell",
        "drc euclidean on",
        "drc style drc(full)",
        "drc check",
        "drc catchup",
        "puts \"FX_DRC_COUNT [drc list count total]\"",
        "set um [cif scale out]",
        f"set f [open {_tcl_word(report)} w]",
        "foreach {why boxes} [drc listall why] {",
        "    set distinct [lsort -unique $boxes]",
        "    puts \"FX_WHY [llength $distinct] [llength $boxes] $why\"",
        "    puts $f \"$why\"",
        "    foreach b $distinct {",
        "        puts $f [format \"  %.3f %.3f %.3f %.3f\" {*}[lmap v $b {expr {$v * $um}}]]",
        "    }",
        "}",
        "close $f",
        "puts FX_DRC_DONE",
        "quit -noprompt",
        ""])


def parse_output(text: str, log: Path) -> tuple[int, dict[str, int]]:
    """(total, per_rule) from magic's output; ToolError unless the GDS was read cleanly and the
    script ran to its end."""
    def fail(why: str) -> ToolError:
        return ToolError(f"magic DRC failed: {why} (log {log})")

    # first: a damaged GDS may still hold the top cell, with some of its cells cut short
    bad = re.search(r"^(Error while reading cell.*|Cannot open .*)$(\n[ \t]+\S.*$)?", text, re.M)
    if bad:
        raise fail("GDS not read cleanly: " + " ".join((bad.group(1) + (bad.group(2) or "")).split()))
    err = re.search(r"^FX_ERROR (.*)$", text, re.M)
    if err:
        raise fail(err.group(1).strip())
    count = re.search(r"^FX_DRC_COUNT (\d+)\s*$", text, re.M)
    done = re.search(r"^FX_DRC_DONE\s*$", text, re.M)
    if count is None or done is None:
        last = next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "no output")
        raise fail(f"the script stopped before its end (last line: {last})")
    per_rule: dict[str, int] = {}
    for m in re.finditer(r"^FX_WHY (\d+) \d+ (.*?)\s*$", text, re.M):
        per_rule[m.group(2)] = per_rule.get(m.group(2), 0) + int(m.group(1))
    return int(count.group(1)), per_rule


def run_drc(gds: Path, top: str, workdir: Path, timeout: float = 3600.0) -> DrcResult:
    """magic's full DRC of ``top`` in ``gds``; script, log and box report go into ``workdir``.

    Never returns a result for a run that did not finish: a missing GDS is an InputError, a
    magic that fails, times out, cannot read the GDS or does not find ``top`` a ToolError."""
    gds = Path(gds).resolve()
    if not gds.is_file() or gds.stat().st_size == 0:
        raise InputError(f"GDS not found or empty: {gds}")
    exe = require("magic")
    tech = magic_tech()
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "drc.tcl"
    report = workdir / f"{top}.drc.txt"
    log = workdir / "magic_drc.log"
    report.unlink(missing_ok=True)
    script.write_text(drc_script(gds, top, report))
    t0 = time.time()
    # stdin from /dev/null: after a Tcl error magic would otherwise wait at its prompt
    try:
        proc = subprocess.run([exe, "-dnull", "-noconsole", "-T", str(tech), str(script)],
                              cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout
        log.write_text(out.decode(errors="replace") if isinstance(out, bytes) else (out or ""))
        raise ToolError(f"magic DRC of {gds.name} did not finish within {timeout:.0f} s "
                        f"(log {log})") from None
    seconds = time.time() - t0
    log.write_text(proc.stdout)
    if proc.returncode != 0:
        raise ToolError(f"magic exited with status {proc.returncode} on {gds.name} (log {log})")
    total, per_rule = parse_output(proc.stdout, log)
    return DrcResult(total, per_rule, round(seconds, 2), log, report)
