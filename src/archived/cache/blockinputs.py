"""Telling a user that a block answered with a result computed from other inputs.

A block's key holds its place, its code and its parameters (see
:mod:`archived.cache.blockinfo`); what else it reads (a loop variable, data loaded above
it) is not in the key, as a function's globals are not.  So in

    for mu in mus:
        with archived(path, n=10) as rec:
            if not rec.cached:
                rec.result = simulate(mu, rec.parameters["n"])

every ``mu`` after the first answers with the first one's result, silently.  On each
entry :func:`check_inputs` digests the values of the variables the block's code reads
and does not set itself (modules, functions, classes aside, and values holding over
64 MiB of arrays and texts or over 10,000 items, counted in all they hold: a digest on
every entry must cost less than the hit); when the same block
enters again in the same process with the same key, finds its result stored, and one
of those values has changed since, it warns with a
:class:`~archived.errors.BlockInputWarning` naming the variables, once per block and
variable.  Nothing is compared across processes (the digests are not stored).

>>> import linecache
>>> lines = ["for mu in mus:\\n", "    with archived(path, n=10) as rec:\\n",
...          "        rec.result = simulate(mu, rec.parameters['n'])\\n"]
>>> linecache.cache["<loop>"] = (0, None, lines, "<loop>")
>>> _read_names("<loop>", 2)  # what the with statement at line 2 reads
('archived', 'mu', 'path', 'simulate')
"""

from __future__ import annotations

import ast
import functools
import types
import warnings
from typing import Any

from .._usercode import user_stacklevel
from ..errors import BlockInputWarning
from .blockinfo import with_statement_source
from .hashing import hash_value

__all__ = ["check_inputs"]

# (store, block identity, key) -> {variable: digest of its value} at the last entry
_SEEN: dict[tuple[str, str, str], dict[str, str]] = {}
# (store, block identity, variable) already warned about in this process
_WARNED: set[tuple[str, str, str]] = set()


def check_inputs(
    frame: types.FrameType, store: str, identity: str, key: str, entry: str | None, cached: bool
) -> None:
    """Digest the inputs of the block running in ``frame`` (stopped at its ``with``)
    and warn if a stored result answers it while one of them changed since the last
    entry of this block with this key in this process."""
    names = _read_names(frame.f_code.co_filename, frame.f_lineno)
    if not names:
        return
    now: dict[str, str] = {}
    for name in names:
        if name in frame.f_locals:
            value = frame.f_locals[name]
        elif name in frame.f_globals:
            value = frame.f_globals[name]
        else:
            continue  # a builtin, or not set yet
        try:  # never an error in the user's block: a value that cannot be told is skipped
            if isinstance(value, (types.ModuleType, type)) or callable(value):
                continue  # code, not data: its version is not this check's business
            if _costly(value):
                continue  # a digest on every entry would cost more than the hit
            now[name] = hash_value(value)
        except Exception:  # a value with no key (an open file), or no size: not compared
            continue
    mark = (store, identity, key)
    before = _SEEN.get(mark)
    _SEEN[mark] = now
    if not cached or before is None:
        return
    changed = [
        name
        for name, digest in now.items()
        if before.get(name, digest) != digest and (store, identity, name) not in _WARNED
    ]
    if changed:
        _WARNED.update((store, identity, name) for name in changed)
        _warn(identity, entry, changed)


_MAX_BYTES = 64 << 20  # an array digested on each entry: about 10 ms at most
_MAX_ITEMS = 10_000  # a container walked in Python on each entry


def _costly(value: Any) -> bool:
    """Whether digesting ``value`` on every entry of the block would be costly: big
    arrays (or pandas objects, a DataFrame included), strings or bytes, or many items,
    counted in all it holds (containers' items, plain objects' attributes: a dict or a
    dataclass holding a big array is as costly as the array); such a value is not
    compared.  May raise (a user's property): the caller skips it."""
    nbytes = items = 0
    seen: set[int] = set()
    todo = [value]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        kind = type(item)
        if kind is dict:
            inside: Any = item.values()  # (its keys: numbers and names, as a rule)
        elif kind is list or kind is tuple:
            inside = item
        else:
            size = _own_bytes(item)
            if size is not None:  # an array, a frame, a text: digested whole, not walked
                nbytes += size
                if nbytes > _MAX_BYTES:
                    return True
                continue
            inside = _held(item)
        items += len(inside)
        if items > _MAX_ITEMS:
            return True
        for held in inside:  # (numbers and names, most items, are counted here)
            held_kind = type(held)
            if held_kind in _NUMBERS:
                continue
            if held_kind is str:
                nbytes += len(held)
                continue
            todo.append(held)
        if nbytes > _MAX_BYTES:
            return True
    return False


_NUMBERS = frozenset({int, float, complex, bool, type(None)})


def _own_bytes(value: Any) -> int | None:
    """The bytes of an array, a pandas object, a string or bytes; None for others."""
    # asked of the class first: an instance's __getattr__ (a config read by attribute,
    # dict.__getitem__) would run for a name the value does not have
    if isinstance(value, (str, bytes, bytearray)):
        return len(value)
    nbytes = value.nbytes if hasattr(type(value), "nbytes") else None
    if nbytes is None and hasattr(type(value), "memory_usage"):  # a pandas DataFrame
        nbytes = int(value.memory_usage(index=True, deep=False).sum())
    return nbytes if isinstance(nbytes, int) else None


def _held(value: Any) -> list[Any]:
    """What ``value`` holds that its digest walks: a container's items (a dict's keys
    and values), a plain object's attributes (read from its ``__dict__``, no property or
    ``__getattr__`` run); nothing for the rest."""
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if isinstance(value, (types.ModuleType, type)) or callable(value):
        return []
    if hasattr(type(value), "__archived_key__"):
        return []  # its digest is of the key it gives, not of what it holds
    try:
        attributes = object.__getattribute__(value, "__dict__")
    except (AttributeError, TypeError):
        return []
    return list(attributes.values()) if type(attributes) is dict else []


@functools.lru_cache(maxsize=256)
def _read_names(filename: str, line: int) -> tuple[str, ...]:
    """The variables the ``with`` statement at ``line`` reads and never sets, sorted;
    none when its source cannot be read."""
    source = with_statement_source(filename, line)
    if source is None:
        return ()
    if source[:1] in (" ", "\t"):
        # still indented after dedent: a string's lines at the margin inside the block
        source = "if 1:\n" + source
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return tuple(sorted(read - bound))


def _warn(identity: str, entry: str | None, changed: list[str]) -> None:
    which = ", ".join(changed)
    verb = "has" if len(changed) == 1 else "have"
    warnings.warn(
        BlockInputWarning(
            f"the block {identity.removeprefix('block:')} found its result stored (entry "
            f"{entry}), but {which} {verb} changed since that result was found or computed "
            f"in this program: the block reads {which}, which its key does not hold (only "
            f"its parameters), so the result may be of the earlier value. Give {which} as "
            f"{'a parameter' if len(changed) == 1 else 'parameters'} (archived(path, "
            f"{changed[0]}={changed[0]}, ...)) to store a result for each value",
            changed,
        ),
        stacklevel=user_stacklevel(),
    )
