// One processing element: int8 x int8 multiply into an int32 accumulator.
// `first` restarts the accumulation from the bias (no separate clear cycle).
module fxb_pe (
    input                     clk,
    input                     en,
    input                     first,
    input  signed [7:0]       a,
    input  signed [7:0]       w,
    input  signed [31:0]      bias,
    output reg signed [31:0]  acc
);
    wire signed [15:0] p = a * w;
    always @(posedge clk)
        if (en)
            acc <= (first ? bias : acc) + {{16{p[15]}}, p};
endmodule
