"""FixedNetwork -> structural Verilog (one module per layer + a streaming top) + manifest."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyverilog.vparser.ast as A

from ..errors import InputError
from ..qnet import FixedNetwork
from .layers import LayerInfo, build_layer
from .vast import ModuleBuilder, ident, render

GENERATOR_VERSION = "fixyasic-rtl 1.1"  # 1.1: registered outputs by default
STYLES = ("shiftadd", "multiply")


@dataclass
class RtlDesign:
    """Output of the RTL stage: where the Verilog is and what it contains."""
    top: str
    files: list[Path]
    manifest: dict[str, Any]
    out_dir: Path | None = None

    @property
    def manifest_path(self) -> Path | None:
        return self.out_dir / "manifest.json" if self.out_dir else None

    @classmethod
    def load(cls, out_dir: str | os.PathLike) -> "RtlDesign":
        d = Path(out_dir)
        mp = d / "manifest.json"
        if not mp.is_file():
            raise InputError(f"{d}: no manifest.json; not an RTL output directory (run `fixyasic rtl`)")
        try:
            man = json.loads(mp.read_text())
            files = [d / f for f in man["files"]]
            top = man["top"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{mp}: unreadable RTL manifest ({exc})") from None
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise InputError(f"{d}: RTL files listed in the manifest are missing: {', '.join(missing)}")
        return cls(top=top, files=files, manifest=man, out_dir=d)


def _ident_ok(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def build_modules(net: FixedNetwork, style: str = "shiftadd", top: str = "fixyasic_top",
                  pipeline: int = 0, register_outputs: bool = True
                  ) -> tuple[list[tuple[str, A.ModuleDef]], list[LayerInfo]]:
    """Build every module's AST; returns [(module name, AST)] (top last) and per-layer info.

    ``register_outputs`` ends the top in a register even when the last layer is a fused 1x1
    (pure logic): the block's output port then carries no logic path, so its timing does not
    depend on how far the pins sit from that logic (on the default extractor's 2.9 mm die the
    unregistered path register -> 1x1 logic -> output pin missed 20 ns by 2.1 ns)."""
    if style not in STYLES:
        raise InputError(f"unknown RTL style '{style}' (choose from: {', '.join(STYLES)})")
    if pipeline < 0:
        raise InputError(f"pipeline must be >= 0 (adder-tree levels per register stage), got {pipeline}")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        raise InputError(f"top module name '{top}' is not a Verilog identifier")
    net.validate()
    c0 = net.input_shape[0]
    lo = -128 if net.input_signed else 0
    iv = [(lo, 127)] * c0
    shape = tuple(net.input_shape)
    mods, infos = [], []
    for li, layer in enumerate(net.layers):
        name = f"{top}_{_ident_ok(layer.name)}"
        last = li == len(net.layers) - 1
        mod, info = build_layer(layer, shape, iv, name, style, pipeline, out_reg=register_outputs and last)
        mods.append((name, mod))
        infos.append(info)
        iv, shape = info.out_intervals, info.out_shape
    # ---- streaming top: layer i's output handshake feeds layer i+1 ----------------------
    mb = ModuleBuilder(top)
    for p in ("clk", "rst", "in_valid"):
        mb.input(p)
    mb.output("in_ready")
    mb.input("in_data", 8 * c0)
    mb.output("out_valid")
    mb.input("out_ready")
    mb.output("out_data", 8 * shape[0])
    n = len(infos)
    for i, info in enumerate(infos[:-1]):
        mb.wire(f"s{i}_valid", 1, False)
        mb.wire(f"s{i}_ready", 1, False)
        mb.wire(f"s{i}_data", 8 * info.out_shape[0], False)
    for i, info in enumerate(infos):
        src = ("in_valid", "in_ready", "in_data") if i == 0 else (f"s{i-1}_valid", f"s{i-1}_ready", f"s{i-1}_data")
        dst = ("out_valid", "out_ready", "out_data") if i == n - 1 else (f"s{i}_valid", f"s{i}_ready", f"s{i}_data")
        mb.instance(info.module, f"u_{i}_{_ident_ok(info.name)}", [
            ("clk", ident("clk")), ("rst", ident("rst")),
            ("in_valid", ident(src[0])), ("in_ready", ident(src[1])), ("in_data", ident(src[2])),
            ("out_valid", ident(dst[0])), ("out_ready", ident(dst[1])), ("out_data", ident(dst[2]))])
    mods.append((top, mb.build()))
    return mods, infos


def _manifest(net: FixedNetwork, style: str, top: str, pipeline: int, infos: list[LayerInfo],
              files: list[str], register_outputs: bool = True) -> dict[str, Any]:
    layers = []
    for info in infos:
        st = info.stats
        layers.append({
            "name": info.name, "module": info.module, "kind": info.kind,
            "in_shape": list(info.in_shape), "out_shape": list(info.out_shape),
            "adders": st.adders if style == "shiftadd" else st.tree_adders,
            "mcm_adders": st.mcm_adders if style == "shiftadd" else 0,
            "tree_adders": st.tree_adders,
            "csd_adders": st.csd_product_adders + st.tree_adders,
            "multipliers": st.multipliers,
            "max_internal_bits": st.max_width,
            "line_buffer_bits": info.line_buffer_bits,
            "stored_bits_per_pixel": info.storage_bits,
            "register_stages": info.register_stages,
            "window_lag_pixels": info.window_lag_pixels,
            "pipeline_stages": st.stages,
            "out_intervals": [list(v) for v in info.out_intervals],
        })
    c, h, w = net.input_shape
    return {
        "generator": GENERATOR_VERSION,
        "weights_sha256": net.digest(),
        "style": style,
        "pipeline": pipeline,
        "register_outputs": register_outputs,
        "top": top,
        "files": files,
        "input": {"shape": [c, h, w], "bits_per_channel": 8, "signed": bool(net.input_signed)},
        "output": {"shape": list(infos[-1].out_shape), "bits_per_channel": 8, "signed": True},
        "interface": "in_valid/in_ready/in_data[8*C-1:0] one pixel (all channels) per beat, raster order; "
                     "out_valid/out_ready/out_data likewise; channel c at bits [8c+7:8c]; sync active-high rst",
        "latency": {
            "register_stages": sum(i.register_stages for i in infos),
            "window_lag_pixels": [i.window_lag_pixels for i in infos],
            "cycles_per_frame_per_3x3_layer": "H*W + W + 1 (W+1 border cycles without input)",
        },
        "totals": {
            "adders": sum(l["adders"] for l in layers),
            "csd_adders": sum(l["csd_adders"] for l in layers),
            "line_buffer_bits": sum(i.line_buffer_bits for i in infos),
        },
        "layers": layers,
    }


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def generate_rtl(net: FixedNetwork, out_dir: str | os.PathLike, style: str = "shiftadd",
                 top: str = "fixyasic_top", pipeline: int = 0, register_outputs: bool = True) -> RtlDesign:
    """Write one .v per module plus manifest.json into ``out_dir`` (atomically: files go to a
    temporary directory first; the manifest, written last, marks the output as complete)."""
    mods, infos = build_modules(net, style, top, pipeline, register_outputs)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".rtl-", dir=out))
    except OSError as exc:
        raise InputError(f"cannot create RTL output directory {out}: {exc.strerror or exc}") from None
    digest = net.digest()
    files = []
    try:
        for name, mod in mods:
            hdr = (f"// {name}: generated by {GENERATOR_VERSION}, style {style}, pipeline {pipeline}\n"
                   f"// weights sha256 {digest}. Do not edit: regenerate with `fixyasic rtl`.\n")
            (stage / f"{name}.v").write_text(render([mod], hdr))
            files.append(f"{name}.v")
        man = _manifest(net, style, top, pipeline, infos, files, register_outputs)
        old = out / "manifest.json"
        if old.exists():
            old.unlink()  # never leave a manifest that describes other files
        for f in files:
            os.replace(stage / f, out / f)
        _atomic_write(out / "manifest.json", json.dumps(man, indent=1, sort_keys=True) + "\n")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return RtlDesign(top=top, files=[out / f for f in files], manifest=man, out_dir=out)
