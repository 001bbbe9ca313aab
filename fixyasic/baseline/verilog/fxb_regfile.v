// Flip-flop register file: one synchronous write port, NR asynchronous read ports.
// Kept as its own module so an SRAM macro (with a registered read) can replace it later.
module fxb_regfile #(
    parameter WIDTH = 8,
    parameter DEPTH = 16,
    parameter NR = 1,
    parameter AW = 4
) (
    input                     clk,
    input                     we,
    input  [AW-1:0]           waddr,
    input  [WIDTH-1:0]        wdata,
    input  [NR*AW-1:0]        raddr,
    output [NR*WIDTH-1:0]     rdata
);
    reg [WIDTH-1:0] mem [0:DEPTH-1];

    always @(posedge clk)
        if (we && waddr < DEPTH)
            mem[waddr] <= wdata;

    genvar i;
    generate
        for (i = 0; i < NR; i = i + 1) begin : rd
            wire [AW-1:0] a = raddr[i*AW +: AW];
            assign rdata[i*WIDTH +: WIDTH] = (a < DEPTH) ? mem[a] : {WIDTH{1'b0}};
        end
    endgenerate
endmodule
