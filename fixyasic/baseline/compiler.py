"""Host-side compiler: a FixedNetwork -> the baseline's program, weight image and cycle count.

The program is what the host does on the accelerator's bus, one op per line:
configuration-register writes, loads of activation tiles / weights / biases from host memory
(DRAM) into the on-chip buffers, RUN (start + wait for done) and stores of the output buffer
back to DRAM.  Every layer round-trips through DRAM, tiled by output-channel groups (what the
weight buffer holds) and bands of output rows (what the activation/output buffers hold).
Whole-width rows only: a layer whose single output row does not fit gives an InputError.

Cycle model (validated against the RTL testbench's clock count): CFG and every loaded/stored
word take one cycle; RUN takes 1 + steps + (pixel_groups - 1) * max(steps, R) + 1 + R cycles,
where a pixel group is R neighbouring outputs of one channel group and `steps` its MAC steps;
each finished group is drained (requantized, one pixel word per cycle, R cycles) while the next
group accumulates, so only the last group's pipeline stage and drain are exposed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil
from typing import NamedTuple

import numpy as np

from ..errors import InputError
from ..qnet import INT32_MAX, FixedNetwork, QuantLayer
from .config import BaselineConfig

END, CFG, LDA, LDW, LDB, RUN, STO = 0, 1, 2, 3, 4, 5, 6
OP_NAMES = {END: "end", CFG: "cfg", LDA: "lda", LDW: "ldw", LDB: "ldb", RUN: "run", STO: "sto"}
N_REGS = 13
MAX_KERNEL, MAX_PAD, MAX_DIM = 3, 3, 32767


class Op(NamedTuple):
    """One host bus operation. CFG a=reg b=value; LDA a=dram b=abuf c=words; LDW/LDB a=image
    offset b=buffer address c=words/entries; RUN a=layer b=pixel groups c=MAC steps per group;
    STO a=obuf b=dram c=words."""

    op: int
    a: int = 0
    b: int = 0
    c: int = 0


@dataclass
class Tensor:
    """An activation tensor in DRAM: channel-group words, word (g, y, x) at base + (g*h + y)*w + x."""

    base: int
    channels: int
    groups: int
    h: int
    w: int

    @property
    def words(self) -> int:
        return self.groups * self.h * self.w

    def addr(self, g: int, y: int) -> int:
        return self.base + (g * self.h + y) * self.w


@dataclass
class Program:
    config: BaselineConfig
    setup: list[Op]              # once per weight set (resident weights); may be empty
    ops: list[Op]                # per inference
    weight_image: np.ndarray     # int64 [words, C] (bytes of each weight word)
    bias_image: np.ndarray       # int64 [entries]  (entry = group*C + lane)
    tensors: list[Tensor]
    resident_weights: bool
    layer_names: list[str] = field(default_factory=list)

    @property
    def dram_words(self) -> int:
        t = self.tensors[-1]
        return t.base + t.words

    def op_cycles(self, op: Op) -> int:
        return op_cycles(op, self.config.rows)

    def cycles(self) -> int:
        """Clock cycles of one inference (cycle-accurate w.r.t. the RTL testbench)."""
        return sum(self.op_cycles(o) for o in self.ops)

    def setup_cycles(self) -> int:
        return sum(self.op_cycles(o) for o in self.setup)

    def layer_cycles(self) -> list[int]:
        """Cycles per layer (loads, runs and stores attributed to the layer being run)."""
        out = [0] * len(self.layer_names)
        cur = 0
        pending = 0
        for o in self.ops:
            pending += self.op_cycles(o)
            if o.op == RUN:
                cur = o.a
            if o.op in (RUN, STO):
                out[cur] += pending
                pending = 0
        out[cur] += pending
        return out

    def mac_cycles(self) -> int:
        return sum(o.b * o.c for o in self.ops if o.op == RUN)

    # ------------------------------------------------------------------ data packing
    def pack_input(self, codes: np.ndarray) -> np.ndarray:
        """int codes [Cin, H, W] -> DRAM words [n, C] for the input tensor."""
        return _pack(np.asarray(codes), self.tensors[0], self.config.cols)

    def unpack_output(self, words: np.ndarray) -> np.ndarray:
        """DRAM words [n, C] of the output tensor -> int64 [Cout, OH, OW]."""
        t = self.tensors[-1]
        c = self.config.cols
        w = np.asarray(words, dtype=np.int64).reshape(t.groups, t.h, t.w, c)
        w = np.where(w > 127, w - 256, w)  # bytes are two's complement
        return w.transpose(0, 3, 1, 2).reshape(t.groups * c, t.h, t.w)[:t.channels]

    def describe(self) -> str:
        lines = [f"# fixyasic baseline program for {self.config.label()}",
                 f"# resident weights: {self.resident_weights}; setup {self.setup_cycles()} cycles; "
                 f"inference {self.cycles()} cycles"]
        for section, ops in (("setup", self.setup), ("inference", self.ops)):
            lines.append(f"[{section}]")
            lines += [f"{OP_NAMES[o.op]} {o.a} {o.b} {o.c}" for o in ops]
        return "\n".join(lines) + "\n"


def op_cycles(op: Op, rows: int) -> int:
    """Clock cycles the host spends on one op (the cycle model)."""
    if op.op == CFG:
        return 1
    if op.op in (LDA, LDW, LDB, STO):
        return op.c
    if op.op == RUN:
        # start, then one pixel group every max(steps, R) cycles (a group cannot finish before
        # the previous group's R drain cycles have freed the PE result registers), then the last
        # group's pipeline stage and drain
        return 1 + op.c + (op.b - 1) * max(op.c, rows) + 1 + rows
    return 0


def _pack(codes: np.ndarray, t: Tensor, c: int) -> np.ndarray:
    if codes.shape != (t.channels, t.h, t.w):
        raise InputError(f"input codes shape {codes.shape} != {(t.channels, t.h, t.w)}")
    padded = np.zeros((t.groups * c, t.h, t.w), dtype=np.int64)
    padded[:t.channels] = codes
    words = padded.reshape(t.groups, c, t.h, t.w).transpose(0, 2, 3, 1).reshape(-1, c)
    return words & 0xFF


# ---------------------------------------------------------------------- layer checks
def check_layer(layer: QuantLayer, hw: tuple[int, int], cfg: BaselineConfig) -> None:
    """Raise InputError if the baseline hardware cannot run this layer at all."""
    where = f"layer '{layer.name}' ({layer.kind})"
    if layer.kind not in ("conv", "dwconv", "pwconv"):
        raise InputError(f"{where}: the baseline runs conv, dwconv and pwconv layers only")
    if layer.kernel > MAX_KERNEL:
        raise InputError(f"{where}: kernel {layer.kernel}x{layer.kernel} not supported by the baseline "
                         f"(at most {MAX_KERNEL}x{MAX_KERNEL})")
    if layer.stride not in (1, 2):
        raise InputError(f"{where}: stride {layer.stride} not supported by the baseline (1 or 2)")
    if layer.padding > MAX_PAD:
        raise InputError(f"{where}: padding {layer.padding} not supported by the baseline (at most {MAX_PAD})")
    h, w = hw
    if max(h, w, layer.in_channels, layer.out_channels) > MAX_DIM:
        raise InputError(f"{where}: dimensions above {MAX_DIM} are not supported")
    # the PEs accumulate in int32: every partial sum must fit
    wt = np.abs(np.asarray(layer.weight, dtype=np.int64)).reshape(layer.out_channels, -1).sum(axis=1)
    bound = int(np.max(wt * 128 + np.abs(np.asarray(layer.bias, dtype=np.int64))))
    if bound > INT32_MAX:
        raise InputError(f"{where}: worst-case accumulator {bound} overflows the baseline's int32 accumulators")


# ----------------------------------------------------------------------- compilation
def _weight_words(layer: QuantLayer, c: int) -> np.ndarray:
    """Weight words of a layer in the controller's step order: [groups * words_per_group, C]."""
    k = layer.kernel
    w = np.asarray(layer.weight, dtype=np.int64)
    go = ceil(layer.out_channels / c)
    wp = np.zeros((go * c,) + w.shape[1:], dtype=np.int64)
    wp[:layer.out_channels] = w
    words = []
    for g in range(go):
        lanes = wp[g * c:(g + 1) * c]  # [C, cin/groups, k, k]
        if layer.kind == "dwconv":
            for ky in range(k):
                for kx in range(k):
                    words.append(lanes[:, 0, ky, kx])
        else:
            for gi in range(ceil(layer.in_channels / c)):
                for ky in range(k):
                    for kx in range(k):
                        for cs in range(min(c, layer.in_channels - gi * c)):
                            words.append(lanes[:, gi * c + cs, ky, kx])
    return np.array(words, dtype=np.int64).reshape(-1, c)


def _bias_entries(layer: QuantLayer, c: int) -> np.ndarray:
    go = ceil(layer.out_channels / c)
    b = np.zeros(go * c, dtype=np.int64)
    b[:layer.out_channels] = layer.bias
    return b


@dataclass
class _State:
    regs: dict = field(default_factory=dict)
    akey: tuple | None = None
    wkey: tuple | None = None


def _rows_needed(layer: QuantLayer, n: int, h: int) -> int:
    return min(h, (n - 1) * layer.stride + layer.kernel)


def _band_n(layer, gn, gi, h, w, oh, ow, cfg) -> int:
    """Largest number of output rows per band for gn output groups (0 if none fits)."""
    best = 0
    for n in range(1, oh + 1):
        a_groups = gn if layer.kind == "dwconv" else gi
        if a_groups * _rows_needed(layer, n, h) * w > cfg.abuf_depth or gn * n * ow > cfg.obuf_depth:
            break
        best = n
    return best


class _Layout(NamedTuple):
    woff: int      # first weight word of the layer in the weight image
    boff: int      # first bias entry of the layer in the bias image
    wpg: int       # weight words per output group
    gmax: int      # most output groups one chunk may hold


def _layer_ops(li: int, layer: QuantLayer, tin: Tensor, tout: Tensor, lay: _Layout, gn_max: int,
               resident: bool, cfg: BaselineConfig, state: _State) -> list[Op]:
    c, r = cfg.cols, cfg.rows
    s, k, p = layer.stride, layer.kernel, layer.padding
    h, w, oh, ow = tin.h, tin.w, tout.h, tout.w
    go, gi = tout.groups, tin.groups
    dw = layer.kind == "dwconv"
    n_max = _band_n(layer, gn_max, gi, h, w, oh, ow, cfg)
    nb = ceil(oh / n_max)
    n_band = ceil(oh / nb)
    steps = k * k if dw else k * k * layer.in_channels
    ops: list[Op] = []
    for g0 in range(0, go, gn_max):
        gn = min(gn_max, go - g0)
        if resident:
            wbase, bbase = lay.woff + g0 * lay.wpg, (lay.boff // c) + g0
        else:
            wbase = bbase = 0
            if state.wkey != (li, g0, gn):
                ops.append(Op(LDW, lay.woff + g0 * lay.wpg, 0, gn * lay.wpg))
                ops.append(Op(LDB, lay.boff + g0 * c, 0, gn * c))
                state.wkey = (li, g0, gn)
        for oy0 in range(0, oh, n_band):
            n = min(n_band, oh - oy0)
            lo = oy0 * s - p
            hi = (oy0 + n - 1) * s - p + k - 1
            a0, a1 = max(lo, 0), min(hi, h - 1)
            th = a1 - a0 + 1
            groups = tuple(range(g0, g0 + gn)) if dw else tuple(range(gi))
            akey = (li, groups, a0, th)
            if state.akey != akey:
                for j, g in enumerate(groups):
                    ops.append(Op(LDA, tin.addr(g, a0), j * th * w, th * w))
                state.akey = akey
            flags = int(dw) | int(layer.relu) << 1 | int(s == 2) << 3 | k << 4 | p << 6 | layer.shift << 8
            regs = {0: flags, 1: w, 2: th, 3: (lo - a0) & 0xFFFFFFFF, 4: ((lo - a0) * w) & 0xFFFFFFFF,
                    5: ow, 6: n, 7: gn, 8: gi, 9: layer.in_channels - (gi - 1) * c, 10: th * w,
                    11: wbase, 12: bbase}
            for reg, val in regs.items():
                if state.regs.get(reg) != val:
                    ops.append(Op(CFG, reg, val))
                    state.regs[reg] = val
            ops.append(Op(RUN, li, gn * n * ceil(ow / r), steps))
            for j in range(gn):
                ops.append(Op(STO, j * n * ow, tout.addr(g0 + j, oy0), n * ow))
    return ops


def compile_network(net: FixedNetwork, cfg: BaselineConfig) -> Program:
    """Compile a FixedNetwork for a baseline configuration (InputError if a layer cannot run)."""
    cfg.validate()
    net.validate()
    c = cfg.cols
    shapes = net.shapes()
    tensors, base = [], 0
    for ch, h, w in shapes:
        t = Tensor(base, ch, ceil(ch / c), h, w)
        tensors.append(t)
        base += t.words

    wimgs, bimgs, layouts = [], [], []
    woff = boff = 0
    for li, layer in enumerate(net.layers):
        _, h, w = shapes[li]
        check_layer(layer, (h, w), cfg)
        ww, bb = _weight_words(layer, c), _bias_entries(layer, c)
        go = tensors[li + 1].groups
        wpg = len(ww) // go
        gmax = min(go, cfg.wbuf_depth // wpg, cfg.bbuf_depth)
        where = f"layer '{layer.name}' ({layer.kind} {layer.in_channels}->{layer.out_channels}, {h}x{w})"
        if gmax < 1:
            raise InputError(f"{where}: one output-channel group needs {wpg} weight words and 1 bias entry; "
                             f"the baseline has weight buffer {cfg.wbuf_depth}, bias buffer {cfg.bbuf_depth} "
                             f"(weights are tiled by output-channel groups only)")
        if _band_n(layer, 1, tensors[li].groups, h, w, tensors[li + 1].h, tensors[li + 1].w, cfg) < 1:
            gi = 1 if layer.kind == "dwconv" else tensors[li].groups
            need_a = gi * _rows_needed(layer, 1, h) * w
            raise InputError(f"{where}: one output row needs {need_a} activation words and "
                             f"{tensors[li + 1].w} output words; the baseline has {cfg.abuf_depth} and "
                             f"{cfg.obuf_depth} (tiles are whole-width row bands; width tiling is not supported)")
        layouts.append(_Layout(woff, boff, wpg, gmax))
        wimgs.append(ww)
        bimgs.append(bb)
        woff += len(ww)
        boff += len(bb)

    resident = woff <= cfg.wbuf_depth and boff // c <= cfg.bbuf_depth
    weight_image = np.concatenate(wimgs) if wimgs else np.zeros((0, c), dtype=np.int64)
    bias_image = np.concatenate(bimgs)
    setup: list[Op] = []
    if resident:
        setup = [Op(LDW, 0, 0, woff), Op(LDB, 0, 0, boff)]

    # per layer pick the channel-group chunk size with the fewest cycles
    state = _State()
    ops: list[Op] = []
    for li, layer in enumerate(net.layers):
        lay = layouts[li]
        best = None
        for gn in range(lay.gmax, 0, -1):
            if _band_n(layer, gn, tensors[li].groups, tensors[li].h, tensors[li].w,
                       tensors[li + 1].h, tensors[li + 1].w, cfg) < 1:
                continue
            trial = _State(dict(state.regs), state.akey, state.wkey)
            cand = _layer_ops(li, layer, tensors[li], tensors[li + 1], lay, gn, resident, cfg, trial)
            cyc = sum(op_cycles(o, cfg.rows) for o in cand)
            if best is None or cyc < best[0]:
                best = (cyc, cand, trial)
        ops += best[1]
        state = best[2]
    ops.append(Op(END))
    return Program(cfg, setup, ops, weight_image, bias_image, tensors, resident,
                   [layer.name for layer in net.layers])

