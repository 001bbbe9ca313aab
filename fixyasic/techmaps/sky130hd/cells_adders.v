// fixyasic: yosys techmap, full adders found by `extract_fa` -> sky130_fd_sc_hd__fa_1.
// $fa: Y = A ^ B ^ C (sum), X = majority(A, B, C) (carry), bitwise over WIDTH bits.
(* techmap_celltype = "$fa" *)
module _fixyasic_sky130hd_fa (A, B, C, X, Y);
    parameter WIDTH = 1;
    input  [WIDTH-1:0] A, B, C;
    output [WIDTH-1:0] X, Y;

    genvar i;
    generate
        for (i = 0; i < WIDTH; i = i + 1) begin : bit
            sky130_fd_sc_hd__fa_1 fa (.A(A[i]), .B(B[i]), .CIN(C[i]), .COUT(X[i]), .SUM(Y[i]));
        end
    endgenerate
endmodule
