// fixyasic: yosys techmap, generic tristate buffer -> sky130_fd_sc_hd__ebufn.
// The sky130 buffer enables on a low TE_B, so the enable is inverted here; the inverter is
// mapped to a cell by the synthesis script's later techmap/abc passes.
module \$_TBUF_ (input A, input E, output Y);
    sky130_fd_sc_hd__ebufn_2 _TECHMAP_REPLACE_ (.A(A), .TE_B(~E), .Z(Y));
endmodule
