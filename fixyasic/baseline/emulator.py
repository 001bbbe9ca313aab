"""Functional model of the baseline hardware executing a compiled Program (numpy, fast).

It follows the RTL's semantics (buffer addressing, padding by bounds checks, channel-group
words, int32 accumulation, requantization) so the compiler's tiling can be checked on many
shapes and buffer sizes without a Verilog simulator; the RTL itself is checked by co-simulation."""

from __future__ import annotations

import numpy as np

from ..qnet import requantize
from .compiler import CFG, END, LDA, LDB, LDW, RUN, STO, Program


class BufferOverrun(AssertionError):
    """The program addressed a buffer word that does not exist (a compiler bug)."""


def _check(addr: np.ndarray | int, depth: int, what: str) -> None:
    a = np.asarray(addr)
    if a.size and (a.min() < 0 or a.max() >= depth):
        raise BufferOverrun(f"{what} address {int(a.min())}..{int(a.max())} outside 0..{depth - 1}")


def _signed(v: int, bits: int = 18) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


class Emulator:
    def __init__(self, prog: Program):
        self.prog = prog
        cfg = prog.config
        c = cfg.cols
        self.abuf = np.zeros((cfg.abuf_depth, c), dtype=np.int64)
        self.wbuf = np.zeros((cfg.wbuf_depth, c), dtype=np.int64)
        self.bbuf = np.zeros((cfg.bbuf_depth, c), dtype=np.int64)
        self.obuf = np.zeros((cfg.obuf_depth, c), dtype=np.int64)
        self.dram = np.zeros((prog.dram_words, c), dtype=np.int64)
        self.regs = {i: 0 for i in range(13)}
        self.cycles = 0
        self._exec(prog.setup)

    def infer(self, codes: np.ndarray) -> np.ndarray:
        """Run one inference on int codes [Cin, H, W]; returns int64 [Cout, OH, OW]."""
        t0 = self.prog.tensors[0]
        self.dram[t0.base:t0.base + t0.words] = np.where((w := self.prog.pack_input(codes)) > 127, w - 256, w)
        self.cycles = 0
        self._exec(self.prog.ops)
        t = self.prog.tensors[-1]
        return self.prog.unpack_output(self.dram[t.base:t.base + t.words] & 0xFF)

    def _exec(self, ops) -> None:
        cfg, c = self.prog.config, self.prog.config.cols
        for op in ops:
            self.cycles += self.prog.op_cycles(op)
            if op.op == END:
                break
            if op.op == CFG:
                self.regs[op.a] = op.b
            elif op.op == LDA:
                _check(np.arange(op.b, op.b + op.c), cfg.abuf_depth, "activation buffer")
                self.abuf[op.b:op.b + op.c] = self.dram[op.a:op.a + op.c]
            elif op.op == LDW:
                _check(np.arange(op.b, op.b + op.c), cfg.wbuf_depth, "weight buffer")
                self.wbuf[op.b:op.b + op.c] = self.prog.weight_image[op.a:op.a + op.c]
            elif op.op == LDB:
                for i in range(op.c):
                    e = op.b + i
                    _check(e // c, cfg.bbuf_depth, "bias buffer")
                    self.bbuf[e // c, e % c] = self.prog.bias_image[op.a + i]
            elif op.op == RUN:
                self._run()
            elif op.op == STO:
                _check(np.arange(op.a, op.a + op.c), cfg.obuf_depth, "output buffer")
                self.dram[op.b:op.b + op.c] = self.obuf[op.a:op.a + op.c]

    def _run(self) -> None:
        cfg, c, rg = self.prog.config, self.prog.config.cols, self.regs
        f = rg[0]
        dw, relu, s = f & 1, (f >> 1) & 1, 2 if (f >> 3) & 1 else 1
        k, pad, shift = (f >> 4) & 3, (f >> 6) & 3, (f >> 8) & 31
        tw, th, rowoff = rg[1], rg[2], _signed(rg[3])
        ow, oht, ngo, ngi, cs_last, astride = rg[5], rg[6], rg[7], rg[8], rg[9], rg[10]
        wbase, bbase = rg[11], rg[12]
        oy = np.arange(oht)[:, None]
        ox = np.arange(ow)[None, :]
        waddr = wbase
        for g in range(ngo):
            _check(bbase + g, cfg.bbuf_depth, "bias buffer")
            acc = np.broadcast_to(self.bbuf[bbase + g], (oht, ow, c)).copy()
            for gi in ([g] if dw else range(ngi)):
                for ky in range(k):
                    for kx in range(k):
                        iy = rowoff + oy * s + ky
                        ix = ox * s - pad + kx
                        ok = (iy >= 0) & (iy < th) & (ix >= 0) & (ix < tw)
                        addr = gi * astride + iy * tw + ix
                        _check(addr[ok], cfg.abuf_depth, "activation buffer")
                        words = np.where(ok[..., None], self.abuf[np.where(ok, addr, 0)], 0)
                        for cs in range(1 if dw else (cs_last if gi == ngi - 1 else c)):
                            _check(waddr, cfg.wbuf_depth, "weight buffer")
                            wv = self.wbuf[waddr]
                            act = words if dw else words[..., cs:cs + 1]
                            acc += act * wv
                            waddr += 1
            y = requantize(acc, shift, bool(relu))
            out0 = g * oht * ow
            _check(np.array([out0, out0 + oht * ow - 1]), cfg.obuf_depth, "output buffer")
            self.obuf[out0:out0 + oht * ow] = y.reshape(-1, c)
