// fixyasic: yosys techmap, generic latches -> sky130_fd_sc_hd transparent latches.
// Used by SiliconCompiler's syn_asic step (library key tool/yosys/techmap); lambdapdk's
// offline data carries no yosys maps, so fixyasic ships its own.

// Latch transparent while E is high.
module \$_DLATCH_P_ (input E, input D, output Q);
    sky130_fd_sc_hd__dlxtp_1 _TECHMAP_REPLACE_ (.D(D), .GATE(E), .Q(Q));
endmodule

// Latch transparent while E is low.
module \$_DLATCH_N_ (input E, input D, output Q);
    sky130_fd_sc_hd__dlxtn_1 _TECHMAP_REPLACE_ (.D(D), .GATE_N(E), .Q(Q));
endmodule
