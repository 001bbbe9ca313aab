"""P&R settings for sky130hd (pdk_configs/sky130hd_pnr.json) and the PDK files they refer to."""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import PdkError

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_PATH = REPO_ROOT / "pdk_configs" / "sky130hd_pnr.json"
_DEFAULT_PDK_ROOT = Path("/work/shared/pdk/lambdapdk/lambdapdk")


@dataclass(frozen=True)
class PdkFiles:
    liberty_gz: Path
    lef: Path
    tech_lef: Path
    cell_verilog: Path
    primitives_verilog: Path
    gds: Path
    klayout_lyt: Path
    klayout_lyp: Path


def pdk_files(corner: str = "tt") -> PdkFiles:
    """PDK paths, from fixyasic.pdk when it exists, else from the lambdapdk tree."""
    try:
        from .. import pdk as fxpdk  # written by the foundation stage
        p = fxpdk.sky130hd()
        return PdkFiles(Path(p.liberty(corner)), Path(p.lef), Path(p.tech_lef), Path(p.cell_verilog),
                        Path(p.primitives_verilog), Path(p.gds), Path(p.klayout_lyt),
                        Path(p.klayout_lyp))
    except (ImportError, AttributeError):
        pass
    root = Path(os.environ.get("FIXYASIC_PDK_ROOT", _DEFAULT_PDK_ROOT))
    sky = root / "sky130"
    lib = sky / "libs" / "sky130hd"
    names = {"tt": "tt_025C_1v80", "ff": "ff_100C_1v95", "ss": "ss_n40C_1v40"}
    files = PdkFiles(
        liberty_gz=lib / "nldm" / f"sky130_fd_sc_hd__{names[corner]}.lib.gz",
        lef=lib / "lef" / "sky130_fd_sc_hd_merged.lef",
        tech_lef=sky / "base" / "apr" / "sky130_fd_sc.tlef",
        cell_verilog=lib / "verilog" / "sky130_fd_sc_hd.v",
        primitives_verilog=lib / "verilog" / "primitives.v",
        gds=lib / "gds" / "sky130_fd_sc_hd.gds",
        klayout_lyt=sky / "base" / "setup" / "klayout" / "skywater130.lyt",
        klayout_lyp=sky / "base" / "setup" / "klayout" / "sky130A.lyp",
    )
    for name, path in vars(files).items():
        if not Path(path).exists():
            raise PdkError(f"sky130hd PDK file missing: {path} ({name}); set FIXYASIC_PDK_ROOT to the "
                           f"lambdapdk package directory")
    return files


def plain_liberty(corner: str = "tt", cache_dir: Path | None = None) -> Path:
    """The corner's liberty, gunzipped once into a cache (tools here cannot read .gz)."""
    src = pdk_files(corner).liberty_gz
    if src.suffix != ".gz":
        return src
    dst = _cache_dir(cache_dir) / src.name[:-3]
    if not dst.exists() or dst.stat().st_mtime < src.stat().st_mtime:
        tmp = dst.with_suffix(f".tmp{os.getpid()}")
        with gzip.open(src, "rb") as fi, open(tmp, "wb") as fo:
            shutil.copyfileobj(fi, fo)
        tmp.replace(dst)
    return dst


def _cache_dir(cache_dir: Path | None) -> Path:
    cache = Path(cache_dir or os.environ.get("FIXYASIC_CACHE", Path.home() / ".cache" / "fixyasic"))
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def router_lef(cache_dir: Path | None = None) -> Path:
    """The cell LEF as qrouter reads it: the VPWR/VGND li1 shapes (rails and the fingers into the
    cells) as obstructions, written once into a cache. The checks and the GDS use the PDK's LEF."""
    from .lef import power_shapes_as_obstructions
    cfg = load_config()
    src = Path(pdk_files().lef)
    dst = _cache_dir(cache_dir) / f"{src.stem}.router.lef"
    if not dst.exists() or dst.stat().st_mtime < max(src.stat().st_mtime, CONFIG_PATH.stat().st_mtime):
        tmp = dst.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(power_shapes_as_obstructions(src.read_text(), (cfg["power_net"], cfg["ground_net"]),
                                                    cfg["route_layers"][0]))
        tmp.replace(dst)
    return dst


@dataclass(frozen=True)
class PnrConfig:
    raw: dict = field(repr=False)

    def __getitem__(self, key: str):
        return self.raw[key]

    @property
    def dbu(self) -> int:
        return int(self.raw["dbu_per_um"])

    @property
    def site_w(self) -> int:
        return round(self.raw["site_width_um"] * self.dbu)

    @property
    def row_h(self) -> int:
        return round(self.raw["row_height_um"] * self.dbu)

    def is_dont_use(self, cell: str) -> bool:
        return cell in self.raw.get("dont_use_unreachable_pins", ()) or \
            any(fnmatch.fnmatchcase(cell, pat) for pat in self.raw["dont_use"])

    def dont_use_patterns(self) -> list[str]:
        return list(self.raw["dont_use"]) + list(self.raw.get("dont_use_unreachable_pins", ()))


@lru_cache(maxsize=1)
def load_config(path: Path | None = None) -> PnrConfig:
    p = Path(path or CONFIG_PATH)
    if not p.exists():
        raise PdkError(f"P&R configuration missing: {p}")
    return PnrConfig(json.loads(p.read_text()))
