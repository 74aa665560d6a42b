"""Archives written under numpy 2, read under numpy 1.x.

The engine writes numpy's types by their names, and numpy scalars as calls of their type,
in the numpy it runs with.  Two things numpy 2 writes mean nothing to numpy 1.x:

* ``numpy.bool``, numpy 2's name of its boolean scalar type, which numpy 1.x calls
  ``numpy.bool_`` (numpy 2 keeps ``bool_`` as an alias, so archives written under numpy
  1.x load everywhere);
* a complex scalar written as ``complex64(re, im)``: numpy 1.x's complex types take one
  argument, so there the call is ``complex64(complex(re, im))``, which gives the same
  bits (``complex()`` keeps each float part exactly, signed zeros and nans included).

Under numpy 1.x the loaders read both forms that way; under numpy 2 nothing changes.

>>> numpy_name("float64")
'float64'
"""

from __future__ import annotations

import ast
import functools
import types
from typing import Any

__all__ = ["numpy_name", "numpy_scalar_args", "compile_for_installed_numpy"]

# numpy 2 name -> numpy 1.x name of the same object
_NUMPY_2_ONLY = {"bool": "bool_"}


def numpy_name(name: str) -> str:
    """The name, in the installed numpy, of what numpy 2 calls ``numpy.<name>``.

    >>> import numpy as np
    >>> getattr(np, numpy_name("bool")) is np.bool_
    True
    """
    if name in _NUMPY_2_ONLY and _numpy_1():
        return _NUMPY_2_ONLY[name]
    return name


def numpy_scalar_args(cls: type, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The arguments with which the installed numpy builds ``cls(*args)`` as numpy 2 does.

    >>> import numpy as np
    >>> complex(np.complex64(*numpy_scalar_args(np.complex64, (0.0, -1.0))))
    -1j
    """
    if len(args) == 2 and _numpy_1() and _is_complex_type(cls):
        return (complex(*args),)
    return args


def compile_for_installed_numpy(source: str, filename: str) -> types.CodeType | None:
    """``source`` compiled with numpy 2's forms spelled for numpy 1.x, or None when the
    installed numpy reads it as it is (numpy 2, or nothing to change).

    Line numbers are kept.

    >>> compile_for_installed_numpy("from numpy import float64 as _f\\nx = _f(1)", "<a>") is None
    True
    """
    if not ("from numpy import bool as" in source or "from numpy import c" in source):
        return None  # the complex types' names all start with c: complex64, csingle, ...
    if not _numpy_1():
        return None
    tree = ast.parse(source, filename)
    complex_aliases: set[str] = set()
    changed = False
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "numpy" and node.level == 0:
            for alias in node.names:
                if alias.name in _NUMPY_2_ONLY:
                    alias.asname = alias.asname or alias.name
                    alias.name = _NUMPY_2_ONLY[alias.name]
                    changed = True
                elif _is_complex_type(_numpy_attribute(alias.name)):
                    complex_aliases.add(alias.asname or alias.name)
    if complex_aliases:
        changed |= _ComplexCalls(complex_aliases).rewrite(tree)
    if not changed:
        return None
    return compile(ast.fix_missing_locations(tree), filename, "exec", dont_inherit=True)


class _ComplexCalls(ast.NodeTransformer):
    """``c(re, im)`` -> ``c(__import__('builtins').complex(re, im))`` for the complex
    types' aliases ``c`` (the builtin by a path no name in the archive can shadow)."""

    def __init__(self, aliases: set[str]) -> None:
        self.aliases = aliases
        self.changed = False

    def rewrite(self, tree: ast.Module) -> bool:
        self.visit(tree)
        return self.changed

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in self.aliases
            and len(node.args) == 2
            and not node.keywords
        ):
            builtins = ast.Call(ast.Name("__import__", ast.Load()), [ast.Constant("builtins")], [])
            make = ast.Attribute(builtins, "complex", ast.Load())
            node.args = [ast.copy_location(ast.Call(make, node.args, []), node)]
            self.changed = True
        return node


def _numpy_attribute(name: str) -> Any:
    import numpy as np

    return vars(np).get(name)


def _is_complex_type(t: Any) -> bool:
    import numpy as np

    return isinstance(t, type) and issubclass(t, np.complexfloating)


@functools.cache
def _numpy_1() -> bool:
    import numpy as np

    return int(np.__version__.split(".")[0]) < 2
