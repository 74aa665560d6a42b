"""Who a cached function is and which version of its code made a result.

* :func:`function_identity` names a function the same way in every process and run: its
  module and qualified name.  A function defined in a script run as ``__main__`` is named
  after the script's file, so running the script and importing it give the same keys.
  Where a module and qualified name do not tell functions apart, more is added: a
  nested function (``outer.<locals>.f``) gets the line of its ``def`` (two nested
  ``f`` of one function are two functions), and a lambda, or a function defined
  interactively (a REPL, a notebook cell, ``exec``), gets its :func:`code_fingerprint`:
  two lambdas of one module, or two notebook cells defining ``f``, are two functions.
  Neither depends on a process id, a temporary file name or a memory address, so the
  identity stays the same from one run of a script (or a notebook) to the next.
* :func:`code_version` is a short digest of the function's source text from its ``def`` line
  on (the decorator lines above it do not count, so moving a function to another store
  keeps its keys).  Any edit of the body, even of a comment, is a new version: nothing is
  normalized, so two versions are never confused.  Functions without source (built in a
  REPL or by ``exec``) are versioned by their :func:`code_fingerprint` instead.
* :func:`entry_prefix` turns a qualified name into the leading part of the store's entry
  names (an identifier that does not start with ``_``).

>>> import json
>>> function_identity(json.dumps)
'json.dumps'
>>> def f(x):
...     return x + 1
>>> len(code_version(f))
16
"""

from __future__ import annotations

import functools
import inspect
import linecache
import os
import re
import sys
import types
from collections.abc import Callable
from typing import Any

import xxhash

from .._format import short_name

__all__ = [
    "function_identity",
    "check_identifiable",
    "code_version",
    "code_fingerprint",
    "source_runs",
    "short_name",
    "interactive_code",
    "entry_prefix",
    "ArgumentBinder",
]


def function_identity(func: Callable[..., Any]) -> str:
    """Return ``"<module>.<qualname>"`` for ``func``, with ``__main__`` named after its file,
    plus ``@<line>`` for a nested function and ``#<fingerprint>`` for a lambda or a
    function defined interactively.

    >>> import json
    >>> function_identity(json.dumps)
    'json.dumps'
    >>> square, cube = (lambda x: x * x), (lambda x: x**3)
    >>> function_identity(square) != function_identity(cube)
    True
    >>> function_identity(square).split("#")[0]
    '...<lambda>'
    """
    module = getattr(func, "__module__", None) or "unknown"
    if module == "__main__":
        module = _script_name(func)
    qualname: str = (
        getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or "function"
    )
    base = f"{module}.{qualname}"
    code = getattr(inspect.unwrap(func), "__code__", None)
    if code is None:
        return base
    if "<lambda>" in qualname or _interactive(func, code):
        return f"{base}#{code_fingerprint(code)[:12]}"
    if "<locals>" in qualname:
        return f"{base}@{code.co_firstlineno}"
    return base


def check_identifiable(func: Callable[..., Any]) -> None:
    """Refuse a callable whose calls' keys could not tell it from another of its kind.

    A function, class or module-level builtin is named by its identity; a method
    decorated in its class has ``self`` among its arguments, keyed by its state.  A
    method already bound to an object (``model.run``), an object called as a function
    (its class's ``__call__``) or a ``functools.partial`` carries state no key would hold:
    ``Model(2).run`` and ``Model(5).run`` would share results.

    >>> import functools
    >>> check_identifiable(functools.partial(max, 0))
    Traceback (most recent call last):
        ...
    TypeError: @archived cannot cache a functools.partial object: ...
    """
    target = inspect.unwrap(func)
    if inspect.isfunction(target) or inspect.isclass(target):
        return
    if inspect.isbuiltin(target) and (
        target.__self__ is None or isinstance(target.__self__, types.ModuleType)
    ):
        return  # abs, math.sqrt; a bound builtin method ([].append) has its own state
    kind = type(target)
    if kind.__name__ == "ufunc" and kind.__module__ == "numpy":
        return
    in_class = (
        "decorate the method in its class (@archived(path) above its def: self is then "
        "an argument, keyed by its state), or a function taking the object as an argument"
    )
    if inspect.ismethod(target) or inspect.isbuiltin(target):
        owner = type(target.__self__)
        what = f"method bound to a {owner.__module__}.{owner.__qualname__} object"
        advice = in_class
    elif isinstance(target, functools.partial):
        what = "functools.partial object"
        advice = "decorate the function it wraps and pass the arguments it binds"
    else:
        what = f"{kind.__module__}.{kind.__qualname__} object"
        advice = in_class.replace("the method", "its __call__")
    raise TypeError(
        f"@archived cannot cache a {what}: that object is not part of its calls' keys, "
        f"so two such objects would share results; {advice}"
    )


def code_fingerprint(code: types.CodeType) -> str:
    """16 hex digits of what a code object does: its bytecode, constants (nested code
    included), names and argument layout; not its file name or line numbers, so the
    same code defined anywhere, in any run, has the same fingerprint (within one Python
    version: bytecode changes between versions).

    >>> f = lambda x: x + 1  # noqa: E731
    >>> g = lambda x: x + 1  # noqa: E731
    >>> code_fingerprint(f.__code__) == code_fingerprint(g.__code__)
    True
    >>> code_fingerprint(f.__code__) == code_fingerprint((lambda x: x + 2).__code__)
    False
    """
    hasher = xxhash.xxh3_64()
    _feed_code(hasher, code)
    return hasher.hexdigest()


def _feed_code(hasher: Any, code: types.CodeType) -> None:
    parts = (
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags,
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
    )
    hasher.update(repr(parts).encode("utf-8", "surrogatepass"))
    hasher.update(len(code.co_code).to_bytes(8, "little") + code.co_code)
    for const in code.co_consts:
        _feed_const(hasher, const)


def _feed_const(hasher: Any, const: Any) -> None:
    if isinstance(const, types.CodeType):
        hasher.update(b"<code>")
        _feed_code(hasher, const)
    elif isinstance(const, (tuple, frozenset)):
        items = list(const)
        if isinstance(const, frozenset):  # its iteration order depends on the hash seed
            items.sort(key=repr)
        hasher.update(f"<{type(const).__name__} {len(items)}>".encode())
        for item in items:
            _feed_const(hasher, item)
    else:
        text = repr(const) if not isinstance(const, float) else const.hex()
        data = f"{type(const).__name__}:{text}".encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "little") + data)


def code_version(func: Callable[..., Any]) -> str:
    """Return 16 hex digits identifying the source of ``func`` (its compiled code if none).

    >>> def g(x):
    ...     return x
    >>> code_version(g) == code_version(g)
    True
    """
    target = inspect.unwrap(func)
    try:
        lines, _ = inspect.getsourcelines(target)
        if not _source_runs(target):
            lines = []  # the file was edited since it was loaded: not this code's source
    except (OSError, TypeError):
        lines = []
    if not lines:
        code = getattr(target, "__code__", None)
        if code is None:
            raise TypeError(
                f"cannot read the source of {function_identity(func)!r} to version its "
                "results; pass version='...' to pin one"
            ) from None
        data = b"code:" + code_fingerprint(code).encode()  # never its file name: see there
    else:
        data = b"source:" + "".join(_without_decorators(lines)).encode("utf-8")
    return xxhash.xxh3_64_hexdigest(data)


def _source_runs(func: Callable[..., Any]) -> bool:
    code = getattr(func, "__code__", None)
    if code is None or interactive_code(code.co_filename, getattr(func, "__module__", None)):
        return True  # no file that can change under it
    return source_runs(code.co_filename, code)


def source_runs(filename: str, code: types.CodeType) -> bool:
    """Whether ``code`` (running now) was compiled from the text ``filename`` has now.

    A file edited while a program runs holds the source of the next version, not of the
    code that runs: a result versioned by that source would be returned to the edited
    code, which was never run.  Compiled again, the file must give ``code`` exactly
    (bytecode, constants and line numbers), else the source is not this code's.

    >>> code = source_runs.__code__
    >>> source_runs(code.co_filename, code), source_runs("<stdin>", code)
    (True, False)
    """
    lines = linecache.getlines(filename)
    if not lines:
        return False
    # a block in a loop asks again and again: linecache keeps the same list until it
    # reads the file again, so (code, lines) answered once is answered for good (the
    # objects are held, so their ids cannot be reused); hashing a big module's code
    # and digesting its text cost milliseconds
    key = (id(code), id(lines))
    known = _ANSWERS.get(key)
    if known is not None and known[0] is code and known[1] is lines:
        return known[2]
    text = "".join(lines)
    digest = xxhash.xxh3_64_hexdigest(text.encode("utf-8", "surrogatepass"))
    runs = code in _compiled_codes(filename, digest, text)
    if len(_ANSWERS) >= 256:
        _ANSWERS.pop(next(iter(_ANSWERS)))
    _ANSWERS[key] = (code, lines, runs)
    return runs


_ANSWERS: dict[tuple[int, int], tuple[types.CodeType, list[str], bool]] = {}
_COMPILED: dict[tuple[str, str], frozenset[types.CodeType]] = {}


def _compiled_codes(filename: str, digest: str, text: str) -> frozenset[types.CodeType]:
    """Every code object compiling ``text`` gives (cached by its file and digest)."""
    key = (filename, digest)
    found = _COMPILED.get(key)
    if found is None:
        codes: set[types.CodeType] = set()
        try:
            todo = [compile(text, filename, "exec", dont_inherit=True)]
        except (SyntaxError, ValueError):
            todo = []
        while todo:
            code = todo.pop()
            codes.add(code)
            todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        if len(_COMPILED) >= 64:
            _COMPILED.pop(next(iter(_COMPILED)))
        found = _COMPILED[key] = frozenset(codes)
    return found


def entry_prefix(qualname: str) -> str:
    """Return an entry-name prefix for a qualified name: an identifier not starting with _.

    >>> entry_prefix("Model.fit")
    'Model_fit'
    >>> entry_prefix("outer.<locals>.inner")
    'outer_inner'
    >>> entry_prefix("_private")
    'private'
    """
    name = re.sub(r"\W+", "_", qualname.replace(".<locals>", "")).strip("_")
    if not name or not name[0].isalpha():
        name = "f_" + name
    return name


class ArgumentBinder:
    """Bind call arguments to a signature with defaults applied, as a name -> value dict.

    Plain signatures (no positional-only or variadic parameters), the common case for
    experiment functions, take a fast path; anything else, including every binding error,
    goes through :meth:`inspect.Signature.bind`, so errors read as Python's own.

    >>> import inspect
    >>> def f(x, y=2, *, z=3):
    ...     pass
    >>> bind = ArgumentBinder(inspect.signature(f))
    >>> bind((1,), {"z": 4}), bind((), {"x": 1})
    ({'x': 1, 'y': 2, 'z': 4}, {'x': 1, 'y': 2, 'z': 3})
    >>> bind((1, 2, 3), {})
    Traceback (most recent call last):
        ...
    TypeError: too many positional arguments
    """

    def __init__(self, signature: inspect.Signature) -> None:
        self.signature = signature
        params = list(signature.parameters.values())
        plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        self.plain = all(p.kind in plain for p in params)
        self.positional = [
            p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ]
        self.names = [p.name for p in params]
        self.defaults = {p.name: p.default for p in params if p.default is not p.empty}
        # every parameter positional-or-keyword: a call giving them all by position
        # (the common one) binds them in order
        self.all_positional = self.plain and len(self.positional) == len(self.names)

    def __call__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if not kwargs and self.all_positional and len(args) == len(self.names):
            return dict(zip(self.names, args))  # noqa: B905 (one length: checked just above)
        if self.plain and len(args) <= len(self.positional):
            given = dict(zip(self.positional, args, strict=False))
            if not any(k in given or k not in self.signature.parameters for k in kwargs):
                given.update(kwargs)
                defaults = self.defaults
                try:
                    return {n: given[n] if n in given else defaults[n] for n in self.names}
                except KeyError:  # a parameter without value: let inspect say which
                    pass
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)


def _without_decorators(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("def ", "async def ", "class ")):
            return lines[i:]
    return lines


def _interactive(func: Callable[..., Any], code: types.CodeType) -> bool:
    return interactive_code(code.co_filename, getattr(func, "__module__", None))


def interactive_code(filename: str, module: str | None) -> bool:
    """Whether code compiled from ``filename`` in module ``module`` was typed where no
    file names it: at a REPL prompt, in a notebook cell (its code names a temporary file
    that is not ``__main__``'s), by ``exec`` or ``compile`` of a string.

    >>> interactive_code("<stdin>", "__main__"), interactive_code(__file__, "json")
    (True, False)
    """
    if filename.startswith("<"):
        return True
    if module != "__main__":
        return False
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if not main_file:
        return True
    try:
        return not os.path.samefile(filename, main_file)
    except OSError:
        return True


def _script_name(func: Callable[..., Any]) -> str:
    try:
        path = inspect.getsourcefile(inspect.unwrap(func)) or ""
    except TypeError:
        path = ""
    if not path:
        path = getattr(sys.modules.get("__main__"), "__file__", "") or ""
    stem = script_stem(path)
    return stem if stem.isidentifier() else "__main__"


def script_stem(path: str) -> str:
    """The name a script's code is known by: its file's name without ``.py``, of the
    file a symbolic link ``path`` points to (a script linked into a run folder as
    ``today.py`` is still ``experiment.py``'s code, and its store is next to that file).

    >>> script_stem("/home/ada/project/experiment.py")
    'experiment'
    """
    if path and os.path.islink(path):
        path = os.path.realpath(path)
    return os.path.splitext(os.path.basename(path))[0]
