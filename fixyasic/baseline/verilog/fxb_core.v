// fixyasic programmable baseline: an R x C output-stationary array of int8 MAC PEs.
//
// Rows (r) are output-pixel lanes (R neighbouring pixels of one output row), columns (c) are
// output-channel lanes (C channels of one channel group). Activations and weights are stored as
// channel-group words of C bytes (byte c = channel g*C + c), so one weight word feeds a whole
// row of PEs and one activation word per pixel lane feeds a column set:
//   dense conv / pointwise: lane r broadcasts byte `cs` of its word to every column (channel mixing);
//   depthwise:              column c takes byte c of its lane's word (per-channel filter).
// The controller walks (group, output row, pixel group, [input group], ky, kx, [channel]) from
// configuration registers; the host loads activation tiles / weights / biases through the load
// port and reads results from the output buffer (see fixyasic/baseline/compiler.py).
module fxb_core #(
    parameter R = 2,            // pixel lanes
    parameter C = 4,            // channel lanes (power of two)
    parameter AD = 128,         // activation buffer depth (words of C bytes)
    parameter WD = 64,          // weight buffer depth (words of C bytes)
    parameter BD = 4,           // bias buffer depth (channel groups; C x int32 each)
    parameter OD = 64,          // output buffer depth (words of C bytes)
    parameter LW = (8*C > 32) ? 8*C : 32
) (
    input               clk,
    input               rst,
    input               cfg_we,
    input  [3:0]        cfg_addr,
    input  [31:0]       cfg_wdata,
    input               ld_we,
    input  [1:0]        ld_sel,      // 0 activations, 1 weights, 2 biases (address = group*C + lane)
    input  [15:0]       ld_addr,
    input  [LW-1:0]     ld_data,
    input  [15:0]       rd_addr,
    output reg [8*C-1:0] rd_data,    // output buffer word, one cycle after rd_addr
    input               start,
    output              busy
);
    localparam AAW = (AD > 1) ? $clog2(AD) : 1;
    localparam WAW = (WD > 1) ? $clog2(WD) : 1;
    localparam BAW = (BD > 1) ? $clog2(BD) : 1;
    localparam OAW = (OD > 1) ? $clog2(OD) : 1;
    localparam CB  = (C > 1) ? $clog2(C) : 1;
    localparam CSH = (C > 1) ? $clog2(C) : 0;
    localparam [CB:0] CV = C;
    localparam SW  = 18;        // signed address arithmetic

    // ------------------------------------------------------------ configuration registers
    reg        dw, relu, s2;
    reg [1:0]  kk;              // kernel size 1..3
    reg [1:0]  pad;
    reg [4:0]  shift;
    reg [15:0] tw, th, ow, oht, ngo, ngi, astride, wbase0, bbase0;
    reg [CB:0] cs_last;
    reg signed [SW-1:0] rowoff, rowoff_tw;

    always @(posedge clk) begin
        if (rst) begin
            dw <= 1'b0; relu <= 1'b0; s2 <= 1'b0; kk <= 2'd1; pad <= 2'd0; shift <= 5'd0;
            tw <= 16'd1; th <= 16'd1; ow <= 16'd1; oht <= 16'd1; ngo <= 16'd1; ngi <= 16'd1;
            astride <= 16'd0; cs_last <= 1; rowoff <= 0; rowoff_tw <= 0; wbase0 <= 0; bbase0 <= 0;
        end else if (cfg_we) begin
            case (cfg_addr)
                4'd0: begin dw <= cfg_wdata[0]; relu <= cfg_wdata[1]; s2 <= cfg_wdata[3];
                            kk <= cfg_wdata[5:4]; pad <= cfg_wdata[7:6]; shift <= cfg_wdata[12:8]; end
                4'd1: tw <= cfg_wdata[15:0];
                4'd2: th <= cfg_wdata[15:0];
                4'd3: rowoff <= cfg_wdata[SW-1:0];
                4'd4: rowoff_tw <= cfg_wdata[SW-1:0];
                4'd5: ow <= cfg_wdata[15:0];
                4'd6: oht <= cfg_wdata[15:0];
                4'd7: ngo <= cfg_wdata[15:0];
                4'd8: ngi <= cfg_wdata[15:0];
                4'd9: cs_last <= cfg_wdata[CB:0];
                4'd10: astride <= cfg_wdata[15:0];
                4'd11: wbase0 <= cfg_wdata[15:0];   // first weight word of this run
                4'd12: bbase0 <= cfg_wdata[15:0];   // first bias group of this run
                default: ;
            endcase
        end
    end

    // ------------------------------------------------------------------------ controller
    localparam S_IDLE = 2'd0, S_MAC = 2'd1, S_WAIT = 2'd2;
    reg [1:0] state;
    assign busy = (state != S_IDLE);

    reg [15:0] g, oy, ox0, gi, out_row;
    reg [1:0]  ky, kx;
    reg [CB:0] cs;
    reg signed [SW-1:0] ix0, iy0, rowaddr0, rowk, agrp, agrp_g;
    reg [WAW-1:0] waddr, wgbase;
    reg [15:0] guard;           // cycles until a pixel group may complete (its drain slot is free)

    wire [CB:0] cs_n = (gi == ngi - 16'd1) ? cs_last : CV;
    wire last_cs  = dw || (cs == cs_n - 1'b1);
    wire last_kx  = (kx == kk - 2'd1);
    wire last_ky  = (ky == kk - 2'd1);
    wire last_gi  = dw || (gi == ngi - 16'd1);
    wire last_step = last_cs && last_kx && last_ky && last_gi;
    wire [SW-1:0] stw = s2 ? {tw, 1'b0} : {2'b0, tw};
    wire last_px  = (ox0 + R >= ow);
    wire last_oy  = (oy == oht - 16'd1);
    wire last_g   = (g == ngo - 16'd1);
    wire stall    = last_step && (guard != 0);
    wire issue    = (state == S_MAC) && !stall;

    // step addresses (stage A -> registered for stage B)
    wire signed [SW-1:0] iy = iy0 + $signed({16'd0, ky});
    wire row_ok = (iy >= 0) && (iy < $signed({2'b0, th}));
    wire [15:0] px_left = ow - ox0;
    reg  [R*AAW-1:0] a_addr;
    reg  [R-1:0]     a_ok;
    reg  [CB-1:0]    a_bsel;
    reg  [WAW-1:0]   a_waddr;
    reg  [15:0]      a_g, a_obase, a_ovalid;
    reg              a_en, a_first, a_last;
    integer r;
    reg signed [SW-1:0] ixr, addr_r;

    // drain: the finished pixel group's R x C results sit in the PEs' result registers and are
    // requantized one pixel lane per cycle while the next group accumulates
    reg        d_active;
    reg [15:0] dr, d_base, d_valid;
    wire d_done = d_active && (dr == R - 1);

    always @(posedge clk) begin
        if (rst) begin
            d_active <= 1'b0; dr <= 0; d_base <= 0; d_valid <= 0;
        end else if (a_en && a_last) begin
            d_active <= 1'b1; dr <= 0; d_base <= a_obase; d_valid <= a_ovalid;
        end else if (d_active) begin
            dr <= dr + 1'b1;
            if (d_done) d_active <= 1'b0;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE; a_en <= 1'b0; a_first <= 1'b0; a_last <= 1'b0; guard <= 0;
            // the loop counters too: 'start' loads them, but gate-level simulation cannot see
            // through the hold loops synthesis builds for never-reset state (x stays x)
            g <= 0; oy <= 0; ox0 <= 0; out_row <= 0; ix0 <= 0; iy0 <= 0; rowaddr0 <= 0;
            gi <= 0; ky <= 0; kx <= 0; cs <= 0; rowk <= 0; agrp <= 0; agrp_g <= 0;
            waddr <= 0; wgbase <= 0;
            a_bsel <= 0; a_waddr <= 0; a_g <= 0; a_obase <= 0; a_ovalid <= 0; a_ok <= 0; a_addr <= 0;
        end else begin
            a_en <= issue;
            if (issue && last_step) guard <= R - 1;
            else if (guard != 0) guard <= guard - 1'b1;
            case (state)
                S_IDLE: if (start) begin
                    g <= 0; oy <= 0; ox0 <= 0; out_row <= 0;
                    ix0 <= -$signed({16'd0, pad}); iy0 <= rowoff; rowaddr0 <= rowoff_tw;
                    gi <= 0; ky <= 0; kx <= 0; cs <= 0; rowk <= 0; agrp <= 0; agrp_g <= 0;
                    waddr <= wbase0[WAW-1:0]; wgbase <= wbase0[WAW-1:0];
                    state <= S_MAC;
                end
                S_MAC: if (issue) begin
                    // one MAC step for all R x C PEs
                    a_first <= (gi == 0) && (ky == 0) && (kx == 0) && (cs == 0);
                    a_last <= last_step;
                    a_bsel <= cs[CB-1:0];
                    a_waddr <= waddr;
                    a_g <= g;
                    a_obase <= out_row + ox0;
                    a_ovalid <= (px_left < R) ? px_left : R;
                    for (r = 0; r < R; r = r + 1) begin
                        ixr = ix0 + $signed({16'd0, kx}) + (s2 ? 2 * r : r);
                        addr_r = agrp + rowaddr0 + rowk + ixr;
                        a_ok[r] <= row_ok && (ixr >= 0) && (ixr < $signed({2'b0, tw}));
                        a_addr[r*AAW +: AAW] <= addr_r[AAW-1:0];
                    end
                    waddr <= waddr + 1'b1;
                    // advance (input group, ky, kx, channel), then the pixel group
                    if (!last_cs) cs <= cs + 1'b1;
                    else begin
                        cs <= 0;
                        if (!last_kx) kx <= kx + 1'b1;
                        else begin
                            kx <= 0;
                            if (!last_ky) begin ky <= ky + 1'b1; rowk <= rowk + $signed({2'b0, tw}); end
                            else begin
                                ky <= 0; rowk <= 0;
                                if (!last_gi) begin gi <= gi + 1'b1; agrp <= agrp + $signed({2'b0, astride}); end
                                else begin
                                    gi <= 0;
                                    if (!last_px) begin
                                        ox0 <= ox0 + R; ix0 <= ix0 + (s2 ? 2 * R : R);
                                        waddr <= wgbase; agrp <= dw ? agrp_g : 0;
                                    end else begin
                                        ox0 <= 0; ix0 <= -$signed({16'd0, pad});
                                        out_row <= out_row + ow;
                                        if (!last_oy) begin
                                            oy <= oy + 1'b1; iy0 <= iy0 + (s2 ? 2 : 1);
                                            rowaddr0 <= rowaddr0 + stw;
                                            waddr <= wgbase; agrp <= dw ? agrp_g : 0;
                                        end else begin
                                            oy <= 0; iy0 <= rowoff; rowaddr0 <= rowoff_tw;
                                            g <= g + 1'b1; wgbase <= waddr + 1'b1;  // next group's weights follow
                                            agrp_g <= agrp_g + $signed({2'b0, astride});
                                            agrp <= dw ? agrp_g + $signed({2'b0, astride}) : 0;
                                            if (last_g) state <= S_WAIT;
                                        end
                                    end
                                end
                            end
                        end
                    end
                end
                S_WAIT: if (d_done && !a_en) state <= S_IDLE;   // last drain cycle
                default: state <= S_IDLE;
            endcase
        end
    end

    // --------------------------------------------------------------------------- buffers
    wire [R*8*C-1:0] a_rdata;
    wire [8*C-1:0]   w_rdata;
    fxb_regfile #(.WIDTH(8*C), .DEPTH(AD), .NR(R), .AW(AAW)) abuf (
        .clk(clk), .we(ld_we && ld_sel == 2'd0), .waddr(ld_addr[AAW-1:0]), .wdata(ld_data[8*C-1:0]),
        .raddr(a_addr), .rdata(a_rdata));
    fxb_regfile #(.WIDTH(8*C), .DEPTH(WD), .NR(1), .AW(WAW)) wbuf (
        .clk(clk), .we(ld_we && ld_sel == 2'd1), .waddr(ld_addr[WAW-1:0]), .wdata(ld_data[8*C-1:0]),
        .raddr(a_waddr), .rdata(w_rdata));

    wire [C*32-1:0] bias_w;
    wire [15:0] ld_bgrp = ld_addr >> CSH;
    wire [15:0] b_raddr = a_g + bbase0;
    genvar gr, gc;
    generate
        for (gc = 0; gc < C; gc = gc + 1) begin : bias_lane
            // one bank per lane so a group's C biases are read at once
            fxb_regfile #(.WIDTH(32), .DEPTH(BD), .NR(1), .AW(BAW)) bbuf (
                .clk(clk), .we(ld_we && ld_sel == 2'd2 && (C == 1 || ld_addr[CB-1:0] == gc)),
                .waddr(ld_bgrp[BAW-1:0]), .wdata(ld_data[31:0]),
                .raddr(b_raddr[BAW-1:0]), .rdata(bias_w[gc*32 +: 32]));
        end
    endgenerate

    // ----------------------------------------------------------------------- PE array
    wire [R*C*32-1:0] accs;     // PE result registers
    generate
        for (gr = 0; gr < R; gr = gr + 1) begin : row
            wire [8*C-1:0] word = a_rdata[gr*8*C +: 8*C];
            wire [7:0] bcast = a_ok[gr] ? word[a_bsel*8 +: 8] : 8'd0;
            for (gc = 0; gc < C; gc = gc + 1) begin : col
                wire [7:0] act = dw ? (a_ok[gr] ? word[gc*8 +: 8] : 8'd0) : bcast;
                fxb_pe pe (.clk(clk), .en(a_en), .first(a_first), .last(a_last), .a(act),
                           .w(w_rdata[gc*8 +: 8]), .bias(bias_w[gc*32 +: 32]),
                           .result(accs[(gr*C + gc)*32 +: 32]));
            end
        end
    endgenerate

    // ---------------------------------------------------------- drain: requant + write back
    wire [C*32-1:0] drow = accs[dr[15:0]*C*32 +: C*32];
    wire [8*C-1:0]  qrow;
    generate
        for (gc = 0; gc < C; gc = gc + 1) begin : rq
            fxb_requant q (.acc(drow[gc*32 +: 32]), .shift(shift), .relu(relu), .y(qrow[gc*8 +: 8]));
        end
    endgenerate
    wire [15:0] o_waddr = d_base + dr;
    wire o_we = d_active && (dr < d_valid);
    wire [8*C-1:0] o_rdata;
    fxb_regfile #(.WIDTH(8*C), .DEPTH(OD), .NR(1), .AW(OAW)) obuf (
        .clk(clk), .we(o_we), .waddr(o_waddr[OAW-1:0]), .wdata(qrow),
        .raddr(rd_addr[OAW-1:0]), .rdata(o_rdata));
    always @(posedge clk) rd_data <= o_rdata;
endmodule
