"""A `yosys`-compatible console on top of pyosys (the yosys library wheel), for SiliconCompiler.

SiliconCompiler's yosys tasks run ``yosys -c script.tcl`` and check ``yosys --version`` >= 0.48.
Debian ships yosys 0.23 and the pyosys wheel (yosys 0.70) has no executable, so this module
provides one: Python's own Tcl interpreter (tkinter.Tcl) runs the script, and the Tcl commands
yosys adds to its interpreter are registered as Python callbacks that drive pyosys:

* ``yosys <cmd> <args...>``: run one yosys pass on the global design; the Tcl result is the
  ``result.json`` / ``result.string`` scratchpad value, as in yosys' own Tcl API
  (``tee -q -s result.string ...`` is how scripts capture command output);
* ``yosys -import``: define a Tcl proc for every yosys pass (``proc`` -> ``procs``,
  ``rename`` -> ``renames``, existing Tcl commands are kept);
* ``rtlil::get_attr``, ``rtlil::has_attr``, ``rtlil::set_attr``: attribute access.

Usage (the subset SiliconCompiler and people use)::

    fixyasic-yosys --version | -V
    fixyasic-yosys [-q] [-C] -c script.tcl [args...]   # Tcl script; -C: Tcl shell afterwards
    fixyasic-yosys [-q] -s script.ys | -p "cmd; cmd" [files...]

``-q`` only turns command echo off (yosys' own -q also silences the log).
A yosys error ends the process with status 1 after printing ``ERROR: ...`` (yosys' own
behaviour in scripts); a Tcl error prints ``ERROR: TCL interpreter returned an error: ...``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

_PROG = "yosys"


def _ys():
    from pyosys import libyosys  # heavy (50 MB library): import only when a command runs
    return libyosys


def version_line() -> str:
    """The same first line `yosys --version` prints, taken from the linked library."""
    return _ys().yosys_maybe_version().strip()


def _flush() -> None:
    # Python, Tcl and yosys each buffer stdout; flush around every yosys call so the log keeps
    # its order (SiliconCompiler greps it) and nothing is lost if yosys exits on an error.
    sys.stdout.flush()
    sys.stderr.flush()


def _escape_id(name: str) -> str:
    return name if name[:1] in ("\\", "$") else "\\" + name


def _json_to_tcl(value):
    """JSON -> values tkinter turns into Tcl objects (tuples become Tcl lists)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return tuple(_json_to_tcl(v) for v in value)
    if isinstance(value, dict):
        flat = []
        for key, item in value.items():
            flat.extend((key, _json_to_tcl(item)))
        return tuple(flat)
    return value


class YosysTcl:
    """A Tcl interpreter whose yosys commands run on pyosys' global design."""

    def __init__(self, argv0: str = _PROG, args: list[str] | None = None):
        import tkinter

        self.ys = _ys()
        self.design = self.ys.yosys_get_design()
        self.tcl = tkinter.Tcl()
        self.tcl.createcommand("yosys", self.cmd_yosys)
        self.tcl.createcommand("rtlil::get_attr", self.cmd_get_attr)
        self.tcl.createcommand("rtlil::has_attr", self.cmd_has_attr)
        self.tcl.createcommand("rtlil::set_attr", self.cmd_set_attr)
        self.tcl.createcommand("exit", self.cmd_exit)
        args = list(args or [])
        self.tcl.setvar("argv0", argv0)
        self.tcl.setvar("argc", len(args))
        self.tcl.call("set", "argv", tuple(args))

    # --- yosys --------------------------------------------------------------------------
    def run(self, args: list[str]) -> None:
        """Run one yosys command given as an argument vector (no re-tokenising)."""
        _flush()
        self.tcl.call("flush", "stdout")
        if len(args) == 1:
            self.ys.Pass.call(self.design, args[0])  # a single string may hold "a; b"
        else:
            self.ys.Pass.call(self.design, list(args))
        self.ys.log_flush()

    def cmd_yosys(self, *args: str):
        if not args:
            return ""
        if args[0] == "-import":
            self._import_passes()
            return ""
        self.design.scratchpad_unset("result.json")
        self.design.scratchpad_unset("result.string")
        self.run(list(args))
        pad = self.design.scratchpad
        if "result.json" in pad:
            try:
                return _json_to_tcl(json.loads(self.design.scratchpad_get_string("result.json")))
            except json.JSONDecodeError:
                print("Warning: ignoring result.json scratchpad value (not JSON)")
        if "result.string" in pad:
            return self.design.scratchpad_get_string("result.string")
        return ""

    def pass_names(self) -> list[str]:
        self.design.scratchpad_unset("result.string")
        self.run(["tee", "-q", "-s", "result.string", "help"])
        text = self.design.scratchpad_get_string("result.string")
        names = []
        for line in text.splitlines():
            # "    read_verilog         read modules from Verilog file"
            if line.startswith("    ") and line.strip():
                names.append(line.split()[0])
        return names

    def _import_passes(self) -> None:
        for name in self.pass_names():
            tcl_name = {"proc": "procs", "rename": "renames"}.get(name, name)
            if self.tcl.eval(f"info commands {{{tcl_name}}}"):
                print(f"[TCL: yosys -import] Command name collision: found pre-existing "
                      f"command `{name}' -> skip.")
                continue
            self.tcl.eval(f"proc {{{tcl_name}}} args {{ yosys {{{name}}} {{*}}$args }}")

    # --- rtlil:: attribute access -----------------------------------------------------------
    def _object(self, mod_name: str, obj_name: str | None):
        ys = self.ys
        mod = self.design.module(ys.IdString(_escape_id(mod_name)))
        if mod is None:
            raise RuntimeError("module not found")
        if obj_name is None:
            return mod
        oid = ys.IdString(_escape_id(obj_name))
        obj = mod.wire(oid) or mod.cell(oid)
        if obj is None:
            raise RuntimeError("object not found")
        return obj

    @staticmethod
    def _split(args: tuple[str, ...], flags: set[str]):
        opts = set()
        rest = list(args)
        while rest and rest[0].startswith("-") and rest[0][1:] in flags:
            opts.add(rest.pop(0)[1:])
        return opts, rest

    def cmd_has_attr(self, *args: str):
        opts, rest = self._split(args, {"mod"})
        need = 2 if "mod" in opts else 3
        if len(rest) != need:
            raise RuntimeError('bad usage: expected "has_attr -mod <module> <attrname>" or '
                               '"has_attr <module> <identifier> <attrname>"')
        obj = self._object(rest[0], None if "mod" in opts else rest[1])
        return "1" if obj.has_attribute(self.ys.IdString(_escape_id(rest[-1]))) else "0"

    def cmd_get_attr(self, *args: str):
        opts, rest = self._split(args, {"mod", "string", "int", "sint", "uint", "bool"})
        need = 2 if "mod" in opts else 3
        if len(rest) != need:
            raise RuntimeError('bad usage: expected "get_attr -mod [-string|-int|-sint|-uint|'
                               '-bool] <module> <attrname>"')
        obj = self._object(rest[0], None if "mod" in opts else rest[1])
        attr = self.ys.IdString(_escape_id(rest[-1]))
        if "string" in opts:
            return obj.get_string_attribute(attr)
        if "bool" in opts:
            return 1 if obj.get_bool_attribute(attr) else 0
        if not obj.has_attribute(attr):
            raise RuntimeError("attribute missing")
        value = obj.attributes[attr]
        if opts & {"int", "uint"}:
            return str(int(value.as_string(), 2))
        if "sint" in opts:
            return str(value.as_int(True))
        return value.as_string()

    def cmd_set_attr(self, *args: str):
        # Done through `setattr` so the value is stored exactly as yosys stores it.
        opts, rest = self._split(args, {"mod", "string", "sint", "uint", "bool", "true", "false"})
        is_mod = "mod" in opts
        need = (2 if is_mod else 3) + (0 if opts & {"true", "false"} else 1)
        if len(rest) != need:
            raise RuntimeError('bad usage: expected "set_attr -mod [-string|-sint|-uint|-bool] '
                               '<module> <attrname> <value>"')
        if opts & {"true", "false"}:
            value = "1" if "true" in opts else "0"
        else:
            value = rest.pop()
        if "string" in opts:
            value = '"' + value.replace('"', '\\"') + '"'
        elif "bool" in opts:
            value = "1" if int(value) else "0"
        elif opts & {"sint", "uint"}:
            signed = "s" if "sint" in opts else ""
            value = f"32'{signed}b{int(value) & 0xFFFFFFFF:032b}"  # two's complement, 32 bits
        mod, attr = rest[0], rest[-1]
        target = mod if is_mod else f"{mod}/{rest[1]}"
        cmd = ["setattr", "-set", attr, value, target]
        if is_mod:
            cmd.insert(1, "-mod")
        self.run(cmd)
        return ""

    # --- process control --------------------------------------------------------------------
    def cmd_exit(self, code: str = "0"):
        _flush()
        self.tcl.call("flush", "stdout")
        self.ys.log_flush()
        os._exit(int(code))

    def source(self, script: str) -> None:
        self.tcl.call("source", script)

    def shell(self) -> None:
        """Minimal interactive Tcl prompt (yosys -C)."""
        buf = ""
        while True:
            try:
                line = input("yosys-tcl> " if not buf else "... ")
            except EOFError:
                return
            buf += line + "\n"
            if not self.tcl.call("info", "complete", buf):
                continue
            try:
                out = self.tcl.eval(buf)
                if out:
                    print(out)
            except Exception as exc:  # a Tcl error in an interactive shell is just reported
                print(f"ERROR: {exc}")
            buf = ""


# input file suffix -> yosys frontend (yosys' own auto-detection, reduced to what we use)
_FRONTENDS = {".v": "read_verilog", ".sv": "read_verilog", ".il": "read_rtlil",
              ".json": "read_json", ".blif": "read_blif", ".lib": "read_liberty"}

USAGE = __doc__.split("Usage (the subset SiliconCompiler and people use)::")[1].split("A yosys")[0]


def _die(msg: str, code: int = 1) -> int:
    print(f"ERROR: {msg}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    script_tcl = script_ys = commands = None
    shell = quiet = False
    files: list[str] = []
    while args:
        a = args.pop(0)
        if a in ("-V", "--version"):
            print(version_line())
            return 0
        if a in ("-h", "--help"):
            print("usage:" + USAGE.rstrip())
            return 0
        if a == "-c":
            if not args:
                return _die("option -c needs a Tcl script")
            script_tcl = args.pop(0)
            files.extend(args)  # everything after the script is the script's argv
            break
        if a == "-s":
            if not args:
                return _die("option -s needs a script")
            script_ys = args.pop(0)
        elif a == "-p":
            if not args:
                return _die("option -p needs commands")
            commands = args.pop(0)
        elif a == "-C":
            shell = True
        elif a == "-q":
            quiet = True
        elif a.startswith("-"):
            return _die(f"fixyasic yosys shim: unsupported option {a} (see --help)")
        else:
            files.append(a)

    for path in filter(None, (script_tcl, script_ys)):
        if not Path(path).is_file():
            return _die(f"Can't open script file `{path}' for reading")

    interp = YosysTcl(argv0=script_tcl or _PROG, args=files if script_tcl else [])
    if quiet:
        interp.run(["echo", "off"])
    try:
        if script_tcl:
            interp.source(script_tcl)
        else:
            for f in files:
                interp.run([_FRONTENDS.get(Path(f).suffix, "read_verilog"), f])
            if script_ys:
                interp.run(["script", script_ys])
            if commands:
                interp.run([commands])
        if shell:
            interp.shell()
    except Exception as exc:  # tkinter.TclError and errors raised inside our callbacks
        _flush()
        info = interp.tcl.getvar("errorInfo") if script_tcl else ""
        print(f"ERROR: TCL interpreter returned an error: {exc}")
        if info:
            print(info)
        _flush()
        return 1
    _flush()
    interp.tcl.call("flush", "stdout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
