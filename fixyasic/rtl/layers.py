"""One Verilog module per fixed layer: a KxK window stage (line buffers, border masks,
stride decimation) for 3x3 layers, then the layer's arithmetic, under a valid/ready
handshake in which every register of the layer advances on one enable."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyverilog.vparser.ast as A

from ..errors import InputError
from ..qnet import QuantLayer
from .arith import Datapath, Sig, Stats
from .vast import ModuleBuilder, bit, ident, psel, uconst, unsigned_width, signed_width

Interval = tuple[int, int]


@dataclass
class Storage:
    """How one channel is kept in registers: unsigned when it can never be negative."""
    bits: int
    signed: bool

    @classmethod
    def of(cls, lo: int, hi: int) -> "Storage":
        lo, hi = min(lo, 0), max(hi, 0)  # padding zeros must fit too
        if lo >= 0:
            return cls(unsigned_width(hi), False)
        return cls(signed_width(lo, hi), True)


@dataclass
class LayerInfo:
    name: str
    module: str
    kind: str
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    stats: Stats
    out_intervals: list[Interval]
    storage_bits: int  # line-buffer bits per pixel
    line_buffer_bits: int
    register_stages: int  # pipeline registers between input and output of the module
    window_lag_pixels: int  # input pixels consumed before the first output can appear
    extra: dict = field(default_factory=dict)


def check_supported(layer: QuantLayer, in_shape: tuple[int, int, int]) -> None:
    where = f"layer '{layer.name}' ({layer.kind})"
    _, h, w = in_shape
    if layer.kernel == 3:
        if layer.padding != 1:
            raise InputError(f"{where}: padding={layer.padding} is not supported for 3x3 kernels "
                             "(the RTL generator supports padding=1)")
        if layer.stride not in (1, 2):
            raise InputError(f"{where}: stride={layer.stride} is not supported (use 1 or 2)")
        if h < 2 or w < 2:
            raise InputError(f"{where}: input {h}x{w} is too small for a 3x3 window (need >= 2x2)")
    elif layer.kernel == 1:
        if layer.stride != 1:
            raise InputError(f"{where}: stride={layer.stride} is not supported for 1x1 kernels (use 1)")
        if layer.padding != 0:
            raise InputError(f"{where}: padding={layer.padding} is not supported for 1x1 kernels (use 0)")
    else:
        raise InputError(f"{where}: kernel={layer.kernel} is not supported (supported: 1, 3)")


def _channel(name: str, c: int) -> A.Node:
    return psel(name, 8 * c + 7, 8 * c)


def _tap_sig(mb: ModuleBuilder, src: str, lsb: int, lo: int, hi: int, tname: str) -> Sig:
    """Wire for one channel value: the low bits its interval needs (two's complement
    truncation is exact for a value that fits), unsigned when it is never negative."""
    s = Sig(tname, lo, hi)
    raw = psel(src, lsb + s.width - 1, lsb)
    mb.wire(tname, s.width, not s.unsigned, raw if s.unsigned else A.SystemCall("signed", [raw]))
    return s


def build_layer(layer: QuantLayer, in_shape: tuple[int, int, int], in_iv: list[Interval],
                module: str, style: str, pipeline: int,
                out_reg: bool = False) -> tuple[A.ModuleDef, LayerInfo]:
    """One layer as a streaming module. ``out_reg`` forces an output register on a 1x1 layer
    that would otherwise be pure logic on the previous stage's register."""
    check_supported(layer, in_shape)
    cin, h, w = in_shape
    cout = layer.out_channels
    oh, ow = layer.out_hw(h, w)
    mb = ModuleBuilder(module)
    for p in ("clk", "rst", "in_valid"):
        mb.input(p)
    mb.output("in_ready")
    mb.input("in_data", 8 * cin)
    mb.output("out_valid")
    mb.input("out_ready")
    mb.output("out_data", 8 * cout)

    k = layer.kernel
    stor = [Storage.of(*iv) if k == 3 else Storage(8, True) for iv in in_iv]
    offs = list(np.cumsum([0] + [s.bits for s in stor]))
    pix_bits = int(offs[-1])
    wt = np.asarray(layer.weight, dtype=np.int64)
    dp = Datapath(mb, "", style, pipeline, enable="en")
    lb_bits = 0

    if k == 3:
        # ---- window stage: position counters over the padded stream ----------------
        rb, cb = max((h + 1).bit_length(), 1), max((w - 1).bit_length(), 1)
        mb.reg("row", rb)
        mb.reg("col", cb)
        mb.wire("en", 1, False)
        mb.wire("phantom", 1, False, A.GreaterEq(ident("row"), uconst(h, rb)))
        mb.wire("last", 1, False, A.Eq(ident("row"), uconst(h + 1, rb)))
        mb.wire("step", 1, False, A.Land(ident("en"), A.Lor(ident("phantom"), ident("in_valid"))))
        mb.assign("in_ready", A.Land(ident("en"), A.Ulnot(ident("phantom"))))
        c0 = A.Eq(ident("col"), uconst(0, cb))
        mb.wire("c0", 1, False, c0)
        # centre of the window produced at (row, col): (row-1, col-1), or (row-2, W-1) at col 0
        def rowis(v):
            return A.Eq(ident("row"), uconst(v, rb)) if 0 <= v < (1 << rb) else bit(0)
        top = A.Lor(A.Land(A.Ulnot(ident("c0")), rowis(1)), A.Land(ident("c0"), rowis(2)))
        bot = A.Lor(A.Land(A.Ulnot(ident("c0")), rowis(h)), A.Land(ident("c0"), rowis(h + 1)))
        mb.wire("m_top", 1, False, top)
        mb.wire("m_bot", 1, False, bot)
        mb.wire("m_left", 1, False, A.Eq(ident("col"), uconst(1, cb)) if w > 1 else bit(0))
        # valid centre rows: 1..H (col>0) or 2..H+1 (col 0); stride 2 keeps even centres
        r_ok_n = A.Land(A.GreaterEq(ident("row"), uconst(1, rb)), A.LessEq(ident("row"), uconst(h, rb)))
        r_ok_0 = A.GreaterEq(ident("row"), uconst(2, rb))
        if layer.stride == 2:
            r_ok_n = A.Land(r_ok_n, A.Pointer(ident("row"), A.IntConst("0")))          # row-1 even
            r_ok_0 = A.Land(r_ok_0, A.Ulnot(A.Pointer(ident("row"), A.IntConst("0"))))  # row-2 even
            c_ok_n = A.Pointer(ident("col"), A.IntConst("0"))                           # col-1 even
            c_ok_0 = bit(1 if (w - 1) % 2 == 0 else 0)
        else:
            c_ok_n, c_ok_0 = bit(1), bit(1)
        mb.wire("pos_ok", 1, False, A.Cond(ident("c0"), A.Land(r_ok_0, c_ok_0), A.Land(r_ok_n, c_ok_n)))
        # ---- storage: two line buffers (shift registers of W pixels) + 3x2 window columns
        mb.wire("pix", pix_bits, False,
                A.Concat([psel("in_data", 8 * c + stor[c].bits - 1, 8 * c) for c in reversed(range(cin))]))
        mb.reg("lb1", pix_bits, depth=w)
        mb.reg("lb2", pix_bits, depth=w)
        lb_bits = 2 * w * pix_bits
        newcol = ["lb2_out", "lb1_out", "pix"]
        mb.wire("lb1_out", pix_bits, False, A.Pointer(ident("lb1"), A.IntConst(str(w - 1))))
        mb.wire("lb2_out", pix_bits, False, A.Pointer(ident("lb2"), A.IntConst(str(w - 1))))
        shift_stmts = []
        for i in range(w - 1, 0, -1):
            for lb in ("lb1", "lb2"):
                shift_stmts.append(mb.nb(A.Pointer(ident(lb), A.IntConst(str(i))),
                                         A.Pointer(ident(lb), A.IntConst(str(i - 1)))))
        shift_stmts += [mb.nb(A.Pointer(ident("lb1"), A.IntConst("0")), ident("pix")),
                        mb.nb(A.Pointer(ident("lb2"), A.IntConst("0")), ident("lb1_out"))]
        # 3x3 window register shifting one column per step; the border masks are registered
        # with it and applied as AND gates on the taps (cheaper than masking before storage)
        win_stmts = []
        for dy in range(3):
            for dx in range(3):
                mb.reg(f"win{dy}{dx}", pix_bits)
            win_stmts += [mb.nb(f"win{dy}0", ident(f"win{dy}1")), mb.nb(f"win{dy}1", ident(f"win{dy}2")),
                          mb.nb(f"win{dy}2", ident(newcol[dy]))]
        for f, src in (("f_top", "m_top"), ("f_bot", "m_bot"), ("f_left", "m_left"), ("f_right", "c0")):
            mb.reg(f, 1)
            win_stmts.append(mb.nb(f, ident(src)))
        taps_src = {}
        for dy in range(3):
            for dx in range(3):
                mask = []
                if dy == 0:
                    mask.append(ident("f_top"))
                if dy == 2:
                    mask.append(ident("f_bot"))
                if dx == 0:
                    mask.append(ident("f_left"))
                if dx == 2:
                    mask.append(ident("f_right"))  # right padding column at the end of a row
                if not mask:
                    taps_src[(dy, dx)] = f"win{dy}{dx}"
                    continue
                cond = mask[0]
                for m_ in mask[1:]:
                    cond = A.Lor(cond, m_)
                taps_src[(dy, dx)] = mb.wire(f"tap{dy}{dx}", pix_bits, False,
                                             A.Cond(cond, uconst(0, pix_bits), ident(f"win{dy}{dx}")))
        mb.reg("v_win", 1)
        ctr = mb.when(ident("last"), [mb.nb("row", uconst(0, rb)), mb.nb("col", uconst(0, cb))], [
            mb.when(A.Eq(ident("col"), uconst(w - 1, cb)),
                    [mb.nb("col", uconst(0, cb)), mb.nb("row", A.Plus(ident("row"), uconst(1, rb)))],
                    [mb.nb("col", A.Plus(ident("col"), uconst(1, cb)))])])
        mb.clocked([
            mb.when(ident("rst"), [mb.nb("row", uconst(0, rb)), mb.nb("col", uconst(0, cb)),
                                   mb.nb("v_win", bit(0))], [
                mb.when(ident("en"), [mb.nb("v_win", A.Land(ident("step"), ident("pos_ok")))]),
                mb.when(ident("step"), [ctr] + win_stmts),
            ]),
            mb.when(A.Land(ident("step"), A.Ulnot(ident("last"))), shift_stmts),
        ])
        # tap signals: (ci, dy, dx) -> Sig
        taps = {}
        for dy in range(3):
            for dx in range(3):
                for c in range(cin):
                    lo, hi = min(in_iv[c][0], 0), max(in_iv[c][1], 0)
                    taps[(c, dy, dx)] = _tap_sig(mb, taps_src[(dy, dx)], int(offs[c]), lo, hi,
                                                 f"x{dy}{dx}_c{c}")
        v_prev = "v_win"
    else:
        if pipeline or out_reg:
            mb.wire("en", 1, False)  # declared before the pipeline registers that use it
        taps = {}
        for c in range(cin):
            lo, hi = in_iv[c]
            taps[(c, 0, 0)] = _tap_sig(mb, "in_data", 8 * c, lo, hi, f"x_c{c}")
        v_prev = "in_valid"

    # ---- products: one MCM per tap over every constant that multiplies it --------------
    terms: list[list] = [[] for _ in range(cout)]
    for (c, dy, dx), x in taps.items():
        if layer.kind == "dwconv":
            outs = [c]
            consts = [int(wt[c, 0, dy, dx])]
        else:
            outs = list(range(cout))
            consts = [int(wt[o, c, dy, dx]) for o in outs]
        prods = dp.products(x, consts, f"p{dy}{dx}_{c}_")
        for o, cval in zip(outs, consts):
            if cval:
                terms[o].append(prods[cval])
    rnd = (1 << (layer.shift - 1)) if layer.shift else 0
    accs = dp.accumulate(terms, [int(b) + rnd for b in layer.bias])
    outs_expr, out_iv = [], []
    for o, acc in enumerate(accs):
        e, lo, hi = dp.requantize(acc, layer.shift, layer.relu, o)
        outs_expr.append(e)
        out_iv.append((lo, hi))
    mb.wire("y", 8 * cout, False, A.Concat(list(reversed(outs_expr))))

    # ---- valid chain through optional pipeline registers, then the output register ----
    stages = dp.stats.stages
    vnames = []
    for i in range(stages):
        vnames.append(mb.reg(f"v_p{i}", 1))
    has_out_reg = k == 3 or pipeline > 0 or out_reg
    if has_out_reg:
        mb.reg("v_out", 1)
        mb.reg("q", 8 * cout)
        if k != 3:
            mb.assign("in_ready", ident("en"))
        mb.assign("en", A.Lor(A.Ulnot(ident("v_out")), ident("out_ready")))
        chain = [v_prev] + vnames + ["v_out"]
        rst_stmts = [mb.nb(v, bit(0)) for v in vnames + ["v_out"]]
        adv = [mb.nb(chain[i + 1], ident(chain[i])) for i in range(len(chain) - 1)]
        mb.clocked([mb.when(ident("rst"), rst_stmts, [mb.when(ident("en"), adv)]),
                    mb.when(ident("en"), [mb.nb("q", ident("y"))])])
        mb.assign("out_valid", ident("v_out"))
        mb.assign("out_data", ident("q"))
    else:
        # fused 1x1 layer: pure logic on the previous stage's output register
        mb.assign("out_valid", ident("in_valid"))
        mb.assign("in_ready", ident("out_ready"))
        mb.assign("out_data", ident("y"))
    dp.stats.stages = stages
    info = LayerInfo(
        name=layer.name, module=module, kind=layer.kind, in_shape=in_shape, out_shape=(cout, oh, ow),
        stats=dp.stats, out_intervals=out_iv, storage_bits=pix_bits if k == 3 else 0,
        line_buffer_bits=lb_bits,
        register_stages=(1 if k == 3 else 0) + stages + (1 if has_out_reg else 0),
        window_lag_pixels=(w + 1) if k == 3 else 0)
    return mb.build(), info
