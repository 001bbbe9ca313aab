// Requantization, bit-exact with fixyasic.qnet.requantize:
// y = clamp((acc + (1 << (shift-1))) >> shift, relu ? 0 : -128, 127), no rounding term when shift == 0.
// For shift >= 1 it is computed as ((acc >> (shift-1)) + 1) >> 1, the same floor: the rounding
// bit becomes an increment after the shifter (a carry chain of ANDs) instead of a 33-bit add
// before it, whose one-hot addend ABC mapped to a 30-stage maj3 ripple, the full-size
// baseline's worst setup path at 20 ns.
module fxb_requant (
    input  signed [31:0] acc,
    input         [4:0]  shift,
    input                relu,
    output        [7:0]  y
);
    wire signed [32:0] a33 = {acc[31], acc};
    wire        [4:0]  s1  = shift - 5'd1;
    wire signed [32:0] q   = a33 >>> s1;
    wire signed [32:0] q1  = q + 33'sd1;      // q <= 2^31 - 1: cannot overflow
    wire signed [32:0] sh  = (shift == 5'd0) ? a33 : (q1 >>> 1);
    wire signed [32:0] lo  = relu ? 33'sd0 : -33'sd128;
    assign y = (sh > 33'sd127) ? 8'd127 : ((sh < lo) ? lo[7:0] : sh[7:0]);
endmodule
