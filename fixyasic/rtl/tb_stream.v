// Streaming testbench for fixyasic fixed-weight designs (Icarus Verilog and Verilator 5).
// Compile-time defines: DUT (top module), IN_BITS, OUT_BITS, MAX_PIX (input memory size).
// Plusargs: +in=FILE (hex, one input pixel per line) +out=FILE +n_in=N +n_out=M
//           +stall_in=S +stall_out=S (S/16 = probability a cycle has no input / no ready)
//           +seed=X +max_cycles=C
`timescale 1ns/1ps
module fixyasic_tb;
  reg clk = 1'b0;
  reg rst = 1'b1;
  reg in_valid = 1'b0;
  wire in_ready;
  reg [`IN_BITS-1:0] in_data = 0;
  wire out_valid;
  reg out_ready = 1'b0;
  wire [`OUT_BITS-1:0] out_data;

  `DUT dut (.clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
            .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data));

  reg [`IN_BITS-1:0] mem [0:`MAX_PIX-1];
  reg [8*512-1:0] in_file, out_file;
  integer n_in, n_out, stall_in, stall_out, max_cycles, fd;
  integer idx, got, cycles, rst_cycles, first_out;
  integer idx_next;
  reg [31:0] lfsr;

  always #5 clk = ~clk;

  initial begin
    if (!$value$plusargs("in=%s", in_file)) in_file = "in.hex";
    if (!$value$plusargs("out=%s", out_file)) out_file = "out.hex";
    if (!$value$plusargs("n_in=%d", n_in)) n_in = 0;
    if (!$value$plusargs("n_out=%d", n_out)) n_out = 0;
    if (!$value$plusargs("stall_in=%d", stall_in)) stall_in = 0;
    if (!$value$plusargs("stall_out=%d", stall_out)) stall_out = 0;
    if (!$value$plusargs("max_cycles=%d", max_cycles)) max_cycles = 100000000;
    if (!$value$plusargs("seed=%h", lfsr)) lfsr = 32'h1;
    if (lfsr == 0) lfsr = 32'h1;
    $readmemh(in_file, mem, 0, n_in - 1);
    fd = $fopen(out_file, "w");
    idx = 0; got = 0; cycles = 0; rst_cycles = 0; first_out = -1;
  end

  // Galois LFSR: a cheap random source that behaves the same in both simulators
  function [31:0] lfsr_next(input [31:0] s);
    lfsr_next = s[0] ? ((s >> 1) ^ 32'hA3000000) : (s >> 1);
  endfunction

  always @(posedge clk) begin
    if (rst_cycles < 4) begin
      rst_cycles <= rst_cycles + 1;
      rst <= (rst_cycles < 3);
      out_ready <= 1'b0;
    end else begin
      cycles <= cycles + 1;
      lfsr <= lfsr_next(lfsr_next(lfsr));
      idx_next = (in_valid && in_ready) ? idx + 1 : idx;
      if (!in_valid || in_ready) begin
        if (idx_next < n_in && lfsr[3:0] >= stall_in) begin
          in_valid <= 1'b1;
          in_data <= mem[idx_next];
        end else begin
          in_valid <= 1'b0;
        end
      end
      idx <= idx_next;
      out_ready <= (lfsr[11:8] >= stall_out);
      if (out_valid && out_ready) begin
        $fwrite(fd, "%h\n", out_data);
        if (first_out < 0) first_out <= cycles;
        got <= got + 1;
        if (got + 1 == n_out) begin
          $fclose(fd);
          $display("FIXYASIC_TB DONE cycles=%0d first_out=%0d inputs=%0d outputs=%0d", cycles + 1,
                   first_out < 0 ? cycles : first_out, idx_next, got + 1);
          $finish;
        end
      end
      if (cycles >= max_cycles) begin
        $fclose(fd);
        $display("FIXYASIC_TB TIMEOUT cycles=%0d inputs=%0d outputs=%0d", cycles, idx_next, got);
        $finish;
      end
    end
  end
endmodule
