// Small streaming design for place-and-route tests: a 4-tap FIR over an 8-bit pixel stream
// with constant taps (shift-add multipliers, like the fixed extractors) plus a running
// accumulator, so synthesis gives a few hundred cells with flops, adders and muxes.
module pnr_mac (
    input  wire        clk,
    input  wire        rst,
    input  wire        valid_in,
    input  wire [7:0]  pixel,
    output reg  [15:0] fir_out,
    output reg  [19:0] acc_out,
    output reg         valid_out
);
    reg [7:0] tap0, tap1, tap2, tap3;
    wire signed [15:0] prod = $signed({1'b0, tap0}) * 16'sd3 + $signed({1'b0, tap1}) * -16'sd5
                            + $signed({1'b0, tap2}) * 16'sd7 + $signed({1'b0, tap3}) * 16'sd2;
    always @(posedge clk) begin
        if (rst) begin
            tap0 <= 8'd0; tap1 <= 8'd0; tap2 <= 8'd0; tap3 <= 8'd0;
            fir_out <= 16'd0; acc_out <= 20'd0; valid_out <= 1'b0;
        end else begin
            valid_out <= valid_in;
            if (valid_in) begin
                tap0 <= pixel; tap1 <= tap0; tap2 <= tap1; tap3 <= tap2;
            end
            fir_out <= prod;
            acc_out <= acc_out + {{4{prod[15]}}, prod} + {12'd0, pixel};
        end
    end
endmodule
