"""The building blocks of representations: :class:`Rep`, its kinds, and the registry.

A representation (:class:`Rep`) says how to write one object as a Python expression *given
the expressions of its children*: ``build(child_exprs, aliases)`` returns the text, where
``aliases`` are the names the archive chose for the imports the representation asked for.
Children are objects; the archive walks them, shares them by identity and gives them
variables when needed, so a handler never deals with names, sharing or order.

>>> Rep(lambda kids, al: al[0] + "(" + ", ".join(kids) + ")", [1, 2], [("m", "f")]).build(
...     ["1", "2"], ["_f"])
'_f(1, 2)'
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import math
import os
from collections.abc import Callable
from typing import Any

from ..errors import ArchiveError, UnarchivableError

__all__ = [
    "Import",
    "Build",
    "Layout",
    "Rep",
    "ExprRep",
    "UserRep",
    "Context",
    "Handler",
    "REGISTRY",
    "SUBCLASS_REGISTRY",
    "register",
    "substitute",
]

Import = tuple[str, "str | None"]  # (module, name); name None means ``import module``
Build = Callable[[list[str], list[str]], str]
Layout = Callable[[list[Any], list[str]], Any]  # (child parts, aliases) -> layout part


class Rep:
    """How to write one object: ``build(child_exprs, aliases) -> expression text``.

    ``children`` are the objects the expression refers to (in the order of ``child_exprs``),
    ``imports`` the ``(module, name)`` pairs whose chosen aliases arrive in ``aliases``.
    ``label(i)`` names child ``i`` in error paths (``[2]``, ``['k']``, ``.x``).
    ``layout(child_parts, aliases)``, if given, describes the same expression as a
    :class:`~archived.engine.layout.Group` so a long one can be broken over lines (see
    :mod:`archived.engine.layout`); without it the expression is never broken.

    >>> Rep(lambda kids, al: "[" + ", ".join(kids) + "]", [1, 2]).build(["1", "2"], [])
    '[1, 2]'
    """

    __slots__ = ("build", "children", "imports", "_labels", "repeated", "layout")

    def __init__(
        self,
        build: Build,
        children: list[Any] | tuple[Any, ...] = (),
        imports: list[Import] | tuple[Import, ...] = (),
        labels: Callable[[int], str] | None = None,
        layout: Layout | None = None,
    ) -> None:
        self.build = build
        self.children = children
        self.imports = imports
        self._labels = labels
        self.layout = layout
        # indices of children whose expression ``build`` writes more than once: the archive
        # gives those children a variable so they stay one object
        self.repeated: tuple[int, ...] = ()

    def label(self, i: int) -> str:
        """Name child ``i`` for an error path, e.g. ``[2]``."""
        return self._labels(i) if self._labels is not None else f"<{i}>"


class ExprRep(Rep):
    """A leaf given as expression text whose imports use suggested alias names.

    When the archive picks other aliases, the names are changed on the parsed ``ast``
    (never by text replacement).

    >>> r = ExprRep("sin(0.5)", [("math", "sin", "sin")])
    >>> r.build([], ["_sin"])
    '_sin(0.5)'
    """

    __slots__ = ("text", "suggested")

    def __init__(self, text: str, imports: list[tuple[str, str | None, str]]) -> None:
        self.text = text
        self.suggested = [alias for _, _, alias in imports]
        super().__init__(self._build, (), [(m, n) for m, n, _ in imports])

    def _build(self, kids: list[str], aliases: list[str]) -> str:
        if aliases == self.suggested:
            return self.text
        tree = ast.parse(self.text, mode="eval")
        names: dict[str, ast.expr] = {
            old: ast.Name(id=new, ctx=ast.Load())
            for old, new in zip(self.suggested, aliases, strict=True)
        }
        return ast.unparse(_Substitute(names).visit(tree))


class UserRep(Rep):
    """The ``(rep, args, imports)`` of an ``archive_1()`` / ``get_persistent_rep()`` method.

    ``rep`` is an expression over the names in ``args`` and the import aliases; the archive
    either calls it as a small function (scoped form) or substitutes the children's
    expressions into its ``ast`` (flat form).

    >>> r = UserRep("A(x=x)", {"x": [1]}, [("m", "A", "A")], "A")
    >>> r.build(["[1]"], ["_A"])
    '_A(x=[1])'
    """

    __slots__ = ("text", "argnames", "import_names")

    def __init__(
        self,
        text: str,
        args: dict[str, Any],
        imports: list[tuple[str, str | None, str]],
        type_name: str,
    ) -> None:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as err:
            raise UnarchivableError(
                type_name, "?", f"its rep {text!r} is not an expression: {err.msg}"
            ) from None
        argnames = list(args)
        for imp in imports:
            module, name, alias = imp
            if not (
                isinstance(module, str)
                and (name is None or isinstance(name, str) and name.isidentifier())
                and isinstance(alias, str)
                and alias.isidentifier()
            ):
                raise UnarchivableError(
                    type_name, "?", f"its import {imp!r} is not (module, name or None, alias)"
                )
        import_names = [alias for _, _, alias in imports]
        clash = set(argnames) & set(import_names)
        if clash:
            raise UnarchivableError(
                type_name, "?", f"its rep uses {sorted(clash)} both as argument and import"
            )
        imports_ = [(m, n) for m, n, _ in imports]
        known = set(argnames) | set(import_names)
        uses = dict.fromkeys(argnames, 0)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in uses:
                uses[node.id] += 1
            elif isinstance(node, ast.Name) and node.id not in known:
                if not hasattr(builtins, node.id):
                    raise UnarchivableError(
                        type_name,
                        "?",
                        f"its rep {text!r} uses {node.id!r}, which is neither an argument "
                        "nor an import",
                    )
                known.add(node.id)
                import_names.append(node.id)
                imports_.append(("builtins", node.id))
        self.text = text
        self.argnames = argnames
        self.import_names = import_names
        super().__init__(self._build, list(args.values()), imports_, lambda i: f".{argnames[i]}")
        self.repeated = tuple(i for i, name in enumerate(argnames) if uses[name] > 1)
        self.layout = self._layout

    def _layout(self, parts: list[Any], aliases: list[str]) -> Any:
        """The flat form as a layout: the rep's own calls and displays become groups,
        its argument names the children's parts, anything else one-line text."""
        from .layout import Cat, Group, flat

        names = dict(zip(self.argnames, parts, strict=True))
        names.update(zip(self.import_names, aliases, strict=True))
        exprs: dict[str, ast.expr] = {}

        def leaf(node: ast.expr) -> str:
            if not exprs:
                exprs.update({n: ast.parse(flat(p), mode="eval").body for n, p in names.items()})
            return ast.unparse(_Substitute(exprs).visit(copy.deepcopy(node)))

        def conv(node: ast.expr) -> Any:
            if isinstance(node, ast.Name) and node.id in names:
                return names[node.id]
            if isinstance(node, ast.Starred):
                return Cat("*", conv(node.value))
            if isinstance(node, ast.List):
                return Group("[", _elts(node), "]")
            if isinstance(node, ast.Set):
                return Group("{", _elts(node), "}")
            if isinstance(node, ast.Tuple):
                return Group("(", _elts(node), ")", one=True)
            if isinstance(node, ast.Dict):
                return Group(
                    "{",
                    [
                        Cat("**", conv(v)) if k is None else Cat(flat(conv(k)) + ": ", conv(v))
                        for k, v in zip(node.keys, node.values, strict=True)
                    ],
                    "}",
                )
            if isinstance(node, ast.Call) and not (
                len(node.args) == 1
                and isinstance(node.args[0], ast.GeneratorExp)
                and not node.keywords
            ):
                args: list[ast.expr | ast.keyword] = [*node.args, *node.keywords]
                args.sort(key=lambda a: (a.lineno, a.col_offset))
                return Group(leaf(node.func) + "(", [_arg(a) for a in args], ")")
            return leaf(node)

        def _elts(node: ast.List | ast.Set | ast.Tuple) -> list[Any]:
            return [conv(e) for e in node.elts]

        def _arg(arg: ast.expr | ast.keyword) -> Any:
            if isinstance(arg, ast.keyword):
                return Cat(f"{arg.arg}=" if arg.arg else "**", conv(arg.value))
            return conv(arg)

        return conv(ast.parse(self.text, mode="eval").body)

    def _build(self, kids: list[str], aliases: list[str]) -> str:
        names: dict[str, ast.expr] = {}
        for name, kid in zip(self.argnames, kids, strict=True):
            names[name] = ast.parse(kid, mode="eval").body
        for name, alias in zip(self.import_names, aliases, strict=True):
            names[name] = ast.Name(id=alias, ctx=ast.Load())
        tree = ast.parse(self.text, mode="eval")
        return ast.unparse(_Substitute(names).visit(tree))


def substitute(text: str, names: dict[str, str]) -> str:
    """Replace the names in expression ``text`` by expressions, through the ``ast``.

    >>> substitute("A(x=x, y='x')", {"x": "[1, 2]", "A": "_A"})
    "_A(x=[1, 2], y='x')"
    """
    tree = ast.parse(text, mode="eval")
    exprs = {name: ast.parse(expr, mode="eval").body for name, expr in names.items()}
    return ast.unparse(_Substitute(exprs).visit(tree))


class _Substitute(ast.NodeTransformer):
    def __init__(self, names: dict[str, ast.expr]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.names.get(node.id, node)


class Context:
    """Per-archive settings a handler may need: array threshold and the data writer.

    ``store_array(a)`` returns the key of ``a`` in the data file, opening the writer on
    first use; ``dry=True`` (used by ``check_on_insert``) writes nothing.
    ``refuse_main=True`` refuses anything that imports from ``__main__`` (a store's
    entries must load in any program, not only in the script that wrote them).

    >>> Context().array_threshold
    inf
    """

    def __init__(
        self,
        array_threshold: float = math.inf,
        datafile: str | None = None,
        dry: bool = False,
        datafile_closed: bool = False,
        durable: bool = True,
        refuse_main: bool = False,
        compress: Any = None,
    ) -> None:
        self.refuse_main = refuse_main
        self.compress = compress
        self.datafile_closed = datafile_closed
        self.durable = durable
        self.array_threshold = array_threshold
        self.datafile = datafile
        self.dry = dry
        self.writer: Any = None

    def store_array(self, a: Any) -> str:
        """Write ``a`` to the data file and return its key."""
        if self.datafile is None:
            raise ArchiveError(
                f"an array of {a.size} elements exceeds array_threshold="
                f"{self.array_threshold} but the archive has no datafile= to store it in"
            )
        if self.dry:
            return "<not written>"
        if self.writer is None:
            if self.datafile_closed:
                raise ArchiveError(
                    f"datafile {self.datafile!r} was already written by an earlier "
                    "make_persistent(); archive further big arrays with a new Archive"
                )
            from .hdf5 import ArrayWriter

            # written under a temporary name, renamed into place by close(ok=True) only
            self.writer = ArrayWriter(
                f"{self.datafile}.tmp{os.getpid()}", durable=self.durable, compress=self.compress
            )
        return str(self.writer.add(a))

    def array_digest(self, key: str) -> str | None:
        """The digest of the array :meth:`store_array` stored under ``key`` (None when
        nothing was written: ``dry``)."""
        return None if self.writer is None else self.writer.digests.get(key)

    def close(self, ok: bool = True, error: BaseException | None = None) -> None:
        """Flush and close the data file, if one was opened; move it into place if ``ok``.

        On failure (``ok=False``, ``error`` what failed) the partial file is removed and
        an existing datafile is left as it was.  A failure HDF5 reported without the
        system's errno, on a disk or quota now full, raises that errno's ``OSError``.
        """
        writer, self.writer = self.writer, None
        if writer is None:
            return
        placed = False
        try:
            try:
                writer.close()
                if ok:
                    os.replace(writer.path, str(self.datafile))
                    placed = True
            except BaseException as err:
                error = err
                raise
        finally:
            if not placed:  # failed, or flushing or renaming it failed: no partial file
                from .hdf5 import refused_for_room

                # asked before the partial file goes: it holds what filled the quota
                full = refused_for_room(writer.path, error)
                with contextlib.suppress(OSError):
                    os.remove(writer.path)
                if full is not None:
                    raise OSError(full, os.strerror(full), str(self.datafile)) from error


Handler = Callable[[Any, Context], "Rep | None"]
REGISTRY: dict[type, Handler] = {}
SUBCLASS_REGISTRY: dict[type, Handler] = {}


def register(cls: type, handler: Handler, subclasses: bool = False) -> None:
    """Represent objects of type ``cls`` with ``handler(obj, ctx) -> Rep | None``.

    With ``subclasses=True`` the handler also serves subclasses without their own entry.
    A handler returning ``None`` passes the object on to the next rule.

    >>> class Unit: pass
    >>> def unit_rep(obj, ctx):
    ...     return Rep(lambda kids, al: al[0] + "()", (), [(__name__, "Unit")])
    >>> register(Unit, unit_rep)
    >>> REGISTRY[Unit](Unit(), Context()).build([], ["_Unit"])
    '_Unit()'
    >>> del REGISTRY[Unit]
    """
    (SUBCLASS_REGISTRY if subclasses else REGISTRY)[cls] = handler
