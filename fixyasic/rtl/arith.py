"""Per-pixel arithmetic of one layer: constant products (shift-add MCM or plain `x * C`),
balanced adder trees, bias, rounding, requantization and saturation.

Every wire's width comes from a worst-case interval over the inputs' actual ranges, so
no value can overflow and no wire is wider than its interval needs.  A value that can never
be negative is kept unsigned (no sign bit, zero extension is free in an adder); every
expression is still evaluated in signed context, with unsigned operands zero-extended
explicitly, and assigned to a wire wide enough for its exact interval, so the arithmetic
is exact modulo the wire width and therefore exact."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyverilog.vparser.ast as A

from .mcm import build_mcm, plain_csd_adders
from .vast import ModuleBuilder, as_signed, bit, ident, psel, sconst, shifted, signed_width, unsigned_width


@dataclass(frozen=True)
class Sig:
    name: str
    lo: int
    hi: int

    @property
    def unsigned(self) -> bool:
        return self.lo >= 0

    @property
    def width(self) -> int:
        return unsigned_width(self.hi) if self.unsigned else signed_width(self.lo, self.hi)


def operand(sig: Sig, k: int = 0) -> A.Node:
    """sig << k as a signed expression of explicit width."""
    if not sig.unsigned:
        return shifted(sig.name, k)
    parts = [bit(0), ident(sig.name)] + ([A.IntConst(f"{k}'b0")] if k else [])
    return A.SystemCall("signed", [A.Concat(parts)])


@dataclass(frozen=True)
class Term:
    """value = sign * (sig << shift)."""
    sig: Sig
    shift: int
    sign: int

    @property
    def lo(self) -> int:
        a, b = self.sig.lo << self.shift, self.sig.hi << self.shift
        return min(a, b) if self.sign > 0 else -max(a, b)

    @property
    def hi(self) -> int:
        a, b = self.sig.lo << self.shift, self.sig.hi << self.shift
        return max(a, b) if self.sign > 0 else -min(a, b)


@dataclass
class Stats:
    mcm_adders: int = 0
    tree_adders: int = 0
    csd_product_adders: int = 0  # plain CSD, every product on its own
    multipliers: int = 0
    max_width: int = 0
    stages: int = 0
    widths: dict[str, int] = field(default_factory=dict)

    @property
    def adders(self) -> int:
        return self.mcm_adders + self.tree_adders


class Datapath:
    """Builds arithmetic into a ModuleBuilder; names are prefixed to stay unique."""

    def __init__(self, mb: ModuleBuilder, prefix: str, style: str, pipeline: int = 0,
                 enable: str = "en"):
        self.mb, self.prefix, self.style = mb, prefix, style
        self.pipeline, self.enable = pipeline, enable
        self.stats = Stats()
        self._n = 0

    def _new(self, lo: int, hi: int, tag: str, expr: A.Node) -> Sig:
        self._n += 1
        s = Sig(f"{self.prefix}{tag}{self._n}", lo, hi)
        self.mb.wire(s.name, s.width, not s.unsigned, expr)
        self.stats.max_width = max(self.stats.max_width, s.width)
        return s

    def _reg(self, s: Sig) -> Sig:
        # a signal left unpaired in several outputs' trees is registered once and shared
        regs = self.__dict__.setdefault("_regs", {})
        if s.name in regs:
            return regs[s.name]
        r = Sig(s.name + "_q", s.lo, s.hi)
        self.mb.reg(r.name, r.width, signed=not r.unsigned)
        self.mb.clocked([self.mb.when(ident(self.enable), [self.mb.nb(r.name, ident(s.name))])])
        regs[s.name] = r
        return r

    # ------------------------------------------------------------ products
    def products(self, x: Sig, constants: list[int], tag: str) -> dict[int, Term]:
        """x * c for every distinct nonzero c; shift-add via one shared MCM graph per input."""
        consts = sorted({int(c) for c in constants if int(c) != 0})
        if not consts:
            return {}
        self.stats.csd_product_adders += plain_csd_adders(constants)
        if self.style == "multiply":
            out = {}
            for c in consts:
                lo, hi = sorted((x.lo * c, x.hi * c))
                self._n += 1
                out[c] = Term(self._new(lo, hi, f"{tag}m", A.Times(operand(x), sconst(c))), 0, 1)
                self.stats.multipliers += 1
            return out
        g = build_mcm(consts)
        sigs: list[Sig] = [x]
        for i in range(1, len(g.nodes)):
            op = g.ops[i]
            a, b = sigs[op.a], sigs[op.b]
            v = g.nodes[i]
            full = v << op.k  # the adder output before the exact right shift
            lo, hi = sorted((x.lo * full, x.hi * full))
            ta, tb = operand(a, op.ia), operand(b, op.ib)
            if op.sa > 0 and op.sb > 0:
                expr = A.Plus(ta, tb)
            elif op.sa > 0:
                expr = A.Minus(ta, tb)
            elif op.sb > 0:
                expr = A.Minus(tb, ta)
            else:  # never produced by the MCM search (results are positive)
                raise AssertionError("MCM node with two negative operands")
            s = self._new(lo, hi, f"{tag}f", expr)
            if op.k:  # exact: the low k bits of the sum are zero
                lo2, hi2 = sorted((x.lo * v, x.hi * v))
                sel = psel(s.name, s.width - 1, op.k)
                s = self._new(lo2, hi2, f"{tag}f", sel if s.unsigned else as_signed(sel))
            sigs.append(s)
        self.stats.mcm_adders += g.adders
        return {c: Term(sigs[n], sh, sign) for c, (n, sh, sign) in g.products.items()}

    # ------------------------------------------------------------ adder tree
    def _add(self, p: Term, q: Term, tag: str) -> Term:
        m = min(p.shift, q.shift)
        ea, eb = operand(p.sig, p.shift - m), operand(q.sig, q.shift - m)
        if p.sign == q.sign:
            expr, sign = A.Plus(ea, eb), p.sign
        elif p.sign > 0:
            expr, sign = A.Minus(ea, eb), 1
        else:
            expr, sign = A.Minus(eb, ea), 1
        # interval of the emitted (unsigned-sign) sum, at scale 2^m
        lo = (p.lo + q.lo) >> m if sign > 0 else -((p.hi + q.hi) >> m)
        hi = (p.hi + q.hi) >> m if sign > 0 else -((p.lo + q.lo) >> m)
        self.stats.tree_adders += 1
        return Term(self._new(lo, hi, tag, expr), m, sign)

    def accumulate(self, terms_per_out: list[list[Term]], consts: list[int]) -> list[Sig | int]:
        """Per output: a balanced tree over the positive terms and one over the negative
        terms (additions only, so sums of non-negative values stay unsigned), then one
        subtraction and the constant.  Returns exact sums (a Sig, or a Python int when an
        output has no terms at all)."""
        def order(ts):
            return sorted(ts, key=lambda t: (t.hi - t.lo, t.sig.name))

        groups = []
        for ts in terms_per_out:
            groups.append(order([t for t in ts if t.sign > 0]))
            groups.append(order([t for t in ts if t.sign < 0]))
        depth = 0
        while any(len(ts) > 1 for ts in groups):
            depth += 1
            nxt = []
            for g, ts in enumerate(groups):
                pairs = [self._add(ts[i], ts[i + 1], f"o{g // 2}_s") for i in range(0, len(ts) - 1, 2)]
                if len(ts) % 2:
                    pairs.append(ts[-1])
                nxt.append(order(pairs))
            groups = nxt
            if self.pipeline and depth % self.pipeline == 0 and any(len(ts) > 1 for ts in groups):
                groups = [[Term(self._reg(t.sig), t.shift, t.sign) for t in ts] for ts in groups]
                self.stats.stages += 1
        out: list[Sig | int] = []
        for o, k in enumerate(consts):
            ts = groups[2 * o] + groups[2 * o + 1]
            if not ts:
                out.append(int(k))
                continue
            t = ts[0] if len(ts) == 1 else self._add(ts[0], ts[1], f"o{o}_s")
            lo, hi = t.lo + k, t.hi + k
            if k == 0 and t.sign > 0:
                s = self._new(lo, hi, f"o{o}_acc", operand(t.sig, t.shift)) if t.shift else t.sig
            else:
                kk = sconst(k, signed_width(lo, hi))
                expr = A.Plus(operand(t.sig, t.shift), kk) if t.sign > 0 else \
                    A.Minus(kk, operand(t.sig, t.shift))
                s = self._new(lo, hi, f"o{o}_acc", expr)
                self.stats.tree_adders += 1
            out.append(s)
        return out

    # ------------------------------------------------------------ requantize
    def requantize(self, acc: Sig | int, shift: int, relu: bool, o: int) -> tuple[A.Node, int, int]:
        """8-bit expression of clamp((acc + round) >> shift) (round already in acc) and its
        output interval.  Saturation logic is emitted only where the interval needs it."""
        lo_sat = 0 if relu else -128
        if isinstance(acc, int):
            v = min(127, max(lo_sat, acc >> shift))
            return A.IntConst(f"8'h{v & 0xFF:02x}"), v, v  # exactly 8 bits: it is packed by concatenation
        ylo, yhi = acc.lo >> shift, acc.hi >> shift
        if ylo == yhi or (acc.unsigned and shift >= acc.width):
            v = min(127, max(lo_sat, ylo))
            return A.IntConst(f"8'h{v & 0xFF:02x}"), v, v
        if shift:
            sel = psel(acc.name, acc.width - 1, min(shift, acc.width - 1))
            y = self._new(ylo, yhi, f"o{o}_y", sel if acc.unsigned else as_signed(sel))
        else:
            y = acc
        wy = y.width
        need_hi, need_lo = y.hi > 127, y.lo < lo_sat
        base = psel(y.name, 7, 0) if wy > 8 else ident(y.name)
        expr = base
        if need_lo:
            low = A.Pointer(ident(y.name), A.IntConst(str(wy - 1))) if relu else \
                A.LessThan(ident(y.name), sconst(-128, max(wy, 9)))
            expr = A.Cond(low, sconst(lo_sat, 8), expr)
        if need_hi:
            k127 = A.IntConst(f"{max(wy, 8)}'d127") if y.unsigned else sconst(127, max(wy, 8))
            expr = A.Cond(A.GreaterThan(ident(y.name), k127), sconst(127, 8), expr)
        self._n += 1
        name = f"{self.prefix}o{o}_q{self._n}"
        self.mb.wire(name, 8, True, expr)  # 8-bit container; signed operands sign-extend
        return ident(name), max(lo_sat, min(127, y.lo)), min(127, max(lo_sat, y.hi))


__all__ = ["Datapath", "Sig", "Term", "Stats", "bit"]
