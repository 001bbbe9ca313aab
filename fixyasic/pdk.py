"""Where the sky130 PDK data lives on this machine, and the per-PDK settings in pdk_configs/.

fixyasic never downloads PDK data. lambdapdk's data root (the directory holding
``lambdapdk/sky130/...``) is, in order:

1. ``$FIXYASIC_PDK_ROOT`` if set (it must then exist),
2. ``<checkout>/../shared/pdk/lambdapdk`` when that directory exists,
3. nothing: lambdapdk's own behaviour (a download, which needs internet).

Every path getter checks that its file exists and raises one PdkError naming the file and the
variable to set, so a missing PDK never surfaces as a tool crash deep inside a flow.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import PdkError

ENV_VAR = "FIXYASIC_PDK_ROOT"

# Corner aliases: fixyasic short names and SiliconCompiler's libcorner names -> liberty file stem.
_HD_CORNERS = {
    "tt": "tt_025C_1v80",
    "ff": "ff_100C_1v95",
    "ss": "ss_n40C_1v40",
}
_CORNER_ALIASES = {"typical": "tt", "fast": "ff", "slow": "ss"}
# SiliconCompiler's name for each short corner (its libcorner / scenario names).
SC_CORNER = {"tt": "typical", "ff": "fast", "ss": "slow"}


def repo_root() -> Path:
    """The checkout (or installed tree) root: the directory above the fixyasic package."""
    return Path(__file__).resolve().parent.parent


def _default_shared_root() -> Path:
    return repo_root().parent / "shared" / "pdk" / "lambdapdk"


def _hint() -> str:
    return (f"set {ENV_VAR} to the directory that holds lambdapdk/sky130 "
            f"(e.g. /path/to/shared/pdk/lambdapdk)")


def pdk_root() -> Path | None:
    """lambdapdk's local data root, or None to leave lambdapdk to its own (download) behaviour.

    Raises PdkError when ``$FIXYASIC_PDK_ROOT`` is set but is not a directory.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        root = Path(env).expanduser()
        if not root.is_dir():
            raise PdkError(f"PDK directory not found: {root} (from {ENV_VAR}); {_hint()}")
        return root.resolve()
    shared = _default_shared_root()
    if shared.is_dir():
        return shared.resolve()
    return None


def require_pdk_root() -> Path:
    """Like pdk_root() but a missing local root is an error (nothing may download here)."""
    root = pdk_root()
    if root is None:
        raise PdkError(f"no local PDK data: {ENV_VAR} is not set and {_default_shared_root()} "
                       f"does not exist; {_hint()}")
    return root


def _need(path: Path) -> Path:
    if not path.is_file():
        raise PdkError(f"PDK file missing: {path}; {_hint()}")
    return path


@dataclass(frozen=True)
class StdCellPdk:
    """File paths of one lambdapdk standard-cell library plus its process base files."""

    root: Path          # lambdapdk data root (holds lambdapdk/<process>/...)
    process: str        # e.g. "sky130"
    libname: str        # e.g. "sky130hd"
    cell_prefix: str    # e.g. "sky130_fd_sc_hd"

    @property
    def base_dir(self) -> Path:
        return self.root / "lambdapdk" / self.process / "base"

    @property
    def lib_dir(self) -> Path:
        return self.root / "lambdapdk" / self.process / "libs" / self.libname

    def liberty(self, corner: str = "tt") -> Path:
        """NLDM liberty (.lib.gz) for corner 'tt'|'ff'|'ss' (or 'typical'|'fast'|'slow')."""
        short = _CORNER_ALIASES.get(corner, corner)
        if short not in _HD_CORNERS:
            raise PdkError(f"unknown corner '{corner}' for {self.libname}; "
                           f"use one of {sorted(_HD_CORNERS)}")
        return _need(self.lib_dir / "nldm" / f"{self.cell_prefix}__{_HD_CORNERS[short]}.lib.gz")

    @property
    def lef(self) -> Path:
        """Merged cell LEF (macros only; pair it with tech_lef)."""
        return _need(self.lib_dir / "lef" / f"{self.cell_prefix}_merged.lef")

    @property
    def tech_lef(self) -> Path:
        return _need(self.base_dir / "apr" / "sky130_fd_sc.tlef")

    @property
    def cell_verilog(self) -> Path:
        """Behavioural Verilog models of every cell (for gate-level simulation)."""
        return _need(self.lib_dir / "verilog" / f"{self.cell_prefix}.v")

    @property
    def primitives_verilog(self) -> Path:
        """UDP primitives the cell models instantiate."""
        return _need(self.lib_dir / "verilog" / "primitives.v")

    @property
    def gds(self) -> Path:
        return _need(self.lib_dir / "gds" / f"{self.cell_prefix}.gds")

    @property
    def cdl(self) -> Path:
        return _need(self.lib_dir / "cdl" / f"{self.cell_prefix}.cdl")

    @property
    def klayout_lyt(self) -> Path:
        return _need(self.base_dir / "setup" / "klayout" / "skywater130.lyt")

    @property
    def klayout_lyp(self) -> Path:
        return _need(self.base_dir / "setup" / "klayout" / "sky130A.lyp")

    @property
    def magic_tech(self) -> Path:
        return _need(self.base_dir / "setup" / "magic" / "sky130A.tech")

    def pex_rules(self, corner: str = "typical") -> Path:
        """OpenRCX rules file; corner 'minimum'|'typical'|'maximum'."""
        return _need(self.base_dir / "pex" / "openroad" / f"{corner}.rules")

    def check(self) -> "StdCellPdk":
        """Touch every file fixyasic's flows read; raises PdkError on the first one missing."""
        for corner in _HD_CORNERS:
            self.liberty(corner)
        for name in ("lef", "tech_lef", "cell_verilog", "primitives_verilog", "gds"):
            getattr(self, name)
        return self


def sky130hd(root: Path | str | None = None) -> StdCellPdk:
    """The sky130 high-density cell library (sky130_fd_sc_hd) from the local lambdapdk data."""
    base = Path(root) if root is not None else require_pdk_root()
    lib = StdCellPdk(root=base, process="sky130", libname="sky130hd", cell_prefix="sky130_fd_sc_hd")
    if not lib.lib_dir.is_dir():
        raise PdkError(f"PDK directory missing: {lib.lib_dir}; {_hint()}")
    return lib


def config_dir() -> Path:
    return repo_root() / "pdk_configs"


def pdk_config(name: str = "sky130hd") -> dict:
    """Load pdk_configs/<name>.json: corner, clock target, utilization, dont-use cells, pin layers."""
    path = config_dir() / f"{name}.json"
    if not path.is_file():
        raise PdkError(f"no PDK settings for '{name}': {path} is missing")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise PdkError(f"{path}: not valid JSON ({exc})") from None
