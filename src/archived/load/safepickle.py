"""Pickle payloads in a safe load: only allow-listed classes and constants.

The engine writes what has no source form as ``_loads(b'...')`` (a numpy dtype, a
datetime with a time zone, a NaN float with a payload).  Unpickling runs code only
through the globals a payload names (``GLOBAL``/``STACK_GLOBAL``/``INST``) and the
extension registry, so a safe load (without ``allow_pickle``) accepts a payload only
if every global it names is an allow-listed constructor (called through its guard) or
a plain constant of an allowed module, and refuses extensions and persistent ids.

Payloads are checked twice: :func:`pickle_refusal` reads the opcodes before anything
is evaluated, and :func:`restricted_loads` refuses again in ``find_class`` while
unpickling, so a payload that hides a name from the first check still cannot load it.

>>> import pickle, numpy as np
>>> from archived.load.allowlist import Policy
>>> restricted_loads(pickle.dumps(np.dtype('>f4')), Policy())
dtype('>f4')
>>> pickle_refusal(pickle.dumps(print), Policy())
"a pickle payload naming 'builtins.print' (pickle can run any code; ..."
"""

from __future__ import annotations

import importlib
import io
import pickle
import pickletools
from typing import TYPE_CHECKING, Any

from ..errors import UnsafeArchiveError

if TYPE_CHECKING:
    from .allowlist import Policy

__all__ = ["pickle_refusal", "restricted_loads"]

_TAIL = "(pickle can run any code; pass allow_pickle=True only for archives you trust)"
_NEVER = frozenset({"EXT1", "EXT2", "EXT4", "PERSID", "BINPERSID"})
_STRINGS = frozenset(
    {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "SHORT_BINSTRING"}
)
_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_GETS = frozenset({"GET", "BINGET", "LONG_BINGET"})


def pickle_refusal(payload: object, policy: Policy) -> str | None:
    """Why ``payload`` may not be unpickled under ``policy``, or None if it may.

    >>> import pickle, datetime
    >>> from archived.load.allowlist import Policy
    >>> pickle_refusal(pickle.dumps(datetime.timezone.utc), Policy()) is None
    True
    """
    if not isinstance(payload, bytes):
        return f"a pickle payload that is not a bytes literal {_TAIL}"
    try:
        ops = list(pickletools.genops(payload))
    except Exception as err:  # a malformed payload: refuse rather than let pickle try
        return f"a malformed pickle payload ({err}) {_TAIL}"
    pushed: list[Any] = []  # what each opcode pushed, enough to see STACK_GLOBAL's names
    memo: dict[Any, Any] = {}
    for op, arg, _pos in ops:
        name = op.name
        if name in _NEVER:
            return f"a pickle payload using {name} {_TAIL}"
        if name in ("GLOBAL", "INST"):
            module, _, attr = str(arg).partition(" ")
        elif name == "STACK_GLOBAL":
            names = pushed[-2:]
            if len(names) != 2 or not all(isinstance(n, str) for n in names):
                return f"a pickle payload naming a global indirectly {_TAIL}"
            module, attr = names
        else:
            if name in _STRINGS:
                pushed.append(arg)
            elif name == "MEMOIZE":
                memo[len(memo)] = pushed[-1] if pushed else None
            elif name in _PUTS:
                memo[arg] = pushed[-1] if pushed else None
            elif name in _GETS:
                pushed.append(memo.get(arg))
            elif op.stack_after:
                pushed.append(None)
            continue
        pushed.append(None)
        if not _global_allowed(module, attr, policy):
            return f"a pickle payload naming {module + '.' + attr!r} {_TAIL}"
    return None


def restricted_loads(payload: bytes, policy: Policy) -> Any:
    """Unpickle ``payload``, resolving only the globals :func:`pickle_refusal` allows.

    >>> from archived.load.allowlist import Policy
    >>> restricted_loads(b'cos\\nsystem\\n(S"true"\\ntR.', Policy())
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: a pickle payload naming 'os.system' ...
    """
    refusal = pickle_refusal(payload, policy)
    if refusal is not None:
        raise UnsafeArchiveError(None, refusal)
    return _Unpickler(io.BytesIO(payload), policy).load()


def _global_allowed(module: str, name: str, policy: Policy) -> bool:
    """An allow-listed constructor, or a constant (not callable) of an allowed module."""
    if "." in name or not policy.module_allowed(module) or module == "pickle":
        return False
    if policy.static_callable(module, (name,)):
        return True
    if not policy.allowed_import(module, name):
        return False
    value = vars(importlib.import_module(module)).get(name)  # an allow-listed module
    return value is not None and not callable(value)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, policy: Policy) -> None:
        super().__init__(file)
        self.policy = policy

    def find_class(self, module: str, name: str) -> Any:
        refused = UnsafeArchiveError(
            None, f"a pickle payload naming {module + '.' + name!r} {_TAIL}"
        )
        if not _global_allowed(module, name, self.policy):
            raise refused
        mod = importlib.import_module(module)
        value = getattr(mod, name) if self.policy.user_module(module) else vars(mod).get(name)
        if value is None:
            raise refused
        if not callable(value):
            return value  # a constant such as NotImplemented or math.pi
        guarded = self.policy.guarded(value)
        if guarded is None:
            raise refused
        return guarded
