// Tiny sequential design for quick P&R checks: an 8-bit accumulator of a 4-bit input.
module pnr_tiny (
    input  wire       clk,
    input  wire       rst,
    input  wire [3:0] din,
    output reg  [7:0] acc
);
    always @(posedge clk) begin
        if (rst) acc <= 8'd0;
        else     acc <= acc + {4'd0, din};
    end
endmodule
