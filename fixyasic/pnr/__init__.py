"""Place and route on sky130hd with tools installable here (no OpenROAD): floorplan, coloquinte or
graywolf placement, qrouter routing, DEF -> SPEF parasitics, OpenSTA timing and power, klayout GDS.

Each module does one step on plain files and returns a small result object; fixyasic.pnr.tasks wraps
them as SiliconCompiler tasks and flows/ chains them after synthesis."""
