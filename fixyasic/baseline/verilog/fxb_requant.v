// Requantization, bit-exact with fixyasic.qnet.requantize:
// y = clamp((acc + (1 << (shift-1))) >> shift, relu ? 0 : -128, 127), no rounding term when shift == 0.
module fxb_requant (
    input  signed [31:0] acc,
    input         [4:0]  shift,
    input                relu,
    output        [7:0]  y
);
    wire signed [32:0] a33 = {acc[31], acc};
    wire signed [32:0] rnd = (shift == 5'd0) ? 33'sd0 : (33'sd1 <<< (shift - 5'd1));
    wire signed [32:0] sum = a33 + rnd;       // 33 bits: cannot overflow
    wire signed [32:0] sh  = sum >>> shift;
    wire signed [32:0] lo  = relu ? 33'sd0 : -33'sd128;
    assign y = (sh > 33'sd127) ? 8'd127 : ((sh < lo) ? lo[7:0] : sh[7:0]);
endmodule
