"""Find external executables and say exactly what to install when one is missing."""

from __future__ import annotations

import re
import shutil
import subprocess

from .errors import ToolError

# executable -> how to get it on Debian bookworm / PyPI
INSTALL_HINTS = {
    "iverilog": "apt-get install iverilog",
    "vvp": "apt-get install iverilog",
    "verilator": "apt-get install verilator",
    "qrouter": "apt-get install qrouter",
    "graywolf": "apt-get install graywolf",
    "sta": "apt-get install opensta",
    "magic": "apt-get install magic",
    "yosys": "pip install pyosys (fixyasic ships a yosys console on top of it)",
    "node": "apt-get install nodejs npm",
}


def require(exe: str) -> str:
    """Return the absolute path of ``exe`` or raise ToolError naming the install command."""
    path = shutil.which(exe)
    if path is None:
        hint = INSTALL_HINTS.get(exe, f"install '{exe}'")
        raise ToolError(f"required tool '{exe}' not found on PATH; install it with: {hint} "
                        f"(or run scripts/setup.sh)")
    return path


def version_of(exe: str, flag: str = "--version") -> tuple[int, ...] | None:
    """Best-effort numeric version of an executable, e.g. (0, 48)."""
    try:
        out = subprocess.run([exe, flag], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out.stdout + out.stderr)
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)
