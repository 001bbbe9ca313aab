"""qrouter on dies larger than 2048 um: runs are moved to a frame centred on the origin
(fixyasic.pnr.qrouter_frame), with the real router."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from fixyasic.pnr import route
from fixyasic.pnr.defio import read_routed_nets
from fixyasic.pnr.qrouter_frame import SAFE_UM, die_offset, frame_script, shift_def
from fixyasic.toolcheck import require

# the 94k-cell extractor's die and two cells of a net that five whole-die repair runs failed:
# a32oi_1 A1 in this row (y 2211.36 um) cannot be reached by qrouter in the design's frame
DIE = (2913640, 2911760)
CELLS = [("u_drv", "sky130_fd_sc_hd__nand2b_1", 2381880, 2174640),
         ("u_load", "sky130_fd_sc_hd__a32oi_1", 2382340, 2211360)]


def _big_die_def(path: Path) -> Path:
    w, h = DIE
    comps = "\n".join(f"- {n} {c} + PLACED ( {x} {y} ) N ;" for n, c, x, y in CELLS)
    path.write_text(f"""VERSION 5.8 ;
DIVIDERCHAR "/" ;
BUSBITCHARS "[]" ;
DESIGN big ;
UNITS DISTANCE MICRONS 1000 ;
DIEAREA ( 0 0 ) ( {w} {h} ) ;
ROW ROW_540 unithd 6440 2211360 N DO 6306 BY 1 STEP 460 0 ;
ROW ROW_531 unithd 6440 2174640 N DO 6306 BY 1 STEP 460 0 ;
TRACKS X 230 DO 6334 STEP 460 LAYER li1 ;
TRACKS Y 170 DO 8564 STEP 340 LAYER met1 ;
TRACKS X 230 DO 6334 STEP 460 LAYER met2 ;
TRACKS Y 170 DO 4282 STEP 680 LAYER met3 ;
TRACKS X 230 DO 3167 STEP 920 LAYER met4 ;
COMPONENTS {len(CELLS)} ;
{comps}
END COMPONENTS
PINS 0 ;
END PINS
NETS 1 ;
- n1
  ( u_drv Y )
  ( u_load A1 ) ;
END NETS
END DESIGN
""")
    return path


def test_shift_def_moves_absolute_coordinates_only_and_back():
    text = """DIEAREA ( 0 0 ) ( 5000000 3000000 ) ;
ROW ROW_0 unithd 6440 8160 N DO 10 BY 1 STEP 460 0 ;
TRACKS Y 170 DO 8564 STEP 340 LAYER met1 ;
VIAS 1 ;
- V1
+ RECT met1 ( -115 -145 ) ( 115 145 ) ;
END VIAS
COMPONENTS 1 ;
- u1 sky130_fd_sc_hd__inv_1 + PLACED ( 4600 8160 ) FS ;
END COMPONENTS
PINS 1 ;
- a + NET a + DIRECTION INPUT + USE SIGNAL
  + LAYER met2 ( -70 0 ) ( 70 1840 ) + PLACED ( 128570 0 ) N ;
END PINS
NETS 1 ;
- a
  ( PIN a ) ( u1 A )
+ ROUTED met2 ( 128570 0 ) ( * 8330 ) M1M2_PR
  NEW met1 ( 128570 8330 ) ( 4830 * 60 ) ;
END NETS
"""
    dx, dy = die_offset(text, 1000)
    assert (dx, dy) == (-2500000, -1500000)
    moved = shift_def(text, dx, dy)
    assert "DIEAREA ( -2500000 -1500000 ) ( 2500000 1500000 )" in moved
    assert "ROW ROW_0 unithd -2493560 -1491840 N" in moved
    assert "TRACKS Y -1499830 DO" in moved
    assert "+ RECT met1 ( -115 -145 ) ( 115 145 )" in moved          # via shapes are relative
    assert "+ LAYER met2 ( -70 0 ) ( 70 1840 ) + PLACED ( -2371430 -1500000 )" in moved
    assert "+ PLACED ( -2495400 -1491840 ) FS" in moved
    assert "( PIN a ) ( u1 A )" in moved                              # connections untouched
    assert "( -2371430 -1500000 ) ( * -1491670 )" in moved
    assert "( -2495170 * 60 )" in moved                               # extension kept
    assert shift_def(moved, -dx, -dy) == text
    assert die_offset(text.replace("5000000 3000000", "2000000 2000000"), 1000) == (0, 0)


def test_a_pin_qrouter_cannot_reach_above_2048um_routes_in_the_centred_frame(tmp_path):
    require("qrouter")
    d = tmp_path
    placed = _big_die_def(d / "big.def")
    out = d / "routed.def"
    script = route.write_script(d / "route.tcl", placed.resolve(), out.resolve(), None, obs=[])
    assert max(DIE) / 1000 > SAFE_UM
    framed, offset = frame_script(script, d)
    assert framed != script and offset == (-DIE[0] // 2, -DIE[1] // 2)

    # the test's premise: in the design's own frame qrouter fails this net
    raw = subprocess.run([shutil.which("qrouter") or "qrouter", "-nog", "-noc", "-s", str(script)],
                         cwd=d, capture_output=True, text=True, timeout=600)
    assert re.search(r"FX_FAILED 1\b", raw.stdout + raw.stderr), \
        "qrouter routed the net unframed: this case no longer shows the >2048 um problem"
    out.unlink(missing_ok=True)

    secs, failed, log = route.run_qrouter(script, d, out, timeout=600)
    assert failed == 0, log.read_text()[-2000:]
    text = out.read_text()
    assert "DIEAREA ( 0 0 ) ( 2913640 2911760 )" in text
    nets = read_routed_nets(out)
    pts = [(x, y) for _, xa, ya, xb, yb in nets["n1"].wires for x, y in ((xa, ya), (xb, yb))]
    pts += [(x, y) for _, x, y in nets["n1"].vias]
    assert pts, "no wiring for n1"
    # back in the design's frame: the wiring runs between the two pins
    assert all(2381000 <= x <= 2386000 and 2174000 <= y <= 2214000 for x, y in pts), pts
