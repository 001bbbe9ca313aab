// One processing element: int8 x int8 multiply into an int32 accumulator.
// `first` restarts the accumulation from the bias (no clear cycle); on `last` the final sum is
// also captured in `result`, so it can be drained while the next pixel group accumulates.
module fxb_pe (
    input                     clk,
    input                     en,
    input                     first,
    input                     last,
    input  signed [7:0]       a,
    input  signed [7:0]       w,
    input  signed [31:0]      bias,
    output reg signed [31:0]  result
);
    reg signed [31:0] acc;
    wire signed [15:0] p = a * w;
    wire signed [31:0] sum = (first ? bias : acc) + {{16{p[15]}}, p};
    always @(posedge clk)
        if (en) begin
            acc <= sum;
            if (last)
                result <= sum;
        end
endmodule
