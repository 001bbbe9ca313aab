"""Multiple-constant multiplication (MCM): one adder graph computing x*c for a set of
constants c, sharing intermediate terms ("fundamentals") between all of them.

The search is a greedy graph heuristic in the spirit of RAG-n / Hcub (Voronenko &
Pueschel): fundamentals are odd positive integers; an "A-operation" makes
``|(u << i) +- (v << j)| >> k`` from two existing fundamentals with one adder.  Targets
reachable with one A-operation are realized first (optimal); otherwise the successor that
makes the most remaining targets reachable in one more step is added.  The result is
never worse than plain CSD: if the greedy graph needs more adders than CSD chains with
shared identical fundamentals, the CSD graph is returned instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .csd import csd_adders, csd_digits, odd_part


@dataclass(frozen=True)
class AdderNode:
    """value = (sa * (nodes[a] << ia) + sb * (nodes[b] << ib)) >> k  (exact)."""
    value: int
    a: int
    sa: int
    ia: int
    b: int
    sb: int
    ib: int
    k: int


@dataclass
class McmGraph:
    """nodes[0] is the input (value 1); products[c] = (node index, shift, sign)."""
    nodes: list[int] = field(default_factory=lambda: [1])
    ops: dict[int, AdderNode] = field(default_factory=dict)  # node index -> how it is made
    products: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    method: str = ""

    @property
    def adders(self) -> int:
        return len(self.ops)

    def index_of(self, value: int) -> int:
        return self.nodes.index(value)

    def evaluate(self, x: int) -> dict[int, int]:
        """Integer evaluation of every product for input x (used by tests and checks)."""
        vals = [x]
        for i in range(1, len(self.nodes)):
            op = self.ops[i]
            s = op.sa * (vals[op.a] << op.ia) + op.sb * (vals[op.b] << op.ib)
            vals.append(s >> op.k)
        return {c: sign * (vals[n] << sh) for c, (n, sh, sign) in self.products.items()}


def _bound(targets) -> int:
    return 1 << (max(t.bit_length() for t in targets) + 1)


@lru_cache(maxsize=1 << 18)
def _aops(u: int, v: int, bound: int) -> tuple[tuple[int, tuple[int, int, int, int, int, int]], ...]:
    """All odd fundamentals from one adder on u, v (both odd) below ``bound``, with recipe
    (su, iu, sv, iv, k, swapped) meaning value = (su*(u<<iu) + sv*(v<<iv)) >> k."""
    out: dict[int, tuple] = {}
    maxsh = bound.bit_length() + 1

    def put(val, recipe):
        if 0 < val < bound and val & 1 and val not in out:
            out[val] = recipe

    for s in (1, -1):
        # same shift: (u +- v) is even -> shift right to odd
        t = u + s * v
        if t != 0:
            o, k = odd_part(t)
            sg = 1 if t > 0 else -1
            put(o, (sg, 0, sg * s, 0, k))
        for i in range(1, maxsh):
            t = (u << i) + s * v
            put(abs(t), (1 if t > 0 else -1, i, (1 if t > 0 else -1) * s, 0, 0))
            t = u + s * (v << i)
            put(abs(t), (1 if t > 0 else -1, 0, (1 if t > 0 else -1) * s, i, 0))
    return tuple(sorted(out.items()))


def _csd_graph(targets: list[int]) -> McmGraph:
    """Plain CSD: each distinct odd fundamental as its own adder chain (LSB digit first)."""
    g = McmGraph(method="csd")
    for t in targets:
        if t in g.nodes:
            continue
        digits = csd_digits(t)
        # partial sums from the LSB digit (at shift 0: t is odd) are odd but may be negative:
        # a node holds |partial sum| and acc_sign remembers the sign
        acc_idx, acc_sign = 0, digits[0][1]
        for sh, d in digits[1:]:
            val = acc_sign * g.nodes[acc_idx] + d * (1 << sh)
            node_val = abs(val)
            if node_val in g.nodes:
                acc_idx, acc_sign = g.nodes.index(node_val), (1 if val > 0 else -1)
                continue
            sgn = 1 if val > 0 else -1
            g.ops[len(g.nodes)] = AdderNode(node_val, acc_idx, sgn * acc_sign, 0, 0, sgn * d, sh, 0)
            g.nodes.append(node_val)
            acc_idx, acc_sign = len(g.nodes) - 1, sgn
    return g


def _greedy_graph(targets: list[int]) -> McmGraph:
    bound = _bound(targets)
    g = McmGraph(method="rag")
    remaining = [t for t in targets]
    succ: dict[int, tuple] = {}  # reachable value -> (a_idx, b_idx, recipe)

    def add_node(val, a, b, rec):
        su, iu, sv, iv, k = rec
        g.ops[len(g.nodes)] = AdderNode(val, a, su, iu, b, sv, iv, k)
        g.nodes.append(val)
        new = len(g.nodes) - 1
        for j in range(len(g.nodes)):
            for (u, v, ai, bi) in ((val, g.nodes[j], new, j), (g.nodes[j], val, j, new)):
                for w, r in _aops(u, v, bound):
                    if w not in succ and w not in g.nodes:
                        succ[w] = (ai, bi, r)

    for w, r in _aops(1, 1, bound):
        succ.setdefault(w, (0, 0, r))
    while remaining:
        progress = True
        while progress:
            progress = False
            for t in list(remaining):
                if t in g.nodes:
                    remaining.remove(t)
                    progress = True
                elif t in succ:
                    a, b, r = succ.pop(t)
                    add_node(t, a, b, r)
                    remaining.remove(t)
                    progress = True
        if not remaining:
            break
        # successor that brings the most remaining targets within one more adder
        best, best_key = None, None
        for s in sorted(succ):
            hits = 0
            near = g.nodes + [s]
            for t in remaining:
                if any(t == w for r in near for w, _ in _aops(s, r, bound)):
                    hits += 1
            if hits == 0:
                continue
            key = (-hits, csd_adders(s), s)
            if best_key is None or key < best_key:
                best, best_key = s, key
        if best is None:
            # every target >= 3 adders away: take the successor that most reduces the CSD cost
            # of the cheapest remaining target's residual
            t = min(remaining, key=lambda v: (csd_adders(v), v))
            def resid(s):
                costs = [csd_adders(t - sg * (s << i)) for sg in (1, -1) for i in range(bound.bit_length())
                         if t - sg * (s << i) != 0] + [csd_adders(t)]
                return (min(costs), csd_adders(s), s)
            best = min(sorted(succ), key=resid)
        a, b, r = succ.pop(best)
        add_node(best, a, b, r)
    return g


def build_mcm(constants, method: str = "auto") -> McmGraph:
    """Adder graph for x*c, c in ``constants`` (ints, any sign; zeros cost nothing).

    method: ``csd`` (no sharing beyond identical fundamentals), ``rag`` (greedy sharing) or
    ``auto`` (the one with fewer adders; ties go to the shallower CSD graph)."""
    consts = sorted({int(c) for c in constants if int(c) != 0})
    targets = sorted({odd_part(c)[0] for c in consts} - {1})
    if method not in ("auto", "csd", "rag"):
        raise ValueError(f"unknown MCM method {method!r}")
    if not targets:
        g = McmGraph(method="none")
    elif method == "csd":
        g = _csd_graph(targets)
    elif method == "rag":
        g = _greedy_graph(targets)
    else:
        g1, g2 = _csd_graph(targets), _greedy_graph(targets)
        g = g2 if g2.adders < g1.adders else g1
    for c in consts:
        o, sh = odd_part(c)
        g.products[c] = (g.nodes.index(o), sh, 1 if c > 0 else -1)
    return g


def plain_csd_adders(constants) -> int:
    """Adders if every product is built on its own with CSD (no sharing at all)."""
    return sum(csd_adders(int(c)) for c in constants if int(c) != 0)
