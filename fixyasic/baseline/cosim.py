"""Co-simulation of the baseline RTL (iverilog) against the integer model.

A generated testbench plays the host: it holds DRAM, the weight/bias images and the program,
drives the accelerator's bus one operation per clock exactly as the cycle model assumes, and
counts clock cycles per inference."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..toolcheck import require
from .compiler import Program
from .rtl import TOP, write_rtl

MARK = 7  # end of the one-time setup section in the program hex


@dataclass
class CosimResult:
    outputs: np.ndarray          # int64 [N, Cout, OH, OW] from the RTL
    cycles: list[int]            # simulated clock cycles per inference
    setup_cycles: int            # one-time weight preload (0 if weights are not resident)


def _hexwords(words: np.ndarray) -> str:
    w = np.asarray(words, dtype=np.int64) & 0xFF
    if w.size == 0:
        return "0\n"
    # most significant byte (lane C-1) first
    return "\n".join("".join(f"{b:02x}" for b in row) for row in w[:, ::-1]) + "\n"


def _tb(prog: Program, n_img: int, n_prog: int) -> str:
    cfg = prog.config
    c, lw = cfg.cols, cfg.load_width
    t0, tl = prog.tensors[0], prog.tensors[-1]
    nw = max(1, len(prog.weight_image))
    return f"""`timescale 1ns/1ps
module fxb_tb;
    reg clk = 0;
    always #5 clk = ~clk;
    reg rst = 1, cfg_we = 0, ld_we = 0, start = 0;
    reg [3:0] cfg_addr = 0;
    reg [31:0] cfg_wdata = 0;
    reg [1:0] ld_sel = 0;
    reg [15:0] ld_addr = 0, rd_addr = 0;
    reg [{lw - 1}:0] ld_data = 0;
    wire [{8 * c - 1}:0] rd_data;
    wire busy;
    {TOP} dut (.clk(clk), .rst(rst), .cfg_we(cfg_we), .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .ld_we(ld_we), .ld_sel(ld_sel), .ld_addr(ld_addr), .ld_data(ld_data),
        .rd_addr(rd_addr), .rd_data(rd_data), .start(start), .busy(busy));

    reg [127:0] prog [0:{n_prog - 1}];
    reg [{8 * c - 1}:0] dram [0:{prog.dram_words - 1}];
    reg [{8 * c - 1}:0] wimg [0:{nw - 1}];
    reg [31:0] bimg [0:{len(prog.bias_image) - 1}];
    reg [{8 * c - 1}:0] imgs [0:{n_img * t0.words - 1}];
    reg [63:0] cyc = 0;
    always @(posedge clk) cyc <= cyc + 1;
    reg [63:0] t0;
    reg [31:0] op, a, b, n;
    integer pc, pc_inf, i, img, fd;

    task exec;  // run ops from pc until END (0) or MARK ({MARK})
        begin
            op = 1;
            while (op != 0 && op != {MARK}) begin
                {{op, a, b, n}} = prog[pc];
                pc = pc + 1;
                case (op)
                    1: begin cfg_we = 1; cfg_addr = a; cfg_wdata = b; @(negedge clk); cfg_we = 0; end
                    2, 3, 4: begin
                        for (i = 0; i < n; i = i + 1) begin
                            ld_we = 1; ld_sel = op - 2; ld_addr = b + i;
                            ld_data = (op == 2) ? dram[a + i] : (op == 3) ? wimg[a + i] : bimg[a + i];
                            @(negedge clk);
                        end
                        ld_we = 0;
                    end
                    5: begin
                        start = 1; @(negedge clk); start = 0;
                        while (busy) @(negedge clk);
                    end
                    6: for (i = 0; i < n; i = i + 1) begin
                        rd_addr = a + i; @(negedge clk); dram[b + i] = rd_data;
                    end
                    default: ;
                endcase
            end
        end
    endtask

    initial begin
        $readmemh("prog.hex", prog);
        $readmemh("wimg.hex", wimg);
        $readmemh("bimg.hex", bimg);
        $readmemh("imgs.hex", imgs);
        fd = $fopen("out.txt", "w");
        repeat (2) @(negedge clk);
        rst = 0;
        @(negedge clk);
        pc = 0; t0 = cyc;
        exec;
        $fwrite(fd, "S %0d\\n", cyc - t0);
        pc_inf = pc;
        for (img = 0; img < {n_img}; img = img + 1) begin
            for (i = 0; i < {t0.words}; i = i + 1) dram[{t0.base} + i] = imgs[img * {t0.words} + i];
            pc = pc_inf; t0 = cyc;
            exec;
            $fwrite(fd, "C %0d\\n", cyc - t0);
            for (i = 0; i < {tl.words}; i = i + 1) $fwrite(fd, "%h\\n", dram[{tl.base} + i]);
        end
        $fclose(fd);
        $finish;
    end
endmodule
"""


def _prog_hex(prog: Program) -> tuple[str, int]:
    rows = [(o.op, o.a, o.b, o.c) for o in prog.setup] + [(MARK, 0, 0, 0)]
    rows += [(o.op, o.a, o.b, o.c) for o in prog.ops]
    text = "\n".join("".join(f"{v & 0xFFFFFFFF:08x}" for v in r) for r in rows) + "\n"
    return text, len(rows)


def write_program_image(prog: Program, out_dir: str | Path) -> list[Path]:
    """The program and weight image as $readmemh files (prog.hex: one op per line as four 32-bit
    fields op,a,b,c with a MARK line after the one-time setup; wimg.hex: C-byte weight words;
    bimg.hex: int32 bias entries), plus a readable program.txt. Written atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ptext, _ = _prog_hex(prog)
    files = {"prog.hex": ptext, "wimg.hex": _hexwords(prog.weight_image),
             "bimg.hex": "\n".join(f"{int(v) & 0xFFFFFFFF:08x}" for v in prog.bias_image) + "\n",
             "program.txt": prog.describe()}
    paths = []
    for name, text in files.items():
        tmp = out / (name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, out / name)
        paths.append(out / name)
    return paths


def write_bench(prog: Program, images: np.ndarray, work: Path) -> list[Path]:
    """Write RTL, testbench and hex images into work; returns the Verilog files to compile."""
    images = np.asarray(images)
    srcs = write_rtl(prog.config, work)
    _, n_prog = _prog_hex(prog)
    write_program_image(prog, work)
    words = np.concatenate([prog.pack_input(x) for x in images])
    (work / "imgs.hex").write_text(_hexwords(words))
    tb = work / "fxb_tb.v"
    tb.write_text(_tb(prog, len(images), n_prog))
    return srcs + [tb]


def cosimulate(prog: Program, images: np.ndarray, work_dir: str | Path | None = None,
               timeout: float = 3600.0, netlist: str | Path | None = None) -> CosimResult:
    """Simulate on int codes [N, Cin, H, W] with iverilog; returns outputs and cycle counts.

    With ``netlist`` (a synthesized sky130hd netlist of the same configuration) the testbench
    drives the gate-level design instead of the RTL."""
    iverilog, vvp = require("iverilog"), require("vvp")
    with tempfile.TemporaryDirectory(prefix="fxb_cosim_") as tmp:
        work = Path(work_dir) if work_dir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        srcs = write_bench(prog, images, work)
        cmd = [iverilog, "-g2005", "-o", str(work / "sim.vvp"), "-s", "fxb_tb"]
        if netlist is not None:
            from ..gatesim import gate_models, iverilog_flags

            cmd[1] = "-g2012"
            srcs = [srcs[-1], Path(netlist), *gate_models()]
            cmd += iverilog_flags()
        build = subprocess.run(cmd + [str(s) for s in srcs], capture_output=True, text=True, cwd=work)
        if build.returncode != 0:
            raise ToolError(f"iverilog failed on the baseline design: {build.stderr.strip()[:500]}")
        run = subprocess.run([vvp, "-n", str(work / "sim.vvp")], capture_output=True, text=True,
                             cwd=work, timeout=timeout)
        out = work / "out.txt"
        if run.returncode != 0 or not out.is_file():
            raise ToolError(f"vvp failed on the baseline testbench: {(run.stderr or run.stdout).strip()[:500]}")
        return _parse(out.read_text(), prog, len(images))


def _parse(text: str, prog: Program, n_img: int) -> CosimResult:
    c = prog.config.cols
    lines = text.split()
    setup = int(lines[1])
    tl = prog.tensors[-1]
    outs, cycles, i = [], [], 2
    for _ in range(n_img):
        if i >= len(lines) or lines[i] != "C":
            raise ToolError("baseline testbench output is truncated")
        cycles.append(int(lines[i + 1]))
        i += 2
        hexw = lines[i:i + tl.words]
        i += tl.words
        if any("x" in h or "z" in h for h in hexw):
            raise ToolError("baseline RTL produced unknown (x/z) output bits")
        words = np.array([[int(h[2 * (c - 1 - j):2 * (c - j)], 16) for j in range(c)] for h in hexw],
                         dtype=np.int64)
        outs.append(prog.unpack_output(words))
    return CosimResult(np.stack(outs), cycles, setup)
