"""Code generation: turns walked roots into archive source, without any text replacement.

Nodes are visited in post-order, so every child's expression exists before its parent
composes it.  A node gets its own statement (and a variable) when it is referenced more
than once, was inserted under a name, is an ``archive_1`` object in the scoped form, or
would nest deeper than :data:`MAX_DEPTH` (the parser has a nesting limit); otherwise its
expression is inlined into its parent's.

Names are chosen deterministically (counters in walk order, never ``id()``) and never
clash with inserted names: import aliases are ``_<name>``, helper variables
``<gname_prefix><n>``, the scoped helper function ``_d``; each gets a suffix if taken.

>>> from archived.engine.graph import Graph
>>> from archived.engine.reps import Context
>>> g = Graph(Context())
>>> shared = [1.5]
>>> roots = [("x", *g.add_root("x", {"a": shared, "b": shared}))]
>>> print(generate(roots, taken={"x"}))
_g1 = [1.5]
x = {'a': _g1, 'b': _g1}
del _g1
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .builtin_reps import plain_layout
from .graph import Node
from .layout import INDENT, LINE_LIMIT, Cat, Group, render
from .reps import Import, UserRep

__all__ = ["generate", "MAX_DEPTH", "CLEANUP"]

MAX_DEPTH = 40
_FITS = LINE_LIMIT - len(" = ")  # the longest name + expression of a one-line statement

# Removes the ``__builtins__`` that ``exec(src, {})`` adds, so a fresh dict ends up holding
# only the archived names.  ``__name__`` is then found in the builtins module and is
# 'builtins'; in a module or at the prompt it is that module's name, so nothing is deleted.
CLEANUP = "if __name__ == 'builtins':\n    del __builtins__\n"


def generate(
    roots: Iterable[tuple[str, str | Node, list[Node]]],
    taken: Iterable[str],
    scoped: bool = True,
    gname_prefix: str = "_g",
) -> str:
    """Source assigning each root name, given ``(name, entry, new_nodes)`` per root."""
    return _Writer(set(taken), scoped, gname_prefix).write(roots)


class _Writer:
    def __init__(self, taken: set[str], scoped: bool, gname_prefix: str) -> None:
        self.taken = taken
        self.scoped = scoped
        self.prefix = gname_prefix
        self.counter = 0
        self.aliases: dict[Import, str] = {}
        self.import_lines: list[str] = []
        self.lines: list[str] = []
        self.helpers: list[str] = []
        self.def_name = ""

    def write(self, roots: Iterable[tuple[str, str | Node, list[Node]]]) -> str:
        lines = self.lines
        for name, entry, order in roots:
            for node in order:
                self._node(node)
            if isinstance(entry, str):
                lines.append(f"{name} = {entry}")
            elif entry.expr != name:
                lines.append(f"{name} = {entry.expr}")
        doomed = [*self.aliases.values(), *self.helpers]
        if self.def_name:
            doomed.append(self.def_name)
        lines.extend(_del_lines(doomed))
        return "".join(line + "\n" for line in (*self.import_lines, *lines))

    def _node(self, node: Node) -> None:
        if node.text is not None:
            if node.refs > 1 or node.names:
                name = node.names[0] if node.names else self._helper()
                if len(name) + len(node.text) <= _FITS:
                    self.lines.append(f"{name} = {node.text}")
                else:
                    self._assign_long(name, node.text, node)
                node.expr = name
            else:
                node.expr = node.text
                node.depth = 1
            return
        rep = node.rep
        depth = 0
        if node.has_nodes:
            exprs = [kid if kid.__class__ is str else kid.expr for kid in node.kids]  # type: ignore[union-attr]
            for kid in node.kids:
                if kid.__class__ is not str and kid.depth > depth:  # type: ignore[union-attr]
                    depth = kid.depth  # type: ignore[union-attr]
        else:
            exprs = node.kids  # type: ignore[assignment]
        aliases = [self._alias(imp) for imp in rep.imports] if rep.imports else []
        if self.scoped and isinstance(rep, UserRep):
            expr = self._scoped_call(rep, exprs, aliases)
            var = True
        else:
            expr = rep.build(exprs, aliases)
            var = node.refs > 1 or bool(node.names) or depth >= MAX_DEPTH
        if var:
            name = node.names[0] if node.names else self._helper()
            # no kid inline (depth 0): the layout's parts are the kids' expressions
            if len(name) + len(expr) <= _FITS:
                self.lines.append(f"{name} = {expr}")
            else:
                self._assign_long(name, expr, node, exprs if depth == 0 else None)
            node.expr = name
            node.depth = 0
        else:
            node.expr = expr
            node.depth = depth + 1

    def _scoped_call(self, rep: UserRep, exprs: list[str], aliases: list[str]) -> str:
        if not self.def_name:
            self.def_name = self._fresh("_d")
        params = [*rep.argnames, *rep.import_names]
        line = f"def {self.def_name}({', '.join(params)}):"
        if len(line) > LINE_LIMIT:
            line = render(Group(f"def {self.def_name}(", params, "):", line), "")
        self.lines.append(line)
        text = rep.text.strip()
        line = f"    return {text}"
        if len(line) > LINE_LIMIT and "\n" not in text and rep.layout is not None:
            # the rep over its own parameter names: calls and displays break, names stay
            part = rep.layout(list(rep.argnames), list(rep.import_names))
            if part.__class__ is Group:
                part.flat = text
            line = render(part, "    return ", indent="    ")
        self.lines.append(line)
        args = ", ".join(f"{p}={e}" for p, e in zip(params, [*exprs, *aliases], strict=True))
        return f"{self.def_name}({args})"

    def _assign_long(
        self, name: str, expr: str, node: Node, parts: list[Any] | None = None
    ) -> None:
        """Write ``name = expr``, too long for one line, broken (see :mod:`.layout`)."""
        part = self._layout(node, expr, parts)
        self.lines.append(render(part, name + " = ", self._expand))

    def _expand(self, node: Node) -> Any:
        return self._layout(node, node.expr)

    def _layout(self, node: Node, expr: str, parts: list[Any] | None = None) -> Any:
        """The layout part of ``node``, whose one-line text is ``expr``.

        Children with a variable are their name; inline children stay nodes, expanded
        only if they too must be broken.
        """
        if node.text is not None:
            return plain_layout(node.obj, node.text)
        rep = node.rep
        if parts is None:
            parts = (
                [kid if kid.__class__ is str or kid.depth else kid.expr for kid in node.kids]  # type: ignore[union-attr]
                if node.has_nodes
                else node.kids
            )
        aliases = [self.aliases[imp] for imp in rep.imports]
        if self.scoped and isinstance(rep, UserRep):
            params = [*rep.argnames, *rep.import_names]
            args = [Cat(p + "=", part) for p, part in zip(params, [*parts, *aliases], strict=True)]
            return Group(self.def_name + "(", args, ")", expr)
        if rep.layout is None:
            return expr
        part = rep.layout(parts, aliases)
        if part.__class__ is Group:
            part.flat = expr
        return part

    def _alias(self, imp: Import) -> str:
        alias = self.aliases.get(imp)
        if alias is None:
            module, name = imp
            if name is None:
                alias = self._fresh("_" + module.rsplit(".", 1)[-1])
                self.import_lines.append(f"import {module} as {alias}")
            else:
                alias = self._fresh("_" + name.lstrip("_"))
                line = f"from {module} import {name} as {alias}"
                if len(line) > LINE_LIMIT:
                    line = f"from {module} import (\n{INDENT}{name} as {alias},\n)"
                self.import_lines.append(line)
            self.aliases[imp] = alias
        return alias

    def _helper(self) -> str:
        while True:
            self.counter += 1
            name = f"{self.prefix}{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                self.helpers.append(name)
                return name

    def _fresh(self, base: str) -> str:
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


def _del_lines(names: list[str]) -> list[str]:
    """``del`` statements of up to 8 names each, a new one before a line grows too long
    (``del`` takes no brackets that could break it: the safe loader wants plain names)."""
    lines: list[str] = []
    line = ""
    count = 0
    for name in names:
        if line and (count == 8 or len(line) + 2 + len(name) > LINE_LIMIT):
            lines.append(line)
            line = ""
        if line:
            line += ", " + name
            count += 1
        else:
            line, count = "del " + name, 1
    if line:
        lines.append(line)
    return lines
