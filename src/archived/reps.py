"""How each kind of object is represented in an archive: one registry, easy to extend.

A representation (:class:`Rep`) says how to write one object as a Python expression *given
the expressions of its children*: ``build(child_exprs, aliases)`` returns the text, where
``aliases`` are the names the archive chose for the imports the representation asked for.
Children are objects; the archive walks them, shares them by identity and gives them
variables when needed, so a handler never deals with names, sharing or order.

Immutable atoms (``None``, ``bool``, finite ``float``, small ``int``, ``str``, ``bytes``)
are written directly by :func:`atom_text` without becoming graph nodes.

Lookup order for an object ``obj`` of type ``t`` (:func:`rep_for`):

1. ``REGISTRY[t]`` (exact type: builtins);
2. an ``archive_1()`` or ``get_persistent_rep(env)`` method (user classes);
3. numpy arrays and scalars (through :mod:`archived.arrays`);
4. functions, classes, modules and methods, written as imports;
5. ``SUBCLASS_REGISTRY`` along ``t.__mro__`` (dict/list/tuple/set subclasses, namedtuple);
6. ``repr(obj)`` when it evaluates back to an equal object of the same type;
7. ``pickle`` as the last resort, written as ``_loads(b'...')``.

Extend it with :func:`register`:

>>> class Point:
...     def __init__(self, x, y):
...         self.x, self.y = x, y
>>> register(Point, lambda p, ctx: Rep(
...     lambda kids, al: f"{al[0]}({kids[0]}, {kids[1]})",
...     [p.x, p.y], [("builtins", "complex")]))
>>> rep = rep_for(Point(1, 2), Context())
>>> rep.build(["1", "2"], ["_complex"])
'_complex(1, 2)'
>>> del REGISTRY[Point]
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import math
import pickle
import struct
import sys
import types
from collections.abc import Callable
from typing import Any

from .errors import ArchiveError, UnarchivableError

__all__ = [
    "Rep",
    "ExprRep",
    "UserRep",
    "Context",
    "REGISTRY",
    "SUBCLASS_REGISTRY",
    "register",
    "rep_for",
    "atom_text",
    "find_import",
    "object_array",
    "user_hook",
    "substitute",
]

Import = tuple[str, "str | None"]  # (module, name); name None means ``import module``
Build = Callable[[list[str], list[str]], str]


class Rep:
    """How to write one object: ``build(child_exprs, aliases) -> expression text``.

    ``children`` are the objects the expression refers to (in the order of ``child_exprs``),
    ``imports`` the ``(module, name)`` pairs whose chosen aliases arrive in ``aliases``.
    ``label(i)`` names child ``i`` in error paths (``[2]``, ``['k']``, ``.x``).

    >>> Rep(lambda kids, al: "[" + ", ".join(kids) + "]", [1, 2]).build(["1", "2"], [])
    '[1, 2]'
    """

    __slots__ = ("build", "children", "imports", "_labels")

    def __init__(
        self,
        build: Build,
        children: list[Any] | tuple[Any, ...] = (),
        imports: list[Import] | tuple[Import, ...] = (),
        labels: Callable[[int], str] | None = None,
    ) -> None:
        self.build = build
        self.children = children
        self.imports = imports
        self._labels = labels

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
        names = {
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
        import_names = [alias for _, _, alias in imports]
        clash = set(argnames) & set(import_names)
        if clash:
            raise UnarchivableError(
                type_name, "?", f"its rep uses {sorted(clash)} both as argument and import"
            )
        imports_ = [(m, n) for m, n, _ in imports]
        known = set(argnames) | set(import_names)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in known:
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

    >>> Context().array_threshold
    inf
    """

    def __init__(
        self,
        array_threshold: float = math.inf,
        datafile: str | None = None,
        dry: bool = False,
        datafile_closed: bool = False,
    ) -> None:
        self.datafile_closed = datafile_closed
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
            from .arrays import ArrayWriter

            self.writer = ArrayWriter(self.datafile)
        return str(self.writer.add(a))

    def close(self) -> None:
        """Flush and close the data file, if one was opened."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None


Handler = Callable[[Any, Context], "Rep | None"]
REGISTRY: dict[type, Handler] = {}
SUBCLASS_REGISTRY: dict[type, Handler] = {}


def register(cls: type, handler: Handler, subclasses: bool = False) -> None:
    """Represent objects of type ``cls`` with ``handler(obj, ctx) -> Rep | None``.

    With ``subclasses=True`` the handler also serves subclasses without their own entry.
    A handler returning ``None`` passes the object on to the next rule.

    >>> register(type(Ellipsis), lambda obj, ctx: Rep(lambda kids, al: "..."))
    >>> rep_for(..., Context()).build([], [])
    '...'
    """
    (SUBCLASS_REGISTRY if subclasses else REGISTRY)[cls] = handler


# --------------------------------------------------------------------------- atoms


def _float_text(x: float) -> str | None:
    if x - x == 0.0:  # finite: repr round-trips every bit, -0.0 and subnormals included
        return repr(x)
    return None


def _int_text(i: int) -> str:
    if -(1 << 4000) < i < (1 << 4000):
        return repr(i)
    return hex(i)  # beyond the int<->str digit limit; hex literals have no limit


_ATOMS: dict[type, Callable[[Any], str | None]] = {
    int: _int_text,
    float: _float_text,
    str: repr,
    bytes: repr,
    bool: repr,
    type(None): repr,
}


def atom_text(obj: Any) -> str | None:
    """The literal text of an immutable atom, or ``None`` if ``obj`` is not one.

    >>> atom_text(-0.0), atom_text("é"), atom_text([1]) is None, atom_text(float("nan"))
    ('-0.0', "'é'", True, None)
    """
    f = _ATOMS.get(type(obj))
    return None if f is None else f(obj)


ATOMS = _ATOMS  # read by the graph walker's fast path


# --------------------------------------------------------------------------- builtins


def _seq_label(i: int) -> str:
    return f"[{i}]"


def _list(obj: list[Any], ctx: Context) -> Rep:
    return Rep(_build_list, obj, (), _seq_label)


def _build_list(kids: list[str], aliases: list[str]) -> str:
    return "[" + ", ".join(kids) + "]"


def _tuple(obj: tuple[Any, ...], ctx: Context) -> Rep:
    return Rep(_build_tuple, obj, (), _seq_label)


def _build_tuple(kids: list[str], aliases: list[str]) -> str:
    if len(kids) == 1:
        return "(" + kids[0] + ",)"
    return "(" + ", ".join(kids) + ")"


def _dict_children(obj: dict[Any, Any]) -> tuple[list[Any], Callable[[int], str]]:
    keys = list(obj)
    children: list[Any] = []
    for k in keys:
        children.append(k)
        children.append(obj[k])

    def label(i: int) -> str:
        k = keys[i // 2]
        return f"[{k!r}]" if i % 2 else f"<key {k!r}>"

    return children, label


def _dict(obj: dict[Any, Any], ctx: Context) -> Rep:
    children, label = _dict_children(obj)
    return Rep(_build_dict, children, (), label)


def _build_dict(kids: list[str], aliases: list[str]) -> str:
    return "{" + ", ".join(kids[i] + ": " + kids[i + 1] for i in range(0, len(kids), 2)) + "}"


def _sorted_elements(obj: set[Any] | frozenset[Any]) -> list[Any]:
    # sets iterate in hash order, which varies between runs for str: sort for determinism
    try:
        return sorted(obj)
    except TypeError:
        return sorted(obj, key=lambda x: (type(x).__module__, type(x).__qualname__, repr(x)))


def _set(obj: set[Any], ctx: Context) -> Rep:
    if not obj:
        return Rep(lambda kids, al: al[0] + "()", (), [("builtins", "set")])
    return Rep(
        lambda kids, al: "{" + ", ".join(kids) + "}",
        _sorted_elements(obj),
        (),
        lambda i: f"<element {i}>",
    )


def _frozenset(obj: frozenset[Any], ctx: Context) -> Rep:
    if not obj:
        return Rep(lambda kids, al: al[0] + "()", (), [("builtins", "frozenset")])
    return Rep(
        lambda kids, al: al[0] + "({" + ", ".join(kids) + "})",
        _sorted_elements(obj),
        [("builtins", "frozenset")],
        lambda i: f"<element {i}>",
    )


def _build_call(kids: list[str], aliases: list[str]) -> str:
    return aliases[0] + "(" + ", ".join(kids) + ")"


def _float(obj: float, ctx: Context) -> Rep:
    bits = struct.pack(">d", obj)
    if math.isinf(obj):
        text = "'inf'" if obj > 0 else "'-inf'"
    elif bits == struct.pack(">d", float("nan")):
        text = "'nan'"
    elif bits == struct.pack(">d", float("-nan")):
        text = "'-nan'"
    else:  # a NaN with a payload: only pickle keeps every bit
        return _pickle(obj, ctx)
    return Rep(lambda kids, al: f"{al[0]}({text})", (), [("builtins", "float")])


def _complex(obj: complex, ctx: Context) -> Rep:
    # complex(re, im) with float parts keeps -0.0, nan and inf; the repr '(-0-2j)' does not
    return Rep(
        _build_call,
        [obj.real, obj.imag],
        [("builtins", "complex")],
        lambda i: (".real", ".imag")[i],
    )


def _range(obj: range, ctx: Context) -> Rep:
    return Rep(
        _build_call,
        [obj.start, obj.stop, obj.step],
        [("builtins", "range")],
        lambda i: (".start", ".stop", ".step")[i],
    )


def _slice(obj: slice, ctx: Context) -> Rep:
    return Rep(
        _build_call,
        [obj.start, obj.stop, obj.step],
        [("builtins", "slice")],
        lambda i: (".start", ".stop", ".step")[i],
    )


def _bytearray(obj: bytearray, ctx: Context) -> Rep:
    text = repr(bytes(obj))
    return Rep(lambda kids, al: f"{al[0]}({text})", (), [("builtins", "bytearray")])


def _ellipsis(obj: Any, ctx: Context) -> Rep:
    return Rep(lambda kids, al: "...")


REGISTRY.update(
    {
        list: _list,
        tuple: _tuple,
        dict: _dict,
        set: _set,
        frozenset: _frozenset,
        float: _float,
        complex: _complex,
        range: _range,
        slice: _slice,
        bytearray: _bytearray,
        type(Ellipsis): _ellipsis,
    }
)


# --------------------------------------------------------------------------- subclasses


def _plain_subclass(obj: Any, base: type) -> bool:
    """True if ``type(obj)(base_value)`` rebuilds ``obj``: no own constructor, no attributes."""
    t = type(obj)
    return (
        t.__init__ is base.__init__  # type: ignore[misc]
        and t.__new__ is base.__new__
        and not getattr(obj, "__dict__", None)
    )


def _wrap(inner: Build, t: type) -> Build:
    rest = "".join("." + part for part in _class_path(t)[1])

    def build(kids: list[str], aliases: list[str]) -> str:
        return aliases[0] + rest + "(" + inner(kids, aliases) + ")"

    return build


def _dict_subclass(obj: dict[Any, Any], ctx: Context) -> Rep | None:
    import collections

    t = type(obj)
    children, label = _dict_children(obj)
    if t is collections.defaultdict:
        factory = obj.default_factory
        return Rep(
            _wrap(lambda kids, al: f"{kids[0]}, {_build_dict(kids[1:], al)}", t),
            [factory, *children],
            [_type_import(t)],
            lambda i: ".default_factory" if i == 0 else label(i - 1),
        )
    if t in (collections.OrderedDict, collections.Counter) or _plain_subclass(obj, dict):
        return Rep(_wrap(_build_dict, t), children, [_type_import(t)], label)
    return None


def _list_subclass(obj: list[Any], ctx: Context) -> Rep | None:
    if not _plain_subclass(obj, list):
        return None
    return Rep(_wrap(_build_list, type(obj)), list(obj), [_type_import(type(obj))], _seq_label)


def _tuple_subclass(obj: tuple[Any, ...], ctx: Context) -> Rep | None:
    t = type(obj)
    fields = getattr(t, "_fields", None)
    if isinstance(fields, tuple) and hasattr(t, "_make") and not getattr(obj, "__dict__", None):
        # namedtuple: its constructor takes the fields positionally
        return Rep(
            _wrap(lambda kids, al: ", ".join(kids), t),
            tuple(obj),
            [_type_import(t)],
            lambda i: f".{fields[i]}",
        )
    if not _plain_subclass(obj, tuple):
        return None
    return Rep(_wrap(_build_tuple, t), tuple(obj), [_type_import(t)], _seq_label)


def _set_subclass(obj: set[Any] | frozenset[Any], ctx: Context) -> Rep | None:
    base = frozenset if isinstance(obj, frozenset) else set
    if not _plain_subclass(obj, base):
        return None
    return Rep(
        _wrap(lambda kids, al: "{" + ", ".join(kids) + "}" if kids else "", type(obj)),
        _sorted_elements(obj),
        [_type_import(type(obj))],
        lambda i: f"<element {i}>",
    )


def _enum_member(obj: Any, ctx: Context) -> Rep | None:
    t = type(obj)
    if getattr(t, obj.name, None) is not obj:
        return None
    imp, rest = _class_path(t)
    rest = [*rest, obj.name]
    return Rep(lambda kids, al: ".".join([al[0], *rest]), (), [imp])


def _type_import(t: type) -> Import:
    return _class_path(t)[0]


def _class_path(t: type) -> tuple[Import, list[str]]:
    """The import of a class's outermost name and the attribute path to the class."""
    try:
        module, qualname = find_import(t)
    except LookupError as err:
        raise UnarchivableError(t.__qualname__, "?", str(err)) from None
    first, *rest = qualname.split(".")
    return (module, first), rest


def _register_subclasses() -> None:
    import enum

    SUBCLASS_REGISTRY.update(
        {
            dict: _dict_subclass,
            list: _list_subclass,
            tuple: _tuple_subclass,
            set: _set_subclass,
            frozenset: _set_subclass,
            enum.Enum: _enum_member,
        }
    )


_register_subclasses()


# --------------------------------------------------------------------------- user classes


def _user(obj: Any, ctx: Context) -> Rep | None:
    found = user_hook(obj)
    if found is None:
        return None
    rep, args, imports = found
    return UserRep(rep, args, imports, type(obj).__qualname__)


def user_hook(obj: Any) -> tuple[str, dict[str, Any], list[tuple[str, str | None, str]]] | None:
    """Call ``obj.archive_1()`` (or ``get_persistent_rep(env)``); ``None`` if it has neither.

    Raises :class:`~archived.errors.UnarchivableError` when the hook fails or returns
    something other than ``(rep, args, imports)``.

    >>> class A:
    ...     def archive_1(self):
    ...         return ("A()", {}, [("m", "A", "A")])
    >>> user_hook(A())
    ('A()', {}, [('m', 'A', 'A')])
    """
    if isinstance(obj, type):
        return None  # a class with an archive_1 method is itself archived by import
    for hook in ("archive_1", "get_persistent_rep"):
        method = getattr(obj, hook, None)
        if callable(method):
            return _call_hook(obj, hook, method)
    return None


def _call_hook(
    obj: Any, hook: str, method: Callable[..., Any]
) -> tuple[str, dict[str, Any], list[tuple[str, str | None, str]]]:
    type_name = type(obj).__qualname__
    try:
        required = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        required = []
    try:
        result = method({}) if required else method()
    except Exception as err:
        raise UnarchivableError(type_name, "?", f"its {hook}() raised {err!r}") from err
    ok = (
        isinstance(result, tuple)
        and len(result) == 3
        and isinstance(result[0], str)
        and isinstance(result[1], dict)
        and all(isinstance(k, str) and k.isidentifier() for k in result[1])
        and isinstance(result[2], (list, tuple))
        and all(isinstance(i, tuple) and len(i) == 3 for i in result[2])
    )
    if not ok:
        raise UnarchivableError(
            type_name, "?", f"its {hook}() returned {result!r:.80}, expected (rep, args, imports)"
        )
    rep, args, imports = result
    return rep, args, [tuple(i) for i in imports]


# --------------------------------------------------------------------------- numpy


def object_array(items: list[Any], shape: tuple[int, ...]) -> Any:
    """Rebuild a numpy array of dtype object from its elements (C order) and shape.

    Archives of object arrays call this, so the elements are archived as a graph.

    >>> object_array([1, [2], None], (3,))
    array([1, list([2]), None], dtype=object)
    """
    import numpy as np

    a = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        a[i] = x  # element-wise: a slice assignment would broadcast nested lists
    return a.reshape(shape)


def _numpy(obj: Any, ctx: Context) -> Rep | None:
    np = sys.modules.get("numpy")
    if np is None:
        return None
    if type(obj) is np.ndarray:
        return _ndarray(obj, ctx, np)
    if isinstance(obj, np.generic):
        from .arrays import inline_scalar

        text, imports = inline_scalar(obj)
        return ExprRep(text, list(imports))
    return None


def _ndarray(a: Any, ctx: Context, np: Any) -> Rep:
    if a.dtype == object:
        shape = a.shape

        def build(kids: list[str], aliases: list[str]) -> str:
            return f"{aliases[0]}([{', '.join(kids)}], {shape!r})"

        return Rep(
            build,
            list(a.ravel(order="C")),
            [("archived.reps", "object_array")],
            lambda i: f"[{np.unravel_index(i, shape) if shape else ()}]",
        )
    if a.size > ctx.array_threshold:
        import os

        key = ctx.store_array(a)
        name = os.path.basename(os.fspath(ctx.datafile or ""))
        return ExprRep(
            f"_load_array({name!r}, {key!r})", [("archived.arrays", "load_array", "_load_array")]
        )
    from .arrays import inline_array

    found = inline_array(a)
    if found is None:  # pragma: no cover - inline_array only declines object arrays
        return _pickle(a, ctx)
    text, imports = found
    return ExprRep(text, list(imports))


# --------------------------------------------------------------------------- imports

_IMPORTABLE = (
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
    types.MethodWrapperType,
)


def _importable(obj: Any, ctx: Context) -> Rep | None:
    if isinstance(obj, types.ModuleType):
        return Rep(lambda kids, al: al[0], (), [(obj.__name__, None)])
    owner = getattr(obj, "__self__", None)
    if (
        isinstance(obj, (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType))
        and owner is not None
        and not isinstance(owner, types.ModuleType)
    ):
        name = obj.__name__

        def build(kids: list[str], aliases: list[str]) -> str:
            base = kids[0] if kids[0].replace(".", "").isidentifier() else f"({kids[0]})"
            return f"{base}.{name}"

        return Rep(build, [owner], (), lambda i: ".__self__")
    if not isinstance(obj, _IMPORTABLE) and not isinstance(
        getattr(obj, "__qualname__", None), str
    ):
        return None
    try:
        module, qualname = find_import(obj)
    except LookupError as err:
        if isinstance(obj, _IMPORTABLE):
            raise UnarchivableError(type(obj).__qualname__, "?", str(err)) from None
        return None
    first, *rest = qualname.split(".")
    return Rep(lambda kids, al: ".".join([al[0], *rest]), (), [(module, first)])


def find_import(obj: Any) -> tuple[str, str]:
    """Return ``(module, qualname)`` such that importing gives back ``obj`` itself.

    Raises ``LookupError`` naming the object when it is not importable (a lambda, a class
    defined inside a function, ...).

    >>> import os.path
    >>> find_import(os.path.join)[1], find_import(dict.fromkeys.__func__ if False else dict)
    ('join', ('builtins', 'dict'))
    """
    module = getattr(obj, "__module__", None)
    if module is None and hasattr(obj, "__objclass__"):
        module = obj.__objclass__.__module__
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(qualname, str):
        raise LookupError(f"{obj!r:.60} has no name to import it by")
    if "<" in qualname:
        raise LookupError(f"{qualname} is defined inside a function and cannot be imported")
    if isinstance(module, str) and _resolve(module, qualname) is obj:
        return module, qualname
    # the declared module may be private (e.g. numpy's): look where it is re-exported
    for name in sorted(sys.modules):
        if name != module and _resolve(name, qualname, load=False) is obj:
            return name, qualname
    raise LookupError(f"{module}.{qualname} cannot be imported back as the same object")


_MISSING = object()


def _resolve(module: str, qualname: str, load: bool = True) -> Any:
    mod = sys.modules.get(module)
    if mod is None and load:
        try:
            mod = importlib.import_module(module)
        except Exception:
            return _MISSING
    if mod is None:
        return _MISSING
    obj: Any = mod
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except Exception:
            return _MISSING
    return obj


# --------------------------------------------------------------------------- repr, pickle


def _by_repr(obj: Any, ctx: Context) -> Rep | None:
    """Use ``repr(obj)`` when it names importable things and evaluates back equal."""
    try:
        text = repr(obj)
        tree = ast.parse(text, mode="eval") if text and not text.startswith("<") else None
    except Exception:
        return None
    if tree is None:
        return None
    resolver = _ReprNames(type(obj))
    try:
        tree = resolver.visit(tree)
        value = eval(compile(tree, "<repr>", "eval"), {"__builtins__": {}}, resolver.env)
        same = type(value) is type(obj) and bool(value == obj)
    except Exception:
        return None
    if not same:
        return None
    return ExprRep(ast.unparse(tree), resolver.imports)


class _ReprNames(ast.NodeTransformer):
    """Replace names in a repr by import aliases; fail (LookupError) on unknown names."""

    def __init__(self, t: type) -> None:
        self.t = t
        self.env: dict[str, Any] = {}
        self.imports: list[tuple[str, str | None, str]] = []

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        dotted = _dotted(node)
        if dotted is None:
            self.generic_visit(node)
            return node
        return self._replace(dotted)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self._replace(node.id)

    def _replace(self, dotted: str) -> ast.expr:
        target = self._lookup(dotted)
        if isinstance(target, types.ModuleType):
            module, first, rest = target.__name__, None, []
            alias = "_" + module.rsplit(".", 1)[-1]
        else:
            module, qualname = find_import(target)
            first, *rest = qualname.split(".")
            alias = "_" + first
        if alias not in self.env:
            self.env[alias] = _resolve(module, first) if first else target
            self.imports.append((module, first, alias))
        return ast.parse(".".join([alias, *rest]), mode="eval").body

    def _lookup(self, dotted: str) -> Any:
        t = self.t
        if dotted in (t.__name__, t.__qualname__):
            return t
        root, _, rest = dotted.partition(".")
        for module, name in ((root, rest), (t.__module__, dotted), ("builtins", dotted)):
            if module == root and not rest:
                continue
            found = _resolve(module, name, load=False) if name else sys.modules.get(module)
            if found is not _MISSING and found is not None:
                return found
        raise LookupError(dotted)


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _pickle(obj: Any, ctx: Context) -> Rep:
    try:
        data = pickle.dumps(obj, protocol=4)
    except Exception as err:
        raise UnarchivableError(type(obj).__qualname__, "?", f"cannot pickle it: {err}") from None
    return ExprRep(f"_loads({data!r})", [("pickle", "loads", "_loads")])


def _subclass(obj: Any, ctx: Context) -> Rep | None:
    for base in type(obj).__mro__[1:]:
        handler = SUBCLASS_REGISTRY.get(base)
        if handler is not None:
            return handler(obj, ctx)
    return None


_RULES: list[Handler] = [_user, _numpy, _importable, _subclass, _by_repr, _pickle]


def rep_for(obj: Any, ctx: Context) -> Rep:
    """The representation of ``obj`` (see the module docstring for the lookup order).

    Raises :class:`~archived.errors.UnarchivableError` (path ``?``, filled in by the
    archive) when nothing can represent it.

    >>> rep_for({1: "a"}, Context()).children
    [1, 'a']
    """
    handler = REGISTRY.get(type(obj))
    if handler is not None:
        rep = handler(obj, ctx)
        if rep is not None:
            return rep
    for rule in _RULES:
        rep = rule(obj, ctx)
        if rep is not None:
            return rep
    raise UnarchivableError(type(obj).__qualname__, "?")  # pragma: no cover - pickle raises
