"""Thin helpers over pyverilog's AST so generator code reads like the hardware it builds.

Every arithmetic assignment is one operator on named, explicitly sized signed wires, so
Verilog's context-width rules can never truncate an intermediate result."""

from __future__ import annotations

import pyverilog.vparser.ast as A
from pyverilog.ast_code_generator.codegen import ASTCodeGenerator


def signed_width(lo: int, hi: int) -> int:
    """Fewest two's-complement bits holding every integer in [lo, hi]."""
    n = 1
    while lo < -(1 << (n - 1)) or hi > (1 << (n - 1)) - 1:
        n += 1
    return n


def unsigned_width(hi: int) -> int:
    return max(int(hi).bit_length(), 1)


def width(n: int) -> A.Width:
    return A.Width(A.IntConst(str(n - 1)), A.IntConst("0"))


def ident(name: str) -> A.Identifier:
    return A.Identifier(name)


def sconst(value: int, bits: int | None = None) -> A.Node:
    """Signed sized literal; negative values as unary minus of a positive literal."""
    mag = abs(int(value))
    bits = bits or signed_width(-mag, mag)
    bits = max(bits, mag.bit_length() + 1)
    lit = A.IntConst(f"{bits}'sd{mag}")
    return A.Uminus(lit) if value < 0 else lit


def uconst(value: int, bits: int) -> A.IntConst:
    return A.IntConst(f"{bits}'d{int(value)}")


def bit(value: int) -> A.IntConst:
    return A.IntConst(f"1'b{int(value)}")


def shifted(name: str, k: int) -> A.Node:
    """name << k as a signed value of width(name) + k bits (no context-width surprises)."""
    if k == 0:
        return ident(name)
    return A.SystemCall("signed", [A.Concat([ident(name), A.IntConst(f"{k}'b0")])])


def as_signed(expr: A.Node) -> A.Node:
    return A.SystemCall("signed", [expr])


def psel(name: str, msb: int, lsb: int) -> A.Node:
    if lsb > msb:  # every bit shifted out (a value whose interval is [0, 0])
        return A.IntConst("1'b0")
    if msb == lsb:
        return A.Pointer(ident(name), A.IntConst(str(msb)))
    return A.Partselect(ident(name), A.IntConst(str(msb)), A.IntConst(str(lsb)))


class ModuleBuilder:
    """Collects ports and items of one module in a deterministic order."""

    def __init__(self, name: str):
        self.name = name
        self.ports: list[A.Ioport] = []
        self.items: list[A.Node] = []
        self.seq: list[A.Node] = []  # statements of the single clocked always block
        self.widths: dict[str, int] = {}

    # ports
    def input(self, name: str, n: int = 1, signed: bool = False) -> str:
        self.ports.append(A.Ioport(A.Input(name, width=width(n) if n > 1 else None, signed=signed)))
        self.widths[name] = n
        return name

    def output(self, name: str, n: int = 1, signed: bool = False) -> str:
        self.ports.append(A.Ioport(A.Output(name, width=width(n) if n > 1 else None, signed=signed)))
        self.widths[name] = n
        return name

    # nets
    def wire(self, name: str, n: int, signed: bool = True, expr: A.Node | None = None) -> str:
        # signed values keep an explicit range even at 1 bit, so bit selects stay legal
        self.items.append(A.Decl([A.Wire(name, width=width(n),
                                         signed=signed)]))
        self.widths[name] = n
        if expr is not None:
            self.assign(name, expr)
        return name

    def reg(self, name: str, n: int, signed: bool = False, depth: int | None = None) -> str:
        dims = A.Dimensions([A.Length(A.IntConst("0"), A.IntConst(str(depth - 1)))]) if depth else None
        self.items.append(A.Decl([A.Reg(name, width=width(n), signed=signed,
                                        dimensions=dims)]))
        self.widths[name] = n
        return name

    def assign(self, name: str | A.Node, expr: A.Node) -> None:
        lhs = ident(name) if isinstance(name, str) else name
        self.items.append(A.Assign(A.Lvalue(lhs), A.Rvalue(expr)))

    # sequential logic: all registers live in one always @(posedge clk)
    def nb(self, lhs: str | A.Node, expr: A.Node) -> A.Node:
        lhs = ident(lhs) if isinstance(lhs, str) else lhs
        return A.NonblockingSubstitution(A.Lvalue(lhs), A.Rvalue(expr))

    def when(self, cond: A.Node, then: list[A.Node], other: list[A.Node] | None = None) -> A.Node:
        return A.IfStatement(cond, A.Block(then), A.Block(other) if other else None)

    def clocked(self, stmts: list[A.Node]) -> None:
        self.seq.extend(stmts)

    def instance(self, module: str, name: str, conns: list[tuple[str, A.Node]]) -> None:
        ports = [A.PortArg(p, e) for p, e in conns]
        self.items.append(A.InstanceList(module, [], [A.Instance(module, name, ports, [])]))

    def build(self) -> A.ModuleDef:
        items = list(self.items)
        if self.seq:
            items.append(A.Always(A.SensList([A.Sens(ident("clk"), "posedge")]), A.Block(self.seq)))
        return A.ModuleDef(self.name, None, A.Portlist(self.ports), items)


def render(modules: list[A.ModuleDef], header: str = "") -> str:
    text = ASTCodeGenerator().visit(A.Source("fixyasic", A.Description(modules)))
    # strip trailing spaces the code generator leaves behind, keep byte-stable output
    body = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
    return header + body + "\n"
